/*
 * kvm.h: one virtual machine on /dev/kvm: the VM and its vCPUs, their
 * threads, the exit loop, and how a run ends.
 *
 * Lifecycle: vm_open -> (memory, devices, image) -> vm_start -> vm_wait ->
 * vm_close. Every vCPU runs KVM_RUN in its own thread; vCPU 0 is the boot
 * CPU, the others wait in the in-kernel LAPIC for INIT/SIPI. The first
 * vm_request_stop() decides the exit status; later ones are ignored. A stop
 * kicks every vCPU out of KVM_RUN with immediate_exit and a signal.
 *
 * Devices with a thread of their own (virtio workers) are registered with
 * vm_add_device and stop with the vCPUs: held by vm_pause after the vCPUs
 * park, released by vm_resume before they run, and held for good by
 * vm_wait once the vCPUs are joined, so a paused or ended guest's memory
 * changes under no one (snapshots, the exit snapshot). Their owner joins
 * their threads before vm_close.
 *
 * Lock order: devices_lock, then vm->lock or a device's own lock.
 */
#ifndef VMM_KVM_H
#define VMM_KVM_H

#include "bus.h"
#include "memory.h"

#include <linux/kvm.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#define VM_MAX_CPUS 64

struct vm;

/* A device that works on a thread of its own (see above). */
struct vm_device {
	void (*hold)(void *dev);      /* returns once the device touches nothing */
	void (*release)(void *dev);
	void *dev;
};
#define VM_MAX_DEVICES 8

struct vcpu {
	struct vm *vm;
	int id;
	int fd;
	struct kvm_run *run;          /* shared with KVM, run_size bytes */
	pthread_t thread;
	bool started;                 /* a thread to kick; vm->kick_lock (cleared before the join) */
};

struct vm {
	int kvm_fd, vm_fd;
	size_t run_size;
	struct guest_memory mem;
	int nr_cpus;
	struct vcpu vcpus[VM_MAX_CPUS];
	struct bus pio, mmio;
	struct kvm_cpuid2 *cpuid;     /* supported CPUID, patched per vCPU */
	uint64_t cpuid_fingerprint;   /* kvm_cpuid_fingerprint() of this host, from vm->cpuid */
	int nr_devices;               /* fixed at vm_start */
	struct vm_device devices[VM_MAX_DEVICES];
	pthread_mutex_t kick_lock;    /* vcpus[].started once running: no signal to a joined thread */
	pthread_mutex_t devices_lock; /* serialises holds and releases: */
	bool devices_held;            /* under devices_lock */

	pthread_mutex_t lock;         /* protects the fields below */
	pthread_cond_t stopped_cond;  /* signalled on stop and on parked changes */
	pthread_cond_t resume_cond;
	bool stopping;
	bool paused;
	int parked;                   /* vCPU threads waiting in a pause */
	int exit_status;
	const char *exit_reason;      /* static text: "guest exit", "timeout", … */
};

/*
 * Opens /dev/kvm, checks the API and capabilities, creates the VM with an
 * in-kernel irqchip and PIT. Returns 0, or a negative errno with the reason
 * (and how to fix it) in err.
 */
int vm_open(struct vm *vm, struct mv_error *err);

/* Creates nr vCPUs with CPUID set. Returns 0 or a negative errno with err. */
int vm_create_vcpus(struct vm *vm, int nr, struct mv_error *err);

/* Puts the boot vCPU in 32-bit protected mode at entry with EBX = ebx. */
int vm_setup_pvh_boot(struct vm *vm, uint32_t entry, uint32_t ebx, struct mv_error *err);

/* Registers a device to hold with the vCPUs; before vm_start. Returns 0,
 * or -ENOSPC when VM_MAX_DEVICES are registered. */
int vm_add_device(struct vm *vm, const struct vm_device *d);

/* Starts one thread per vCPU. Returns 0 or a negative errno with err. */
int vm_start(struct vm *vm, struct mv_error *err);

/* Waits until a stop is requested or timeout_s passes (0: no timeout),
 * joins the vCPU threads, holds the devices and returns the exit status. */
int vm_wait(struct vm *vm, double timeout_s);

