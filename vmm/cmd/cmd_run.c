/*
 * cmd_run.c: `memvisor run`: parses options, loads the kernel and initrd,
 * builds the VM with its devices and runs it to the end.
 *
 * Exit status: the guest's value written to port 0xf4, or one of the
 * MV_EXIT_* statuses in util.h. Input problems are found before /dev/kvm
 * is touched, so a bad image reports status 2 on any machine.
 */
#include "commands.h"
#include "control.h"
#include "machine.h"
#include "introspect.h"
#include "lazy.h"
#include "refsample.h"
#include "restore.h"
#include "snapshot.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_CMDLINE "console=ttyS0"
#define REFS_DEFAULT_INTERVAL 0.1 /* seconds between --trace-refs samples */

struct run_opts {
	uint64_t memory;
	int cpus;
	const char *kernel, *initrd, *console;
	char cmdline[LOADER_CMDLINE_MAX];
	double timeout;
	enum mem_backing backing;
	struct control_config control;
	char stats_path[512];
	char schedule[4096];           /* --pressure plus --snapshot-at events */
	const char *snapshot_prefix;
	const char *snapshot_at;       /* --snapshot-at, expanded once the prefix is known */
	bool snapshot_at_exit;
	const char *crash_dump;        /* NULL: none */
	const char *swap;
	char crash_default[256];
	const char *restore;           /* --restore FILE: resume a saved VM */
	bool lazy;                     /* --lazy: its RAM on demand (userfaultfd) */
	bool lazy_prefetch;            /* --lazy (=prefetch), not --lazy=demand */
	char swap_file[4096];          /* --swap's FILE without :SIZE, for --restore */
	const char *shape_option;      /* an option --restore takes from the file instead */
	struct refsample_config refs;  /* --trace-refs; path NULL: none */
	const char *numa_spec;         /* --numa, parsed once -m and -c are known */
	struct numa_config numa;
	char refs_path[4096];
};

