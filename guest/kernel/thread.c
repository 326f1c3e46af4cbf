/*
 * thread.c: thread groups (thread.h): membership, exit_group, the exit of
 * one member, the target of a process-directed signal, and execve's
 * de_thread. A group is allocated per process and freed with its last
 * member task.
 */
#include <thread.h>
#include <signal.h>
#include <errno.h>
#include <kmalloc.h>
#include <printk.h>

int thread_group_new(struct task *t, const struct task *parent)
{
	struct thread_group *g = kzalloc(sizeof(*g), BUDDY_GFP_KERNEL);

	if (!g)
		return -ENOMEM;
	list_init(&g->members);
	list_init(&g->member_exit.head);
	g->leader = t;
	g->refs = 1;
	g->live = 1;
	if (parent) {
		g->rlim = parent->group->rlim;
		g->uid = parent->group->uid;
	} else {
		rlimit_defaults(&g->rlim);
	}
	t->group = g;
	list_add_tail(&t->group_node, &g->members);
	return 0;
}

void thread_group_join(struct task *t, struct task *creator)
{
	struct thread_group *g = creator->group;

	g->refs++;
	g->live++;
	t->group = g;
	list_add_tail(&t->group_node, &g->members);
}

void thread_group_put(struct task *t)
{
	struct thread_group *g = t->group;

	if (!g)
		return;
	list_del(&t->group_node);
	t->group = NULL;
	if (--g->refs == 0)
		kfree(g);
}

struct task *thread_leader(const struct task *t)
{
	return t->group ? t->group->leader : (struct task *)t;
}

int task_tgid(const struct task *t)
{
	return thread_leader(t)->pid;
}

int thread_group_live(const struct task *t)
{
	return t->group ? t->group->live : 1;
}

/* Adds what task m used to u. */
static void add_usage(struct task_usage *u, const struct task *m)
{
	u->min_flt += m->min_flt;
	u->maj_flt += m->maj_flt;
	u->utime += m->utime;
	u->stime += m->stime;
}

void thread_group_usage(const struct task *t, struct task_usage *u)
{
	struct list_head *pos;

	*u = (struct task_usage){ 0 };
	if (!t->group) {
		add_usage(u, t);
		return;
	}
	*u = t->group->exited;
	list_for_each(pos, &t->group->members) {
		const struct task *m = list_entry(pos, struct task, group_node);
		if (m->state != TASK_ZOMBIE || m == t->group->leader)
			add_usage(u, m);    /* exited others are in group->exited */
	}
}

/* Sends SIGKILL to every live member of g but @except. */
static void kill_others(struct thread_group *g, struct task *except)
{
	struct list_head *pos;

	list_for_each(pos, &g->members) {
		struct task *m = list_entry(pos, struct task, group_node);
		if (m != except && m->state != TASK_ZOMBIE)
			signal_kill_now(m);
	}
}

void thread_group_exit(int status)
{
	struct thread_group *g = current->group;

	if (g && !g->exiting) {
		g->exiting = true;
		g->exit_status = status;
		kill_others(g, current);
	}
	task_exit(status);
}

struct task *thread_exit_leave(struct task *t, int status)
{
	struct thread_group *g = t->group;

	t->exit_status = status;
	if (!g)
		return t;
	MM_BUG_ON(g->live <= 0);
	g->live--;
	if (t != g->leader) {
		add_usage(&g->exited, t);
		g->leader->maxrss_kb = MM_MAX(g->leader->maxrss_kb, t->maxrss_kb);
	}
	wake_up(&g->member_exit);
	if (g->live)
		return NULL;
	if (g->exiting)
		g->leader->exit_status = g->exit_status;
	return g->leader;
}

/* Whether m may take a signal: alive, and not blocking sig. */
static bool takes_signal(const struct task *m, int sig)
{
	return m->state != TASK_ZOMBIE && !(m->signal.blocked & sig_bit(sig));
}

struct task *thread_signal_target(struct task *t, int sig)
{
	struct thread_group *g = t->group;
	struct task *live = NULL;
	struct list_head *pos;

	if (!g)
		return t->state == TASK_ZOMBIE ? NULL : t;
	if (takes_signal(g->leader, sig))
		return g->leader;
	list_for_each(pos, &g->members) {
		struct task *m = list_entry(pos, struct task, group_node);
		if (takes_signal(m, sig))
			return m;
		if (!live && m->state != TASK_ZOMBIE)
			live = m;
	}
	return g->leader->state != TASK_ZOMBIE ? g->leader : live;
}

/* Current takes over the zombie leader's identity: pid, parent, children. */
static void take_leadership(struct task *t, struct task *old)
{
	int pid = t->pid;

	t->pid = old->pid;
	old->pid = pid;
	t->parent = old->parent;
	t->exit_signal = old->exit_signal;
	old->parent = NULL;
	list_add_tail(&t->sibling, &old->sibling);   /* t takes old's place */
	list_del(&old->sibling);
	list_init(&old->sibling);
	while (!list_empty(&old->children))
		task_adopt(t, list_entry(old->children.next, struct task, sibling));
	t->group->leader = t;
	t->start_jiffies = old->start_jiffies;
	task_autoreap(old);
}

int thread_group_exec(void)
{
	struct task *t = current;
	struct thread_group *g = t->group;

	if (!g || g->live == 1)
		goto alone;
	if (g->exiting)
		return -EINTR;
	g->exiting = true;              /* no new members; others die */
	g->exit_status = SIGKILL;
	kill_others(g, t);
	while (g->live > 1)
		if (sleep_on_killable(&g->member_exit))
			return -EINTR;          /* killed too: the group's exit goes on */
	g->exiting = false;
alone:
	if (g && g->leader != t)
		take_leadership(t, g->leader);
	return 0;
}
