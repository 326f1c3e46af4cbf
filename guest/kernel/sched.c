/*
 * sched.c: tasks, the round-robin run queue, wait queues and exit (sched.h).
 *
 * The run queue holds every runnable task but the idle task, in the order
 * they will run; schedule() moves the running task to the tail. Sleeping
 * tasks are on exactly one wait queue (timed sleeps on `sleepers`). An
 * exited thread waits on `dead_tasks` (by its run node) until a schedule()
 * that runs on another stack frees it.
 *
 * Locking: the kernel lock (klock.h) protects the run queue, the wait
 * queues, the task list and every task's scheduling fields; everything
 * here runs with it held and interrupts masked. A task runs on one CPU at
 * a time: on_cpu is set while it is some CPU's current; schedule() skips
 * those. The lock is held across switch_to, so a task switched out is off
 * its stack before any other CPU can pick it (or free it when dead); each
 * task keeps its own depth of that hold while switched out.
 * An idle CPU halts off the lock; enqueueing a task sends one of them a
 * reschedule IPI. A task without an mm (a kernel thread, the idle task)
 * runs on whatever mm the CPU had loaded (lazy TLB, tlb.h).
 */
#include <sched.h>
#include <thread.h>
#include <futex.h>
#include <uvm.h>
#include <file.h>
#include <time.h>
#include <errno.h>
#include <uapi.h>
#include <printk.h>
#include <string.h>
#include <kmalloc.h>
#include <page_alloc.h>
#include <asm/layout.h>
#include <asm/cpu.h>
#include <smp.h>
#include <klock.h>
#include <tlb.h>

#define MSR_FS_BASE 0xc0000100
#define KSTACK_ORDER 2              /* KSTACK_SIZE bytes */

static struct task idle_task = { .comm = "swapper", .state = TASK_RUNNING, .on_cpu = true };
struct list_head task_list = { &task_list, &task_list };
unsigned long nr_context_switches;

static struct list_head runqueue = { &runqueue, &runqueue };
static struct wait_queue sleepers = WAIT_QUEUE_INIT(sleepers);
static struct list_head dead_tasks = { &dead_tasks, &dead_tasks };
/* pid 1 is init's whenever it starts (kernel threads may come first, as in
 * Linux); every other task takes the next number from 2 on. */
#define INIT_PID 1
static int next_pid = INIT_PID + 1;

/* Every list a task is on or heads, empty. */
static void task_init_lists(struct task *t)
{
	list_init(&t->run);
	list_init(&t->wait_node);
	list_init(&t->children);
	list_init(&t->sibling);
	list_init(&t->child_exit.head);
	list_init(&t->group_node);
}

void sched_init(void)
{
	this_cpu()->curr_task = &idle_task;
	this_cpu()->idle = &idle_task;
	futex_table_init(&kernel_futexes);
	list_init(&idle_task.tasks);
	task_init_lists(&idle_task);
	list_add_tail(&idle_task.tasks, &task_list);
}

/* A task with a kernel stack and an empty switch frame returning to @entry. */
static struct task *task_alloc(const char *comm, void (*entry)(void), unsigned long r12,
			       unsigned long r13, const struct pt_regs *uregs)
{
	struct task *t = kzalloc(sizeof(*t), BUDDY_GFP_KERNEL);
	phys_addr_t stack = t ? page_alloc(KSTACK_ORDER, 0) : 0;

	if (!stack) {
		kfree(t);
		return NULL;
	}
	t->kstack = mm_phys_to_virt(stack);
	unsigned long *sp = (unsigned long *)((char *)t->kstack + KSTACK_SIZE);
	if (uregs) {
		t->uregs = (struct pt_regs *)sp - 1;
		*t->uregs = *uregs;
		sp = (unsigned long *)t->uregs;
	}
	*--sp = (unsigned long)entry;
	unsigned long frame[6] = { 0, 0, r13, r12, 0, 0 }; /* r15 r14 r13 r12 rbx rbp */
	for (int i = 5; i >= 0; i--)
		*--sp = frame[i];
	t->ksp = (unsigned long)sp;
	t->klock_depth = 1;     /* what schedule() hands it; a user task drops it in ret_to_user */
	t->pid = (uregs && !task_find(INIT_PID)) ? INIT_PID : next_pid++;
	t->state = TASK_RUNNING;
	strlcpy(t->comm, comm, sizeof(t->comm));
	task_init_lists(t);
	list_add_tail(&t->tasks, &task_list);
	t->start_jiffies = jiffies;
	return t;
}

