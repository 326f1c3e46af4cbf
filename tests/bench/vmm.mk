# vmm.mk: the VMM benchmark (memvisor against QEMU microvm), part of `make bench`.

.PHONY: bench-vmm
bench-vmm: $(BUILD)/bench/bench_vmm $(MEMVISOR) test-guests
	$(BUILD)/bench/bench_vmm $(MEMVISOR) $(BUILD)/guests/tiny.elf 10
bench: bench-vmm
