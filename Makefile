# memvisor: host VMM (vmm/), guest kernel (guest/), memory-management core (mm/).
#
#   make            build build/memvisor, the guest kernel and the test guests
#   make run        install missing packages, build, boot the default guest
#   make check      unit tests (ASan+UBSan) and integration tests
#   make bench      benchmarks, each a side-by-side table with ratios
#   make qemu-run   boot the same kernel on QEMU's microvm machine (TCG)
#
# Unit suites are found by name: tests/unit/test_NAME.c defines
# `Suite *NAME_suite(void)`; the same for tests/integration/.

BUILD    ?= build
Q        := $(if $(V),,@)    # make V=1 shows every command
CC       ?= gcc
HOST_CC  ?= $(CC)
VMM_PKGS := libelf json-c yaml-0.1 ncursesw libbpf
TEST_PKGS := $(VMM_PKGS) check

WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
            -Wpointer-arith -Wvla -Wformat=2
HOST_CFLAGS := -std=gnu11 -O2 -g $(WARN) -D_GNU_SOURCE -Iabi -Imm/include -Ivmm -Ivmm/runtime -Ivmm/live -Ivmm/snap -Ivmm/save -Ivmm/lab -Ivmm/cmd \
               $(shell pkg-config --cflags $(TEST_PKGS) 2>/dev/null)
VMM_LIBS    := $(shell pkg-config --libs $(VMM_PKGS) 2>/dev/null) -lpthread -lm
TEST_LIBS   := $(shell pkg-config --libs $(TEST_PKGS) 2>/dev/null) -lpthread -lm
SAN         := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

