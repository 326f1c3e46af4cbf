/*
 * report_assets.S: the report page's own style sheet and script
 * (report.css, report.js in this folder) and the sweep page's script
 * (sweep.js), with what both share (chart_common.js), assembled into
 * memvisor as NUL-terminated strings: report_page_css, report_page_js,
 * report_sweep_js and report_common_js
 * (vmm/cmd/cmd_report.h). `memvisor report` writes them into the page's
 * <style> and <script>; the Makefile refuses a file that would close
 * that element early, and rebuilds this object when either file changes.
 */
	.section .rodata

	.global report_page_css
	.type report_page_css, @object
report_page_css:
	.incbin "report.css"
	.byte 0
	.size report_page_css, . - report_page_css

	.global report_page_js
	.type report_page_js, @object
report_page_js:
	.incbin "report.js"
	.byte 0
	.size report_page_js, . - report_page_js

	.global report_sweep_js
	.type report_sweep_js, @object
report_sweep_js:
	.incbin "sweep.js"
	.byte 0
	.size report_sweep_js, . - report_sweep_js

	.global report_common_js
	.type report_common_js, @object
report_common_js:
	.incbin "chart_common.js"
	.byte 0
	.size report_common_js, . - report_common_js

	.section .note.GNU-stack, "", @progbits
