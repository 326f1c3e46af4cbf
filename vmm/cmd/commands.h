/*
 * commands.h: the subcommands vmm/cmd/main.c dispatches to, one file each.
 * Each takes the arguments after its own name (argv[0] is the subcommand)
 * and returns the process exit status.
 *
 * Layer: the command line (vmm/cmd/, last): options, output and the
 * process exit status; every command calls the layers in-process.
 */
#ifndef VMM_COMMANDS_H
#define VMM_COMMANDS_H

#define MEMVISOR_VERSION "0.1.0"

/* The whole command line, argv[0] the program: what main() runs. */
int memvisor_main(int argc, char **argv);

int cmd_run(int argc, char **argv);
/* balloon, stats, pause, resume, quit: clients of the control socket */
int cmd_client(int argc, char **argv);
int cmd_opt(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_test(int argc, char **argv);
int cmd_report(int argc, char **argv);
/* initrd -o FILE [--base INITRD] PROGRAM...: programs with their libraries */
int cmd_initrd(int argc, char **argv);
/* top SOCK: the live view of a running VM (ncurses), or --once one frame */
int cmd_top(int argc, char **argv);

#endif
