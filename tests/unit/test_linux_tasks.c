/*
 * test_linux_tasks.c: the walk of a Linux guest's task list (linux_tasks)
 * over task_structs built by hand in simulated guest RAM, read through a
 * kernel page table whose direct map uses 2M pages, as Linux's does: every
 * task on init_task's list comes back with its pid and comm, a process's
 * root is its mm->pgd's physical address (within its 2M page, not the
 * page's start), a kernel thread has none, and a list that never returns
 * to init_task stops at max.
 *
 * Page-table isolation: whether it is on is X86_FEATURE_PTI (word 7, bit
 * 11) of boot_cpu_data.x86_capability, read through the same table; a
 * process's pgd is then an 8 KiB pair built here by hand, the kernel's
 * copy (user entries NX, the direct map too) and the user copy 4 KiB on
 * (the user entries alone, no NX): user mode runs on the user copy, and a
 * CR3 holding either copy, with PCID bits and bit 63, names the process.
 * Without PTI a CR3 names exactly the pgd it holds, even when that is the
 * page after another process's.
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
#define BOOT_CPU     0x600000ull  /* boot_cpu_data */
#define CPU_CAPS     0x18u        /* x86_capability in cpuinfo_x86 */
#define PGD          0x1234000ull /* init's pgd: 8 KiB aligned, as under PTI */
#define USER_COPY    (PGD + 0x1000)
#define USER_PDPT    0x1300000ull
#define USER_PD      0x1301000ull
#define USER_PT      0x1302000ull
#define TEXT_VA      0x400000ull
#define TEXT_PA      0x1400000ull
#define CR3_NOFLUSH  (1ull << 63)
#define PCID_USER    0x800ull     /* Linux's user PCID: the kernel's ASID | bit 11 */

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
	.boot_cpu_data = DIRECT_MAP + BOOT_CPU, .cpu_caps = CPU_CAPS,
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

/* Capability word i of boot_cpu_data. */
static void cap_word(int i, uint32_t v)
{
	memcpy(at(BOOT_CPU + CPU_CAPS + 4u * (unsigned)i), &v, sizeof(v));
}

/*
 * init's pgd as Linux builds it under PTI: the kernel's copy at PGD maps
 * the direct map and, with NX at the top, the user text at TEXT_VA; the
 * user copy at PGD + 4 KiB maps only the user text, without NX.
 */
static void pti_pgd_pair(void)
{
	uint64_t dm = ((DIRECT_MAP >> 39) & 511) * 8;
	put64(PGD + dm, (KERNEL_ROOT + 0x1000) | PTE_P | PTE_RW);
	put64(PGD, USER_PDPT | PTE_P | PTE_RW | PTE_US | PTE_NX);
	put64(USER_COPY, USER_PDPT | PTE_P | PTE_RW | PTE_US);
	put64(USER_PDPT, USER_PD | PTE_P | PTE_RW | PTE_US);
	put64(USER_PD + (TEXT_VA >> 21) * 8, USER_PT | PTE_P | PTE_RW | PTE_US);
	put64(USER_PT + ((TEXT_VA >> 12) & 511) * 8, TEXT_PA | PTE_P | PTE_US);
	put64(0x500000 + MM_PGD, DIRECT_MAP + PGD);
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

START_TEST(pti_is_x86_feature_pti_in_boot_cpu_data)
{
	struct linux_layout l = layout;
	cap_word(7, 1u << 11);
	ck_assert_int_eq(linux_pti(&mem, &l), 1);
	cap_word(7, ~(1u << 11)); /* every other feature of word 7, and bit 11 elsewhere */
	cap_word(6, 1u << 11);
	cap_word(8, 1u << 11);
	ck_assert_int_eq(linux_pti(&mem, &l), 0);
	l.boot_cpu_data = 0;      /* not exported, or no cpuinfo_x86 in the BTF */
	ck_assert_int_eq(linux_pti(&mem, &l), -ENOENT);
	l.boot_cpu_data = DIRECT_MAP + RAM; /* not mapped */
	ck_assert_int_eq(linux_pti(&mem, &l), -EFAULT);
}
END_TEST

START_TEST(under_pti_user_mode_runs_on_the_user_copy_and_either_copy_names_the_process)
{
	struct intro_task t[8];
	struct ptw_leaf leaf;
	pti_pgd_pair();
	cap_word(7, 1u << 11);
	ck_assert_int_eq(linux_pti(&mem, &layout), 1);
	ck_assert_int_eq(linux_tasks(&mem, &layout, t, 8), 3);
	ck_assert_uint_eq(t[1].root_pa, PGD);   /* mm->pgd: the kernel's copy */

	/* the table user mode runs on maps the text, without the kernel copy's NX */
	uint64_t user = linux_user_pgd(t[1].root_pa, true);
	ck_assert_uint_eq(user, USER_COPY);
	ck_assert_int_eq(ptw_translate(&mem, user, false, TEXT_VA, &leaf), 0);
	ck_assert_uint_eq(leaf.pa, TEXT_PA);
	uint64_t top;
	memcpy(&top, at(user), sizeof(top));
	ck_assert(!(top & PTE_NX));
	memcpy(&top, at(PGD), sizeof(top));
	ck_assert(top & PTE_NX);
	ck_assert_int_eq(ptw_translate(&mem, user, false, DIRECT_MAP, &leaf), 1);
	ck_assert_int_eq(ptw_translate(&mem, PGD, false, DIRECT_MAP, &leaf), 0);

	/* user mode: the user copy, the user PCID, "no flush"; the kernel: its copy */
	ck_assert_uint_eq(linux_cr3_pgd(USER_COPY | PCID_USER | 1 | CR3_NOFLUSH, true), PGD);
	ck_assert_uint_eq(linux_cr3_pgd(PGD | 1, true), PGD);
	ck_assert_uint_eq(linux_cr3_pgd(user, true), linux_cr3_pgd(PGD | 1 | CR3_NOFLUSH, true));
}
END_TEST

START_TEST(without_pti_a_cr3_names_exactly_the_pgd_it_holds)
{
	struct intro_task t[8];
	/* 2 is a process now, its pgd the page after init's */
	task(0x420000, 2, "sh", 0x510000, 0x400000);
	put64(0x500000 + MM_PGD, DIRECT_MAP + PGD);
	put64(0x510000 + MM_PGD, DIRECT_MAP + PGD + 0x1000);
	cap_word(7, 0);
	ck_assert_int_eq(linux_pti(&mem, &layout), 0);
	ck_assert_int_eq(linux_tasks(&mem, &layout, t, 8), 3);
	ck_assert_uint_eq(linux_user_pgd(t[1].root_pa, false), PGD);
	ck_assert_uint_eq(linux_user_pgd(t[2].root_pa, false), PGD + 0x1000);
	ck_assert_uint_eq(linux_cr3_pgd(t[2].root_pa | 2 | CR3_NOFLUSH, false), t[2].root_pa);
	ck_assert_uint_eq(linux_cr3_pgd(t[1].root_pa | 1, false), t[1].root_pa);
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
	tcase_add_test(tc, pti_is_x86_feature_pti_in_boot_cpu_data);
	tcase_add_test(tc, under_pti_user_mode_runs_on_the_user_copy_and_either_copy_names_the_process);
	tcase_add_test(tc, without_pti_a_cr3_names_exactly_the_pgd_it_holds);
	suite_add_tcase(s, tc);
	return s;
}
