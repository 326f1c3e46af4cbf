/*
 * kvm.c: VM and vCPU lifecycle on /dev/kvm and the exit loop (see kvm.h).
 *
 * The exit loop calls one small handler per exit reason through a table;
 * I/O exits go to the buses, the rest end the run with a documented status
 * and a register dump.
 */
#include "kvm.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <asm/kvm_para.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define KVM_API_EXPECTED 12
#define VCPU_KICK_SIGNAL SIGUSR1

static int kvm_open_dev(struct vm *vm, struct mv_error *err)
{
	vm->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (vm->kvm_fd >= 0)
		return 0;
	int code = mv_errno();
	if (code == -ENOENT)
		return mv_fail(err, code, "/dev/kvm does not exist: load the kvm module "
			       "(modprobe kvm_intel or kvm_amd) or enable virtualisation in firmware");
	if (code == -EACCES || code == -EPERM)
		return mv_fail(err, code, "no permission to open /dev/kvm: add yourself to the "
			       "'kvm' group (usermod -aG kvm $USER, then log in again) or run as root");
	return mv_fail(err, code, "cannot open /dev/kvm: %s", strerror(-code));
}

static int kvm_check_caps(struct vm *vm, struct mv_error *err)
{
	static const struct { int cap; const char *name; } caps[] = {
		{ KVM_CAP_USER_MEMORY, "KVM_CAP_USER_MEMORY" },
		{ KVM_CAP_IRQCHIP, "KVM_CAP_IRQCHIP" },
		{ KVM_CAP_PIT2, "KVM_CAP_PIT2" },
		{ KVM_CAP_EXT_CPUID, "KVM_CAP_EXT_CPUID" },
		{ KVM_CAP_IMMEDIATE_EXIT, "KVM_CAP_IMMEDIATE_EXIT" },
	};
	int api = ioctl(vm->kvm_fd, KVM_GET_API_VERSION, 0);
	if (api != KVM_API_EXPECTED)
		return mv_fail(err, -ENOTSUP, "KVM API version %d, need %d", api, KVM_API_EXPECTED);
	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		if (ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, caps[i].cap) <= 0)
			return mv_fail(err, -ENOTSUP, "this KVM lacks %s", caps[i].name);
	}
	return 0;
}

#define CPUID_1_ECX_HYPERVISOR (1u << 31)
#define KVM_CPUID_FEATURES_LEAF 0x40000001u
/* The KVM leaf's features a guest gets: the KVM clock (both MSR sets), no
 * port 0x80 delays, the stable bit. Not the paravirtual extras (PV
 * spinlocks, async page faults, PV EOI, PV TLB flush and IPIs, …): with
 * PV spinlocks Linux's boot CPU halted with interrupts off for a kick that
 * never came when bringing up its second vCPU (in the helper VM). */
#define KVM_FEATURES_GIVEN ((1u << KVM_FEATURE_CLOCKSOURCE) | \
			    (1u << KVM_FEATURE_NOP_IO_DELAY) | \
			    (1u << KVM_FEATURE_CLOCKSOURCE2) | \
			    (1u << KVM_FEATURE_CLOCKSOURCE_STABLE_BIT))

/*
 * Sets CPUID.1:ECX.HYPERVISOR, which KVM leaves to the VMM: a guest looks
 * for the KVM leaves (0x40000000) only then, and Linux finds its TSC
 * frequency in the KVM clock (kvmclock) instead of calibrating against the
 * PIT, which fails where exits are slow (nested KVM under TCG). Keeps only
 * KVM_FEATURES_GIVEN of the KVM leaf.
 */
static void cpuid_mark_hypervisor(struct kvm_cpuid2 *c)
{
	for (uint32_t i = 0; i < c->nent; i++) {
		if (c->entries[i].function == 1)
			c->entries[i].ecx |= CPUID_1_ECX_HYPERVISOR;
		else if (c->entries[i].function == KVM_CPUID_FEATURES_LEAF)
			c->entries[i].eax &= KVM_FEATURES_GIVEN;
	}
}

/* KVM's supported CPUID (malloc'd), or NULL with errno set. */
static struct kvm_cpuid2 *supported_cpuid(int kvm_fd)
{
	for (int nent = 128; nent <= 4096; nent *= 2) {
		struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + (size_t)nent * sizeof(c->entries[0]));
		if (!c)
			return NULL;
		c->nent = (uint32_t)nent;
		if (ioctl(kvm_fd, KVM_GET_SUPPORTED_CPUID, c) == 0)
			return c;
		int e = errno;
		free(c);
		errno = e;
		if (errno != E2BIG)
			break;
	}
	return NULL;
}

static uint64_t cpuid_hash(const struct kvm_cpuid2 *c);

