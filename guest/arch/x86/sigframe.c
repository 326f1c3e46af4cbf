/*
 * sigframe.c: the x86-64 signal frame, laid out as Linux's struct
 * rt_sigframe (return address, ucontext with sigcontext and mask,
 * siginfo) with the 512-byte fxsave image above it, and its restore by
 * rt_sigreturn.
 *
 * Invariants: at handler entry rsp + 8 is 16-byte aligned (the ABI's
 * state after a call) and the frame lies below the interrupted rsp's
 * 128-byte red zone (or at the top of the alternate stack); a restored
 * frame never gives ring 3 a kernel selector, a non-user rip or rsp, or
 * RFLAGS beyond USER_RFLAGS_MASK, and a bad MXCSR is masked before
 * fxrstor so the restore itself cannot fault.
 */
#include <signal.h>
#include <sched.h>
#include <uaccess.h>
#include <errno.h>
#include <string.h>
#include <syscall.h>
#include <asm/cpu.h>
#include <asm/layout.h>

#define RED_ZONE 128
#define FPSTATE_ALIGN 64
#define FXSAVE_MXCSR 24              /* byte offset of MXCSR in the fxsave image */
#define MXCSR_DEFAULT_MASK 0xffbfu   /* bits fxrstor accepts without a #GP */
#define UC_SIGCONTEXT_SS 0x2
#define X86_EFLAGS_TF 0x100ul
#define X86_EFLAGS_DF 0x400ul

/* Linux's struct sigcontext (x86-64), the uc_mcontext glibc calls gregs. */
struct sigcontext64 {
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags;
	uint16_t cs, gs, fs, ss;
	uint64_t err, trapno, oldmask, cr2;
	uint64_t fpstate;                /* user address of the fxsave image, or 0 */
	uint64_t reserved1[8];
};

struct ucontext64 {
	uint64_t uc_flags;
	uint64_t uc_link;
	struct { uint64_t sp; int32_t flags; int32_t pad; uint64_t size; } uc_stack;
	struct sigcontext64 uc_mcontext;
	uint64_t uc_sigmask;
};

struct siginfo64 {
	int32_t si_signo, si_errno, si_code, pad;
	union {
		struct { int32_t pid; uint32_t uid; int32_t status; int32_t pad; } chld;
		struct { int32_t pid; uint32_t uid; } kill;
		uint64_t addr;
		uint8_t bytes[112];
	} u;
};

struct rt_sigframe {
	uint64_t pretcode;               /* sa_restorer: the handler's return address */
	struct ucontext64 uc;
	struct siginfo64 info;
};

_Static_assert(sizeof(struct sigcontext64) == 256, "Linux's sigcontext is 256 bytes");
_Static_assert(sizeof(struct ucontext64) == 304, "Linux's ucontext is 304 bytes");
_Static_assert(sizeof(struct siginfo64) == 128, "siginfo_t is 128 bytes");

static void fill_siginfo(struct siginfo64 *si, int sig, const struct sig_info *info)
{
	memset(si, 0, sizeof(*si));
	si->si_signo = sig;
	si->si_code = info->code;
	if (sig == SIGSEGV || sig == SIGBUS || sig == SIGILL || sig == SIGFPE) {
		si->u.addr = info->addr;
	} else {
		si->u.chld.pid = info->pid;
		si->u.chld.status = sig == SIGCHLD ? info->status : 0;
	}
}

static void save_regs(struct sigcontext64 *sc, const struct pt_regs *r)
{
	sc->r8 = r->r8; sc->r9 = r->r9; sc->r10 = r->r10; sc->r11 = r->r11;
	sc->r12 = r->r12; sc->r13 = r->r13; sc->r14 = r->r14; sc->r15 = r->r15;
	sc->rdi = r->rdi; sc->rsi = r->rsi; sc->rbp = r->rbp; sc->rbx = r->rbx;
	sc->rdx = r->rdx; sc->rax = r->rax; sc->rcx = r->rcx; sc->rsp = r->rsp;
	sc->rip = r->rip; sc->eflags = r->rflags;
	sc->cs = (uint16_t)r->cs;
	sc->ss = (uint16_t)r->ss;
	if (r->vector < 32) {            /* a fault: what Linux reports of it */
		sc->trapno = r->vector;
		sc->err = r->error_code;
	}
}

static void restore_regs(struct pt_regs *r, const struct sigcontext64 *sc)
{
	r->r8 = sc->r8; r->r9 = sc->r9; r->r10 = sc->r10; r->r11 = sc->r11;
	r->r12 = sc->r12; r->r13 = sc->r13; r->r14 = sc->r14; r->r15 = sc->r15;
	r->rdi = sc->rdi; r->rsi = sc->rsi; r->rbp = sc->rbp; r->rbx = sc->rbx;
	r->rdx = sc->rdx; r->rax = sc->rax; r->rcx = sc->rcx; r->rsp = sc->rsp;
	r->rip = sc->rip;
	r->rflags = user_rflags(sc->eflags);
	r->cs = GDT_USER_CS;
	r->ss = GDT_USER_DS;
}

/* The top of the stack the frame goes on: below the red zone, or the altstack. */
static uint64_t frame_stack_top(const struct task *t, const struct pt_regs *regs,
				const struct k_sigaction *ka)
{
	const struct sig_altstack *a = &t->signal.altstack;

	if ((ka->flags & SA_ONSTACK) && sig_altstack_enabled(a) && !sig_altstack_on(a, regs->rsp))
		return a->sp + a->size;
	return regs->rsp - RED_ZONE;
}

