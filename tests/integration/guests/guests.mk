# guests.mk: the tiny test guest (32-bit C in an ELF64 PVH image), included
# by the top Makefile. Built -m32, linked as i386, then converted to ELF64
# because memvisor boots ELF64 kernels.
TINY_DIR   := tests/integration/guests
TINY_OUT   := $(BUILD)/guests
TINY_CFLAGS := -m32 -std=gnu11 -O2 -ffreestanding -fno-pic -fno-pie -fno-stack-protector \
               -fno-asynchronous-unwind-tables -nostdlib $(WARN) -Iabi

.PHONY: test-guests
test-guests: $(TINY_OUT)/tiny.elf

$(TINY_OUT)/%.o: $(TINY_DIR)/%.c
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(TINY_CFLAGS) -c $< -o $@
$(TINY_OUT)/%.o: $(TINY_DIR)/%.S
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(TINY_CFLAGS) -c $< -o $@
$(TINY_OUT)/tiny.elf: $(TINY_OUT)/tiny.o $(TINY_OUT)/tiny-entry.o $(TINY_DIR)/tiny.ld
	$(Q)ld -m elf_i386 -nostdlib --no-warn-rwx-segments -T $(TINY_DIR)/tiny.ld -o $@.32 $(TINY_OUT)/tiny-entry.o $(TINY_OUT)/tiny.o
	$(Q)objcopy -O elf64-x86-64 $@.32 $@
