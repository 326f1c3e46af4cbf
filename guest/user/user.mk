# user.mk: user programs (static musl binaries) and the initrd that carries
# them. Included by guest/guest.mk.
#
#   guest/user/NAME.c     -> $(BUILD)/guest/user/NAME       (one program each)
#   guest/user/lib*.c     -> linked into every program that includes its header
#   guest/user/glibc/static/NAME.c -> $(BUILD)/guest/user/NAME: built with
#     the host's glibc instead (gcc -static -pthread), to run glibc's own
#     threads code; only in the busybox initrd (a static glibc program is
#     ~900 KiB, which the small-RAM guests of the main initrd cannot spare)
#   $(BUILD)/guest/initrd.cpio (newc): /sbin/init and /bin/<every other program>
#   $(BUILD)/guest/initrd-busybox.cpio: the same plus Debian's busybox-static
#     ($(BUSYBOX), from scripts/deps.sh) as /bin/busybox and bbmem.sh as
#     /etc/bbmem.sh, for the busybox integration suite
#   guest/user/glibc/NAME.c -> $(BUILD)/guest/user/glibc/NAME (the host's gcc:
#     glibc, dynamically linked, PIE)
#   $(BUILD)/guest/initrd-stress-ng.cpio: initrd.cpio plus Debian's stress-ng
#     ($(STRESS_NG)) and its libraries, for the stressng suite
#   $(BUILD)/guest/initrd-dynlink.cpio: initrd.cpio plus those programs,
#     Debian's memtester ($(MEMTESTER), from scripts/deps.sh) and coreutils'
#     ls ($(DEBIAN_LS), on every Debian) with their
#     interpreter and libraries (`memvisor initrd --base`), and for execbad:
#     dynhello linked against bad interpreters (/bin/interp-*), a text file
#     and a 4-byte "ELF" file as interpreters, for the dynlink suite