static int kvm_get_cpuid(struct vm *vm, struct mv_error *err)
{
	vm->cpuid = supported_cpuid(vm->kvm_fd);
	if (!vm->cpuid)
		return mv_fail_errno(err, "KVM_GET_SUPPORTED_CPUID");
	vm->cpuid_fingerprint = cpuid_hash(vm->cpuid); /* as KVM offers it, before patching */
	cpuid_mark_hypervisor(vm->cpuid);
	return 0;
}

static int vm_create_chips(struct vm *vm, struct mv_error *err)
{
	struct kvm_pit_config pit = { .flags = 0 };

	/* Needed on Intel for real mode; harmless elsewhere. */
	ioctl(vm->vm_fd, KVM_SET_TSS_ADDR, 0xfffbd000ul);
	if (ioctl(vm->vm_fd, KVM_CREATE_IRQCHIP, 0) < 0)
		return mv_fail_errno(err, "KVM_CREATE_IRQCHIP");
	if (ioctl(vm->vm_fd, KVM_CREATE_PIT2, &pit) < 0)
		return mv_fail_errno(err, "KVM_CREATE_PIT2");
	return 0;
}

int vm_open(struct vm *vm, struct mv_error *err)
{
	memset(vm, 0, sizeof(*vm));
	vm->kvm_fd = vm->vm_fd = -1;
	vm->mem.fd = -1;
	pthread_mutex_init(&vm->lock, NULL);
	pthread_cond_init(&vm->stopped_cond, NULL);
	pthread_cond_init(&vm->resume_cond, NULL);
	pthread_mutex_init(&vm->devices_lock, NULL);
	pthread_mutex_init(&vm->kick_lock, NULL);
	bus_init(&vm->pio, "pio");
	bus_init(&vm->mmio, "mmio");
	int rc = kvm_open_dev(vm, err);
	if (rc < 0 || (rc = kvm_check_caps(vm, err)) < 0)
		return rc;
	int sz = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (sz <= 0)
		return mv_fail_errno(err, "KVM_GET_VCPU_MMAP_SIZE");
	vm->run_size = (size_t)sz;
	vm->vm_fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
	if (vm->vm_fd < 0)
		return mv_fail_errno(err, "KVM_CREATE_VM");
	rc = kvm_get_cpuid(vm, err);
	if (rc < 0)
		return rc;
	return vm_create_chips(vm, err);
}

/* Gives each vCPU its own APIC ID in the CPUID leaves that report it. */
static void cpuid_set_apic_id(struct kvm_cpuid2 *c, uint32_t id)
{
	for (uint32_t i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[i];
		if (e->function == 1)
			e->ebx = (e->ebx & 0x00ffffffu) | (id << 24);
		else if (e->function == 0xb || e->function == 0x1f)
			e->edx = id;
	}
}

static int vcpu_create(struct vm *vm, int id, struct mv_error *err)
{
	struct vcpu *v = &vm->vcpus[id];
	v->vm = vm;
	v->id = id;
	v->fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, id);
	if (v->fd < 0)
		return mv_fail_errno(err, "KVM_CREATE_VCPU %d", id);
	v->run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
	if (v->run == MAP_FAILED) {
		v->run = NULL;
		return mv_fail_errno(err, "mmap of vCPU %d run area", id);
	}
	cpuid_set_apic_id(vm->cpuid, (uint32_t)id);
	if (ioctl(v->fd, KVM_SET_CPUID2, vm->cpuid) < 0)
		return mv_fail_errno(err, "KVM_SET_CPUID2 on vCPU %d", id);
	return 0;
}

int vm_create_vcpus(struct vm *vm, int nr, struct mv_error *err)
{
	if (nr < 1 || nr > VM_MAX_CPUS)
		return mv_fail(err, -EINVAL, "%d vCPUs: need 1 to %d", nr, VM_MAX_CPUS);
	for (int i = 0; i < nr; i++) {
		int rc = vcpu_create(vm, i, err);
		if (rc < 0)
			return rc;
		vm->nr_cpus = i + 1;
	}
	return 0;
}

/* A flat 4 GiB 32-bit segment of the given type (0xb code, 0x3 data). */
static struct kvm_segment flat_segment(uint16_t sel, uint8_t type)
{
	return (struct kvm_segment){
		.base = 0, .limit = 0xffffffff, .selector = sel, .type = type,
		.present = 1, .dpl = 0, .db = 1, .s = 1, .l = 0, .g = 1,
	};
}

int vm_setup_pvh_boot(struct vm *vm, uint32_t entry, uint32_t ebx, struct mv_error *err)
{
	struct vcpu *v = &vm->vcpus[0];
	struct kvm_sregs sr;
	struct kvm_regs r = { .rip = entry, .rbx = ebx, .rflags = 0x2 };

	if (ioctl(v->fd, KVM_GET_SREGS, &sr) < 0)
		return mv_fail_errno(err, "KVM_GET_SREGS");
	sr.cs = flat_segment(0x8, 0xb);
	sr.ds = sr.es = sr.fs = sr.gs = sr.ss = flat_segment(0x10, 0x3);
	sr.tr = (struct kvm_segment){ .selector = 0x18, .limit = 0x67, .type = 0xb, .present = 1 };
	sr.cr0 = 0x11; /* PE | ET, paging off: the PVH entry state */
	sr.cr4 = 0;
	sr.efer = 0;
	if (ioctl(v->fd, KVM_SET_SREGS, &sr) < 0 || ioctl(v->fd, KVM_SET_REGS, &r) < 0)
		return mv_fail_errno(err, "setting boot registers");
	return 0;
}