static void run_usage(FILE *f)
{
	fprintf(f,
"usage: memvisor run [options] KERNEL.elf [-- guest command line...]\n"
"       memvisor run [options] --restore FILE\n"
"\n"
"Boots a PVH ELF64 kernel in a new KVM virtual machine.\n"
"\n"
"  -m, --memory SIZE     guest RAM (default 128M; K, M, G, T suffixes)\n"
"  -c, --cpus N          vCPUs, each in its own thread (default 1; memvisor's\n"
"                        kernel runs on the first and leaves the others parked)\n"
"      --initrd FILE     initial ramdisk, passed as the PVH module (default with\n"
"                        memvisor's kernel and an init= word: the initrd.cpio\n"
"                        built beside the kernel, when there is one)\n"
"      --cmdline STR     guest command line (default \"" DEFAULT_CMDLINE "\", left\n"
"                        out when the words after -- name a console=);\n"
"                        words after -- are appended to it\n"
"      --timeout SECS    stop the guest after SECS seconds, exit status 124\n"
"      --backing KIND    anon (default, THP advised), memfd or hugetlb\n"
"      --swap FILE[:SIZE]  attach a virtio-blk disk backed by FILE for guest swap\n"
"                        (created at SIZE, default 256M, when absent)\n"
"      --console FILE    write the guest's serial output to FILE, not stdout\n"
"      --control PATH    serve the JSON-lines control API on unix socket PATH\n"
"                        (memvisor balloon|stats|pause|resume|quit PATH ...)\n"
"      --pressure SCHED  run control commands on a schedule after boot, e.g.\n"
"                        \"2s:balloon=64M,6s:balloon=0\" (balloon=SIZE is the\n"
"                        balloon size: memory taken from the guest; also stats,\n"
"                        pause, resume, quit, snapshot=FILE, or snapshot=NAME\n"
"                        for PREFIX-NAME.core, save=FILE or save=NAME for\n"
"                        PREFIX-NAME.mvs: 'memvisor save', the VM runs on);\n"
"                        \"when COND:CMD\" waits for a\n"
"                        stats condition instead, e.g. \"when balloon.actual ==\n"
"                        64M:balloon=0\" (in order written, each once), and\n"
"                        'when console \"REGEX\":CMD' for a console line\n"
"      --stats FILE[:SECS]  append one JSON object of guest and host memory\n"
"                        figures every SECS seconds (default 1)\n"
"      --trace-refs FILE[:SECS]  record the guest's page references from the\n"
"                        host every SECS seconds (default 0.1, at least 0.01):\n"
"                        user pages whose accessed bit is set, which it clears;\n"
"                        FILE in oracleGeneral layout for `memvisor opt`,\n"
"                        FILE.json with the run's figures (docs/opt.md)\n"
"      --trace-refs-resync none|remap  after each sample, make KVM drop its\n"
"                        mappings of guest RAM so used pages are marked again\n"
"                        (remap, the default; needed under shadow paging)\n"
"      --snapshot-at LIST  take snapshots at these times after boot and/or at\n"
"                        the end, e.g. \"2s,5s,exit\"; files PREFIX-2s.core, ...\n"
"      --snapshot-prefix PREFIX  (default \"memvisor-snap\")\n"
"      --crash-dump PATH|none  where a snapshot goes when the guest triple-faults,\n"
"                        panics or oopses (default $TMPDIR/memvisor-crash-PID.core)\n"
"      --restore FILE    resume a VM saved by 'memvisor save' (no KERNEL: the\n"
"                        file gives RAM, vCPUs, devices and the swap disk, whose\n"
"                        saved bytes are written to the disk's saved path, or\n"
"                        to --swap FILE's)\n"
"      --lazy[=prefetch|demand]  with --restore: start at once and fill each\n"
"                        page of RAM on first access (userfaultfd), prefetching\n"
"                        the rest (demand: no prefetch, only first accesses)\n"
"      --numa SPEC       NUMA nodes, described to the guest in ACPI SRAT and SLIT\n"
"                        (docs/numa.md): N splits RAM evenly in whole pages (the\n"
"                        last node takes the rest) and the vCPUs in blocks, vCPU\n"
"                        c on node c*N/cpus; or nodes in order,\n"
"                        ID:SIZE[:cpus=LIST],... with LIST like 0,1 or 0-3,\n"
"                        sizes adding up to -m, each vCPU in one node; then\n"
"                        optionally dist=D,D,... the N*N distance matrix row\n"
"                        by row (10 on the diagonal, 11-254 elsewhere;\n"
"                        default 20), e.g. --numa 2, or\n"
"                        --numa 0:48M:cpus=0,1,1:16M:cpus=2,3,dist=10,21,21,10\n"
"  -v, --verbose         say what the VMM does\n"
"  -h, --help            this text\n"
"\n"
"Exit status: the value the guest writes to port 0xf4 (low 8 bits); with\n"
"  memvisor's kernel and init=, init's status (128+N when a signal N killed\n"
"  it: 137 after an OOM kill);\n"
"  2 usage or input error, 121 guest triple fault or reset,\n"
"  122 KVM internal error or failed VM entry, 123 host failure, 124 timeout.\n");
}

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...)
{
	va_list ap;
	fputs("memvisor run: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\n(try 'memvisor run --help')\n", stderr);
	return -EINVAL;
}

static int append_cmdline(struct run_opts *o, const char *word)
{
	size_t used = strlen(o->cmdline);
	size_t need = strlen(word) + (used ? 1 : 0);
	if (used + need >= sizeof(o->cmdline))
		return usage_error("guest command line longer than %d bytes", LOADER_CMDLINE_MAX - 1);
	if (used)
		o->cmdline[used++] = ' ';
	strcpy(o->cmdline + used, word);
	return 0;
}

static int add_schedule(struct run_opts *o, const char *events)
{
	size_t used = strlen(o->schedule);
	if (used + strlen(events) + 2 > sizeof(o->schedule))
		return usage_error("%s", "schedule too long");
	snprintf(o->schedule + used, sizeof(o->schedule) - used, "%s%s", used ? "," : "", events);
	o->control.pressure = o->schedule;
	return 0;
}

