/*
 * machine.c: assembles a VM from a machine_config (see machine.h).
 */
#include "machine.h"
#include "acpi.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void on_guest_exit(void *ctx, uint32_t value)
{
	vm_request_stop(ctx, (int)(value & 0xff), "guest exit");
}

static void on_power_off(void *ctx)
{
	vm_request_stop(ctx, 0, "guest powered off");
}

/* As QEMU's -no-reboot: a reset ends the VM, with the triple fault's status
 * (on a PC a triple fault is a reset), and no register dump. */
static void on_reset(void *ctx, const char *how)
{
	mv_info("guest reset through %s: the VM ends (memvisor does not reboot)", how);
	vm_request_stop(ctx, MV_EXIT_TRIPLE_FAULT, "guest reset");
}

static void attach_pm(struct machine *m)
{
	struct vm *vm = &m->vm;
	m->pm = (struct pm){ .on_power_off = on_power_off, .on_reset = on_reset, .ctx = vm };
	bus_register(&vm->pio, ACPI_SLEEP_CTL_PORT, 2, &pm_sleep_ops, &m->pm, "acpi-sleep");
	bus_register(&vm->pio, PM_RESET_PORT, 1, &pm_reset_ops, &m->pm, "reset-cf9");
	bus_register(&vm->pio, PM_I8042_PORT, 1, &pm_i8042_ops, &m->pm, "i8042-reset");
}

static int open_console(struct machine *m, const char *path, struct mv_error *err)
{
	m->console_fd = STDOUT_FILENO;
	if (!path)
		return 0;
	m->console_fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (m->console_fd < 0)
		return mv_fail_errno(err, "--console %s", path);
	return 0;
}

static void hold_virtio(void *t)
{
	virtio_mmio_hold(t);
}

static void release_virtio(void *t)
{
	virtio_mmio_release(t);
}

/* The transport's worker stops with the vCPUs (kvm.h). */
static void add_virtio_device(struct vm *vm, struct virtio_mmio *t)
{
	struct vm_device d = { .hold = hold_virtio, .release = release_virtio, .dev = t };
	if (vm_add_device(vm, &d) < 0) {
		mv_err("%s: more than %d threaded devices", __func__, VM_MAX_DEVICES);
		abort();
	}
}

static int attach_devices(struct machine *m, struct mv_error *err)
{
	struct vm *vm = &m->vm;
	serial_init(&m->com1, m->console_fd,
		    (struct irq_line){ .set = vm_set_irq, .ctx = vm, .irq = SERIAL_COM1_IRQ },
		    &m->console_watch);
	m->exit_port = (struct debug_exit){ .on_exit = on_guest_exit, .ctx = vm };
	bus_register(&vm->pio, SERIAL_COM1_BASE, 8, &serial_ops, &m->com1, "com1");
	bus_register(&vm->pio, EXIT_PORT, 4, &debug_exit_ops, &m->exit_port, "exit");
	attach_pm(m);
	int rc = balloon_init(&m->balloon, &vm->mem, VIRTIO_MMIO_BASE,
			      (struct irq_line){ .set = vm_set_irq, .ctx = vm,
						 .irq = VIRTIO_MMIO_FIRST_IRQ });
	if (rc < 0)
		return mv_fail(err, rc, "cannot set up the balloon: out of memory or threads");
	m->balloon_ready = true;
	add_virtio_device(vm, &m->balloon.transport);
	bus_register(&vm->mmio, VIRTIO_MMIO_BASE, VIRTIO_MMIO_SIZE, &virtio_mmio_ops,
		     &m->balloon.transport, "virtio-balloon");
	return 0;
}

static int attach_swap(struct machine *m, const char *arg, struct mv_error *err)
{
	struct vm *vm = &m->vm;
	uint64_t base = VIRTIO_MMIO_BASE + VIRTIO_MMIO_SIZE;
	int rc = blk_open(&m->swap, arg, err);
	if (rc < 0)
		return rc;
	m->swap_ready = true; /* blk_close from here on */
	rc = blk_attach(&m->swap, &vm->mem, base,
			(struct irq_line){ .set = vm_set_irq, .ctx = vm,
					   .irq = VIRTIO_MMIO_FIRST_IRQ + 1 });
	if (rc < 0)
		return mv_fail(err, rc, "--swap: cannot start the disk's worker: %s", strerror(-rc));
	add_virtio_device(vm, &m->swap.transport);
	bus_register(&vm->mmio, base, VIRTIO_MMIO_SIZE, &virtio_mmio_ops, &m->swap.transport,
		     "virtio-blk");
	return 0;
}

