# policy.mk: page-replacement outcomes, part of `make bench`: faults of each
# mm/ policy and of Belady's OPT on loop, zipf and scan-with-hot-set traces
# over 1000 pages, at 250 and 900 frames (`memvisor opt`, which runs the mm/
# policy code itself). A table of fault counts, not timings: deterministic
# for the seed, so any change in a row is a change in a policy.
BENCH_POLICY_ARGS ?= --pattern loop,zipf,scan --pages 1000 --length 200000 \
                     --frames 250,900 --seed 1

.PHONY: bench-policy
bench-policy: $(MEMVISOR)
	$(MEMVISOR) opt $(BENCH_POLICY_ARGS)
bench: bench-policy
