#!/usr/bin/env bash
# tests/helper-vm/failures.sh: scripts/with-kvm's own failures end with one
# line "with-kvm: CAUSE" and status 125, and leave nothing running; a
# command's status passes through unchanged. Run by `make check`
# (check-helper-vm). Boots the helper VM once (the pass-through case),
# forced with MEMVISOR_HELPER_VM=1.
set -u
cd "$(dirname "$0")/../.."
wk=scripts/with-kvm
failed=0 total=0

# expect_failure NAME CAUSE-REGEX ENV... : runs `with-kvm true` with ENV.
expect_failure() {
	local name=$1 cause=$2 out status
	shift 2
	total=$((total + 1))
	out=$(env MEMVISOR_HELPER_VM=1 "$@" "$wk" true 2>&1)
	status=$?
	if [ "$status" -ne 125 ] || ! grep -Eq "^with-kvm: $cause" <<<"$out"; then
		echo "FAIL  $name: status $status, output:"
		sed 's/^/      /' <<<"$out"
		failed=$((failed + 1))
	else
		echo "PASS  $name: $(grep -E '^with-kvm: ' <<<"$out" | tail -1)"
	fi
}

# No process of a failed run may survive it.
expect_nothing_left() {
	total=$((total + 1))
	if pgrep -f "$PWD/build/helper-vm/job\." >/dev/null; then
		echo "FAIL  $1: processes left behind:"
		pgrep -af "$PWD/build/helper-vm/job\."
		failed=$((failed + 1))
	fi
}

expect_failure "no QEMU" "no QEMU" QEMU=/nonexistent/qemu-system-x86_64
expect_failure "no virtiofsd" "no virtiofsd" VIRTIOFSD=/nonexistent/virtiofsd
expect_failure "boot timeout" "boot timeout" MEMVISOR_HELPER_BOOT_TIMEOUT=1
expect_nothing_left "boot timeout"
expect_failure "QEMU refuses its arguments" "the helper VM stopped before the job" \
	MEMVISOR_HELPER_MEM=1T
expect_nothing_left "QEMU refuses its arguments"

total=$((total + 1))
out=$(MEMVISOR_HELPER_VM=1 "$wk" sh -c 'test -c /dev/kvm && grep -qw svm /proc/cpuinfo && \
	echo "inside: $PWD"; exit 7' 2>&1)
status=$?
if [ "$status" -eq 7 ] && grep -qx "inside: $PWD" <<<"$out"; then
	echo "PASS  a command's status and working directory pass through (status 7)"
else
	echo "FAIL  status pass-through: status $status, output:"
	sed 's/^/      /' <<<"$out"
	failed=$((failed + 1))
fi
expect_nothing_left "status pass-through"

passed=$((total - failed))
echo "helper-vm: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
