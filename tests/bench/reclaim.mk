# reclaim.mk: replacement policies in the guest, part of `make bench`:
# memhog --pattern loop|zipf|random over BENCH_RECLAIM_HOG in a
# BENCH_RECLAIM_RAM guest with swap, once per mm.policy, one major fault
# per page brought back (mm.page_cluster=0). A table of memhog's majflt
# per pattern and policy: counts, not timings (the guest's PRNG and the
# policies are deterministic; a row moves only when a policy changes).
BENCH_RECLAIM_RAM      ?= 8M
BENCH_RECLAIM_HOG      ?= 6M
BENCH_RECLAIM_PASSES   ?= 3
BENCH_RECLAIM_POLICIES ?= fifo clock lru lfu random
BENCH_RECLAIM_PATTERNS ?= loop zipf random

.PHONY: bench-reclaim
bench-reclaim: $(MEMVISOR) $(KERNEL) $(INITRD)
	@dir=$$(mktemp -d /tmp/mv-bench-reclaim-XXXXXX) && trap 'rm -rf $$dir' EXIT && \
	 echo "majflt of memhog $(BENCH_RECLAIM_HOG) x $(BENCH_RECLAIM_PASSES) passes in a" \
	      "$(BENCH_RECLAIM_RAM) guest with swap (mm.page_cluster=0)" && \
	 printf '%-8s' pattern; for pol in $(BENCH_RECLAIM_POLICIES); do printf ' %8s' $$pol; done; \
	 echo; \
	 for pat in $(BENCH_RECLAIM_PATTERNS); do printf '%-8s' $$pat; \
	   for pol in $(BENCH_RECLAIM_POLICIES); do rm -f $$dir/swap.img; \
	     n=$$($(MEMVISOR) run -m $(BENCH_RECLAIM_RAM) --timeout 300 \
	          --swap $$dir/swap.img:16M --initrd $(INITRD) $(KERNEL) -- console=ttyS0 \
	          mm.policy=$$pol mm.page_cluster=0 init=/bin/memhog $(BENCH_RECLAIM_HOG) \
	          --pattern $$pat --passes $(BENCH_RECLAIM_PASSES) 2>&1 | \
	          sed -n 's/^memhog: minflt [0-9]* majflt \([0-9]*\).*/\1/p'); \
	     printf ' %8s' $${n:-fail}; done; echo; done
bench: bench-reclaim
