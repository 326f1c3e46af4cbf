# snapshot.mk: snapshot and balloon benchmarks (memvisor against QEMU
# microvm with KVM on the same kernel), part of `make bench`.
BENCHLIB := tests/bench/benchlib.c tests/integration/harness.c

$(BUILD)/bench/bench_%: tests/bench/bench_%.c $(BENCHLIB) tests/bench/benchlib.h
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_CFLAGS) -Itests/integration -Itests/bench -o $@ $< $(BENCHLIB) $(TEST_LIBS)

.PHONY: bench-snapshot bench-balloon
bench-snapshot: $(BUILD)/bench/bench_snapshot all
	MEMVISOR=$(MEMVISOR) KERNEL=$(KERNEL) $(BUILD)/bench/bench_snapshot 5
bench-balloon: $(BUILD)/bench/bench_balloon all
	MEMVISOR=$(MEMVISOR) KERNEL=$(KERNEL) $(BUILD)/bench/bench_balloon 5
bench: bench-snapshot bench-balloon