/* --snapshot-at "2s,500ms,exit": timed snapshots join the schedule. */
static int parse_snapshot_at(struct run_opts *o, const char *arg)
{
	char *copy = strdup(arg), *save = NULL, *tok;
	int rc = 0;
	for (tok = strtok_r(copy, ",", &save); tok && !rc; tok = strtok_r(NULL, ",", &save)) {
		char ev[512];
		double at;
		if (!strcmp(tok, "exit")) {
			o->snapshot_at_exit = true;
			continue;
		}
		if (schedule_parse_time(tok, &at) < 0) {
			rc = usage_error("--snapshot-at: '%s' is not a time like 2s or exit", tok);
			continue;
		}
		snprintf(ev, sizeof(ev), "%s:snapshot=%s-%s.core", tok,
			 o->snapshot_prefix ? o->snapshot_prefix : CONTROL_SNAPSHOT_PREFIX, tok);
		rc = add_schedule(o, ev);
	}
	free(copy);
	return rc;
}

static int parse_option(struct run_opts *o, int c, const char *arg, bool *cmdline_set)
{
	struct mv_error err;
	if (strchr("mcilN", c))
		o->shape_option = c == 'm' ? "--memory" : c == 'c' ? "--cpus" : c == 'i' ? "--initrd"
				  : c == 'N' ? "--numa" : "--cmdline";
	switch (c) {
	case 'R': o->restore = arg; return 0;
	case 'Z':
		o->lazy = true;
		o->lazy_prefetch = !arg || !strcmp(arg, "prefetch");
		if (arg && strcmp(arg, "prefetch") && strcmp(arg, "demand"))
			return usage_error("--lazy=%s: expected prefetch or demand", arg);
		return 0;
	case 'm':
		if (mv_parse_size(arg, &o->memory, &err) < 0 || mem_check_size(o->memory, &err) < 0)
			return usage_error("--memory: %s", err.msg);
		return 0;
	case 'c': {
		char *end;
		long n = strtol(arg, &end, 10);
		if (*end || n < 1 || n > VM_MAX_CPUS)
			return usage_error("--cpus: '%s' is not a number from 1 to 64", arg);
		o->cpus = (int)n;
		return 0;
	}
	case 'i': o->initrd = arg; return 0;
	case 'N': o->numa_spec = arg; return 0; /* after all options: see parse_run_args */
	case 'l':
		*cmdline_set = true;
		o->cmdline[0] = 0;
		return append_cmdline(o, arg);
	case 't':
		if (mv_parse_seconds(arg, &o->timeout) < 0)
			return usage_error("--timeout: '%s' is not a number of seconds", arg);
		return 0;
	case 'b':
		if (mem_parse_backing(arg, &o->backing) < 0)
			return usage_error("--backing: '%s' is not anon, memfd or hugetlb", arg);
		return 0;
	case 'o': o->console = arg; return 0;
	case 'C': o->control.socket_path = arg; return 0;
	case 'W':
		o->swap = arg;
		snprintf(o->swap_file, sizeof(o->swap_file), "%.*s",
			 (int)(strrchr(arg, ':') ? strrchr(arg, ':') - arg : (long)strlen(arg)), arg);
		return 0;
	case 'P': {
		struct schedule_event ev[SCHEDULE_MAX_EVENTS];
		if (schedule_parse(arg, ev, SCHEDULE_MAX_EVENTS, &err) < 0)
			return usage_error("--pressure: %s", err.msg);
		return add_schedule(o, arg);
	}
	case 'A': o->snapshot_at = arg; return 0; /* after all options: see parse_run_args */
	case 'F': o->snapshot_prefix = o->control.snapshot_prefix = arg; return 0;
	case 'D': o->crash_dump = strcmp(arg, "none") ? arg : NULL; return 0;
	case 'S':
		if (schedule_parse_stats_arg(arg, o->stats_path, sizeof(o->stats_path),
					     &o->control.stats_interval) < 0)
			return usage_error("--stats: '%s' is not FILE or FILE:SECONDS", arg);
		o->control.stats_path = o->stats_path;
		return 0;
	case 'T':
		if (schedule_parse_stats_arg(arg, o->refs_path, sizeof(o->refs_path),
					     &o->refs.interval) < 0)
			return usage_error("--trace-refs: '%s' is not FILE or FILE:SECONDS", arg);
		if (!strchr(arg, ':'))
			o->refs.interval = REFS_DEFAULT_INTERVAL;
		o->refs.path = o->refs_path;
		return 0;
	case 'U':
		if (strcmp(arg, "none") && strcmp(arg, "remap"))
			return usage_error("--trace-refs-resync: '%s' is not none or remap", arg);
		o->refs.resync = strcmp(arg, "none") ? REFSAMPLE_RESYNC_REMAP : REFSAMPLE_RESYNC_NONE;
		return 0;
	case 'v': mv_verbose = 1; return 0;
	default:  return usage_error("%s", "invalid option");
	}
}

