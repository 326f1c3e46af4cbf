# quality.mk: the quality gates (issue 10), included by the top Makefile.
#
#   make check-quality  what `make check` ends with: lint, fuzz seeds and
#                       regressions replayed, the vmm suite and a smoke run
#                       against build/memvisor-san, valgrind, coverage
#   make lint           cppcheck + clang-tidy on vmm/ and mm/ (.cppcheck/, .clang-tidy)
#   make fuzz           each libFuzzer harness for FUZZ_SECONDS (default 60);
#                       -j2 runs two at a time
#   make coverage       unit tests built with --coverage: gcovr summary, HTML
#                       in build/cov/html/index.html; fails if mm/ < 80% of lines
#   make valgrind       memcheck over a tiny-guest boot and the smoke run
#   make memvisor-san   memvisor under ASan+UBSan ($(BUILD)/memvisor-san)
#
# Every gate fails the build on a new finding; see README "Quality gates".

.PHONY: check-quality check-quality-host check-san-here valgrind-here lint lint-cppcheck lint-tidy fuzz fuzz-build fuzz-replay \
	coverage valgrind memvisor-san check-san

# ---- warnings ------------------------------------------------------------------
# vmm/ and mm/ (and the guest kernel, guest/guest.mk) are also clean under
# -Wconversion (implies -Wsign-conversion in C), so keep them so. tests/
# are not held to it: test code converts freely between sizes and counts
# and the casts would only add noise.
CONV_WARN := -Wconversion
$(BUILD)/host/vmm/%.o $(BUILD)/san/vmm/%.o $(BUILD)/host/mm/%.o $(BUILD)/san/mm/%.o: \
	HOST_CFLAGS += $(CONV_WARN)

# ---- sanitized memvisor -----------------------------------------------------------
# The same objects the unit tests use (build/san), plus main.c: costs one link.
MEMVISOR_SAN := $(BUILD)/memvisor-san
SAN_ENV := ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=86 \
	   UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=87
memvisor-san: $(MEMVISOR_SAN)
$(MEMVISOR_SAN): $(VMM_SRCS:%.c=$(BUILD)/san/%.o) $(VMM_MM_SRCS:%.c=$(BUILD)/san/%.o) \
		 $(REPORT_ASSETS_OBJ)
	@echo "  LD san  $@"
	$(Q)$(HOST_CC) $(HOST_CFLAGS) $(SAN) -o $@ $^ $(VMM_LIBS)

# The vmm suite (every boot path, exit status and error path of `run`),
# then the host-side smoke run below: control, pressure, stats, snapshots,
# show and diff. LeakSanitizer is on: a leak fails the run too.
# check-san and valgrind boot guests: each runs its -here twin through
# scripts/with-kvm (directly where /dev/kvm works, else in one helper VM).
check-san: $(MEMVISOR_SAN) $(BUILD)/integration-tests all
	$(Q)$(WITH_KVM) $(MAKE) --no-print-directory check-san-here
check-san-here:
	$(Q)$(SAN_ENV) $(CK_SLACK) MEMVISOR=$(MEMVISOR_SAN) KERNEL=$(KERNEL) BUILD=$(BUILD) CK_RUN_SUITE=vmm \
	  $(BUILD)/integration-tests
	@echo "  SAN     kernel: pressure, control, stats, snapshots, show, diff"
	$(Q)$(call smoke,$(SAN_ENV) $(MEMVISOR_SAN),$(BUILD)/san-smoke)

# smoke(RUNNER, DIR): boots the kernel with its initrd under a pressure
# schedule (balloon, a snapshot, stats), with the control socket, the stats
# stream and an exit snapshot, then runs show and diff on the snapshots.
# Each step's output goes to DIR/STEP.log; the guest's status must be 0,
# diff's 0 or 1 (the snapshots differ).
smoke_step = $(1) $(2) >$(3).log 2>&1; s=$$?; [ $$s -le $(4) ] || \
	{ tail -60 $(3).log; echo "$(3): status $$s"; exit 1; }
