/*
 * machine.h: one assembled virtual machine: the KVM VM with its RAM, the
 * loaded kernel, and the devices (COM1, the exit port, ACPI power-off and reset, the balloon at the
 * first virtio-mmio slot, the swap disk at the second). cmd_run builds it from options; the control
 * loop (control.c) acts on it while it runs.
 *
 * Order: machine_build (loads everything, starts nothing) -> machine_start
 * -> machine_wait -> machine_destroy. Nothing here parses options.
 *
 * Layer: the VM runtime (vmm/runtime/, first of vmm's layers): KVM, guest
 * RAM, the loader, the buses and the devices; it knows nothing of
 * snapshots, schedules or the command line.
 */
#ifndef VMM_MACHINE_H
#define VMM_MACHINE_H

#include "devices/balloon.h"
#include "devices/blk.h"
#include "devices/debug_exit.h"
#include "devices/pm.h"
#include "devices/serial.h"
#include "console_watch.h"
#include "kvm.h"
#include "loader.h"
#include "numa.h"

#include <time.h>

struct machine_config {
	uint64_t memory;
	int cpus;
	enum mem_backing backing;
	const char *kernel_path;
	const void *kernel;          /* file contents, already loader_check()ed */
	size_t kernel_len;
	const void *initrd;
	size_t initrd_len;
	const char *cmdline;         /* device announcements are appended */
	const char *console_path;    /* NULL: stdout */
	const char *swap;            /* "FILE[:SIZE]" for a virtio-blk swap disk, or NULL */
	const struct numa_config *numa; /* --numa's nodes (numa_parse()d), or NULL */
};

/* Which side a failed machine_build blames: the caller picks its exit status. */
enum machine_fault {
	MACHINE_FAULT_HOST,  /* KVM, host memory, threads */
	MACHINE_FAULT_INPUT, /* the user's kernel, initrd, command line, console or swap */
};

struct machine {
	struct vm vm;
	enum machine_fault fault;    /* set by a failing machine_build */
	struct serial com1;
	struct debug_exit exit_port;
	struct pm pm;                /* ACPI power-off, resets */
	struct balloon balloon;
	bool balloon_ready;
	struct blk swap;             /* second virtio-mmio slot, with --swap */
	bool swap_ready;
	int console_fd;
	struct console_watch console_watch; /* lines a schedule waits for */
	struct timespec started;     /* CLOCK_MONOTONIC at machine_start */
	const char *kernel_path;     /* the image and its bytes, for introspection; */
	const void *kernel;          /* owned by the caller, valid while m lives */
	size_t kernel_len;
	char cmdline[LOADER_CMDLINE_MAX];
	struct numa_config numa;     /* nr_nodes 0: not a NUMA guest */
};

/*
 * Builds the VM up to the point of starting it. Returns 0, or a negative
 * errno with one line in err and m->fault saying whether the host or the
 * user's input failed.
 */
int machine_build(struct machine *m, const struct machine_config *cfg, struct mv_error *err);

/* machine_build without the guest: RAM, vCPUs and devices in their reset
 * state, no image loaded (a restore fills them, vmm/save/restore.h); the
 * kernel fields are only kept for introspection, the initrd and command
 * line are not used. Same returns. */
int machine_assemble(struct machine *m, const struct machine_config *cfg,
		     struct mv_error *err);

/* Marks time zero of the run (machine_uptime counts from here); called
 * before anything that reports times starts. */
void machine_mark_start(struct machine *m);

/* Starts the vCPUs. Returns 0 or a negative errno with the reason in err. */
int machine_start(struct machine *m, struct mv_error *err);

/* Seconds since machine_start. */
double machine_uptime(const struct machine *m);

/* Prints what a hang report needs on stderr: every vCPU's registers, the
 * PICs and each LAPIC's LVT0 (vm_describe_pics), and each virtio
 * transport's registers, rings and IOAPIC pin. Call with the vCPUs stopped
 * (after vm_wait). */
void machine_report_hang(struct machine *m);

void machine_destroy(struct machine *m);

#endif