static void fill_ucontext(struct ucontext64 *uc, const struct task *t, const struct pt_regs *regs,
			  uint64_t old_mask, uint64_t fpstate)
{
	const struct sig_altstack *a = &t->signal.altstack;

	memset(uc, 0, sizeof(*uc));
	uc->uc_flags = UC_SIGCONTEXT_SS;
	uc->uc_stack.sp = a->sp;
	uc->uc_stack.size = a->size;
	uc->uc_stack.flags = (!sig_altstack_enabled(a) ? SS_DISABLE
			      : sig_altstack_on(a, regs->rsp) ? SS_ONSTACK : 0) |
			     (a->flags & (int32_t)SS_AUTODISARM);
	save_regs(&uc->uc_mcontext, regs);
	uc->uc_mcontext.fpstate = fpstate;
	uc->uc_mcontext.oldmask = old_mask;
	uc->uc_sigmask = old_mask;
}

int sigframe_setup(struct task *t, struct pt_regs *regs, int sig, const struct k_sigaction *ka,
		   uint64_t old_mask)
{
	struct fpu_state fx;
	struct rt_sigframe f;
	uint64_t fpstate = (frame_stack_top(t, regs, ka) - sizeof(fx)) & ~(uint64_t)(FPSTATE_ALIGN - 1);
	uint64_t frame = ((fpstate - sizeof(f)) & ~15ull) - 8;

	if (!(ka->flags & SA_RESTORER))
		return -EFAULT;             /* x86-64 has no kernel-provided return path */
	fpu_save(&fx);
	f.pretcode = ka->restorer;
	fill_ucontext(&f.uc, t, regs, old_mask, fpstate);
	f.uc.uc_mcontext.cr2 = sig == SIGSEGV || sig == SIGBUS ? t->signal.info[sig - 1].addr : 0;
	fill_siginfo(&f.info, sig, &t->signal.info[sig - 1]);
	if (copy_to_user(fpstate, &fx, sizeof(fx)) || copy_to_user(frame, &f, sizeof(f)))
		return -EFAULT;
	if (t->signal.altstack.flags & (int32_t)SS_AUTODISARM)   /* until rt_sigreturn */
		t->signal.altstack = (struct sig_altstack){ .flags = SS_DISABLE };
	fpu_init_state(&fx);             /* the handler starts with a clean FPU, as on Linux */
	fpu_restore(&fx);
	regs->rdi = (uint64_t)sig;
	regs->rsi = frame + offsetof(struct rt_sigframe, info);
	regs->rdx = frame + offsetof(struct rt_sigframe, uc);
	regs->rax = 0;
	regs->rsp = frame;
	regs->rip = ka->handler;
	regs->rflags &= ~(X86_EFLAGS_TF | X86_EFLAGS_DF);
	regs->cs = GDT_USER_CS;
	regs->ss = GDT_USER_DS;
	return 0;
}

/* Loads the user's fxsave image at ufp (0: a clean FPU) with MXCSR made valid. */
static int restore_fpu(uint64_t ufp)
{
	struct fpu_state fx;
	uint32_t mxcsr;

	if (!ufp) {
		fpu_init_state(&fx);
	} else {
		if (copy_from_user(&fx, ufp, sizeof(fx)))
			return -EFAULT;
		memcpy(&mxcsr, fx.bytes + FXSAVE_MXCSR, sizeof(mxcsr));
		mxcsr &= MXCSR_DEFAULT_MASK;
		memcpy(fx.bytes + FXSAVE_MXCSR, &mxcsr, sizeof(mxcsr));
	}
	fpu_restore(&fx);
	return 0;
}

/* Linux's restore_altstack: the saved stack_t, applied when valid. */
static void restore_altstack(struct task *t, const struct ucontext64 *uc)
{
	struct sig_altstack *a = &t->signal.altstack;
	int32_t mode = uc->uc_stack.flags & ~(int32_t)SS_AUTODISARM & ~SS_ONSTACK;

	if (mode == SS_DISABLE) {
		a->sp = 0, a->size = 0, a->flags = SS_DISABLE;
	} else if (mode == 0 && uc->uc_stack.size >= MINSIGSTKSZ) {
		a->sp = uc->uc_stack.sp, a->size = uc->uc_stack.size;
		a->flags = uc->uc_stack.flags & (int32_t)SS_AUTODISARM;
	}
}

int sigframe_restore(struct task *t, struct pt_regs *regs, uint64_t *mask)
{
	uint64_t frame = regs->rsp - 8;  /* the handler's ret popped pretcode */
	struct ucontext64 uc;

	if (regs->rsp < 8 || copy_from_user(&uc, frame + offsetof(struct rt_sigframe, uc), sizeof(uc)))
		return -EFAULT;
	if (uc.uc_mcontext.rip >= USER_TOP || uc.uc_mcontext.rsp >= USER_TOP)
		return -EINVAL;
	if (restore_fpu(uc.uc_mcontext.fpstate))
		return -EFAULT;
	restore_regs(regs, &uc.uc_mcontext);
	restore_altstack(t, &uc);
	*mask = uc.uc_sigmask;
	return 0;
}