/* With vm->lock held: the first stop decides the status; wakes all waiters. */
static void stop_locked(struct vm *vm, int status, const char *reason)
{
	if (vm->stopping)
		return;
	vm->stopping = true;
	vm->exit_status = status;
	vm->exit_reason = reason;
	pthread_cond_broadcast(&vm->stopped_cond);
	pthread_cond_broadcast(&vm->resume_cond);
}

void vm_request_stop(struct vm *vm, int status, const char *reason)
{
	pthread_mutex_lock(&vm->lock);
	stop_locked(vm, status, reason);
	pthread_mutex_unlock(&vm->lock);
}

static bool vm_is_stopping(struct vm *vm)
{
	pthread_mutex_lock(&vm->lock);
	bool s = vm->stopping;
	pthread_mutex_unlock(&vm->lock);
	return s;
}

static void vm_kick_all(struct vm *vm);

int vm_add_device(struct vm *vm, const struct vm_device *d)
{
	if (vm->nr_devices == VM_MAX_DEVICES)
		return -ENOSPC;
	vm->devices[vm->nr_devices++] = *d;
	return 0;
}

static void vm_hold_devices(struct vm *vm)
{
	pthread_mutex_lock(&vm->devices_lock);
	if (!vm->devices_held)
		for (int i = 0; i < vm->nr_devices; i++)
			vm->devices[i].hold(vm->devices[i].dev);
	vm->devices_held = true;
	pthread_mutex_unlock(&vm->devices_lock);
}

/* Not once the VM is stopping: the devices stay held until torn down. */
static void vm_release_devices(struct vm *vm)
{
	pthread_mutex_lock(&vm->devices_lock);
	if (vm->devices_held && !vm_is_stopping(vm)) {
		for (int i = 0; i < vm->nr_devices; i++)
			vm->devices[i].release(vm->devices[i].dev);
		vm->devices_held = false;
	}
	pthread_mutex_unlock(&vm->devices_lock);
}

void vm_pause(struct vm *vm)
{
	pthread_mutex_lock(&vm->lock);
	vm->paused = true;
	pthread_mutex_unlock(&vm->lock);
	vm_kick_all(vm);
	pthread_mutex_lock(&vm->lock);
	while (vm->parked < vm->nr_cpus && !vm->stopping)
		pthread_cond_wait(&vm->stopped_cond, &vm->lock);
	pthread_mutex_unlock(&vm->lock);
	vm_hold_devices(vm);
}

void vm_resume(struct vm *vm)
{
	vm_release_devices(vm);
	pthread_mutex_lock(&vm->lock);
	vm->paused = false;
	pthread_cond_broadcast(&vm->resume_cond);
	pthread_mutex_unlock(&vm->lock);
}

bool vm_is_paused(struct vm *vm)
{
	pthread_mutex_lock(&vm->lock);
	bool p = vm->paused;
	pthread_mutex_unlock(&vm->lock);
	return p;
}

/*
 * Called by a vCPU thread before each KVM_RUN: waits while the VM is
 * paused. A pause is seen here as well as through a kick, so one that
 * came before the thread's first run (before vm_start marked it started,
 * when no kick can reach it) parks it all the same. Returns false once
 * the VM is stopping.
 */
static bool vcpu_park_if_paused(struct vcpu *v)
{
	struct vm *vm = v->vm;
	__atomic_store_n(&v->run->immediate_exit, 0, __ATOMIC_RELAXED); /* a kicker may set it */
	pthread_mutex_lock(&vm->lock);
	if (vm->paused && !vm->stopping) {
		vm->parked++;
		pthread_cond_broadcast(&vm->stopped_cond);
		while (vm->paused && !vm->stopping)
			pthread_cond_wait(&vm->resume_cond, &vm->lock);
		vm->parked--;
	}
	bool run = !vm->stopping;
	pthread_mutex_unlock(&vm->lock);
	return run;
}

void vm_set_irq(void *ctx, unsigned irq, int level)
{
	struct vm *vm = ctx;
	struct kvm_irq_level l = { .irq = irq, .level = (uint32_t)level };
	if (ioctl(vm->vm_fd, KVM_IRQ_LINE, &l) < 0)
		mv_debug("KVM_IRQ_LINE %u: %s", irq, strerror(errno));
}