void task_adopt(struct task *parent, struct task *t)
{
	if (t->parent)
		list_del(&t->sibling);
	t->parent = parent;
	if (parent)
		list_add_tail(&t->sibling, &parent->children);
	else
		list_init(&t->sibling);
}

/* Frees a task that is not running and that nobody links to any more. */
static void task_free(struct task *t)
{
	list_del(&t->tasks);
	thread_group_put(t);
	signal_release(t);
	page_free(mm_virt_to_phys(t->kstack), KSTACK_ORDER);
	kfree(t);
}

struct task *task_create_user(struct task *parent, const struct pt_regs *regs,
			      const char *comm)
{
	struct task *t = task_alloc(comm, ret_to_user, 0, 0, regs);

	if (!t)
		return NULL;
	if (thread_group_new(t, parent) || signal_fork(t, parent)) {
		task_free(t);
		return NULL;
	}
	if (parent) {
		struct task *p = thread_leader(parent);
		t->exit_signal = SIGCHLD;
		t->parent = p;
		list_add_tail(&t->sibling, &p->children);
	}
	return t;
}

struct task *task_create_thread(struct task *creator, const struct pt_regs *regs)
{
	struct task *t = task_alloc(creator->comm, ret_to_user, 0, 0, regs);

	if (!t)
		return NULL;
	thread_group_join(t, creator);
	signal_thread(t, creator);
	return t;
}

struct task *kthread_create(void (*fn)(void *), void *arg, const char *comm)
{
	struct task *t = task_alloc(comm, kthread_entry, (unsigned long)fn,
				    (unsigned long)arg, NULL);

	if (t)
		task_start(t);
	return t;
}

/* Where kthread_entry (entry.S) lands: runs the thread, then exits. */
void kthread_main(void (*fn)(void *), void *arg);
void kthread_main(void (*fn)(void *), void *arg)
{
	fn(arg);
	task_exit(0);
}

int sched_last_pid(void)
{
	return next_pid - 1;
}

/* A task joined the run queue: an idle CPU, if any, is told to look. */
static void kick_idle_cpu(void)
{
	unsigned self = smp_processor_id();

	for (unsigned c = 0; c < nr_cpu_ids; c++) {
		if (c != self && cpu_online(c) && READ_ONCE(percpu_of(c)->idle_halted)) {
			smp_send_reschedule(c);
			return;
		}
	}
}

void task_start(struct task *t)
{
	list_add_tail(&t->run, &runqueue);
	kick_idle_cpu();
}

struct task *sched_create_idle(unsigned cpu, void *stack)
{
	struct task *t = kzalloc(sizeof(*t), BUDDY_GFP_KERNEL);

	if (!t)
		return NULL;
	snprintf(t->comm, sizeof(t->comm), "swapper/%u", cpu);
	t->state = TASK_RUNNING;
	t->on_cpu = true;
	t->cpu = cpu;
	t->klock_depth = 1;
	t->kstack = stack;
	list_init(&t->tasks);
	task_init_lists(t);
	return t;
}

struct task *task_find(int pid)
{
	struct list_head *pos;

	list_for_each(pos, &task_list) {
		struct task *t = list_entry(pos, struct task, tasks);
		if (t->pid == pid)
			return t;
	}
	return NULL;
}

void task_discard(struct task *t)
{
	file_close_all(t);
	if (t->mm)
		uvm_put(t->mm);
	t->mm = NULL;
	task_adopt(NULL, t);
	thread_exit_leave(t, 0);
	task_free(t);
}

void task_autoreap(struct task *t)
{
	list_del(&t->tasks);            /* gone from task_find and /proc at once */
	list_init(&t->tasks);
	list_add_tail(&t->run, &dead_tasks);
}