/* Whether the guest words after -- (from index nopts) choose a console. */
static bool words_set_console(int argc, char **argv, int nopts)
{
	for (int i = nopts + 1; i < argc; i++)
		if (!strncmp(argv[i], "console=", 8))
			return true;
	return false;
}

/* With --restore, the saved VM's shape and guest come from the file. */
static int restore_args(const struct run_opts *o, int optind_, int nopts, int argc)
{
	if (o->shape_option)
		return usage_error("--restore takes the VM's shape from the file; %s is not "
				   "allowed with it", o->shape_option);
	if (optind_ != nopts || nopts != argc)
		return usage_error("%s", "--restore takes no KERNEL and no guest command line");
	return 0;
}

/* Returns 0 to run, 1 when --help was printed, -1 on a usage error. */
static int parse_run_args(struct run_opts *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "memory", required_argument, NULL, 'm' }, { "cpus", required_argument, NULL, 'c' },
		{ "initrd", required_argument, NULL, 'i' }, { "cmdline", required_argument, NULL, 'l' },
		{ "timeout", required_argument, NULL, 't' }, { "backing", required_argument, NULL, 'b' },
		{ "console", required_argument, NULL, 'o' }, { "verbose", no_argument, NULL, 'v' },
		{ "control", required_argument, NULL, 'C' }, { "pressure", required_argument, NULL, 'P' },
		{ "stats", required_argument, NULL, 'S' },
		{ "snapshot-at", required_argument, NULL, 'A' },
		{ "snapshot-prefix", required_argument, NULL, 'F' },
		{ "crash-dump", required_argument, NULL, 'D' },
		{ "swap", required_argument, NULL, 'W' },
		{ "restore", required_argument, NULL, 'R' },
		{ "lazy", optional_argument, NULL, 'Z' },
		{ "trace-refs", required_argument, NULL, 'T' },
		{ "trace-refs-resync", required_argument, NULL, 'U' },
		{ "numa", required_argument, NULL, 'N' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	int nopts = argc, c;
	bool cmdline_set = false;

	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--")) {
			nopts = i;
			break;
		}
	*o = (struct run_opts){ .memory = 128 * MiB, .cpus = 1, .backing = MEM_BACKING_ANON,
				.refs.resync = REFSAMPLE_RESYNC_REMAP };
	const char *tmp = getenv("TMPDIR");
	snprintf(o->crash_default, sizeof(o->crash_default), "%s/memvisor-crash-%d.core",
		 tmp && *tmp ? tmp : "/tmp", (int)getpid());
	o->crash_dump = o->crash_default;
	optind = 1;
	while ((c = getopt_long(nopts, argv, "m:c:vh", longopts, NULL)) != -1) {
		if (c == 'h') {
			run_usage(stdout);
			return 1;
		}
		if (c == '?' || parse_option(o, c, optarg, &cmdline_set) < 0)
			return c == '?' ? usage_error("%s", "invalid option") : -EINVAL;
	}
	if (o->snapshot_at && parse_snapshot_at(o, o->snapshot_at) < 0)
		return -EINVAL;
	struct mv_error err;
	if (o->numa_spec && numa_parse(o->numa_spec, o->memory, o->cpus, &o->numa, &err) < 0)
		return usage_error("--numa: %s", err.msg);
	if (o->lazy && !o->restore)
		return usage_error("%s", "--lazy goes with --restore");
	if (o->restore)
		return restore_args(o, optind, nopts, argc);
	if (optind != nopts - 1)
		return usage_error("%s", optind >= nopts ? "no KERNEL given"
			: "one KERNEL expected; put guest arguments after --");
	o->kernel = argv[optind];
	if (!cmdline_set && !words_set_console(argc, argv, nopts) &&
	    append_cmdline(o, DEFAULT_CMDLINE) < 0)
		return -EINVAL;
	for (int i = nopts + 1; i < argc; i++)
		if (append_cmdline(o, argv[i]) < 0)
			return -EINVAL;
	return 0;
}

