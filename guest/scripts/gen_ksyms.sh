#!/bin/sh
# gen_ksyms.sh: turns `nm -n kernel.elf` (stdin) into the assembly of the
# kernel symbol table (stdout): text symbols only, ascending addresses.
# With empty input it emits an empty table (the first link pass).
awk '
BEGIN { n = 0 }
$2 ~ /^[tTwW]$/ && $3 !~ /^(_text|_etext|_kernel_start)$/ {
	addr[n] = $1; name[n] = $3; n++
}
END {
	print "\t.section .ksyms, \"a\""
	print "\t.balign 8"
	print "\t.globl ksyms_count, ksyms_addrs, ksyms_name_offs, ksyms_names"
	print "ksyms_count:\t.quad " n + 0
	print "ksyms_addrs:"
	for (i = 0; i < n; i++) print "\t.quad 0x" addr[i]
	print "ksyms_name_offs:"
	off = 0
	for (i = 0; i < n; i++) { print "\t.long " off; off += length(name[i]) + 1 }
	print "ksyms_names:"
	for (i = 0; i < n; i++) print "\t.asciz \"" name[i] "\""
}'