static void print_segment(const char *name, const struct kvm_segment *s)
{
	fprintf(stderr, "%s=%04x base=%016llx limit=%08x type=%x dpl=%u l=%u db=%u\n", name,
		s->selector, (unsigned long long)s->base, s->limit, s->type, s->dpl, s->l, s->db);
}

/* The architectural state after RESET/INIT (Intel SDM 9.1.1, AMD APM 14.1.3). */
static bool regs_are_reset_state(const struct kvm_regs *r, const struct kvm_sregs *s)
{
	return r->rip == 0xfff0 && s->cs.selector == 0xf000 && !(s->cr0 & 1);
}

static void print_regs(const struct kvm_regs *r, const struct kvm_sregs *s)
{
	fprintf(stderr, "RIP=%016llx RSP=%016llx RFLAGS=%016llx\n", (unsigned long long)r->rip,
		(unsigned long long)r->rsp, (unsigned long long)r->rflags);
	fprintf(stderr, "RAX=%016llx RBX=%016llx RCX=%016llx RDX=%016llx\n",
		(unsigned long long)r->rax, (unsigned long long)r->rbx, (unsigned long long)r->rcx,
		(unsigned long long)r->rdx);
	fprintf(stderr, "RSI=%016llx RDI=%016llx RBP=%016llx\n", (unsigned long long)r->rsi,
		(unsigned long long)r->rdi, (unsigned long long)r->rbp);
	fprintf(stderr, "CR0=%016llx CR2=%016llx CR3=%016llx CR4=%016llx EFER=%016llx\n",
		(unsigned long long)s->cr0, (unsigned long long)s->cr2, (unsigned long long)s->cr3,
		(unsigned long long)s->cr4, (unsigned long long)s->efer);
	print_segment("CS", &s->cs);
	print_segment("SS", &s->ss);
}

/* Prints the registers only when they are the guest's: KVM on AMD SVM
 * reinitialises a vCPU at a shutdown, leaving reset values that would
 * read as the faulting state. */
void vcpu_dump(struct vcpu *v, const char *why)
{
	struct kvm_regs r;
	struct kvm_sregs s;
	if (ioctl(v->fd, KVM_GET_REGS, &r) < 0 || ioctl(v->fd, KVM_GET_SREGS, &s) < 0) {
		fprintf(stderr, "memvisor: vCPU %d: %s (registers unreadable: %s)\n", v->id, why,
			strerror(errno));
		return;
	}
	fprintf(stderr, "memvisor: vCPU %d: %s\n", v->id, why);
	if (regs_are_reset_state(&r, &s))
		fprintf(stderr, "memvisor: vCPU %d: no register dump: KVM reset the vCPU "
			"(RIP=fff0, CS=f000, as KVM on AMD SVM does at a shutdown), so its "
			"state at the fault is lost\n", v->id);
	else
		print_regs(&r, &s);
}

void vm_describe_ioapic_pin(struct vm *vm, unsigned pin)
{
	struct kvm_irqchip chip = { .chip_id = KVM_IRQCHIP_IOAPIC };
	if (pin >= KVM_IOAPIC_NUM_PINS || ioctl(vm->vm_fd, KVM_GET_IRQCHIP, &chip) < 0) {
		fprintf(stderr, "memvisor: IOAPIC pin %u: unreadable\n", pin);
		return;
	}
	const struct kvm_ioapic_state *io = &chip.chip.ioapic;
	uint64_t e = io->redirtbl[pin].bits;
	fprintf(stderr, "memvisor: IOAPIC pin %u: line %s, vector %#llx, %s, %s, remote IRR %llu, "
		"delivery %s\n", pin, (io->irr >> pin) & 1 ? "high" : "low",
		(unsigned long long)(e & 0xff), (e >> 15) & 1 ? "level" : "edge",
		(e >> 16) & 1 ? "masked" : "unmasked", (unsigned long long)((e >> 14) & 1),
		(e >> 12) & 1 ? "pending" : "idle");
}

static void describe_pic(const char *name, const struct kvm_pic_state *p)
{
	fprintf(stderr, "memvisor: PIC %s: irr %#x isr %#x imr %#x vector base %#x, %s\n", name,
		p->irr, p->isr, p->imr, p->irq_base, p->init_state ? "in initialisation" : "set up");
}

/* The vectors set in a LAPIC bitmap (ISR, IRR: eight 32-bit registers,
 * 16 bytes apart), as "; WHAT 0x23 0xec" on stderr. */
static void describe_vectors(const char *what, const char *bitmap)
{
	fprintf(stderr, "; %s", what);
	for (unsigned v = 0; v < 256; v++) {
		uint32_t reg;
		memcpy(&reg, bitmap + (v / 32) * 16, 4);
		if ((reg >> (v % 32)) & 1)
			fprintf(stderr, " %#x", v);
	}
}