/* Frees the exited threads, but the one still running on its stack. */
static void free_dead_tasks(void)
{
	struct list_head *pos, *tmp;

	list_for_each_safe(pos, tmp, &dead_tasks) {
		struct task *t = list_entry(pos, struct task, run);
		if (!t->on_cpu) {
			list_del(&t->run);
			task_free(t);
		}
	}
}

/* The first task on the run queue that no other CPU runs, or NULL. */
static struct task *pick_next(const struct task *prev)
{
	struct list_head *pos;

	list_for_each(pos, &runqueue) {
		struct task *t = list_entry(pos, struct task, run);
		if (!t->on_cpu || t == prev)
			return t;
	}
	return NULL;
}

/* The CPU state of next: address space, kernel stack, user FPU and FS base. */
static void switch_cpu_state(struct task *prev, struct task *next)
{
	if (next->mm)
		uvm_switch(next->mm);
	else
		switch_mm_lazy();       /* prev's stays loaded (tlb.h) */
	if (next->kstack)
		cpu_set_kernel_stack((unsigned long)next->kstack + KSTACK_SIZE);
	if (prev->mm)
		fpu_save(&prev->fpu);
	if (next->mm) {
		fpu_restore(&next->fpu);
		/* the MSR holds the last user task's on this CPU, not prev's */
		if (next->fs_base != prev->fs_base || nr_cpu_ids > 1)
			wrmsr(MSR_FS_BASE, next->fs_base);
	}
}

void schedule(void)
{
	struct percpu *cpu = this_cpu();
	struct task *prev = current, *next;

	if (!cpu->klock_depth)
		panic("schedule: CPU%u does not hold the kernel lock", cpu->cpu);
	free_dead_tasks();

	if (prev != cpu->idle && prev->state == TASK_RUNNING) {
		list_del(&prev->run);
		list_add_tail(&prev->run, &runqueue);
	}
	next = pick_next(prev);
	if (!next)
		next = cpu->idle;
	cpu->need_resched = false;
	next->slice = TASK_SLICE_TICKS;
	if (next == prev)
		return;
	nr_context_switches++;
	switch_cpu_state(prev, next);
	prev->on_cpu = false;
	next->on_cpu = true;
	next->cpu = cpu->cpu;
	prev->klock_depth = cpu->klock_depth;   /* the lock stays with this CPU */
	cpu->klock_depth = next->klock_depth;
	current = next;
	switch_to(&prev->ksp, next->ksp);
}

void sched_yield_current(void)
{
	schedule();
}

/* Queues t to run; @preempt: at the current task's next return to user. */
static void enqueue_woken(struct task *t, bool preempt)
{
	list_del(&t->wait_node);
	t->state = TASK_RUNNING;
	t->sleep_until = 0;
	list_add_tail(&t->run, &runqueue);
	this_cpu()->need_resched |= preempt;
	kick_idle_cpu();
}

static void make_runnable(struct task *t)
{
	enqueue_woken(t, true);
}

void sched_tick_local(void)
{
	struct percpu *cpu = this_cpu();
	struct task *t = cpu->curr_task;

	if (t != cpu->idle && t->slice && --t->slice == 0)
		cpu->need_resched = true;
}

void sched_tick(void)
{
	struct list_head *pos, *tmp;

	list_for_each_safe(pos, tmp, &sleepers.head) {
		struct task *t = list_entry(pos, struct task, wait_node);
		if ((long)(jiffies - t->sleep_until) >= 0)
			make_runnable(t);
	}
	sched_tick_local();
}

void sched_return_to_user(struct pt_regs *regs)
{
	if (this_cpu()->need_resched)
		schedule();
	signal_return_to_user(regs);
}

void wake_up(struct wait_queue *wq)
{
	while (!list_empty(&wq->head))
		make_runnable(list_entry(wq->head.next, struct task, wait_node));
}

void wake_up_background(struct wait_queue *wq)
{
	while (!list_empty(&wq->head))
		enqueue_woken(list_entry(wq->head.next, struct task, wait_node), false);
}