define smoke
rm -rf $(2) && mkdir -p $(2) && \
$(call smoke_step,$(1),run -m 128M --timeout 120 --control $(2)/ctl.sock \
  --stats $(2)/stats.jsonl:0.5 --snapshot-at exit --snapshot-prefix $(2)/snap \
  --pressure 1s:balloon=32M$(,)2s:snapshot=$(2)/mid.core$(,)2500ms:stats$(,)3s:balloon=0 \
  --initrd $(BUILD)/guest/initrd.cpio $(KERNEL) -- hold=4,$(2)/run,0) && \
$(call smoke_step,$(1),show $(2)/snap-exit.core --view zones,$(2)/show,0) && \
$(call smoke_step,$(1),show $(2)/snap-exit.core --json,$(2)/show-json,0) && \
$(call smoke_step,$(1),diff $(2)/mid.core $(2)/snap-exit.core,$(2)/diff,1)
endef
,        := ,

# ---- libFuzzer --------------------------------------------------------------------
# tests/fuzz/fuzz_NAME.c is harness NAME; seeds in tests/fuzz/corpus/NAME/,
# inputs of fixed crashes in tests/fuzz/regressions/NAME/. New inputs found
# while fuzzing go to $(BUILD)/fuzz/corpus/NAME/, crashes to $(BUILD)/fuzz/.
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_DIR     := $(BUILD)/fuzz
FUZZ_NAMES   := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS    := $(FUZZ_NAMES:%=$(FUZZ_DIR)/fuzz_%)
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS  := $(filter-out -O2,$(HOST_CFLAGS)) -O1 -Itests/fuzz -Ivmm/runtime/devices \
		$(FUZZ_SAN) -fsanitize=fuzzer-no-link
FUZZ_LIBOBJS := $(patsubst %.c,$(FUZZ_DIR)/obj/%.o,$(VMM_LIB) $(VMM_MM_PORT) $(VMM_MM_SRCS))

$(FUZZ_DIR)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC fuzz $<"
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -MMD -MP -c $< -o $@
# An archive, so each harness links only the objects it reaches.
$(FUZZ_DIR)/libvmm.a: $(FUZZ_LIBOBJS) $(REPORT_ASSETS_OBJ)
	$(Q)rm -f $@ && ar rcs $@ $^
$(FUZZ_DIR)/fuzz_%: $(FUZZ_DIR)/obj/tests/fuzz/fuzz_%.o $(FUZZ_DIR)/libvmm.a
	@echo "  LD fuzz $@"
	$(Q)$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^ $(VMM_LIBS)

# Keep the harness objects make would otherwise delete as intermediates.
.SECONDARY: $(FUZZ_NAMES:%=$(FUZZ_DIR)/obj/tests/fuzz/fuzz_%.o)
fuzz-build: $(FUZZ_BINS)

# One target per harness, so `make -j2 fuzz` runs two at a time.
fuzz: $(FUZZ_NAMES:%=fuzz-run-%)
fuzz-run-%: $(FUZZ_DIR)/fuzz_%
	@mkdir -p $(FUZZ_DIR)/corpus/$*
	@echo "  FUZZ    $* for $(FUZZ_SECONDS) s"
	$(Q)$< -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 -max_len=131072 -timeout=10 \
	  -rss_limit_mb=2048 -artifact_prefix=$(FUZZ_DIR)/$*- $(FUZZ_DIR)/corpus/$* \
	  tests/fuzz/corpus/$* >$(FUZZ_DIR)/$*.log 2>&1 || \
	  { tail -40 $(FUZZ_DIR)/$*.log; echo "fuzz $*: the input is in $(FUZZ_DIR)/$*-crash-*"; exit 1; }
	@echo "  FUZZ    $*: $$(sed -n 's/^stat::number_of_executed_units: *//p' $(FUZZ_DIR)/$*.log) runs," \
	  "$$(sed -n 's/^stat::average_exec_per_sec: *//p' $(FUZZ_DIR)/$*.log)/s," \
	  "corpus $$(ls $(FUZZ_DIR)/corpus/$* | wc -l) new + $$(ls tests/fuzz/corpus/$* | wc -l) seeds, no crash"

