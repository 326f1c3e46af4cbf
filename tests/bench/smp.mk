# smp.mk: the guest's allocator pairs on 1, 2 and 4 vCPUs at once and a
# remote TLB flush's round trip (tests/bench/bench_smp.c over the kernel's
# mm.selfbench_smp=1), part of `make bench`. BENCH_SMP_PAIRS pairs per CPU
# per row, BENCH_SMP_RUNS boots per CPU count (medians). About 0.3 ms a
# pair where ring 0 is emulated (PVM): 1024 pairs take a few minutes in all.
BENCH_SMP_PAIRS ?= 1024
BENCH_SMP_RUNS  ?= 3

.PHONY: bench-smp
bench-smp: $(BUILD)/bench/bench_smp $(MEMVISOR) $(KERNEL)
	MEMVISOR=$(MEMVISOR) KERNEL=$(KERNEL) $(WITH_KVM) $(BUILD)/bench/bench_smp \
	  $(BENCH_SMP_PAIRS) $(BENCH_SMP_RUNS)
bench: bench-smp
