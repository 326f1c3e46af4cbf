#!/usr/bin/env bash
# Installs the Debian packages memvisor needs, when some are missing.
# Used by `make run`, `make check` and .ci/run; a no-op once everything is there.
set -euo pipefail
pkgs=(build-essential pkg-config libelf-dev libjson-c-dev check musl-tools cpio
      qemu-system-x86 binutils libjemalloc2 libmimalloc2.0 libyaml-dev chromium
      clang libclang-rt-14-dev clang-tidy cppcheck gcovr valgrind libncurses-dev tmux)
# memtester: Debian's dynamically linked memory tester, run in the guest by the
# dynlink integration suite (build/guest/initrd-dynlink.cpio).
pkgs+=(memtester)
# stress-ng: Debian's stress tester (dynamically linked, a dozen libraries),
# run in the guest by the stressng integration suite.
pkgs+=(stress-ng)
# The helper VM of scripts/with-kvm (whatever boots a guest, where /dev/kvm
# does not work; make check also forces it once on a KVM host) needs
# busybox-static for its initramfs (QEMU and virtiofsd come with
# qemu-system-x86) and Debian's kernel package: fetched here only where
# there is no KVM, else by with-kvm when first forced.
pkgs+=(busybox-static)
# xz-utils: scripts/linux-guest unpacks Debian's vmlinuz (the linux suite).
pkgs+=(xz-utils)
# crash: Debian's kernel dump reader; the linux suite checks that it reads a
# Linux guest's release from memvisor's core (the VMCOREINFO note).
pkgs+=(crash)
# python3-drgn: the other kernel debugger the linux suite opens memvisor's
# save of a Linux guest with (with Debian's debug vmlinux, when unpacked).
pkgs+=(python3-drgn)
# libbpf-dev: its BTF reader gives a Linux guest's task_struct layout from
# the vmlinux's .BTF (vmm/snap/linux_tasks.c).
pkgs+=(libbpf-dev)
need_helper=
"$(dirname "$0")/kvm-works" -q || need_helper=1
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
# npm fetches uPlot for `memvisor report`; any npm will do (the machine's own, or Debian's).
command -v npm >/dev/null 2>&1 || missing+=(npm)
prepare_helper() {
	[ -n "$need_helper" ] || return 0
	"$(dirname "$0")/with-kvm" --prepare
}
[ ${#missing[@]} -eq 0 ] && { prepare_helper; exit; }
echo "memvisor: installing missing packages: ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
	echo "memvisor: not root; run: sudo apt-get install ${missing[*]}" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${missing[@]}"
prepare_helper
