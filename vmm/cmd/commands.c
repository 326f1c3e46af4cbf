/*
 * commands.c: memvisor's command line: parses the subcommand name and
 * dispatches (memvisor_main: what main() runs, and what `test` calls in
 * the child it forks for each scenario); every subcommand lives in its own
 * file (commands.h).
 */
#include "commands.h"
#include "util.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{ "run", cmd_run, "boot a PVH kernel in a new VM" },
	{ "balloon", cmd_client, "set the balloon size of a running VM (SOCK SIZE)" },
	{ "stats", cmd_client, "print memory figures of a running VM (SOCK [--json])" },
	{ "pause", cmd_client, "stop a running VM's vCPUs (SOCK)" },
	{ "resume", cmd_client, "let a paused VM run on (SOCK)" },
	{ "top", cmd_top, "live full-screen view of a running VM's memory (SOCK [--once])" },
	{ "quit", cmd_client, "end a running VM, exit status 0 (SOCK)" },
	{ "opt", cmd_opt, "faults of each replacement policy against Belady's OPT" },
	{ "snapshot", cmd_client, "snapshot a running VM into an ELF core (SOCK FILE [--memory])" },
	{ "save", cmd_client, "save a running VM to a file to restore (SOCK FILE [--stop])" },
	{ "show", cmd_show, "print a view of a snapshot (FILE)" },
	{ "diff", cmd_diff, "compare two snapshots (A B); exit 1 when they differ" },
	{ "test", cmd_test, "run scenario files (YAML); JUnit XML, TAP, kept logs" },
	{ "report", cmd_report, "HTML timeline charts of a --stats stream (STATS.jsonl -o FILE)" },
	{ "initrd", cmd_initrd, "an initrd of programs with their shared libraries (-o FILE PROGRAM...)" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: memvisor COMMAND [options] [args]\n"
		   "       memvisor --help | --version\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\n'memvisor COMMAND --help' describes one command.\n");
}

int memvisor_main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return MV_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		printf("memvisor %s\n", MEMVISOR_VERSION);
		return 0;
	}
	optind = 0; /* glibc: a full reset, for a command run again in a forked child */
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "memvisor: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return MV_EXIT_USAGE;
}
