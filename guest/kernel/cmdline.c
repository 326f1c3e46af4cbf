/*
 * cmdline.c: parses the kernel command line into kparams through a table
 * of known parameters. The words live in cmdline_words (a private copy that
 * the tokenizer cuts up); kparams points into it, so it is never freed.
 */
#include <cmdline.h>
#include <printk.h>
#include <string.h>

/* PARAM_STR_OR_BARE: a bare key stores "" (slub_debug alone means "all"). */
enum param_kind { PARAM_STR, PARAM_STR_OR_BARE, PARAM_LONG, PARAM_BOOL, PARAM_STR_LIST };

struct param {
	const char *name;
	enum param_kind kind;
	void *dst;
	long min, max;              /* PARAM_LONG bounds */
	const char *const *choices; /* PARAM_STR: allowed values, NULL-ended */
};

static const char *const mm_policies[] = { "fifo", "clock", "lru", "lfu", "random", "arc",
					   "s3fifo", "clockpro", "lfu-hist", NULL };

struct kparams kparams = {
	.console = "ttyS0", .mm_swappiness = -1, .mm_min_free_kbytes = -1,
	.loglevel = -1, .selftest = true, .balloon_reporting = true, .mm_fault_around = 16,
	.mm_page_cluster = 4, .mm_selfbench_ops = 4096, .tmpfs_size_kb = -1,
};
char boot_command_line[CMDLINE_MAX];
static char cmdline_words[CMDLINE_MAX];

static const struct param params[] = {
	{ "console", PARAM_STR, &kparams.console, 0, 0, NULL },
	{ "init", PARAM_STR, &kparams.init, 0, 0, NULL },
	{ "mm.policy", PARAM_STR, &kparams.mm_policy, 0, 0, mm_policies },
	{ "mm.swappiness", PARAM_LONG, &kparams.mm_swappiness, 0, 200, NULL },
	{ "mm.min_free_kbytes", PARAM_LONG, &kparams.mm_min_free_kbytes, 0, 1L << 30, NULL },
	{ "mm.debug", PARAM_BOOL, &kparams.mm_debug, 0, 0, NULL },
	{ "mm.fault_around", PARAM_LONG, &kparams.mm_fault_around, 1, 16, NULL },
	{ "mm.page_cluster", PARAM_LONG, &kparams.mm_page_cluster, 0, 4, NULL },
	{ "selftest", PARAM_BOOL, &kparams.selftest, 0, 0, NULL },
	{ "slub_debug", PARAM_STR_OR_BARE, &kparams.slub_debug, 0, 0, NULL },
	{ "slab_debug", PARAM_STR_OR_BARE, &kparams.slub_debug, 0, 0, NULL },
	{ "slab_selftest", PARAM_BOOL, &kparams.slab_selftest, 0, 0, NULL },
	{ "mm.selfbench", PARAM_BOOL, &kparams.mm_selfbench, 0, 0, NULL },
	{ "mm.selfbench_smp", PARAM_BOOL, &kparams.mm_selfbench_smp, 0, 0, NULL },
	{ "mm.selfbench_ops", PARAM_LONG, &kparams.mm_selfbench_ops, 1, 1L << 20, NULL },
	{ "loglevel", PARAM_LONG, &kparams.loglevel, 0, 8, NULL },
	{ "crash", PARAM_STR, &kparams.crash, 0, 0, NULL },
	{ "tmpfs.size_kb", PARAM_LONG, &kparams.tmpfs_size_kb, 4, 1L << 40, NULL },
	{ "hold", PARAM_LONG, &kparams.hold, 0, 1L << 30, NULL },
	{ "numa", PARAM_STR, &kparams.numa, 0, 0, NULL },
	{ "balloon.touch", PARAM_STR, &kparams.balloon_touch, 0, 0, NULL },
	{ "balloon.reporting", PARAM_BOOL, &kparams.balloon_reporting, 0, 0, NULL },
	{ "balloon.verify", PARAM_BOOL, &kparams.balloon_verify, 0, 0, NULL },
	{ "balloon.oomtest", PARAM_BOOL, &kparams.balloon_oomtest, 0, 0, NULL },
	{ "virtio_mmio.device", PARAM_STR_LIST, NULL, 0, 0, NULL },
};