void vm_describe_pics(struct vm *vm)
{
	struct kvm_irqchip pic = { .chip_id = KVM_IRQCHIP_PIC_MASTER };
	if (ioctl(vm->vm_fd, KVM_GET_IRQCHIP, &pic) == 0)
		describe_pic("master", &pic.chip.pic);
	pic.chip_id = KVM_IRQCHIP_PIC_SLAVE;
	if (ioctl(vm->vm_fd, KVM_GET_IRQCHIP, &pic) == 0)
		describe_pic("slave", &pic.chip.pic);
	for (int i = 0; i < vm->nr_cpus; i++) {
		struct kvm_lapic_state l;
		uint32_t lvt0;
		if (ioctl(vm->vcpus[i].fd, KVM_GET_LAPIC, &l) < 0)
			continue;
		memcpy(&lvt0, l.regs + 0x350, 4);
		fprintf(stderr, "memvisor: vCPU %d: LAPIC LVT0 %#x (%s%s)", i, lvt0,
			(lvt0 & 0x700) == 0x700 ? "ExtINT" : "not ExtINT",
			lvt0 & (1u << 16) ? ", masked" : ", unmasked");
		describe_vectors("in service", l.regs + 0x100);
		describe_vectors("requested", l.regs + 0x200);
		fputc('\n', stderr);
	}
}

/* ---- exit handlers: return true to keep running ---------------------- */

static bool exit_io(struct vcpu *v)
{
	struct kvm_run *run = v->run;
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	for (uint32_t i = 0; i < run->io.count; i++, data += run->io.size)
		bus_access(&v->vm->pio, run->io.port, data, run->io.size,
			   run->io.direction == KVM_EXIT_IO_OUT);
	return true;
}

static bool exit_mmio(struct vcpu *v)
{
	struct kvm_run *run = v->run;
	unsigned len = run->mmio.len <= 8 ? run->mmio.len : 8;
	bus_access(&v->vm->mmio, run->mmio.phys_addr, run->mmio.data, len, run->mmio.is_write);
	return true;
}

static bool exit_fatal(struct vcpu *v, int status, const char *reason, const char *detail)
{
	char why[160];
	snprintf(why, sizeof(why), "%s%s", reason, detail);
	vcpu_dump(v, why);
	vm_request_stop(v->vm, status, reason);
	return false;
}

static bool exit_shutdown(struct vcpu *v)
{
	return exit_fatal(v, MV_EXIT_TRIPLE_FAULT, "guest shutdown (triple fault)", "");
}

static bool exit_internal_error(struct vcpu *v)
{
	char d[64];
	snprintf(d, sizeof(d), ", suberror %u%s", v->run->internal.suberror,
		 v->run->internal.suberror == KVM_INTERNAL_ERROR_EMULATION ?
		 " (instruction emulation failed)" : "");
	return exit_fatal(v, MV_EXIT_KVM_ERROR, "KVM internal error", d);
}

static bool exit_fail_entry(struct vcpu *v)
{
	char d[64];
	snprintf(d, sizeof(d), ", hardware reason %#llx",
		 (unsigned long long)v->run->fail_entry.hardware_entry_failure_reason);
	return exit_fatal(v, MV_EXIT_KVM_ERROR, "VM entry failed", d);
}

static bool exit_system_event(struct vcpu *v)
{
	if (v->run->system_event.type == KVM_SYSTEM_EVENT_SHUTDOWN) {
		vm_request_stop(v->vm, 0, "guest powered off");
		return false;
	}
	return exit_fatal(v, MV_EXIT_TRIPLE_FAULT, "guest reset", "");
}

static bool exit_hlt(struct vcpu *v)
{
	/* Only reached without an in-kernel LAPIC, which we always create. */
	return exit_fatal(v, MV_EXIT_KVM_ERROR, "HLT exit with in-kernel irqchip", "");
}

typedef bool (*exit_handler)(struct vcpu *v);
static const exit_handler exit_handlers[] = {
	[KVM_EXIT_IO] = exit_io,
	[KVM_EXIT_MMIO] = exit_mmio,
	[KVM_EXIT_HLT] = exit_hlt,
	[KVM_EXIT_SHUTDOWN] = exit_shutdown,
	[KVM_EXIT_INTERNAL_ERROR] = exit_internal_error,
	[KVM_EXIT_FAIL_ENTRY] = exit_fail_entry,
	[KVM_EXIT_SYSTEM_EVENT] = exit_system_event,
};

