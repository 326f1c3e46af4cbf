/*
 * procdump FILE...: prints each file after a "== FILE" header line (so a
 * host test can split the output), then writes -500 to
 * /proc/self/oom_score_adj and reads it back. Exit status 1 when a file
 * cannot be read or the value does not stick.
 */
#include "libproc.h"

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int status = 0;

	for (int i = 1; i < argc; i++) {
		const char *text = proc_read(argv[i]);
		printf("== %s\n%s", argv[i], text ? text : "");
		status |= !text;
	}
	int fd = open("/proc/self/oom_score_adj", O_WRONLY);
	if (fd < 0 || write(fd, "-500\n", 5) != 5)
		status = 1;
	if (fd >= 0)
		close(fd);
	long v = proc_value("/proc/self/oom_score_adj", "");
	printf("== end\nprocdump: oom_score_adj -500 read back as %ld\n", v);
	return status || v != -500;
}
