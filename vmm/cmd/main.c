/*
 * main.c: the program's entry point, kept apart from the dispatch
 * (commands.c) so that the tests link every command but not main().
 */
#include "commands.h"

int main(int argc, char **argv)
{
	return memvisor_main(argc, argv);
}