# Runs every seed and every regression input once (no fuzzing): seconds.
fuzz-replay: fuzz-build
	$(Q)for n in $(FUZZ_NAMES); do \
	  files=$$(find tests/fuzz/corpus/$$n tests/fuzz/regressions/$$n -type f 2>/dev/null); \
	  [ -n "$$files" ] || continue; \
	  $(FUZZ_DIR)/fuzz_$$n -runs=1 $$files >$(FUZZ_DIR)/$$n-replay.log 2>&1 || \
	    { tail -40 $(FUZZ_DIR)/$$n-replay.log; exit 1; }; \
	  echo "  REPLAY  $$n: $$(echo $$files | wc -w) inputs"; \
	done

# ---- static analysis ----------------------------------------------------------------
LINT_SRCS   := $(VMM_SRCS) $(MM_SRCS)
LINT_DIR    := $(BUILD)/lint
LINT_INC    := -D_GNU_SOURCE -Iabi -Imm/include -Ivmm -Ivmm/runtime -Ivmm/live -Ivmm/snap -Ivmm/save -Ivmm/lab -Ivmm/cmd -Ivmm/runtime/devices
TIDY_STAMPS := $(LINT_SRCS:%.c=$(LINT_DIR)/%.tidy)

lint: lint-cppcheck lint-tidy

# System headers are left out (json-c's one macro is in .cppcheck/json-c.cfg).
lint-cppcheck:
	@mkdir -p $(LINT_DIR)/cppcheck
	@echo "  CPPCHECK vmm/ mm/"
	$(Q)cppcheck --quiet --error-exitcode=1 --std=c11 --platform=unix64 \
	  --enable=warning,style,performance,portability --inline-suppr \
	  --suppressions-list=.cppcheck/suppressions.txt --library=.cppcheck/json-c.cfg \
	  --cppcheck-build-dir=$(LINT_DIR)/cppcheck -j $$(nproc) \
	  --template='{file}:{line}: {severity}: {message} [{id}]' $(LINT_INC) $(LINT_SRCS)

lint-tidy: $(TIDY_STAMPS)
# Narrow exceptions, one check in one file each, until the owner decides:
# expect_eval_diff() dereferences ctx.s when diff is NULL; no caller passes
# NULL (scenario_run.c checks), so a guard or __attribute__((nonnull)) in
# expect.h would let this go.
$(LINT_DIR)/vmm/lab/expect_eval.tidy: TIDY_FLAGS += --checks=-clang-analyzer-core.NullDereference

# One stamp per file, so `make -j lint` runs them in parallel and reruns
# only what changed.
$(LINT_DIR)/%.tidy: %.c .clang-tidy
	@mkdir -p $(dir $@)
	@echo "  TIDY    $<"
	$(Q)clang-tidy --quiet $(TIDY_FLAGS) $< -- -std=gnu11 $(LINT_INC) \
	  $(shell pkg-config --cflags $(VMM_PKGS) 2>/dev/null) >$@.log 2>&1 || \
	  { cat $@.log; exit 1; }
	$(Q)if grep -q 'warning:\|error:' $@.log; then cat $@.log; exit 1; fi
	@touch $@

# ---- coverage ---------------------------------------------------------------------
# The unit runner again, without sanitizers and with --coverage, in its own
# directory. mm/ is held to COV_MM_MIN % of lines.
COV_DIR    := $(BUILD)/cov
COV_MM_MIN ?= 90
COV_CFLAGS := $(filter-out -O2,$(HOST_CFLAGS)) -O0 --coverage -w  # warnings: the -O2 build's job
COV_OBJS   := $(patsubst %.c,$(COV_DIR)/%.o,$(UNIT_SRCS) $(UNIT_AUX) $(MM_SRCS) $(VMM_LIB))

$(GUEST_PURE:%.c=$(COV_DIR)/%.o): COV_CFLAGS += -Iguest/include
$(COV_DIR)/%.o: COV_CFLAGS += $(MM_HOST_PORT_INLINE)
$(COV_DIR)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC cov  $<"
	$(Q)$(HOST_CC) $(COV_CFLAGS) -MMD -MP -c $< -o $@
