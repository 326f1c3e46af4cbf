/*
 * main.c: kernel_main, the boot sequence in the order it happens.
 */
#include <printk.h>
#include <uart.h>
#include <exit_status.h>
#include <version.h>
#include <asm/traps.h>

void kernel_main(unsigned long start_info_phys);

void kernel_main(unsigned long start_info_phys)
{
	uart_init();
	pr_notice("memvisor guest version 0.1 (%s) (gcc %s)\n", GUEST_GIT_VERSION, __VERSION__);
	cpu_init();
	pr_info("start_info at 0x%lx\n", start_info_phys);
	machine_exit(EXIT_OK);
}