USER_CC     ?= musl-gcc
USER_OUT    := $(BUILD)/guest/user
USER_CFLAGS := -static -no-pie -O2 -g -std=gnu11 $(WARN) -Wno-missing-prototypes
USER_LIBS   := $(wildcard guest/user/lib*.c)
USER_PROGS  := $(filter-out $(USER_LIBS),$(wildcard guest/user/*.c))
USER_BINS   := $(patsubst guest/user/%.c,$(USER_OUT)/%,$(USER_PROGS))
GLIBC_CC    ?= gcc
GLIBC_STATIC_BINS := $(patsubst guest/user/glibc/static/%.c,$(USER_OUT)/%,\
		       $(wildcard guest/user/glibc/static/*.c))
INITRD      := $(BUILD)/guest/initrd.cpio
BUSYBOX     ?= /bin/busybox
BB_INITRD   := $(BUILD)/guest/initrd-busybox.cpio

GLIBC_OUT   := $(USER_OUT)/glibc
GLIBC_BINS  := $(patsubst guest/user/glibc/%.c,$(GLIBC_OUT)/%,$(wildcard guest/user/glibc/*.c))
MEMTESTER   ?= /usr/sbin/memtester
STRESS_NG   ?= /usr/bin/stress-ng
SNG_INITRD  := $(BUILD)/guest/initrd-stress-ng.cpio
DEBIAN_LS   ?= /bin/ls
DL_INITRD   := $(BUILD)/guest/initrd-dynlink.cpio
# execbad's programs: dynhello with PT_INTERP naming each bad interpreter
DL_BAD_INTERPS := missing:/lib/ld-missing.so.2 notelf:/etc/notelf short:/etc/short-elf \
		  nested:/bin/dynhello

.PHONY: user initrd
user: $(USER_BINS) $(GLIBC_BINS) $(GLIBC_STATIC_BINS)
initrd: $(INITRD) $(BB_INITRD) $(DL_INITRD) $(SNG_INITRD)

# $(call pack_initrd,DIR,ARCHIVE): DIR's tree as a newc archive, ARCHIVE.tmp
# first, then renamed (a failed build leaves no half archive).
pack_initrd = cd $(1) && find . -mindepth 1 | LC_ALL=C sort | \
	cpio --quiet -o -H newc --owner=0:0 > $(abspath $(2)).tmp && mv $(abspath $(2)).tmp $(abspath $(2))

$(USER_OUT)/%: guest/user/%.c $(USER_LIBS) $(wildcard guest/user/*.h)
	@mkdir -p $(dir $@)
	@echo "  CC user  $<"
	$(Q)$(USER_CC) $(USER_CFLAGS) -Iguest/user -o $@ $< $(USER_LIBS)

$(USER_OUT)/%: guest/user/glibc/static/%.c guest/user/libclaims.c guest/user/claims.h
	@mkdir -p $(dir $@)
	@echo "  CC glibc $<"
	$(Q)$(GLIBC_CC) -static -pthread -O2 -g -std=gnu11 $(WARN) -Wno-missing-prototypes \
	  -Iguest/user -o $@ $< guest/user/libclaims.c

$(INITRD): $(USER_BINS) guest/user/user.mk
	@echo "  CPIO     $@"
	$(Q)rm -rf $(USER_OUT)/root && mkdir -p $(USER_OUT)/root/bin $(USER_OUT)/root/sbin
	$(Q)for b in $(USER_BINS); do n=$$(basename $$b); \
	  if [ $$n = init ]; then cp $$b $(USER_OUT)/root/sbin/init; \
	  else cp $$b $(USER_OUT)/root/bin/$$n; fi; done
	$(Q)$(call pack_initrd,$(USER_OUT)/root,$@)

$(BB_INITRD): $(INITRD) $(GLIBC_STATIC_BINS) $(BUSYBOX) guest/user/bbmem.sh
	@echo "  CPIO     $@"
	$(Q)rm -rf $(USER_OUT)/root-busybox && cp -r $(USER_OUT)/root $(USER_OUT)/root-busybox
	$(Q)mkdir -p $(USER_OUT)/root-busybox/etc
	$(Q)cp $(BUSYBOX) $(USER_OUT)/root-busybox/bin/busybox
	$(Q)cp $(GLIBC_STATIC_BINS) $(USER_OUT)/root-busybox/bin/
	$(Q)cp guest/user/bbmem.sh $(USER_OUT)/root-busybox/etc/bbmem.sh
	$(Q)$(call pack_initrd,$(USER_OUT)/root-busybox,$@)

$(GLIBC_OUT)/%: guest/user/glibc/%.c
	@mkdir -p $(dir $@)
	@echo "  CC glibc $<"
	$(Q)$(GLIBC_CC) -O2 -g $(WARN) -Wno-missing-prototypes -o $@ $<

# The bad-interpreter files first, packed as the base; then memvisor adds the
# glibc programs and memtester with what they need.
$(DL_INITRD): $(INITRD) $(GLIBC_BINS) $(MEMTESTER) $(MEMVISOR) guest/user/user.mk
	@echo "  CPIO     $@"
	$(Q)rm -rf $(USER_OUT)/root-dynlink && cp -r $(USER_OUT)/root $(USER_OUT)/root-dynlink
	$(Q)mkdir -p $(USER_OUT)/root-dynlink/etc
	$(Q)for i in 1 2 3 4 5 6 7 8; do echo 'a text file, longer than an ELF header'; done \
	  > $(USER_OUT)/root-dynlink/etc/notelf
	$(Q)printf '\177ELF' > $(USER_OUT)/root-dynlink/etc/short-elf
	$(Q)for b in $(DL_BAD_INTERPS); do \
	  $(GLIBC_CC) -O2 -Wl,--dynamic-linker=$${b#*:} -o $(USER_OUT)/root-dynlink/bin/interp-$${b%%:*} \
	    guest/user/glibc/dynhello.c || exit 1; done
	$(Q)$(call pack_initrd,$(USER_OUT)/root-dynlink,$@.base)
	$(Q)$(MEMVISOR) initrd -o $@ --base $@.base $(GLIBC_BINS) $(MEMTESTER) $(DEBIAN_LS)

# Debian's stress-ng ($(STRESS_NG), from scripts/deps.sh) with every library
# it needs (about 35 MiB: EGL, GLES, ...) after the project's programs, for
# the stressng integration suite.
$(SNG_INITRD): $(INITRD) $(STRESS_NG) $(MEMVISOR)
	@echo "  CPIO     $@"
	$(Q)$(MEMVISOR) initrd -o $@ --base $(INITRD) $(STRESS_NG)
