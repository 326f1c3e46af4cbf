/*
 * uaccess.c: the user copy routines of uaccess.h. The copies are rep
 * movsq/stosq plus a byte tail (each rep iteration costs the same where
 * ring 0 is emulated); each rep instruction has an exception-table entry,
 * so a fault the #PF handler cannot resolve resumes after it with RCX
 * still counting what was left. The user compare-exchange is one locked
 * cmpxchg with its own entry.
 */
#include <uaccess.h>
#include <sched.h>
#include <uvm.h>
#include <errno.h>
#include <asm/extable.h>

bool access_ok(uint64_t addr, uint64_t n)
{
	return addr < USER_TOP && n <= USER_TOP - addr;
}

bool uaccess_ok(uint64_t addr, size_t n, bool write)
{
	struct mm *mm = current->mm;

	if (!mm || addr >= USER_TOP || n > USER_TOP - addr)
		return false;
	for (struct vma *v = vma_find(&mm->vmas, addr); v && v->start < addr + n;
	     v = vma_at(&mm->vmas, (uint32_t)(v - mm->vmas.v) + 1)) {
		if (!v->prot || (write && !(v->prot & VMA_WRITE)))
			return false;
	}
	return true;
}

/* Copies n bytes; returns the number NOT copied (0 on success). */
static size_t raw_copy(void *dst, const void *src, size_t n)
{
	size_t q = n >> 3, b = n & 7, left;

	__asm__ __volatile__(
		"1: rep movsq\n\t"
		"mov %[b], %%rcx\n"
		"2: rep movsb\n\t"
		"xor %%eax, %%eax\n\t"
		"jmp 5f\n"
		"3: lea (%[b], %%rcx, 8), %%rax\n\t"
		"jmp 5f\n"
		"4: mov %%rcx, %%rax\n"
		"5:\n\t"
		EXTABLE_ENTRY(1b, 3b)
		EXTABLE_ENTRY(2b, 4b)
		: "+D"(dst), "+S"(src), "+c"(q), "=a"(left)
		: [b] "r"(b) : "memory");
	return left;
}

static size_t raw_clear(void *dst, size_t n)
{
	size_t q = n >> 3, b = n & 7, left;

	__asm__ __volatile__(
		"xor %%eax, %%eax\n"
		"1: rep stosq\n\t"
		"mov %[b], %%rcx\n"
		"2: rep stosb\n\t"
		"xor %%eax, %%eax\n\t"
		"jmp 5f\n"
		"3: lea (%[b], %%rcx, 8), %%rax\n\t"
		"jmp 5f\n"
		"4: mov %%rcx, %%rax\n"
		"5:\n\t"
		EXTABLE_ENTRY(1b, 3b)
		EXTABLE_ENTRY(2b, 4b)
		: "+D"(dst), "+c"(q), "=&a"(left)
		: [b] "r"(b) : "memory");
	return left;
}

int copy_from_user(void *dst, uint64_t usrc, size_t n)
{
	if (!uaccess_ok(usrc, n, false))
		return -EFAULT;
	return raw_copy(dst, (const void *)usrc, n) ? -EFAULT : 0;
}

int copy_to_user(uint64_t udst, const void *src, size_t n)
{
	if (!uaccess_ok(udst, n, true))
		return -EFAULT;
	return raw_copy((void *)udst, src, n) ? -EFAULT : 0;
}

int clear_user(uint64_t udst, size_t n)
{
	if (!uaccess_ok(udst, n, true))
		return -EFAULT;
	return raw_clear((void *)udst, n) ? -EFAULT : 0;
}

/* The locked cmpxchg on p; returns 1 when it faulted, else 0 with *eax the old value. */
static int raw_cmpxchg_u32(volatile uint32_t *p, uint32_t *eax, uint32_t new)
{
	int faulted = 0;

	__asm__ __volatile__(
		"1: lock cmpxchgl %[new], %[mem]\n\t"
		"jmp 3f\n"
		"2: movl $1, %[faulted]\n"
		"3:\n\t"
		EXTABLE_ENTRY(1b, 2b)
		: "+a"(*eax), [mem] "+m"(*p), [faulted] "+r"(faulted)
		: [new] "r"(new) : "memory");
	return faulted;
}

int cmpxchg_user_u32(uint64_t uaddr, uint32_t expected, uint32_t new, uint32_t *found)
{
	uint32_t eax = expected;

	if ((uaddr & 3) || !uaccess_ok(uaddr, sizeof(uint32_t), true))
		return -EFAULT;
	if (raw_cmpxchg_u32((volatile uint32_t *)uaddr, &eax, new))
		return -EFAULT;
	*found = eax;
	return 0;
}

long strncpy_from_user(char *dst, uint64_t usrc, size_t max)
{
	for (size_t i = 0; i < max; i++) {
		if (!uaccess_ok(usrc + i, 1, false) ||
		    raw_copy(dst + i, (const void *)(usrc + i), 1))
			return -EFAULT;
		if (!dst[i])
			return (long)i;
	}
	return -ENAMETOOLONG;
}