/* Where the kernel's own parameters end: a standalone "--" (what follows
 * is init's, as in Linux), or the end of the line. */
static size_t kernel_part_len(const char *cmdline)
{
	for (const char *p = cmdline; (p = strstr(p, "--")); p += 2)
		if ((p == cmdline || p[-1] == ' ') && (p[2] == ' ' || p[2] == 0))
			return (size_t)(p - cmdline);
	return strlen(cmdline);
}

/*
 * The guest's command line: the user's, with the virtio_mmio.device=
 * announcements among the kernel's parameters (before any "--").
 * Returns 0 or -ENOSPC when it does not fit.
 */
static int build_cmdline(struct machine *m, const char *user)
{
	size_t k = kernel_part_len(user);
	int n = snprintf(m->cmdline, sizeof(m->cmdline), "%.*s", (int)k, user);
	while (n > 0 && m->cmdline[n - 1] == ' ')
		m->cmdline[--n] = 0;
	if (virtio_mmio_cmdline(&m->balloon.transport, m->cmdline, sizeof(m->cmdline)) < 0 ||
	    (m->swap_ready &&
	     virtio_mmio_cmdline(&m->swap.transport, m->cmdline, sizeof(m->cmdline)) < 0))
		return -ENOSPC;
	size_t used = strlen(m->cmdline);
	if (user[k] && (size_t)snprintf(m->cmdline + used, sizeof(m->cmdline) - used, " %s",
					user + k) >= sizeof(m->cmdline) - used)
		return -ENOSPC;
	return 0;
}

/* rc, after noting that a failure (rc < 0) is to be blamed on kind. */
static int blame(struct machine *m, enum machine_fault kind, int rc)
{
	if (rc < 0)
		m->fault = kind;
	return rc;
}

/* ACPI tables for every vCPU, COM1 and each virtio-mmio transport (the balloon
 * in the first slot, the swap disk in the second), and the NUMA nodes if any. */
static int install_acpi(struct machine *m, uint64_t start_info, struct mv_error *err)
{
	struct acpi_config acpi = { .nr_cpus = m->vm.nr_cpus, .com1_port = SERIAL_COM1_BASE,
				    .com1_irq = SERIAL_COM1_IRQ,
				    .nr_virtio = m->swap_ready ? 2 : 1, .numa = &m->numa };
	uint64_t rsdp;
	for (int i = 0; i < acpi.nr_virtio; i++)
		acpi.virtio[i] = (struct acpi_virtio_mmio){
			.base = (uint32_t)(VIRTIO_MMIO_BASE + (uint64_t)i * VIRTIO_MMIO_SIZE),
			.size = VIRTIO_MMIO_SIZE, .irq = (uint8_t)(VIRTIO_MMIO_FIRST_IRQ + i) };
	int rc = acpi_install(&m->vm.mem, &acpi, &rsdp);
	if (rc < 0 || (rc = loader_set_rsdp(&m->vm.mem, start_info, rsdp)) < 0)
		return mv_fail(err, rc, "cannot write the ACPI tables: %s", strerror(-rc));
	return 0;
}

static int load_guest(struct machine *m, const struct machine_config *cfg,
		      struct mv_error *err)
{
	uint64_t start_info;
	struct pvh_image img;