struct run_inputs {
	void *kernel, *initrd;
	size_t kernel_len, initrd_len;
	struct pvh_image img;
	bool memvisor_kernel;          /* it has the mv_info symbol: memvisor's own */
};

/* Whether in->kernel is memvisor's own: it has the mv_info symbol. */
static bool is_memvisor_kernel(const struct run_inputs *in)
{
	uint64_t sym;
	return intro_find_symbol(in->kernel, in->kernel_len, "mv_info", &sym) == 0;
}

/* Whether the guest command line has an init= word (a program to run). */
static bool cmdline_names_init(const char *cmdline)
{
	for (const char *w = strstr(cmdline, "init="); w; w = strstr(w + 1, "init="))
		if (w == cmdline || w[-1] == ' ')
			return true;
	return false;
}

/*
 * The initrd to load: --initrd's, or, when there is none and memvisor's
 * own kernel is told to run an init= program, the initrd built beside it
 * (KERNEL's folder/initrd.cpio, as `make` lays them out), if it is there.
 * NULL for none; the chosen path is written to buf when it is the default.
 */
static const char *initrd_path(const struct run_opts *o, const struct run_inputs *in,
			       char *buf, size_t len)
{
	const char *slash = strrchr(o->kernel, '/');
	if (o->initrd || !cmdline_names_init(o->cmdline) || !in->memvisor_kernel)
		return o->initrd;
	snprintf(buf, len, "%.*sinitrd.cpio", slash ? (int)(slash - o->kernel + 1) : 0, o->kernel);
	if (access(buf, R_OK) < 0)
		return NULL;
	mv_debug("no --initrd: using %s, the initrd built beside memvisor's kernel", buf);
	return buf;
}

static int read_inputs(const struct run_opts *o, struct run_inputs *in)
{
	struct mv_error err;
	char beside[4200];
	int rc = loader_read_file(o->kernel, &in->kernel, &in->kernel_len, &err);
	if (rc == 0)
		in->memvisor_kernel = is_memvisor_kernel(in);
	const char *initrd = rc < 0 ? NULL : initrd_path(o, in, beside, sizeof(beside));
	if (rc < 0 || (initrd &&
		       (rc = loader_read_file(initrd, &in->initrd, &in->initrd_len, &err)) < 0)) {
		mv_err("%s", err.msg);
		return rc;
	}
	rc = loader_check(in->kernel, in->kernel_len, o->memory, &in->img, &err);
	if (rc < 0)
		mv_err("%s: %s", o->kernel, err.msg);
	return rc;
}

/* The memvisor kernel's exit statuses for a panic and an oops (other
 * kernels' statuses mean nothing to us: only a kernel with mv_info counts). */
#define GUEST_STATUS_PANIC 3
#define GUEST_STATUS_OOPS  4

static void final_snapshots(struct machine *m, const struct run_opts *o, bool memvisor_kernel,
			    int status)
{
	char path[600];
	struct mv_error err;
	bool crashed = status == MV_EXIT_TRIPLE_FAULT || status == MV_EXIT_KVM_ERROR ||
		       (memvisor_kernel &&
			(status == GUEST_STATUS_PANIC || status == GUEST_STATUS_OOPS));
	struct snap_request r = { .path = path, .reason = "exit" };
	if (o->snapshot_at_exit) {
		snprintf(path, sizeof(path), "%s-exit.core",
			 o->snapshot_prefix ? o->snapshot_prefix : CONTROL_SNAPSHOT_PREFIX);
		if (snapshot_take(m, &r, &err) < 0)
			mv_err("exit snapshot: %s", err.msg);
	}
	if (crashed && o->crash_dump) {
		snprintf(path, sizeof(path), "%s", o->crash_dump);
		r = (struct snap_request){ .path = path, .memory = true, .reason = "crash" };
		if (snapshot_take(m, &r, &err) < 0)
			mv_err("crash dump: %s", err.msg);
		else
			mv_info("crash dump written to %s (memvisor show %s; gdb KERNEL %s)", path,
				path, path);
	}
}

