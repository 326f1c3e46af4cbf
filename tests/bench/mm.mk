# mm.mk: the mm/ allocator benchmark (buddy, kmalloc against glibc, jemalloc,
# mimalloc), part of `make bench`. mm/ and the bench are built native -O2
# with LTO, no sanitizers; the host port is a separate object without LTO,
# so its lock calls stay out of line as the guest's are (guest/mm/mm_port.c),
# and its locks are the guest's atomics; the masking, the CPU id and the
# address translation are inline in both (port_host_inline.h, the guest's
# mm_port_inline.h).
# mm/ is built as the guest builds it, without its debug checks (MM_DEBUG_VM=0).
# (its TLB model, unused here, is dropped by --gc-sections.)
# jemalloc needs static TLS space to be dlopen()ed, hence the tunable.
#
# bench-mm-instr: instructions per operation, counted by callgrind between
# client requests (bench_mm --instr), into $(BENCH_MM_INSTR).
# bench-mm: that, then the timed rounds with those figures beside them.
BENCH_MM_SRCS := tests/bench/bench_mm.c $(filter mm/buddy% mm/slab% mm/kmalloc%,$(MM_SRCS))
BENCH_MM_PORT := $(BUILD)/bench/port_host.o
BENCH_MM_INSTR := $(BUILD)/bench/mm-instr.tsv
BENCH_MM_ENV := GLIBC_TUNABLES=glibc.rtld.optional_static_tls=65536

$(BENCH_MM_PORT): tests/unit/port_host.c tests/unit/port_host.h tests/unit/port_host_inline.h mm/include/mm_port.h
	@mkdir -p $(dir $@)
	$(HOST_CC) -std=gnu11 -O2 -g $(WARN) -D_GNU_SOURCE -Imm/include $(MM_HOST_PORT_INLINE) -ffunction-sections -c -o $@ $<
$(BUILD)/bench/bench_mm: $(BENCH_MM_SRCS) $(BENCH_MM_PORT) $(wildcard mm/include/*.h mm/*.h) tests/unit/port_host_inline.h
	@mkdir -p $(dir $@)
	$(HOST_CC) -std=gnu11 -O2 -flto -g $(WARN) -D_GNU_SOURCE -Imm/include $(MM_HOST_PORT_INLINE) -DMM_DEBUG_VM=0 \
	  -o $@ $(BENCH_MM_SRCS) $(BENCH_MM_PORT) -Wl,--gc-sections -ldl -lm

.PHONY: bench-mm bench-mm-instr
bench-mm-instr: $(BUILD)/bench/bench_mm
	@rm -rf $(BUILD)/bench/callgrind && mkdir -p $(BUILD)/bench/callgrind
	$(BENCH_MM_ENV) valgrind --tool=callgrind --quiet \
	  --callgrind-out-file=$(BUILD)/bench/callgrind/mm \
	  $(BUILD)/bench/bench_mm --instr $(BUILD)/bench/callgrind/mm > $(BENCH_MM_INSTR).tmp
	mv $(BENCH_MM_INSTR).tmp $(BENCH_MM_INSTR)
	@cat $(BENCH_MM_INSTR)
bench-mm: bench-mm-instr
	$(BENCH_MM_ENV) $(BUILD)/bench/bench_mm $(BENCH_MM_INSTR)
bench: bench-mm
