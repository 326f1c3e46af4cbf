# mm.mk: the mm/ allocator benchmark (buddy, kmalloc against glibc, jemalloc,
# mimalloc), part of `make bench`. Native -O2 with LTO, no sanitizers: LTO
# inlines the host port's lock and cpu-id calls into the fast paths, as a
# kernel's inline spinlocks would be (the guest build calls its port out of
# line). jemalloc needs static TLS space to be dlopen()ed, hence the tunable.
BENCH_MM_SRCS := tests/bench/bench_mm.c tests/unit/port_host.c \
                 $(filter mm/buddy% mm/slab% mm/kmalloc%,$(MM_SRCS))
$(BUILD)/bench/bench_mm: $(BENCH_MM_SRCS) $(wildcard mm/include/*.h mm/*.h)
	@mkdir -p $(dir $@)
	$(HOST_CC) -std=gnu11 -O2 -flto -g $(WARN) -D_GNU_SOURCE -Imm/include -Itests/unit \
	  -o $@ $(BENCH_MM_SRCS) -ldl -lm

.PHONY: bench-mm
bench-mm: $(BUILD)/bench/bench_mm
	GLIBC_TUNABLES=glibc.rtld.optional_static_tls=65536 $(BUILD)/bench/bench_mm
bench: bench-mm
