/*
 * cmdline.h: the kernel command line, parsed once at boot into kparams.
 *
 * Syntax (Linux's): words separated by spaces; "key=value" or a bare flag;
 * double quotes group a value with spaces; words after "--" are arguments
 * for init. Unknown keys are reported once and kept for user space.
 */
#ifndef GUEST_CMDLINE_H
#define GUEST_CMDLINE_H

#include <stdbool.h>

#define CMDLINE_MAX        2048
#define CMDLINE_MAX_VIRTIO 8
#define CMDLINE_MAX_WORDS  32

struct kparams {
	const char *console;         /* console=, "ttyS0" by default */
	const char *init;            /* init=, NULL when absent */
	const char *mm_policy;       /* mm.policy=fifo|clock|lru|lfu|random|arc|s3fifo|clockpro|lfu-hist */
	long mm_swappiness;          /* mm.swappiness=0..200, -1 when absent */
	long mm_min_free_kbytes;     /* mm.min_free_kbytes=N, -1 when absent */
	bool mm_debug;               /* mm.debug=1 */
	long mm_fault_around;        /* mm.fault_around=1..16: anonymous pages per fault */
	long mm_page_cluster;        /* mm.page_cluster=0..4: log2 of the pages one swap-in
				      * reads (Linux's vm.page-cluster; 0: one per fault) */
	bool selftest;               /* selftest=0 skips the boot self-tests */
	const char *slub_debug;      /* slub_debug[=SPEC] (or slab_debug): NULL when absent,
				      * "" when bare (every check on every cache) */
	bool slab_selftest;          /* slab_selftest=1: check slub_debug's reports at boot */
	bool mm_selfbench;           /* mm.selfbench=1: time the allocators at boot */
	bool mm_selfbench_smp;       /* mm.selfbench_smp=1: pair loops on every CPU at once */
	long mm_selfbench_ops;       /* mm.selfbench_ops=N: operations per row (4096) */
	long loglevel;               /* loglevel=0..8, -1 when absent */
	const char *crash;           /* crash=KIND: crash on purpose (crash.h) */
	long tmpfs_size_kb;          /* tmpfs.size_kb=N: tmpfs's size= (-1: half of RAM) */
	long hold;                   /* hold=SECONDS: idle running driver work, then power down */
	const char *numa;            /* numa=off or numa=fake=N (numa.h), NULL when absent */
	const char *balloon_touch;   /* balloon.touch=SIZE: use SIZE of RAM once at probe */
	bool balloon_reporting;      /* balloon.reporting=0 turns free page reporting off */
	bool balloon_verify;         /* balloon.verify=1: write+read deflated pages */
	bool balloon_oomtest;        /* balloon.oomtest=1: exhaust RAM once inflated */
	const char *virtio_mmio[CMDLINE_MAX_VIRTIO]; /* virtio_mmio.device= */
	unsigned nr_virtio_mmio;
	const char *unknown[CMDLINE_MAX_WORDS];      /* passed to user space */
	unsigned nr_unknown;
	const char *init_args[CMDLINE_MAX_WORDS];    /* words after "--" */
	unsigned nr_init_args;
};

extern struct kparams kparams;
extern char boot_command_line[CMDLINE_MAX];

/* Copies and parses the command line; reports bad and unknown keys. */
void cmdline_parse(const char *cmdline);

#endif
