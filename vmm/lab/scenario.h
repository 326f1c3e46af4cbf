/*
 * scenario.h: a scenario file of `memvisor test`, read with libyaml into a
 * checked description: the guest, its workload, the pressure schedule,
 * the snapshots, a timeout, and the expectations. Everything is validated
 * at load time (sizes, schedule, regular expressions, conditions), so a
 * malformed file is reported with its line before any VM starts.
 *
 *   name: balloon-pressure             # default: the file name
 *   description: one line for people
 *   guest:
 *     kernel: path                     # default: guest/kernel.elf beside memvisor;
 *                                      # "linux": Debian's kernel, linux/vmlinux and
 *                                      # linux/initrd.cpio beside memvisor (made by
 *                                      # scripts/linux-guest), the workload run by
 *                                      # its init (after "--"), not as init=;
 *                                      # "memvisor": the default, by name (a sweep
 *                                      # over kernel: [memvisor, linux])
 *     memory: 128M                     # default 128M
 *     cpus: 1                          # default: memvisor test --cpus, else 1
 *     initrd: path                     # default with a workload: guest/initrd.cpio
 *     swap: 64M                        # a swap disk of this size
 *     cmdline: "hold=3 mm.debug=1"     # more kernel command-line words
 *     numa: 2                          # NUMA nodes: run --numa's SPEC, checked
 *                                      # against memory and cpus (docs/numa.md)
 *   workload: "/bin/memhog 8M"         # run as init= (needs the initrd)
 *   start_from: warm.mvs               # instead of guest and workload: a saved
 *                                      # VM (memvisor save), restored, not booted;
 *                                      # every cell of a matrix starts from it
 *   host: "opt --frames 3,4 --json t"  # instead of a guest: a memvisor command,
 *                                      # run in the file's folder; its stdout
 *                                      # is the "console" (no stats, snapshots)
 *   pressure: "1s:balloon=64M"         # or a list of "TIME:CMD=ARG" events
 *   stats_interval: 0.2                # seconds between --stats samples
 *   snapshots: [1s, exit, held]        # --snapshot-at times, and names that
 *                                      # pressure steps take: "when console
 *                                      # \"memhog: holding\": snapshot=held"
 *   timeout: 30                        # seconds
 *   expect:
 *     status: 0                        # exit status of memvisor run
 *     console: ["regex", ...]          # lines that must appear (POSIX ERE)
 *     no_console: ["regex", ...]       # lines that must not appear
 *     stats: ["balloon.actual == 64M within 10s", ...]   (expect.h)
 *     json: ["results.1.faults.fifo > results.0.faults.fifo"]
 *                                      # conditions on a host command's JSON
 *                                      # output (paths and numbers, no time)
 *     diffs:
 *       - between: [1s, exit]          # two of the snapshots
 *         expect: ["largest_added(memhog) >= 8M", ...]
 *     show:
 *       - snapshot: held               # one of the snapshots
 *         view: segments               # a view of `memvisor show` (maps)
 *         space: kernel                # kernel or a pid (every space)
 *         lines: ["^gdt +0x0020 .* DPL 3", ...]   # must match a line
 *         no_lines: [" rwx"]           # must match no line
 *   results: [vmstat.pgmajfault, "max(host.resident)"]
 *                                      # measures recorded per run (the last
 *                                      # sample; a host command's JSON output)
 *                                      # for `memvisor test`'s results table
 *   notice: "order 10: {min(zones.DMA32.nr_free.10)} at the low point"
 *                                      # lines printed under the verdict, each
 *                                      # {MEASURE} replaced by its value
 *   matrix:                            # a sweep (matrix.h): one run per
 *     policy: [lru, fifo]              # combination, ${policy} in the text
 *
 * Relative paths are relative to the scenario file's folder.
 * Invariant: a loaded scenario owns all its strings, regexes and
 * conditions; scenario_free releases them all.
 *
 * Layer: the lab (vmm/lab/, after snapshots): the schedule and condition
 * languages, scenario files and the runner that judges one run; it starts
 * `memvisor run` as a child and reads what it left (console, stats,
 * snapshots) in-process, and `memvisor show` as a child per expect.show
 * view.
 */
#ifndef VMM_SCENARIO_H
#define VMM_SCENARIO_H

#include "expect.h"

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>

struct scenario_regex {
	char *text;
	regex_t re;
	int line;
};

struct scenario_cond {
	struct expect_cond *cond;
	int line;
};

/* A notice line: text with {MEASURE} placeholders, split at them. */
struct scenario_notice {
	char **pieces;                 /* nr_measures + 1 literal pieces */
	struct expect_cond **measures; /* between the pieces */
	size_t nr_measures;
	int line;
};

struct scenario_diff {
	char *from, *to;               /* snapshot labels as in `snapshots` */
	struct scenario_cond *conds;
	size_t nr_conds;
	int line;
};

/* A view of a snapshot (`memvisor show FILE --view VIEW [--space SPACE]`)
 * and the regexes its text must match. */
struct scenario_show {
	char *snapshot;                /* a label listed under `snapshots` */
	char *view;                    /* one of show's views */
	char *space;                   /* kernel, a pid, or NULL: every space */
	struct scenario_regex *lines, *no_lines;  /* must match / must not match */
	size_t nr_lines, nr_no_lines;
	int line;
};

struct scenario {
	char *file, *name, *description;
	char *label;                   /* a sweep cell's "k=v,k=v" ("" when no matrix) */
	char *dir;                     /* the file's folder */
	char *host;                    /* memvisor command words, or NULL */
	char *kernel, *initrd, *memory, *swap, *cmdline, *workload, *pressure;
	char *numa;                    /* guest.numa: a --numa SPEC, or NULL */
	char *start_from;              /* a save file to restore, or NULL: boot */
	bool linux_guest;              /* guest.kernel: linux */
	int cpus;                      /* 0: not named (memvisor test --cpus, else 1) */
	char **snapshots;
	size_t nr_snapshots;
	double stats_interval, timeout;
	int expect_status;             /* -1: any status */
	struct scenario_regex *console, *no_console;
	size_t nr_console, nr_no_console;
	struct scenario_cond *stats, *json;
	size_t nr_stats, nr_json;
	struct scenario_diff *diffs;
	size_t nr_diffs;
	struct scenario_show *shows;
	size_t nr_shows;
	struct scenario_cond *results;  /* measures (expect_parse_measure) */
	size_t nr_results;
	struct scenario_notice *notices;
	size_t nr_notices;
};

/*
 * Loads and checks path: one scenario per cell of its matrix (one without
 * a matrix), in *cells (*n of them, malloc'd). exe_dir is where memvisor
 * lives (for the default kernel and initrd). Returns 0, or a negative
 * errno with "FILE:LINE: what is wrong" in err (nothing is then kept).
 */
int scenario_load_cells(const char *path, const char *exe_dir, struct scenario **cells, size_t *n,
			struct mv_error *err);
void scenario_free_cells(struct scenario *cells, size_t n);
void scenario_free(struct scenario *sc);
/* Whether a snapshot label is a time or exit (--snapshot-at) rather than a name. */
bool scenario_snapshot_timed(const char *label);

#endif
