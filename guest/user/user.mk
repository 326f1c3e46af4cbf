# user.mk: user programs (static musl binaries) and the initrd that carries
# them. Included by guest/guest.mk.
#
#   guest/user/NAME.c     -> $(BUILD)/guest/user/NAME       (one program each)
#   guest/user/lib*.c     -> linked into every program that includes its header
#   $(BUILD)/guest/initrd.cpio (newc): /sbin/init and /bin/<every other program>

USER_CC     ?= musl-gcc
USER_OUT    := $(BUILD)/guest/user
USER_CFLAGS := -static -no-pie -O2 -g -std=gnu11 $(WARN) -Wno-missing-prototypes
USER_LIBS   := $(wildcard guest/user/lib*.c)
USER_PROGS  := $(filter-out $(USER_LIBS),$(wildcard guest/user/*.c))
USER_BINS   := $(patsubst guest/user/%.c,$(USER_OUT)/%,$(USER_PROGS))
INITRD      := $(BUILD)/guest/initrd.cpio

.PHONY: user initrd
user: $(USER_BINS)
initrd: $(INITRD)

$(USER_OUT)/%: guest/user/%.c $(USER_LIBS) $(wildcard guest/user/*.h)
	@mkdir -p $(dir $@)
	@echo "  CC user  $<"
	$(Q)$(USER_CC) $(USER_CFLAGS) -Iguest/user -o $@ $< $(USER_LIBS)

$(INITRD): $(USER_BINS) guest/user/user.mk
	@echo "  CPIO     $@"
	$(Q)rm -rf $(USER_OUT)/root && mkdir -p $(USER_OUT)/root/bin $(USER_OUT)/root/sbin
	$(Q)for b in $(USER_BINS); do n=$$(basename $$b); \
	  if [ $$n = init ]; then cp $$b $(USER_OUT)/root/sbin/init; \
	  else cp $$b $(USER_OUT)/root/bin/$$n; fi; done
	$(Q)cd $(USER_OUT)/root && find . -mindepth 1 | LC_ALL=C sort | \
	  cpio --quiet -o -H newc --owner=0:0 > $(abspath $@).tmp
	$(Q)mv $@.tmp $@