/* Cuts the next word out of *p in place (quotes removed). NULL at the end. */
static char *next_word(char **p)
{
	char *s = *p, *w, *out;
	bool quoted = false;

	while (*s == ' ' || *s == '\t' || *s == '\n')
		s++;
	if (!*s)
		return NULL;
	w = out = s;
	for (; *s && (quoted || (*s != ' ' && *s != '\t' && *s != '\n')); s++) {
		if (*s == '"')
			quoted = !quoted;
		else
			*out++ = *s;
	}
	*p = *s ? s + 1 : s;
	*out = '\0';
	return w;
}

static bool in_choices(const char *v, const char *const *choices)
{
	for (; *choices; choices++)
		if (!strcmp(v, *choices))
			return true;
	return false;
}

/* Stores value into p's destination; returns false when it is invalid. */
static bool param_set(const struct param *p, const char *value)
{
	unsigned long long n;

	switch (p->kind) {
	case PARAM_STR:
		if (!value || (p->choices && !in_choices(value, p->choices)))
			return false;
		*(const char **)p->dst = value;
		return true;
	case PARAM_STR_OR_BARE:
		*(const char **)p->dst = value ? value : "";
		return true;
	case PARAM_LONG:
		if (!value || str_to_u64(value, &n) || (long long)n < p->min ||
		    (long long)n > p->max)
			return false;
		*(long *)p->dst = (long)n;
		return true;
	case PARAM_BOOL:
		if (value && strcmp(value, "0") && strcmp(value, "1"))
			return false;
		*(bool *)p->dst = !value || value[0] == '1';
		return true;
	case PARAM_STR_LIST:
		if (!value || kparams.nr_virtio_mmio >= CMDLINE_MAX_VIRTIO)
			return false;
		kparams.virtio_mmio[kparams.nr_virtio_mmio++] = value;
		return true;
	}
	return false;
}

static const struct param *param_find(const char *key)
{
	for (unsigned i = 0; i < sizeof(params) / sizeof(params[0]); i++)
		if (!strcmp(params[i].name, key))
			return &params[i];
	return NULL;
}

/* Keeps every unknown word, in order (they go to init as Linux passes
 * them, repeats included); the report names each only once. */
static void note_unknown(const char *word)
{
	if (kparams.nr_unknown < CMDLINE_MAX_WORDS)
		kparams.unknown[kparams.nr_unknown++] = word;
}

/* Whether unknown word i already appeared before it. */
static bool unknown_repeated(unsigned i)
{
	for (unsigned j = 0; j < i; j++)
		if (!strcmp(kparams.unknown[j], kparams.unknown[i]))
			return true;
	return false;
}

static void parse_word(char *word)
{
	char *eq = strchr(word, '=');
	char *value = NULL;

	if (eq) {
		*eq = '\0';
		value = eq + 1;
	}
	const struct param *p = param_find(word);
	if (!p) {
		if (eq)
			*eq = '=';
		note_unknown(word);
		return;
	}
	if (!param_set(p, value))
		pr_warn("cmdline: invalid value for %s: \"%s\", ignored\n", word,
			value ? value : "");
}

static void report_unknown(void)
{
	char buf[256];
	size_t len = 0;

	if (!kparams.nr_unknown)
		return;
	for (unsigned i = 0; i < kparams.nr_unknown && len < sizeof(buf); i++)
		if (!unknown_repeated(i))
			len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%s",
						len ? " " : "", kparams.unknown[i]);
	pr_notice("Unknown kernel command line parameters \"%s\", will be passed to user space.\n",
		  buf);
}

void cmdline_parse(const char *cmdline)
{
	char *p = cmdline_words, *w;

	strlcpy(boot_command_line, cmdline ? cmdline : "", sizeof(boot_command_line));
	if (cmdline && strlen(cmdline) >= sizeof(boot_command_line))
		pr_warn("cmdline: truncated to %zu bytes\n", sizeof(boot_command_line) - 1);
	strlcpy(cmdline_words, boot_command_line, sizeof(cmdline_words));
	while ((w = next_word(&p)) != NULL) {
		if (!strcmp(w, "--"))
			break;
		parse_word(w);
	}
	while ((w = next_word(&p)) != NULL && kparams.nr_init_args < CMDLINE_MAX_WORDS)
		kparams.init_args[kparams.nr_init_args++] = w;
	report_unknown();
	if (strcmp(kparams.console, "ttyS0"))
		pr_warn("cmdline: console=%s not supported, using ttyS0\n", kparams.console);
}