/* Ends the run with status; the first request wins. Thread-safe. */
void vm_request_stop(struct vm *vm, int status, const char *reason);

/*
 * Stops every vCPU outside KVM_RUN and returns once all are parked (or the
 * VM is stopping) and the devices are held. vm_resume lets them run on
 * (devices stay held once the VM is stopping). Thread-safe; nesting is not
 * counted (a second pause is a no-op).
 */
void vm_pause(struct vm *vm);
void vm_resume(struct vm *vm);
bool vm_is_paused(struct vm *vm);

/* Raises or lowers an ISA/IOAPIC interrupt line (irq_line.set compatible). */
void vm_set_irq(void *vm, unsigned irq, int level);

/* Prints IOAPIC pin `pin` to stderr: its line level as KVM holds it (IRR),
 * vector, trigger mode, mask and remote IRR (a level interrupt delivered
 * and not yet EOIed). For a hang report. */
void vm_describe_ioapic_pin(struct vm *vm, unsigned pin);

/* Prints both PICs (IRR, ISR, mask, vector base) and every vCPU's LAPIC
 * LVT0 (the path by which a PIC interrupt reaches a vCPU) with the vectors
 * its LAPIC has in service and requested, to stderr. */
void vm_describe_pics(struct vm *vm);

/* Prints a vCPU's registers to stderr. */
void vcpu_dump(struct vcpu *v, const char *why);

void vm_close(struct vm *vm);

/* ---- state for save and restore (vmm/save/) ------------------------------
 * The whole architectural state of a vCPU and of the in-kernel chips, as
 * KVM's own structures; these fixed-size records are also what the save
 * file's notes hold (snapfmt.h), little-endian as on x86-64. Read them
 * only while the vCPUs are parked (vm_pause) or not yet started: a vCPU
 * parked after an exit has completed its I/O (KVM_RUN with immediate_exit
 * finishes a pending PIO/MMIO first), so nothing is half done.
 */
#define VCPU_MAX_MSRS 512

struct vcpu_state {
	uint32_t cpu;
	uint32_t nr_msrs;                 /* entries of msrs[] in use */
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	uint32_t xsave[1024];             /* struct kvm_xsave's region (KVM_GET_XSAVE) */
	struct kvm_xcrs xcrs;
	struct kvm_lapic_state lapic;
	struct kvm_vcpu_events events;
	struct kvm_mp_state mp_state;
	struct kvm_debugregs debugregs;
	struct kvm_msr_entry msrs[VCPU_MAX_MSRS];
};

struct vm_chip_state {
	struct kvm_irqchip pic_master, pic_slave, ioapic;
	struct kvm_pit_state2 pit;
	struct kvm_clock_data clock;
};

/* Reads vCPU v's state: every MSR KVM lists (KVM_GET_MSR_INDEX_LIST) that
 * it will read back. Returns 0 or a negative errno with err. */
int vcpu_get_state(struct vcpu *v, struct vcpu_state *s, struct mv_error *err);

/*
 * Loads s into vCPU v in the order KVM needs: registers, XSAVE, XCRs,
 * sregs (APIC base), MSRs, MP state, LAPIC, debug registers, then pending
 * events last. The chips (vm_set_chips) must be set first. Returns 0 or a
 * negative errno with err naming the step (and the MSR) that failed.
 */
int vcpu_set_state(struct vcpu *v, const struct vcpu_state *s, struct mv_error *err);

/* The PICs, IOAPIC, PIT and KVM clock. 0 or a negative errno with err. */
int vm_get_chips(struct vm *vm, struct vm_chip_state *c, struct mv_error *err);
int vm_set_chips(struct vm *vm, const struct vm_chip_state *c, struct mv_error *err);

/*
 * A fingerprint of the CPUID KVM offers on this host (per-vCPU APIC IDs
 * left out), to refuse restoring a guest on a CPU that differs. Opens
 * /dev/kvm on its own: no VM is created (a VM has it in
 * vm->cpuid_fingerprint). 0 or a negative errno with err.
 */
int kvm_cpuid_fingerprint(uint64_t *out, struct mv_error *err);

#endif