VMM_SRCS  := $(wildcard vmm/*.c vmm/*/*.c vmm/runtime/devices/*.c)
# What the tests link of vmm/: all but main.c and memvisor's mm port (the
# unit tests bring their own, tests/unit/port_host.c; fuzzers add this one).
VMM_MM_PORT := vmm/mm_port.c
VMM_LIB   := $(filter-out vmm/cmd/main.c $(VMM_MM_PORT),$(VMM_SRCS))
MM_SRCS   := $(wildcard mm/*.c)
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
# Guest modules with no kernel state (only the guest's string.h and
# errno.h), unit-tested on the host too.
GUEST_PURE := guest/kernel/path.c
UNIT_AUX  := $(filter-out $(UNIT_SRCS),$(wildcard tests/unit/*.c)) $(GUEST_PURE)
INT_SRCS  := $(wildcard tests/integration/test_*.c)
INT_AUX   := $(filter-out $(INT_SRCS),$(wildcard tests/integration/*.c))

MEMVISOR  := $(BUILD)/memvisor
WITH_KVM  := scripts/with-kvm
KERNEL    := $(BUILD)/guest/kernel.elf

.PHONY: all deps run check check-kvm check-helper-vm unit integration integration-kvm \
	integration-host bench qemu-run clean \
	mm-freestanding check-where
all: $(MEMVISOR) guest test-guests

deps:
	@./scripts/deps.sh

# README's "Where things are" table names every source folder and only
# folders that exist; a quality gate of make check (check-quality-host).
check-where:
	@scripts/check-where-things-are.sh
check-quality-host: check-where

# ---- host VMM ---------------------------------------------------------------
$(BUILD)/host/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(HOST_CC) $(HOST_CFLAGS) -MMD -MP -c $< -o $@
$(GUEST_PURE:%.c=$(BUILD)/san/%.o): HOST_CFLAGS += -Iguest/include
# The unit runner's mm/ port has its fast-path primitives inline, as the
# guest's (mm_port.h's MM_PORT_INLINE): every object of it sees them.
MM_HOST_PORT_INLINE := -DMM_PORT_INLINE='<port_host_inline.h>' -Itests/unit
$(BUILD)/san/%.o: HOST_CFLAGS += $(MM_HOST_PORT_INLINE) -DMM_DEBUG_LIST=1
$(BUILD)/san/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC san  $<"
	$(Q)$(HOST_CC) $(HOST_CFLAGS) $(SAN) -MMD -MP -c $< -o $@

# The report page's style sheet and script (vmm/lab/report/), assembled in
# (.incbin) and rebuilt when one changes. memvisor report inlines them in
# <style> and <script>: a closing tag in either would end it early.
REPORT_ASSETS     := $(wildcard vmm/lab/report/*.css vmm/lab/report/*.js)
REPORT_ASSETS_OBJ := $(BUILD)/host/vmm/lab/report/report_assets.o
$(REPORT_ASSETS_OBJ): vmm/lab/report/report_assets.S $(REPORT_ASSETS)
	@mkdir -p $(dir $@)
	@echo "  AS      $<"
	$(Q)! grep -il '</style' $(filter %.css,$(REPORT_ASSETS)) </dev/null || \
	  { echo "report assets: a closing style tag in the file above" >&2; exit 1; }
	$(Q)! grep -il '</script' $(filter %.js,$(REPORT_ASSETS)) </dev/null || \
	  { echo "report assets: a closing script tag in the file above" >&2; exit 1; }
	$(Q)$(HOST_CC) -Wa,-I,vmm/lab/report -c $< -o $@

# memvisor opt runs mm/'s replacement policies and OPT natively.
VMM_MM_SRCS := $(filter mm/policy% mm/opt%,$(MM_SRCS))
$(MEMVISOR): $(VMM_SRCS:%.c=$(BUILD)/host/%.o) $(VMM_MM_SRCS:%.c=$(BUILD)/host/%.o) \
	     $(REPORT_ASSETS_OBJ)
	@echo "  LD      $@"
	$(Q)$(HOST_CC) $(HOST_CFLAGS) -o $@ $^ $(VMM_LIBS)

# ---- test runners: suite lists generated from file names ---------------------
define suite_list
	@mkdir -p $(dir $@)
	@{ for f in $(1); do n=$$(basename $$f .c); n=$${n#test_}; \
	   echo "SUITE($${n}_suite)"; done; } > $@.tmp && \
	 (cmp -s $@.tmp $@ || mv $@.tmp $@); rm -f $@.tmp
endef
$(BUILD)/gen/unit_suites.h: FORCE
	$(call suite_list,$(UNIT_SRCS))
$(BUILD)/gen/integration_suites.h: FORCE
	$(call suite_list,$(INT_SRCS))
FORCE:

UNIT_OBJS := $(patsubst %.c,$(BUILD)/san/%.o,$(UNIT_SRCS) $(UNIT_AUX) $(MM_SRCS) $(VMM_LIB))
$(BUILD)/san/unit-runner.o: tests/runner.c $(BUILD)/gen/unit_suites.h
	$(Q)$(HOST_CC) $(HOST_CFLAGS) $(SAN) -I$(BUILD)/gen -DSUITES_H='"unit_suites.h"' -c $< -o $@
$(BUILD)/unit-tests: $(UNIT_OBJS) $(BUILD)/san/unit-runner.o $(REPORT_ASSETS_OBJ)
	@echo "  LD      $@"
	$(Q)$(HOST_CC) $(HOST_CFLAGS) $(SAN) -o $@ $^ $(TEST_LIBS)

INT_OBJS := $(patsubst %.c,$(BUILD)/host/%.o,$(INT_SRCS) $(INT_AUX))
$(BUILD)/host/integration-runner.o: tests/runner.c $(BUILD)/gen/integration_suites.h
	$(Q)$(HOST_CC) $(HOST_CFLAGS) -I$(BUILD)/gen -DSUITES_H='"integration_suites.h"' \
	  -DMAX_FAILURE_MESSAGE='(256 << 10)' -c $< -o $@
$(BUILD)/integration-tests: $(INT_OBJS) $(BUILD)/host/integration-runner.o
	@echo "  LD      $@"
	$(Q)$(HOST_CC) $(HOST_CFLAGS) -o $@ $^ $(TEST_LIBS)

# ---- guest kernel, test guests, user programs -------------------------------
-include guest/guest.mk
-include tests/integration/guests/guests.mk
-include $(wildcard tests/bench/*.mk)
# Further targets (quality gates, scenarios) live in mk/*.mk.
-include $(wildcard mk/*.mk)

# mm/ must compile with no libc headers at all; so must the shared ABI
# headers, 64- and 32-bit (the tiny test guest), asserts included.
ABI_HDRS := $(wildcard abi/*.h)
FREESTANDING := -std=gnu11 -ffreestanding -nostdinc -isystem $$($(CC) -print-file-name=include) $(WARN)
mm-freestanding: $(MM_SRCS) $(ABI_HDRS)
	@for f in $(MM_SRCS); do \
	  $(CC) $(FREESTANDING) -I mm/include -fsyntax-only $$f || exit 1; done
	@echo "mm/: freestanding build OK"
	@for h in $(ABI_HDRS); do for m in -m64 -m32; do \
	  $(CC) $(FREESTANDING) $$m -fsyntax-only -x c $$h || exit 1; done; done
	@echo "abi/: freestanding build OK (-m64, -m32)"

# ---- user-facing targets ------------------------------------------------------
RUN_ARGS ?=
run: deps
	@$(MAKE) --no-print-directory all
	@$(WITH_KVM) --check >/dev/null || { echo "memvisor: $$($(WITH_KVM) --check); the guest boots" \
	  "inside a helper VM (scripts/with-kvm), so this is slower than on KVM"; }
	$(WITH_KVM) $(MEMVISOR) run -m 128M --initrd $(BUILD)/guest/initrd.cpio $(RUN_ARGS) $(KERNEL) \
	  -- console=ttyS0 init=$(or $(RUN_INIT),/bin/memhog 16M --verify)

# Check's per-test timeouts are hang guards, not timings: stretched so that a
# loaded or slow host (the TCG helper VM) does not trip them.
CK_SLACK = CK_TIMEOUT_MULTIPLIER=$${CK_TIMEOUT_MULTIPLIER:-4}
unit: $(BUILD)/unit-tests
	$(CK_SLACK) $(BUILD)/unit-tests

# The suites that boot guests go through with-kvm; report_render (Chromium
# on the report the report suite kept) needs no KVM and runs on the host:
# under the TCG helper VM Chromium takes minutes.
INT_ENV := $(CK_SLACK) MEMVISOR=$(MEMVISOR) KERNEL=$(KERNEL) BUILD=$(BUILD)
integration: integration-kvm integration-host
integration-kvm: $(BUILD)/integration-tests all
	$(INT_ENV) CK_EXCLUDE_SUITES=report_render $(WITH_KVM) $(BUILD)/integration-tests
# The linux suite's cores and pti cases alone (snapshots and ELF cores of
# Linux on 2 vCPUs: VMCOREINFO, the task list, cpuN spaces; the same with
# page-table isolation on, crash and drgn), also part of make check.
.PHONY: integration-linux-cores
integration-linux-cores: $(BUILD)/integration-tests all
	$(INT_ENV) CK_RUN_SUITE=linux CK_RUN_CASE=cores $(WITH_KVM) $(BUILD)/integration-tests
	$(INT_ENV) CK_RUN_SUITE=linux CK_RUN_CASE=pti $(WITH_KVM) $(BUILD)/integration-tests
integration-host: $(BUILD)/integration-tests
	$(INT_ENV) CK_RUN_SUITE=report_render $(BUILD)/integration-tests

# A second pass on 2 vCPUs (TEST_CPUS=2: each `run` that names no -c gets
# -c 2) of the suites that find SMP bugs for the least time: kernel (boot,
# self-tests, oopses and crashes with an AP up) and busybox (a real shell's
# fork, exec, pipes, signals and ps): 3 min 51 s here at a host load
# average of 15-20 (20 tests, a guest rebuild included). The
# data-integrity and hostile workloads (memhog --verify, forktest's
# copy-on-write, mmaptest, threads, badargs) run on 2 vCPUs in the smp
# suite's integrity case, part of integration-kvm. balloon is left out: its
# timed cases (pressure on time, host residency falling within seconds)
# failed on 2 vCPUs at a host load average of 15-20 before this pass
# existed, as after. process, reclaim and dynlink take 8 to 15 minutes on
# 2 vCPUs here: `make integration-kvm TEST_CPUS=2` runs everything so.
INT_SMP2_SUITES := kernel busybox
.PHONY: integration-smp2
integration-smp2: $(BUILD)/integration-tests all
	$(Q)for s in $(INT_SMP2_SUITES); do \
	  $(INT_ENV) TEST_CPUS=2 CK_RUN_SUITE=$$s $(WITH_KVM) $(BUILD)/integration-tests || exit 1; \
	done

# Everything that boots guests runs through scripts/with-kvm: directly
# where /dev/kvm works, else in one helper VM (QEMU/TCG, nested SVM) for
# the whole group. The first line says which path and why.
check: deps
	@echo "memvisor: KVM tests on $$($(WITH_KVM) --check)"
	@$(MAKE) --no-print-directory all $(BUILD)/unit-tests $(BUILD)/integration-tests \
	  $(MEMVISOR_SAN)
	@$(MAKE) --no-print-directory mm-freestanding
	@$(MAKE) --no-print-directory unit
	@$(MAKE) --no-print-directory linux-dbg
	@$(WITH_KVM) $(MAKE) --no-print-directory check-kvm
	@$(MAKE) --no-print-directory integration-host
	@$(MAKE) --no-print-directory check-quality-host
	@$(MAKE) --no-print-directory check-helper-vm

# The debug vmlinux of the Linux guest's kernel, for the linux suite's
# crash and drgn checks (about 630 MB in build/linux-dbg). Where it cannot
# be fetched, make check goes on and those checks say they skipped.
.PHONY: linux-dbg
linux-dbg:
	$(Q)scripts/linux-dbg >/dev/null || \
	  echo "memvisor: no debug vmlinux: the linux suite's crash and drgn checks will skip"

# What needs /dev/kvm, in the order make check runs it.
check-kvm:
	@$(MAKE) --no-print-directory integration-kvm
	@$(MAKE) --no-print-directory integration-smp2
	@$(MAKE) --no-print-directory scenarios
	@$(MAKE) --no-print-directory linux-scenarios
	@$(MAKE) --no-print-directory check-san
	@$(MAKE) --no-print-directory valgrind

# scripts/with-kvm's own failures (no QEMU, boot timeout, ...) end with one
# line and status 125, and a command's status passes through (one forced
# helper boot). On a KVM host the helper-VM path is also forced for a real
# guest, so it cannot rot: the kernel boots there and its memhog verifies
# every page. Where the helper already ran everything above, that is not
# repeated.
check-helper-vm: all
	$(Q)tests/helper-vm/failures.sh
	$(Q)if $(WITH_KVM) --check >/dev/null; then \
	  echo "  HELPER  memvisor run in a forced helper VM (MEMVISOR_HELPER_VM=1)"; \
	  MEMVISOR_HELPER_VM=1 $(WITH_KVM) $(MEMVISOR) run -m 64M --timeout 300 \
	    --initrd $(BUILD)/guest/initrd.cpio $(KERNEL) -- init=/bin/memhog 8M --verify \
	    >$(BUILD)/helper-vm-smoke.log 2>&1 && grep -q 'verify ok' $(BUILD)/helper-vm-smoke.log || \
	    { tail -30 $(BUILD)/helper-vm-smoke.log; echo "helper VM smoke run failed"; exit 1; }; \
	else echo "  HELPER  path already taken above"; fi

# Each tests/bench/*.mk adds its rows as prerequisites of bench.
bench: deps

# The kernel on QEMU's microvm (TCG), with the initrd and the workload of
# `make run`; scripts/qemu-run decodes the exit status.
qemu-run: all
	scripts/qemu-run $(KERNEL) $(BUILD)/guest/initrd.cpio \
	  console=ttyS0 init=$(or $(RUN_INIT),/bin/memhog 16M --verify)

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