static int run_machine(struct machine *m, const struct run_opts *o, const struct run_inputs *in)
{
	machine_mark_start(m); /* before the control thread reads the clock */
	struct mv_error err;
	struct control *ctl = control_start(m, &o->control, &err);
	if (!ctl) {
		mv_err("%s", err.msg);
		return MV_EXIT_USAGE;
	}

	struct refsample *refs = o->refs.path ? refsample_start(m, &o->refs, &err) : NULL;
	if (o->refs.path && !refs) {
		mv_err("%s", err.msg);
		control_stop(ctl);
		return MV_EXIT_USAGE;
	}
	int status = MV_EXIT_HOST_ERROR;
	if (machine_start(m, &err) < 0) {
		mv_err("%s", err.msg);
	} else {
		status = vm_wait(&m->vm, o->timeout);
		if (status == MV_EXIT_TIMEOUT) {
			mv_err("guest still running after %g s (--timeout); stopped it", o->timeout);
			machine_report_hang(m);
		}
		mv_debug("VM ended: %s, status %d", m->vm.exit_reason, status);
	}
	if (refs && refsample_stop(refs) < 0 && status == 0)
		status = MV_EXIT_HOST_ERROR;
	control_stop(ctl);
	if (m->vm.exit_reason) /* it ran */
		final_snapshots(m, o, in->memvisor_kernel, status);
	return status;
}

static int run_vm(const struct run_opts *o, const struct run_inputs *in)
{
	struct machine *m = calloc(1, sizeof(*m));
	struct machine_config cfg = {
		.memory = o->memory, .cpus = o->cpus, .backing = o->backing,
		.kernel_path = o->kernel, .kernel = in->kernel, .kernel_len = in->kernel_len,
		.initrd = in->initrd, .initrd_len = in->initrd_len, .cmdline = o->cmdline,
		.console_path = o->console, .swap = o->swap,
		.numa = o->numa.nr_nodes ? &o->numa : NULL,
	};
	if (!m)
		return MV_EXIT_HOST_ERROR;
	struct mv_error err;
	int status = 0;
	if (machine_build(m, &cfg, &err) < 0) {
		mv_err("%s", err.msg);
		status = m->fault == MACHINE_FAULT_INPUT ? MV_EXIT_USAGE : MV_EXIT_HOST_ERROR;
	} else {
		status = run_machine(m, o, in);
	}
	machine_destroy(m);
	free(m);
	return status;
}

/*
 * The kernel the saved VM runs, for introspection (stats, snapshots,
 * crash dumps): the file named in the save, if it is still there with the
 * same build-id; otherwise none (the guest runs all the same).
 */
static void restore_kernel(const struct save_image *img, struct run_inputs *in)
{
	struct mv_error err;
	uint8_t id[32];
	const struct snap_meta *meta = &img->file.meta;
	if (!meta->kernel[0] || loader_read_file(meta->kernel, &in->kernel, &in->kernel_len, &err) < 0)
		return;
	size_t n = intro_build_id(in->kernel, in->kernel_len, id, sizeof(id));
	if (n != meta->build_id_len || memcmp(id, meta->build_id, n)) {
		mv_info("%s is not the kernel that was saved (build-id differs): no guest "
			"introspection", meta->kernel);
		free(in->kernel);
		in->kernel = NULL;
		in->kernel_len = 0;
		return;
	}
	in->memvisor_kernel = is_memvisor_kernel(in);
}

/* Where the restored swap disk goes: --swap's FILE (any :SIZE dropped: the
 * size is the saved one), else the path it was saved from. */
static const char *restore_swap_path(const struct run_opts *o, const struct save_image *img)
{
	return o->swap ? o->swap_file : img->blk.path;
}

/* Guest RAM now, or on demand with --lazy (l then runs until lazy_stop). */
static int restore_ram(struct machine *m, const struct run_opts *o, const struct save_image *img,
		       struct lazy_restore *l, struct mv_error *err)
{
	if (!o->lazy)
		return restore_load_ram(m, img, o->restore, err);
	return lazy_start(l, &m->vm.mem, img, o->restore, o->lazy_prefetch, err);
}

/* RAM (now or on demand: *lazy_on then), chips, vCPUs and devices. 0 or a
 * negative errno with err. */
static int restore_state(struct machine *m, const struct run_opts *o,
			 const struct save_image *img, struct lazy_restore *l, bool *lazy_on,
			 struct mv_error *err)
{
	if (o->lazy && !l)
		return mv_fail(err, -ENOMEM, "out of memory");
	int rc = restore_ram(m, o, img, l, err);
	if (rc < 0)
		return rc;
	*lazy_on = o->lazy;
	/* a diff save from here on counts from this file's state */
	if ((rc = mem_track_changes(&m->vm.mem, m->vm.vm_fd, img->hdr.save_id)) < 0)
		return mv_fail(err, rc, "dirty logging: %s", strerror(-rc));
	return restore_machine(m, img, err);
}