static bool vcpu_handle_exit(struct vcpu *v)
{
	uint32_t reason = v->run->exit_reason;
	if (reason < sizeof(exit_handlers) / sizeof(exit_handlers[0]) && exit_handlers[reason])
		return exit_handlers[reason](v);
	char d[48];
	snprintf(d, sizeof(d), " %u", reason);
	return exit_fatal(v, MV_EXIT_KVM_ERROR, "unhandled KVM exit reason", d);
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *v = arg;
	char name[16];
	snprintf(name, sizeof(name), "vcpu%d", v->id);
	pthread_setname_np(pthread_self(), name);
	while (vcpu_park_if_paused(v)) {
		if (ioctl(v->fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			char d[64];
			snprintf(d, sizeof(d), ": %s", strerror(errno));
			exit_fatal(v, MV_EXIT_KVM_ERROR, "KVM_RUN failed", d);
			break;
		}
		if (!vcpu_handle_exit(v))
			break;
	}
	return NULL;
}

static void kick_handler(int sig)
{
	(void)sig;
}

int vm_start(struct vm *vm, struct mv_error *err)
{
	struct sigaction sa = { .sa_handler = kick_handler };
	sigemptyset(&sa.sa_mask);
	sigaction(VCPU_KICK_SIGNAL, &sa, NULL);
	bus_seal(&vm->pio); /* vCPUs look ranges up without a lock from here on */
	bus_seal(&vm->mmio);
	for (int i = 0; i < vm->nr_cpus; i++) {
		/* under kick_lock: a pause that kicks while the thread starts
		 * waits for it to be marked, then reaches it */
		pthread_mutex_lock(&vm->kick_lock);
		int rc = pthread_create(&vm->vcpus[i].thread, NULL, vcpu_thread, &vm->vcpus[i]);
		vm->vcpus[i].started = rc == 0;
		pthread_mutex_unlock(&vm->kick_lock);
		if (rc) {
			mv_fail(err, -rc, "starting vCPU %d thread: %s", i, strerror(rc));
			vm_request_stop(vm, MV_EXIT_HOST_ERROR, "thread creation failed");
			return -rc;
		}
	}
	return 0;
}

static void vm_kick_all(struct vm *vm)
{
	/* a thread is signalled only while not yet joined (vm_wait) */
	pthread_mutex_lock(&vm->kick_lock);
	for (int i = 0; i < vm->nr_cpus; i++) {
		if (!vm->vcpus[i].started)
			continue;
		__atomic_store_n(&vm->vcpus[i].run->immediate_exit, 1, __ATOMIC_RELAXED);
		pthread_kill(vm->vcpus[i].thread, VCPU_KICK_SIGNAL);
	}
	pthread_mutex_unlock(&vm->kick_lock);
}

int vm_wait(struct vm *vm, double timeout_s)
{
	struct timespec deadline;
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += (time_t)timeout_s;
	deadline.tv_nsec += (long)((timeout_s - (double)(time_t)timeout_s) * 1e9);
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&vm->lock);
	while (!vm->stopping) {
		if (timeout_s <= 0) {
			pthread_cond_wait(&vm->stopped_cond, &vm->lock);
		} else if (pthread_cond_timedwait(&vm->stopped_cond, &vm->lock, &deadline) ==
			   ETIMEDOUT) {
			stop_locked(vm, MV_EXIT_TIMEOUT, "timeout");
		}
	}
	pthread_mutex_unlock(&vm->lock);
	vm_kick_all(vm);
	for (int i = 0; i < vm->nr_cpus; i++) {
		pthread_mutex_lock(&vm->kick_lock);
		bool started = vm->vcpus[i].started;
		vm->vcpus[i].started = false; /* no kick from now on: it is being joined */
		pthread_mutex_unlock(&vm->kick_lock);
		if (started)
			pthread_join(vm->vcpus[i].thread, NULL);
	}
	vm_hold_devices(vm);
	return vm->exit_status;
}

void vm_close(struct vm *vm)
{
	for (int i = 0; i < vm->nr_cpus; i++) {
		if (vm->vcpus[i].run)
			munmap(vm->vcpus[i].run, vm->run_size);
		if (vm->vcpus[i].fd >= 0)
			close(vm->vcpus[i].fd);
	}
	vm->nr_cpus = 0;
	mem_destroy(&vm->mem);
	free(vm->cpuid);
	vm->cpuid = NULL;
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	if (vm->kvm_fd >= 0)
		close(vm->kvm_fd);
	bus_destroy(&vm->pio);
	bus_destroy(&vm->mmio);
	pthread_mutex_destroy(&vm->lock);
	pthread_cond_destroy(&vm->stopped_cond);
	pthread_cond_destroy(&vm->resume_cond);
	pthread_mutex_destroy(&vm->devices_lock);
	pthread_mutex_destroy(&vm->kick_lock);
}

/* ---- state for save and restore ------------------------------------------ */

