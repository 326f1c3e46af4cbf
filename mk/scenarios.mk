# scenarios.mk: the charting library `memvisor report` inlines, and the
# shipped scenario files `make check` runs, with the save files some start
# from.
#
# uPlot comes from the npm registry at a pinned version, installed under
# $(BUILD)/npm and assembled (.incbin) into memvisor, so a report opens
# with no network access. When npm cannot install it, memvisor still
# builds (the symbols are weak in cmd_report.c) and `memvisor report`
# says that it was built without uPlot.
UPLOT_VERSION := 1.6.32
UPLOT_DIR     := $(BUILD)/npm/node_modules/uplot/dist
UPLOT_BLOB    := $(BUILD)/host/gen/uplot_blob.o

$(UPLOT_DIR)/.stamp-$(UPLOT_VERSION):
	@echo "  NPM     uplot@$(UPLOT_VERSION)"
	$(Q)mkdir -p $(BUILD)/npm && rm -f $(UPLOT_DIR)/.stamp-*
	$(Q)if npm install --prefix $(BUILD)/npm --no-audit --no-fund --no-save \
	      --loglevel=error uplot@$(UPLOT_VERSION) >$(BUILD)/npm/install.log 2>&1 && \
	    test -s $(UPLOT_DIR)/uPlot.iife.min.js; then touch $@; \
	  else echo "memvisor: npm install uplot@$(UPLOT_VERSION) failed (see $(BUILD)/npm/install.log);" \
	            "memvisor report will be unavailable" >&2; fi

# Both files NUL-terminated, in .rodata; no executable stack.
$(UPLOT_BLOB): $(UPLOT_DIR)/.stamp-$(UPLOT_VERSION) mk/scenarios.mk
	@mkdir -p $(dir $@)
	@echo "  AS      $@"
	$(Q)if [ -f $< ]; then \
	  printf '%s\n' '.section .rodata' \
	    '.global mv_uplot_js' 'mv_uplot_js: .incbin "$(UPLOT_DIR)/uPlot.iife.min.js"' '.byte 0' \
	    '.global mv_uplot_css' 'mv_uplot_css: .incbin "$(UPLOT_DIR)/uPlot.min.css"' '.byte 0' \
	    '.section .note.GNU-stack,"",@progbits' > $(@:.o=.S); \
	else printf '%s\n' '.section .note.GNU-stack,"",@progbits' > $(@:.o=.S); fi
	$(Q)$(HOST_CC) -c $(@:.o=.S) -o $@

$(MEMVISOR): $(UPLOT_BLOB)

# ---- scenarios ------------------------------------------------------------
SCENARIOS      := $(wildcard tests/scenarios/*.yaml)
SCENARIO_JOBS  ?= 2
SCENARIO_KEEP  ?= $(BUILD)/scenarios
# TEST_CPUS=N: every scenario that names no guest.cpus boots on N vCPUs.

# Warm starts (start_from: in a scenario): save files made by booting a
# guest and saving it once its workload is under way (save= in a pressure
# schedule), then ending it. memhog-awaiting: a 32M guest whose memhog has
# written its 8M and awaits 512 deflated balloon pages before it verifies.
WARM_DIR   := $(BUILD)/warm
WARM_SAVES := $(WARM_DIR)/memhog-awaiting.mvs

$(WARM_DIR)/memhog-awaiting.mvs: $(MEMVISOR) $(KERNEL) $(BUILD)/guest/initrd.cpio
	@mkdir -p $(dir $@)
	@echo "  SAVE    $@"
	$(Q)$(WITH_KVM) $(MEMVISOR) run -m 32M --timeout 300 --crash-dump none \
	  --console $(@:.mvs=.log) --pressure \
	  'when console "^memhog: .* touched in":save=$@,when console "^memhog: .* touched in":quit' \
	  $(KERNEL) -- init=/bin/memhog 8M --await-vmstat balloon_deflate 512 --verify

.PHONY: scenarios
scenarios: all $(WARM_SAVES)
	@rm -rf $(SCENARIO_KEEP)
	$(WITH_KVM) $(MEMVISOR) test -j $(SCENARIO_JOBS) --keep $(SCENARIO_KEEP) \
	  $(if $(TEST_CPUS),--cpus $(TEST_CPUS)) --junit $(SCENARIO_KEEP)/junit.xml $(SCENARIOS)

# Scenarios that also boot Debian's Linux (guest.kernel: linux), run by
# `make check` after the others (about 30 s here, on a PVM host through the
# helper VM: Linux does not boot on PVM). The kernels sit side by side in
# $(LINUX_SCENARIO_KEEP)/results.csv.
LINUX_SCENARIOS     := $(wildcard tests/scenarios/linux/*.yaml)
LINUX_SCENARIO_KEEP ?= $(BUILD)/linux-scenarios
LINUX_HELPER        := $(if $(wildcard /sys/module/kvm_pvm),MEMVISOR_HELPER_VM=1)

.PHONY: linux-scenarios
linux-scenarios: all
	scripts/linux-guest --out $(BUILD)/linux >/dev/null
	@rm -rf $(LINUX_SCENARIO_KEEP)
	$(LINUX_HELPER) $(WITH_KVM) $(MEMVISOR) test --keep $(LINUX_SCENARIO_KEEP) \
	  --junit $(LINUX_SCENARIO_KEEP)/junit.xml $(LINUX_SCENARIOS)
