# vmm.mk: the VMM benchmark (memvisor against QEMU microvm), part of `make bench`.
$(BUILD)/bench/bench_vmm: tests/bench/bench_vmm.c tests/integration/harness.c
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_CFLAGS) -Itests/integration -o $@ $^

.PHONY: bench-vmm
bench-vmm: $(BUILD)/bench/bench_vmm $(MEMVISOR) test-guests
	$(BUILD)/bench/bench_vmm $(MEMVISOR) $(BUILD)/guests/tiny.elf 10
bench: bench-vmm
