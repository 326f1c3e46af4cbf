/*
 * main.c: kernel_main, the boot sequence in the order it happens:
 * the per-CPU area, console, boot data + command line, CPU tables, e820 +
 * memblock, the CPU list (MADT), final page tables, hand-over to the page
 * allocator (and kmalloc), processes (scheduler, user memory, #PF and
 * syscall entry, initrd), timer, the other CPUs, self-tests, then init.
 */
#include <tmpfs.h>
#include <printk.h>
#include <uart.h>
#include <cmdline.h>
#include <memblock.h>
#include <page_alloc.h>
#include <selftest.h>
#include <slab_selftest.h>
#include <selfbench.h>
#include <time.h>
#include <crash.h>
#include <exit_status.h>
#include <version.h>
#include <virtio.h>
#include <asm/traps.h>
#include <asm/setup.h>
#include <asm/paging.h>
#include <asm/cpu.h>
#include <sched.h>
#include <uvm.h>
#include <swap.h>
#include <reclaim.h>
#include <exec.h>
#include <syscall.h>
#include <initrd.h>
#include <percpu.h>
#include <smp.h>
#include <klock.h>
#include <numa.h>

void kernel_main(unsigned long start_info_phys);

static uint64_t boot_tsc;

static void banner(void)
{
	pr_notice("memvisor guest kernel version 0.1 (%s) (gcc %s)\n",
		  GUEST_GIT_VERSION, __VERSION__);
	pr_notice("Command line: %s\n", boot_command_line);
}

static void setup_memory(void)
{
	e820_setup();
	setup_reserve();
	smp_find_cpus();
	numa_init(&numa_layout, boot_info.rsdp);
	memblock_dump();
	paging_init();
	page_alloc_handover();
}

/*
 * hold=SECONDS keeps the guest up for host-driven tests: it idles (kernel
 * threads such as kvirtiod run meanwhile) until the time is up or the host
 * quits.
 */
static void hold(long seconds)
{
	unsigned long until = jiffies + (unsigned long)seconds * HZ;

	pr_notice("hold: idling for %ld s (the host may quit earlier)\n", seconds);
	while ((long)(jiffies - until) < 0)
		sched_idle_once();
	irq_enable();
}

static void setup_processes(void)
{
	sched_init();
	uvm_init();
	fault_init();
	syscall_init();
	initrd_init();
}

/*
 * What runs after boot: pid 1 from the initrd when init= names a program
 * (the VM ends when it does), else a power-down. The boot context becomes
 * the idle task.
 */
static void __noreturn rest_init(void)
{
	if (kparams.hold)
		hold(kparams.hold);
	if (!kparams.init) {
		pr_notice("reboot: Power down (no init to run)\n");
		machine_exit(EXIT_OK);
	}
	int err = exec_start_init();
	if (err) {
		pr_err("Kernel panic - not syncing: Requested init %s failed (error %d).\n",
		       kparams.init, err);
		machine_exit(EXIT_NO_INIT);
	}
	sched_idle();
}

void kernel_main(unsigned long start_info_phys)
{
	boot_tsc = rdtsc();
	percpu_init_boot();
	kernel_lock();          /* boot code is kernel code (klock.h) */
	uart_init();
	setup_start_info(start_info_phys);
	cmdline_parse(boot_info.cmdline);
	if (kparams.loglevel >= 0)
		printk_set_console_loglevel((int)kparams.loglevel);
	if (kparams.mm_debug && kparams.loglevel < 0)
		printk_set_console_loglevel(8);
	banner();
	cpu_init();
	setup_memory();
	setup_processes();
	time_init();
	irq_enable();
	smp_boot_cpus();
	virtio_probe_all();
	swap_init();
	reclaim_init();
	tmpfs_init(tmpfs_get(), kparams.tmpfs_size_kb >= 0 ?
		   (uint64_t)kparams.tmpfs_size_kb / (MM_PAGE_SIZE >> 10) :
		   buddy_nr_managed_pages(page_alloc_buddy()) / 2);
	if (virtio_start_worker())
		pr_err("virtio: no memory for the worker thread; devices stay idle\n");
	pr_info("boot: kernel_main to here in %llu TSC cycles\n",
		(unsigned long long)(rdtsc() - boot_tsc));
	if (kparams.selftest && selftest_run())
		machine_exit(EXIT_TEST_FAILURE);
	if (kparams.slab_selftest && slab_selftest_run())
		machine_exit(EXIT_TEST_FAILURE);
	if (kparams.mm_selfbench)
		selfbench_run((unsigned long)kparams.mm_selfbench_ops);
	if (kparams.mm_selfbench_smp)
		selfbench_smp_run((unsigned long)kparams.mm_selfbench_ops);
	if (kparams.crash)
		crash_trigger(kparams.crash);
	rest_init();
}
