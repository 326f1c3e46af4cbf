/*
 * test_linux_tasks.c: the walk of a Linux guest's task list (linux_tasks)
 * over task_structs built by hand in simulated guest RAM, read through a
 * kernel page table whose direct map uses 2M pages, as Linux's does: every
 * task on init_task's list comes back with its pid and comm, a process's
 * root is its mm->pgd's physical address (within its 2M page, not the
 * page's start), a kernel thread has none, and a list that never returns
 * to init_task stops at max.
 */
#include "linux_tasks.h"
#include "ptwalk.h"

#include <check.h>
#include <errno.h>
#include <string.h>

#define RAM          (32ull << 20)
#define KERNEL_ROOT  0x100000ull
#define DIRECT_MAP   0xffff888000000000ull
#define TASK_TASKS   0x40u
#define TASK_PID     0x80u
#define TASK_COMM    0x90u
#define TASK_MM      0xa8u
#define MM_PGD       0x50u

static struct guest_memory mem;

static void *at(uint64_t pa)
{
	return mem_gpa_to_hva(&mem, pa, 8);
}

static void put64(uint64_t pa, uint64_t v)
{
	memcpy(at(pa), &v, sizeof(v));
}

/* PML4 -> PDPT -> PD mapping DIRECT_MAP + [0, RAM) with 2M pages. */
static void direct_map(void)
{
	uint64_t pdpt = KERNEL_ROOT + 0x1000, pd = KERNEL_ROOT + 0x2000;
	put64(KERNEL_ROOT + ((DIRECT_MAP >> 39) & 511) * 8, pdpt | PTE_P | PTE_RW);
	put64(pdpt + ((DIRECT_MAP >> 30) & 511) * 8, pd | PTE_P | PTE_RW);
	for (uint64_t pa = 0; pa < RAM; pa += 2ull << 20)
		put64(pd + (pa >> 21) * 8, pa | PTE_P | PTE_RW | PTE_PS);
}

/* A task_struct at pa whose tasks.next points at the task at next_pa. */
static void task(uint64_t pa, int32_t pid, const char *comm, uint64_t mm_pa, uint64_t next_pa)
{
	memcpy(at(pa + TASK_PID), &pid, sizeof(pid));
	strcpy(at(pa + TASK_COMM), comm);
	put64(pa + TASK_MM, mm_pa ? DIRECT_MAP + mm_pa : 0);
	put64(pa + TASK_TASKS, DIRECT_MAP + next_pa + TASK_TASKS);
}

static const struct linux_layout layout = {
	.init_task = DIRECT_MAP + 0x400000, .kernel_root = KERNEL_ROOT,
	.task_tasks = TASK_TASKS, .task_pid = TASK_PID, .task_comm = TASK_COMM,
	.task_mm = TASK_MM, .mm_pgd = MM_PGD,
};

static void setup(void)
{
	struct mv_error err;
	ck_assert_int_eq(mem_init(&mem, RAM, MEM_BACKING_ANON, &err), 0);
	direct_map();
	/* init_task (swapper) -> 1 (init, mm at 0x500000, pgd at 0x1234000) -> 2 (kthreadd) -> back */
	task(0x400000, 0, "swapper/0", 0, 0x410000);
	task(0x410000, 1, "init", 0x500000, 0x420000);
	task(0x420000, 2, "kthreadd", 0, 0x400000);
	put64(0x500000 + MM_PGD, DIRECT_MAP + 0x1234000);
}

static void teardown(void)
{
	mem_destroy(&mem);
}

START_TEST(every_task_on_the_list_comes_back_with_its_pgds_physical_address)
{
	struct intro_task t[8];
	ck_assert_int_eq(linux_tasks(&mem, &layout, t, 8), 3);
	ck_assert_int_eq(t[0].pid, 0);
	ck_assert_str_eq(t[0].comm, "swapper/0");
	ck_assert_uint_eq(t[0].root_pa, 0);
	ck_assert_int_eq(t[1].pid, 1);
	ck_assert_str_eq(t[1].comm, "init");
	ck_assert_uint_eq(t[1].root_pa, 0x1234000); /* not 0x1200000, its 2M page's start */
	ck_assert_int_eq(t[2].pid, 2);
	ck_assert_uint_eq(t[2].root_pa, 0);
}
END_TEST

START_TEST(a_list_that_never_returns_to_init_task_stops_at_max)
{
	struct intro_task t[4];
	task(0x420000, 2, "kthreadd", 0, 0x410000); /* 2 -> 1 -> 2 -> ... */
	ck_assert_int_eq(linux_tasks(&mem, &layout, t, 4), 4);
	ck_assert_int_eq(t[3].pid, 1);
}
END_TEST

START_TEST(an_unreadable_init_task_is_an_error_and_a_bad_link_ends_the_list)
{
	struct intro_task t[4];
	struct linux_layout far = layout;
	far.init_task = DIRECT_MAP + RAM + 0x1000; /* not mapped */
	ck_assert_int_eq(linux_tasks(&mem, &far, t, 4), -EFAULT);
	put64(0x410000 + TASK_TASKS, 0xdead000000000000ull); /* init's next: nowhere */
	ck_assert_int_eq(linux_tasks(&mem, &layout, t, 4), 2);
}
END_TEST

Suite *linux_tasks_suite(void);
Suite *linux_tasks_suite(void)
{
	Suite *s = suite_create("linux_tasks");
	TCase *tc = tcase_create("walk");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, every_task_on_the_list_comes_back_with_its_pgds_physical_address);
	tcase_add_test(tc, a_list_that_never_returns_to_init_task_stops_at_max);
	tcase_add_test(tc, an_unreadable_init_task_is_an_error_and_a_bad_link_ends_the_list);
	suite_add_tcase(s, tc);
	return s;
}
