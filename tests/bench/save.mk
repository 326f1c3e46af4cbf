# save.mk: save and restore of a 128 MiB and a 1 GiB guest with 25% of RAM
# written, memvisor (eager and lazy) against QEMU's migration to a file and
# back, part of `make bench`. BENCH_SAVE_RUNS restores of each kind.
BENCH_SAVE_RUNS ?= 3

.PHONY: bench-save
bench-save: $(BUILD)/bench/bench_save all
	MEMVISOR=$(MEMVISOR) KERNEL=$(KERNEL) BUILD=$(BUILD) $(BUILD)/bench/bench_save $(BENCH_SAVE_RUNS)
bench: bench-save