/* The MSRs KVM says to save (KVM_GET_MSR_INDEX_LIST) into s->msrs[].index. */
static int msr_index_list(struct vm *vm, struct vcpu_state *s, struct mv_error *err)
{
	struct kvm_msr_list *l = calloc(1, sizeof(*l) + VCPU_MAX_MSRS * sizeof(uint32_t));
	if (!l)
		return mv_fail(err, -ENOMEM, "out of memory");
	l->nmsrs = VCPU_MAX_MSRS;
	int rc = ioctl(vm->kvm_fd, KVM_GET_MSR_INDEX_LIST, l);
	if (rc < 0) {
		rc = mv_fail_errno(err, "KVM_GET_MSR_INDEX_LIST");
	} else {
		s->nr_msrs = l->nmsrs;
		for (uint32_t i = 0; i < l->nmsrs; i++)
			s->msrs[i] = (struct kvm_msr_entry){ .index = l->indices[i] };
	}
	free(l);
	return rc;
}

/*
 * One KVM_GET_MSRS or KVM_SET_MSRS over the n entries at in; with out, the
 * entries it processed are copied back there. Returns how many it
 * processed (KVM stops at the first MSR it cannot read or set), or -errno.
 */
static int msrs_ioctl(int fd, unsigned long req, const struct kvm_msr_entry *in,
		      struct kvm_msr_entry *out, uint32_t n)
{
	struct kvm_msrs *m = calloc(1, sizeof(*m) + n * sizeof(*in));
	if (!m)
		return -ENOMEM;
	m->nmsrs = n;
	memcpy(m->entries, in, n * sizeof(*in));
	int rc = ioctl(fd, req, m);
	if (rc > 0 && out)
		memcpy(out, m->entries, (size_t)rc * sizeof(*out));
	free(m);
	return rc < 0 ? -errno : rc;
}

/* Every listed MSR the vCPU reads back; the ones it refuses are left out. */
static int get_msrs(struct vcpu *v, struct vcpu_state *s, struct mv_error *err)
{
	int rc = msr_index_list(v->vm, s, err);
	uint32_t done = 0;
	while (rc >= 0 && done < s->nr_msrs) {
		rc = msrs_ioctl(v->fd, KVM_GET_MSRS, s->msrs + done, s->msrs + done,
				s->nr_msrs - done);
		if (rc < 0)
			return mv_fail(err, rc, "KVM_GET_MSRS on vCPU %d: %s", v->id, strerror(-rc));
		done += (uint32_t)rc;
		if (done < s->nr_msrs) { /* unreadable: drop it */
			memmove(s->msrs + done, s->msrs + done + 1,
				(s->nr_msrs - done - 1) * sizeof(s->msrs[0]));
			s->nr_msrs--;
		}
	}
	return rc < 0 ? rc : 0;
}

/* KVM_GET_XSAVE copies the 4 KiB region; its flexible tail is for XSAVE2. */
_Static_assert(sizeof(struct kvm_xsave) == sizeof(((struct vcpu_state *)0)->xsave),
	       "vcpu_state.xsave holds a struct kvm_xsave");

struct state_ioctl {
	unsigned long get, set;
	size_t off;
	const char *name;
};

/* Restore order: registers, XSAVE, XCRs, sregs, (MSRs), MP state, LAPIC,
 * debug registers, events (vcpu_set_state puts the MSRs after sregs). */
static const struct state_ioctl vcpu_ioctls[] = {
	{ KVM_GET_REGS, KVM_SET_REGS, offsetof(struct vcpu_state, regs), "REGS" },
	{ KVM_GET_XSAVE, KVM_SET_XSAVE, offsetof(struct vcpu_state, xsave), "XSAVE" },
	{ KVM_GET_XCRS, KVM_SET_XCRS, offsetof(struct vcpu_state, xcrs), "XCRS" },
	{ KVM_GET_SREGS, KVM_SET_SREGS, offsetof(struct vcpu_state, sregs), "SREGS" },
	{ KVM_GET_MP_STATE, KVM_SET_MP_STATE, offsetof(struct vcpu_state, mp_state), "MP_STATE" },
	{ KVM_GET_LAPIC, KVM_SET_LAPIC, offsetof(struct vcpu_state, lapic), "LAPIC" },
	{ KVM_GET_DEBUGREGS, KVM_SET_DEBUGREGS, offsetof(struct vcpu_state, debugregs), "DEBUGREGS" },
	{ KVM_GET_VCPU_EVENTS, KVM_SET_VCPU_EVENTS, offsetof(struct vcpu_state, events), "VCPU_EVENTS" },
};
#define VCPU_IOCTL_MSRS_AFTER 3 /* index of SREGS */

int vcpu_get_state(struct vcpu *v, struct vcpu_state *s, struct mv_error *err)
{
	memset(s, 0, sizeof(*s));
	s->cpu = (uint32_t)v->id;
	for (size_t i = 0; i < sizeof(vcpu_ioctls) / sizeof(vcpu_ioctls[0]); i++)
		if (ioctl(v->fd, vcpu_ioctls[i].get, (uint8_t *)s + vcpu_ioctls[i].off) < 0)
			return mv_fail_errno(err, "KVM_GET_%s on vCPU %d", vcpu_ioctls[i].name, v->id);
	return get_msrs(v, s, err);
}

