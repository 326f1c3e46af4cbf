/*
 * dynhello: a dynamically linked glibc program (built with the host's
 * gcc, a PIE with /lib64/ld-linux-x86-64.so.2 as its interpreter) for the
 * dynlink integration suite. Prints "dynhello: hello from glibc", its
 * /proc/self/statm (size resident shared ...) and its fault counts: a
 * second run in the same guest finds ld.so's and libc's pages in the page
 * cache the first one filled, so it takes fewer major faults.
 *
 * --hold: says "dynhello: holding" and waits for a signal, keeping its
 * mappings (execbad's other process). --libc-shared: prints the Rss and
 * Shared_Clean of its libc.so.6 text mapping (/proc/self/smaps; shared:
 * frames another process maps too) and exits 0 when Shared_Clean > 0, 1
 * when not, 2 when smaps has no such mapping.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

static void print_statm(void)
{
	char line[128] = "";
	FILE *f = fopen("/proc/self/statm", "r");

	if (f) {
		if (!fgets(line, sizeof(line), f))
			line[0] = 0;
		fclose(f);
	}
	line[strcspn(line, "\n")] = 0;
	printf("dynhello: statm %s\n", line);
}

/* The value of the "NAME: N kB" line after the smaps header at f's position, or -1. */
static long smaps_field(FILE *f, const char *name)
{
	char line[256];
	size_t n = strlen(name);

	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, name, n))
			return strtol(line + n, NULL, 10);
		if (strchr(line, '-') && !strchr(line, ':'))
			break;          /* the next mapping's header */
	}
	return -1;
}

static int libc_shared(void)
{
	char line[256];
	long rss = -1, shared = -1;
	FILE *f = fopen("/proc/self/smaps", "r");

	while (f && fgets(line, sizeof(line), f)) {
		if (strstr(line, " r-xp ") && strstr(line, "/libc.so.6")) {
			rss = smaps_field(f, "Rss:");
			shared = smaps_field(f, "Shared_Clean:");
			break;
		}
	}
	if (f)
		fclose(f);
	printf("dynhello: libc.so.6 text Rss %ld kB Shared_Clean %ld kB\n", rss, shared);
	return shared < 0 ? 2 : shared > 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	struct rusage ru;

	if (argc > 1 && !strcmp(argv[1], "--hold")) {
		printf("dynhello: holding\n");
		fflush(stdout);
		for (;;)
			pause();
	}
	if (argc > 1 && !strcmp(argv[1], "--libc-shared"))
		return libc_shared();

	printf("dynhello: hello from glibc%s%s\n", argc > 1 ? ", " : "", argc > 1 ? argv[1] : "");
	print_statm();
	getrusage(RUSAGE_SELF, &ru);
	printf("dynhello: majflt %ld minflt %ld\n", ru.ru_majflt, ru.ru_minflt);
	return 0;
}
