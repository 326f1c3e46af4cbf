# guest.mk: builds the guest kernel, $(BUILD)/guest/kernel.elf.
# Included by the top Makefile. Every mm/*.c is compiled into the kernel
# with the same freestanding flags as guest/.
#
# The kernel is linked twice: pass 1 with an empty symbol table, then
# `nm -n` of pass 1 becomes the table (.ksyms, placed after all text) and
# pass 2 links it in. A check makes sure no text symbol moved.

GUEST_CC  ?= $(CC)
GUEST_LD  ?= ld
GUEST_NM  ?= nm
GUEST_OUT := $(BUILD)/guest

GUEST_CFLAGS := -std=gnu11 -ffreestanding -fno-pic -fno-pie -mcmodel=kernel \
	-mno-red-zone -mgeneral-regs-only -fno-stack-protector \
	-fno-omit-frame-pointer -fno-asynchronous-unwind-tables \
	-fno-tree-loop-distribute-patterns -fno-common -nostdlib -nostdinc \
	-isystem $(shell $(GUEST_CC) -print-file-name=include) \
	-O2 -g $(WARN) -Wconversion -Iabi -Imm/include -Iguest/include -Iguest/arch/x86/include \
	-I$(GUEST_OUT)/gen -DMM_PORT_INLINE='<mm_port_inline.h>'
# GUEST_DEBUG_VM=1 builds a kernel with mm/'s debug checks (Linux's
# CONFIG_DEBUG_VM and CONFIG_DEBUG_LIST): MM_VM_BUG_ON and checked list
# links. Give it its own BUILD: the objects do not know the flag changed.
ifeq ($(GUEST_DEBUG_VM),1)
GUEST_CFLAGS += -DMM_DEBUG_VM=1 -DMM_DEBUG_LIST=1
endif
GUEST_ASFLAGS := -D__ASSEMBLY__ -Iabi -Iguest/include -Iguest/arch/x86/include

# Override GUEST_MM_SRCS to leave out an mm/ file that is mid-edit.
GUEST_MM_SRCS ?= $(wildcard mm/*.c)
GUEST_SRCS := $(wildcard guest/arch/x86/*.S guest/arch/x86/*.c guest/kernel/*.c guest/mm/*.c \
	guest/drivers/*.c) $(GUEST_MM_SRCS)
GUEST_OBJS := $(patsubst %,$(GUEST_OUT)/obj/%.o,$(basename $(GUEST_SRCS)))
GUEST_LDS  := guest/arch/x86/kernel.ld
GUEST_LDFLAGS := -m elf_x86_64 -nostdlib -z max-page-size=4096 -z noexecstack \
	--build-id=sha1 -T $(GUEST_LDS)

.PHONY: guest
guest: $(KERNEL) $(BUILD)/guest/initrd.cpio $(BUILD)/guest/initrd-busybox.cpio \
	$(BUILD)/guest/initrd-dynlink.cpio $(BUILD)/guest/initrd-stress-ng.cpio

include guest/user/user.mk

$(GUEST_OUT)/obj/%.o: %.c $(GUEST_OUT)/gen/version.h
	@mkdir -p $(dir $@)
	@echo "  CC guest $<"
	$(Q)$(GUEST_CC) $(GUEST_CFLAGS) -MMD -MP -c $< -o $@
$(GUEST_OUT)/obj/%.o: %.S
	@mkdir -p $(dir $@)
	@echo "  AS guest $<"
	$(Q)$(GUEST_CC) $(GUEST_ASFLAGS) -MMD -MP -c $< -o $@

# version.h changes only when the git description does.
$(GUEST_OUT)/gen/version.h: FORCE
	@mkdir -p $(dir $@)
	@v=$$(git describe --always --dirty 2>/dev/null || echo unknown); \
	 echo "#define GUEST_GIT_VERSION \"$$v\"" > $@.tmp; \
	 cmp -s $@.tmp $@ || mv $@.tmp $@; rm -f $@.tmp

# Text symbols of an image, for the pass-1/pass-2 comparison.
guest_text_syms = $(GUEST_NM) -n $(1) | awk '$$2 ~ /^[tTwW]$$/'

$(KERNEL): $(GUEST_OBJS) $(GUEST_LDS) guest/scripts/gen_ksyms.sh
	@mkdir -p $(GUEST_OUT)/ksyms
	@echo "  LD guest $@ (2 passes)"
	$(Q)guest/scripts/gen_ksyms.sh < /dev/null > $(GUEST_OUT)/ksyms/pass1.S
	$(Q)$(GUEST_CC) -c $(GUEST_OUT)/ksyms/pass1.S -o $(GUEST_OUT)/ksyms/pass1.o
	$(Q)$(GUEST_LD) $(GUEST_LDFLAGS) -o $(GUEST_OUT)/ksyms/pass1.elf $(GUEST_OBJS) $(GUEST_OUT)/ksyms/pass1.o
	$(Q)$(GUEST_NM) -n $(GUEST_OUT)/ksyms/pass1.elf | guest/scripts/gen_ksyms.sh > $(GUEST_OUT)/ksyms/pass2.S
	$(Q)$(GUEST_CC) -c $(GUEST_OUT)/ksyms/pass2.S -o $(GUEST_OUT)/ksyms/pass2.o
	$(Q)$(GUEST_LD) $(GUEST_LDFLAGS) -o $@.tmp $(GUEST_OBJS) $(GUEST_OUT)/ksyms/pass2.o
	$(Q)$(call guest_text_syms,$(GUEST_OUT)/ksyms/pass1.elf) > $(GUEST_OUT)/ksyms/pass1.syms
	$(Q)$(call guest_text_syms,$@.tmp) > $(GUEST_OUT)/ksyms/pass2.syms
	$(Q)cmp -s $(GUEST_OUT)/ksyms/pass1.syms $(GUEST_OUT)/ksyms/pass2.syms || \
	 { echo "guest: text moved between link passes; ksyms would be wrong" >&2; exit 1; }
	$(Q)mv $@.tmp $@