static int set_msrs(struct vcpu *v, const struct vcpu_state *s, struct mv_error *err)
{
	int rc = msrs_ioctl(v->fd, KVM_SET_MSRS, s->msrs, NULL, s->nr_msrs);
	if (rc >= 0 && (uint32_t)rc < s->nr_msrs)
		return mv_fail(err, -EINVAL, "KVM_SET_MSRS on vCPU %d: MSR %#x refused", v->id,
			       s->msrs[rc].index);
	if (rc < 0)
		return mv_fail(err, rc, "KVM_SET_MSRS on vCPU %d: %s", v->id, strerror(-rc));
	return 0;
}

int vcpu_set_state(struct vcpu *v, const struct vcpu_state *s, struct mv_error *err)
{
	for (size_t i = 0; i < sizeof(vcpu_ioctls) / sizeof(vcpu_ioctls[0]); i++) {
		if (ioctl(v->fd, vcpu_ioctls[i].set, (const uint8_t *)s + vcpu_ioctls[i].off) < 0)
			return mv_fail_errno(err, "KVM_SET_%s on vCPU %d", vcpu_ioctls[i].name, v->id);
		if (i == VCPU_IOCTL_MSRS_AFTER) {
			int rc = set_msrs(v, s, err);
			if (rc < 0)
				return rc;
		}
	}
	return 0;
}

/* The in-kernel chips, saved and restored in this order; then the clock. */
static const struct state_ioctl chip_ioctls[] = {
	{ KVM_GET_IRQCHIP, KVM_SET_IRQCHIP, offsetof(struct vm_chip_state, pic_master),
	  "IRQCHIP (PIC master)" },
	{ KVM_GET_IRQCHIP, KVM_SET_IRQCHIP, offsetof(struct vm_chip_state, pic_slave),
	  "IRQCHIP (PIC slave)" },
	{ KVM_GET_IRQCHIP, KVM_SET_IRQCHIP, offsetof(struct vm_chip_state, ioapic),
	  "IRQCHIP (IOAPIC)" },
	{ KVM_GET_PIT2, KVM_SET_PIT2, offsetof(struct vm_chip_state, pit), "PIT2" },
};

int vm_get_chips(struct vm *vm, struct vm_chip_state *c, struct mv_error *err)
{
	memset(c, 0, sizeof(*c));
	c->pic_master.chip_id = KVM_IRQCHIP_PIC_MASTER;
	c->pic_slave.chip_id = KVM_IRQCHIP_PIC_SLAVE;
	c->ioapic.chip_id = KVM_IRQCHIP_IOAPIC;
	for (size_t i = 0; i < sizeof(chip_ioctls) / sizeof(chip_ioctls[0]); i++)
		if (ioctl(vm->vm_fd, chip_ioctls[i].get, (uint8_t *)c + chip_ioctls[i].off) < 0)
			return mv_fail_errno(err, "KVM_GET_%s", chip_ioctls[i].name);
	if (ioctl(vm->vm_fd, KVM_GET_CLOCK, &c->clock) < 0)
		return mv_fail_errno(err, "KVM_GET_CLOCK");
	return 0;
}

int vm_set_chips(struct vm *vm, const struct vm_chip_state *c, struct mv_error *err)
{
	struct kvm_clock_data clock = { .clock = c->clock.clock };
	for (size_t i = 0; i < sizeof(chip_ioctls) / sizeof(chip_ioctls[0]); i++)
		if (ioctl(vm->vm_fd, chip_ioctls[i].set, (const uint8_t *)c + chip_ioctls[i].off) < 0)
			return mv_fail_errno(err, "KVM_SET_%s", chip_ioctls[i].name);
	if (ioctl(vm->vm_fd, KVM_SET_CLOCK, &clock) < 0)
		return mv_fail_errno(err, "KVM_SET_CLOCK");
	return 0;
}

/* FNV-1a over the CPUID entries, with the per-vCPU APIC IDs masked. */
static uint64_t cpuid_hash(const struct kvm_cpuid2 *c)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (uint32_t i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 e = c->entries[i];
		if (e.function == 1)
			e.ebx &= 0x00ffffffu;
		else if (e.function == 0xb || e.function == 0x1f)
			e.edx = 0;
		memset(e.padding, 0, sizeof(e.padding));
		const uint8_t *p = (const uint8_t *)&e;
		for (size_t k = 0; k < sizeof(e); k++)
			h = (h ^ p[k]) * 0x100000001b3ull;
	}
	return h;
}

int kvm_cpuid_fingerprint(uint64_t *out, struct mv_error *err)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return mv_fail_errno(err, "/dev/kvm");
	struct kvm_cpuid2 *c = supported_cpuid(fd);
	int rc = c ? 0 : mv_fail_errno(err, "KVM_GET_SUPPORTED_CPUID");
	if (c)
		*out = cpuid_hash(c);
	free(c);
	close(fd);
	return rc;
}