/* Builds the saved machine, loads its state and runs it; t0 is when the
 * restore began (mv_monotonic_seconds), for the verbose timing line. */
static int restore_vm(const struct run_opts *o, const struct save_image *img,
		      struct run_inputs *in, double t0)
{
	struct lazy_restore *lazy = o->lazy ? calloc(1, sizeof(*lazy)) : NULL;
	struct run_opts with_lazy = *o;
	with_lazy.control.lazy = lazy;
	struct machine *m = calloc(1, sizeof(*m));
	struct mv_error err;
	if (!m) {
		free(lazy);
		return MV_EXIT_HOST_ERROR;
	}
	restore_kernel(img, in);
	struct machine_config cfg = {
		.memory = img->hdr.ram_size, .cpus = (int)img->hdr.nr_cpus, .backing = o->backing,
		.kernel_path = in->kernel ? img->file.meta.kernel : NULL, .kernel = in->kernel,
		.kernel_len = in->kernel_len, .console_path = o->console,
		.swap = (img->hdr.devices & SNAP_SAVE_DEV_BLK) ? restore_swap_path(o, img) : NULL,
		.numa = img->numa.nr_nodes ? &img->numa : NULL,   /* bound and reported again */
	};
	int status;
	bool lazy_on = false;
	if (machine_assemble(m, &cfg, &err) < 0) {
		mv_err("%s", err.msg);
		status = m->fault == MACHINE_FAULT_INPUT ? MV_EXIT_USAGE : MV_EXIT_HOST_ERROR;
	} else if (restore_state(m, o, img, lazy, &lazy_on, &err) < 0) {
		mv_err("restore: %s", err.msg);
		status = MV_EXIT_HOST_ERROR;
	} else {
		mv_debug("restored %s: %llu pages of RAM%s, vCPUs start %.1f ms after the restore "
			 "began", o->restore, (unsigned long long)img->hdr.pages_saved,
			 o->lazy ? " to come lazily" : " read", (mv_monotonic_seconds() - t0) * 1e3);
		status = run_machine(m, &with_lazy, in);
	}
	if (lazy_on)
		lazy_stop(lazy); /* every thread that may touch RAM is done */
	machine_destroy(m);
	free(m);
	free(lazy);
	return status;
}

/* `run --restore FILE`: everything in the file is checked before a VM exists. */
static int run_restore(const struct run_opts *o)
{
	struct save_image img;
	struct run_inputs in = { 0 };
	struct mv_error err;
	double t0 = mv_monotonic_seconds();
	if (savefile_read_chain(&img, o->restore, &err) < 0) {
		mv_err("%s", err.msg);
		return MV_EXIT_USAGE;
	}
	int status;
	if (o->lazy && img.base) {
		mv_err("%s: a diff save; --lazy fills RAM from one file: restore it without --lazy",
		       o->restore);
		status = MV_EXIT_USAGE;
	} else if (savefile_check_host(&img, &err) < 0) {
		mv_err("%s: %s", o->restore, err.msg);
		status = MV_EXIT_USAGE;
	} else if ((img.hdr.devices & SNAP_SAVE_DEV_BLK) &&
		   restore_disk(&img, o->restore, restore_swap_path(o, &img), &err) < 0) {
		mv_err("%s", err.msg);
		status = MV_EXIT_USAGE;
	} else {
		status = restore_vm(o, &img, &in, t0);
	}
	free(in.kernel);
	savefile_free(&img);
	return status;
}

int cmd_run(int argc, char **argv)
{
	struct run_opts o;
	struct run_inputs in = { 0 };
	int rc = parse_run_args(&o, argc, argv);

	if (rc)
		return rc > 0 ? 0 : MV_EXIT_USAGE;
	if (o.restore)
		return run_restore(&o);
	rc = read_inputs(&o, &in) < 0 ? MV_EXIT_USAGE : run_vm(&o, &in);
	free(in.kernel);
	free(in.initrd);
	return rc;
}
