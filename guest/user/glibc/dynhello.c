/*
 * dynhello: a dynamically linked glibc program (built with the host's
 * gcc, a PIE with /lib64/ld-linux-x86-64.so.2 as its interpreter) for the
 * dynlink integration suite. Prints "dynhello: hello from glibc", where
 * ld.so put libc (dladdr of printf), its fault counts and its
 * /proc/self/statm (size resident shared ...): a second run in the same
 * guest finds ld.so's and libc's pages in the page cache the first one
 * filled, so it takes fewer major faults.
 */
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

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

int main(int argc, char **argv)
{
	struct rusage ru;

	printf("dynhello: hello from glibc%s%s\n", argc > 1 ? ", " : "", argc > 1 ? argv[1] : "");
	print_statm();
	getrusage(RUSAGE_SELF, &ru);
	printf("dynhello: majflt %ld minflt %ld\n", ru.ru_majflt, ru.ru_minflt);
	return 0;
}
