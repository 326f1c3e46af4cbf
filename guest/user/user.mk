# user.mk: user programs (static musl binaries) and the initrd that carries
# them. Included by guest/guest.mk.
#
#   guest/user/NAME.c     -> $(BUILD)/guest/user/NAME       (one program each)
#   guest/user/lib*.c     -> linked into every program that includes its header
#   guest/user/glibc/NAME.c -> $(BUILD)/guest/user/NAME: built with the host's
#     glibc instead (gcc -static -pthread), to run glibc's own threads code;
#     only in the busybox initrd (a static glibc program is ~900 KiB, which
#     the small-RAM guests of the main initrd cannot spare)
#   $(BUILD)/guest/initrd.cpio (newc): /sbin/init and /bin/<every other program>
#   $(BUILD)/guest/initrd-busybox.cpio: the same plus Debian's busybox-static
#     ($(BUSYBOX), from scripts/deps.sh) as /bin/busybox and bbmem.sh as
#     /etc/bbmem.sh, for the busybox integration suite

USER_CC     ?= musl-gcc
USER_OUT    := $(BUILD)/guest/user
USER_CFLAGS := -static -no-pie -O2 -g -std=gnu11 $(WARN) -Wno-missing-prototypes
USER_LIBS   := $(wildcard guest/user/lib*.c)
USER_PROGS  := $(filter-out $(USER_LIBS),$(wildcard guest/user/*.c))
USER_BINS   := $(patsubst guest/user/%.c,$(USER_OUT)/%,$(USER_PROGS))
GLIBC_CC    ?= gcc
GLIBC_PROGS := $(wildcard guest/user/glibc/*.c)
GLIBC_BINS  := $(patsubst guest/user/glibc/%.c,$(USER_OUT)/%,$(GLIBC_PROGS))
INITRD      := $(BUILD)/guest/initrd.cpio
BUSYBOX     ?= /bin/busybox
BB_INITRD   := $(BUILD)/guest/initrd-busybox.cpio

.PHONY: user initrd
user: $(USER_BINS) $(GLIBC_BINS)
initrd: $(INITRD) $(BB_INITRD)

# $(call pack_initrd,DIR,ARCHIVE): DIR's tree as a newc archive, ARCHIVE.tmp
# first, then renamed (a failed build leaves no half archive).
pack_initrd = cd $(1) && find . -mindepth 1 | LC_ALL=C sort | \
	cpio --quiet -o -H newc --owner=0:0 > $(abspath $(2)).tmp && mv $(abspath $(2)).tmp $(abspath $(2))

$(USER_OUT)/%: guest/user/%.c $(USER_LIBS) $(wildcard guest/user/*.h)
	@mkdir -p $(dir $@)
	@echo "  CC user  $<"
	$(Q)$(USER_CC) $(USER_CFLAGS) -Iguest/user -o $@ $< $(USER_LIBS)

$(USER_OUT)/%: guest/user/glibc/%.c guest/user/libclaims.c guest/user/claims.h
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

$(BB_INITRD): $(INITRD) $(GLIBC_BINS) $(BUSYBOX) guest/user/bbmem.sh
	@echo "  CPIO     $@"
	$(Q)rm -rf $(USER_OUT)/root-busybox && cp -r $(USER_OUT)/root $(USER_OUT)/root-busybox
	$(Q)mkdir -p $(USER_OUT)/root-busybox/etc
	$(Q)cp $(BUSYBOX) $(USER_OUT)/root-busybox/bin/busybox
	$(Q)cp $(GLIBC_BINS) $(USER_OUT)/root-busybox/bin/
	$(Q)cp guest/user/bbmem.sh $(USER_OUT)/root-busybox/etc/bbmem.sh
	$(Q)$(call pack_initrd,$(USER_OUT)/root-busybox,$@)
