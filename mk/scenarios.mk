# scenarios.mk: the charting library `memvisor report` inlines, and the
# shipped scenario files `make check` runs.
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

.PHONY: scenarios
scenarios: all
	@rm -rf $(SCENARIO_KEEP)
	$(WITH_KVM) $(MEMVISOR) test -j $(SCENARIO_JOBS) --keep $(SCENARIO_KEEP) \
	  --junit $(SCENARIO_KEEP)/junit.xml $(SCENARIOS)