	int rc = blame(m, MACHINE_FAULT_INPUT, build_cmdline(m, cfg->cmdline));
	if (rc < 0)
		return mv_fail(err, rc, "guest command line too long for the device announcements");
	rc = loader_load_kernel(&m->vm.mem, cfg->kernel, cfg->kernel_len, &img, err);
	if (rc < 0 ||
	    (rc = loader_build_start_info(&m->vm.mem, &img, m->cmdline, cfg->initrd,
					  cfg->initrd_len, &start_info, err)) < 0)
		return blame(m, MACHINE_FAULT_INPUT, rc);
	rc = install_acpi(m, start_info, err);
	if (rc < 0)
		return blame(m, MACHINE_FAULT_HOST, rc);
	rc = vm_setup_pvh_boot(&m->vm, img.entry, (uint32_t)start_info, err);
	if (rc < 0)
		return blame(m, MACHINE_FAULT_HOST, rc);
	mv_debug("kernel %s: entry %#x, loaded [%#llx, %#llx), cmdline \"%s\"", cfg->kernel_path,
		 img.entry, (unsigned long long)img.load_start, (unsigned long long)img.load_end,
		 m->cmdline);
	return 0;
}

/* The host side: KVM, guest RAM registered with it, and the vCPUs. */
static int open_host(struct machine *m, const struct machine_config *cfg, struct mv_error *err)
{
	struct vm *vm = &m->vm;
	int rc = vm_open(vm, err);
	if (rc < 0 || (rc = mem_init(&vm->mem, cfg->memory, cfg->backing, err)) < 0 ||
	    (rc = vm_create_vcpus(vm, cfg->cpus, err)) < 0)
		return rc;
	rc = mem_register(&vm->mem, vm->vm_fd);
	if (rc < 0)
		return mv_fail(err, rc, "KVM_SET_USER_MEMORY_REGION: %s", strerror(-rc));
	if (cfg->numa)
		m->numa = *cfg->numa;
	return m->numa.nr_nodes ? numa_bind_host(&m->numa, &vm->mem, err) : 0;
}

int machine_assemble(struct machine *m, const struct machine_config *cfg, struct mv_error *err)
{
	m->console_fd = -1;
	console_watch_init(&m->console_watch);
	m->kernel_path = cfg->kernel_path;
	m->kernel = cfg->kernel;
	m->kernel_len = cfg->kernel_len;
	int rc;
	if ((rc = blame(m, MACHINE_FAULT_HOST, open_host(m, cfg, err))) < 0 ||
	    (rc = blame(m, MACHINE_FAULT_INPUT, open_console(m, cfg->console_path, err))) < 0 ||
	    (rc = blame(m, MACHINE_FAULT_HOST, attach_devices(m, err))) < 0 ||
	    (cfg->swap && (rc = blame(m, MACHINE_FAULT_INPUT, attach_swap(m, cfg->swap, err))) < 0))
		return rc;
	return 0;
}

int machine_build(struct machine *m, const struct machine_config *cfg, struct mv_error *err)
{
	int rc = machine_assemble(m, cfg, err);
	return rc < 0 ? rc : load_guest(m, cfg, err);
}

void machine_mark_start(struct machine *m)
{
	clock_gettime(CLOCK_MONOTONIC, &m->started);
}

int machine_start(struct machine *m, struct mv_error *err)
{
	return vm_start(&m->vm, err);
}

double machine_uptime(const struct machine *m)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - m->started.tv_sec) +
	       (double)(now.tv_nsec - m->started.tv_nsec) / 1e9;
}

/* One virtio transport for a hang report: its registers and rings, its IOAPIC pin. */
static void report_transport(struct machine *m, struct virtio_mmio *t)
{
	virtio_mmio_describe(t, stderr);
	vm_describe_ioapic_pin(&m->vm, t->irq.irq);
}

void machine_report_hang(struct machine *m)
{
	for (int i = 0; i < m->vm.nr_cpus; i++)
		vcpu_dump(&m->vm.vcpus[i], "where it was stopped");
	vm_describe_pics(&m->vm);
	if (m->balloon_ready)
		report_transport(m, &m->balloon.transport);
	if (m->swap_ready)
		report_transport(m, &m->swap.transport);
}

/* Device threads are joined before guest memory and the VM go. */
void machine_destroy(struct machine *m)
{
	if (m->balloon_ready)
		balloon_destroy(&m->balloon);
	if (m->swap_ready)
		blk_close(&m->swap);
	serial_flush(&m->com1);
	serial_destroy(&m->com1);
	if (m->console_fd > STDOUT_FILENO)
		close(m->console_fd);
	vm_close(&m->vm);
	console_watch_destroy(&m->console_watch);
}