int sleep_on(struct wait_queue *wq)
{
	if (signal_pending(current))
		return -EINTR;
	current->state = TASK_SLEEPING;
	list_del(&current->run);
	list_add_tail(&current->wait_node, &wq->head);
	schedule();
	return signal_pending(current) ? -EINTR : 0;
}

int sleep_on_killable(struct wait_queue *wq)
{
	if (current->signal.pending & sig_bit(SIGKILL))
		return -EINTR;
	if (sleep_on(wq))
		sched_yield_current();
	return 0;
}

int sleep_until(unsigned long until)
{
	current->sleep_until = until ? until : 1;
	return sleep_on(&sleepers);
}

void wake_up_process(struct task *t)
{
	if (t && t->state == TASK_SLEEPING)
		make_runnable(t);
}

/* Halts off the kernel lock until an interrupt (a tick, a reschedule IPI). */
static void idle_halt(struct percpu *cpu)
{
	cpu->idle_halted = true;
	kernel_unlock();
	safe_halt();
	irq_disable();
	kernel_lock();
	cpu->idle_halted = false;
}

void sched_idle_once(void)
{
	irq_disable();
	if (pick_next(NULL))
		schedule();
	else
		idle_halt(this_cpu());
}

void sched_idle(void)
{
	for (;;)
		sched_idle_once();
}

/* Hands the children of t to init (pid 1); wakes init for zombies. */
static void reparent_children(struct task *t)
{
	struct task *init = task_find(1);
	struct list_head *pos, *tmp;

	list_for_each_safe(pos, tmp, &t->children) {
		struct task *c = list_entry(pos, struct task, sibling);
		task_adopt(init, c);
		if (init && c->state == TASK_ZOMBIE)
			wake_up(&init->child_exit);
	}
}

/* pid 1 is gone: the VM ends with its status (128 + signal when killed). */
static void __noreturn init_exit(int status)
{
	int code = (status & 0x7f) ? 128 + (status & 0x7f) : (status >> 8) & 0xff;

	pr_notice("reboot: Power down (init exited with status %d)\n", code);
	machine_exit(code);
}

/* The process p (a group leader) ended as a whole: its parent is told. */
static void process_ended(struct task *p)
{
	if (p->pid == 1)
		init_exit(p->exit_status);
	reparent_children(p);
	signal_child_exited(p);
	if (p->parent)
		wake_up(&p->parent->child_exit);
}

/* Wakes a CLONE_VFORK parent: the child no longer uses its memory. */
void task_vfork_release(struct task *t)
{
	if (t->vfork_done) {
		t->vfork_done->done = true;
		wake_up(&t->vfork_done->wq);
		t->vfork_done = NULL;
	}
}

void task_exit(int status)
{
	struct task *t = current;

	if (t->pid == 1 && thread_group_live(t) == 1)
		init_exit(status);
	futex_exit_release(t);          /* robust futexes, clear_child_tid: needs the mm */
	task_vfork_release(t);
	file_close_all(t);
	if (t->mm) {
		t->maxrss_kb = t->mm->hiwater_rss * (MM_PAGE_SIZE >> 10);
		uvm_switch(NULL);
		uvm_put(t->mm);
		t->mm = NULL;
	}
	t->state = TASK_ZOMBIE;
	list_del(&t->run);
	struct task *ended = thread_exit_leave(t, status);
	if (thread_leader(t) != t)
		task_autoreap(t);
	if (ended)
		process_ended(ended);
	schedule();
	panic("task_exit: zombie %d ran again", t->pid);
}

void task_reap(struct task *t)
{
	struct task *p = t->parent;
	struct task_usage u;

	thread_group_usage(t, &u);
	if (p) {
		p->c_min_flt += u.min_flt + t->c_min_flt;
		p->c_maj_flt += u.maj_flt + t->c_maj_flt;
		p->c_utime += u.utime + t->c_utime;
		p->c_stime += u.stime + t->c_stime;
		p->c_maxrss_kb = MM_MAX(p->c_maxrss_kb, MM_MAX(t->maxrss_kb, t->c_maxrss_kb));
	}
	list_del(&t->sibling);
	task_free(t);
}