$(COV_DIR)/unit-runner.o: tests/runner.c $(BUILD)/gen/unit_suites.h
	$(Q)$(HOST_CC) $(COV_CFLAGS) -I$(BUILD)/gen -DSUITES_H='"unit_suites.h"' -c $< -o $@
$(COV_DIR)/unit-tests: $(COV_OBJS) $(COV_DIR)/unit-runner.o $(REPORT_ASSETS_OBJ)
	@echo "  LD cov  $@"
	$(Q)$(HOST_CC) $(COV_CFLAGS) -o $@ $^ $(TEST_LIBS)

GCOVR := gcovr -r . --object-directory $(COV_DIR) -e 'tests/' -e 'build/'
# Reports go to files in COV_DIR, never "-o /dev/null": gcovr replaces its
# output file, and run as root (CI) it turned /dev/null into a regular file.
# The mm/ floor is gcovr's own exit status (a pipe into sed would hide it).
coverage: $(COV_DIR)/unit-tests
	$(Q)find $(COV_DIR) -name '*.gcda' -delete
	$(Q)$(CK_SLACK) $(COV_DIR)/unit-tests >$(COV_DIR)/unit.log 2>&1 || { tail -20 $(COV_DIR)/unit.log; exit 1; }
	$(Q)mkdir -p $(COV_DIR)/html
	$(Q)$(GCOVR) --json $(COV_DIR)/coverage.json --html-details $(COV_DIR)/html/index.html \
	  -s | sed -n '/^lines:/p;/^branches:/p' | sed 's/^/  vmm+mm /'
	$(Q)gcovr -a $(COV_DIR)/coverage.json -f 'vmm/' -s -o $(COV_DIR)/vmm.txt \
	  | sed -n '/^lines:/s/^/  vmm\/   /p'
	$(Q)gcovr -a $(COV_DIR)/coverage.json -f 'mm/' -s -o $(COV_DIR)/mm.txt \
	  --fail-under-line $(COV_MM_MIN) >$(COV_DIR)/mm-summary.txt; status=$$?; \
	  sed -n '/^lines:/s/^/  mm\/    /p' $(COV_DIR)/mm-summary.txt; \
	  [ $$status -eq 0 ] || { echo "coverage: mm/ is below $(COV_MM_MIN)% of lines"; exit 1; }
	@echo "  per file: $(COV_DIR)/html/index.html"

# ---- valgrind -----------------------------------------------------------------------
# memvisor itself (not the sanitized one) under memcheck: the tiny guest on
# two vCPUs, then the smoke run above. Any error or definite leak exits 99.
VALGRIND := valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
	    --show-leak-kinds=definite --suppressions=tests/valgrind.supp
VG_DIR   := $(BUILD)/valgrind
valgrind: all
	$(Q)$(WITH_KVM) $(MAKE) --no-print-directory valgrind-here
valgrind-here:
	@rm -rf $(VG_DIR) && mkdir -p $(VG_DIR)
	@echo "  VALGRIND tiny guest, 2 vCPUs"
	$(Q)$(call smoke_step,$(VALGRIND) $(MEMVISOR),run -c 2 -m 64M --timeout 120 \
	  $(BUILD)/guests/tiny.elf,$(VG_DIR)/tiny,0)
	@echo "  VALGRIND kernel: pressure, control, stats, snapshots, show, diff"
	$(Q)$(call smoke,$(VALGRIND) $(MEMVISOR),$(VG_DIR)/smoke)

# ---- what make check runs -------------------------------------------------------------
# The builds first, in parallel (clang-tidy is the slow part), then each gate.
QUALITY_JOBS ?= $(shell nproc)
# check-san and valgrind boot guests: make check runs them with the other
# KVM tests (check-kvm), the rest here (check-quality-host).
check-quality: check-quality-host
	@$(MAKE) --no-print-directory check-san
	@$(MAKE) --no-print-directory valgrind
check-quality-host:
	@$(MAKE) --no-print-directory -j$(QUALITY_JOBS) lint fuzz-build $(MEMVISOR_SAN) \
	  $(COV_DIR)/unit-tests
	@$(MAKE) --no-print-directory fuzz-replay
	@$(MAKE) --no-print-directory coverage
