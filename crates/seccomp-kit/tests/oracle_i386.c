/*
 * i386 half of the kernel oracle test (kernel_oracle.rs): installs a seccomp
 * filter in this 32-bit process, issues i386 syscalls with `int $0x80` and
 * records each raw return value in a shared file mapping.
 *
 * Build: gcc -m32 -static -O1 -o oracle_i386 oracle_i386.c
 * Usage: oracle_i386 FILE PARENT_PID
 *
 * FILE is written by the test and mapped MAP_SHARED, so results reach the
 * test without any syscall after the filter is installed. Every field is a
 * little-endian 32-bit word:
 *
 *   offset 0   magic, ORACLE_MAGIC
 *   offset 4   done flag: the helper stores 1 after the last call
 *   offset 8   index of the call in progress, for timeout messages
 *   offset 12  number of filter instructions (n)
 *   offset 16  number of calls (m)
 *   offset 20  reserved, 0
 *   offset 24  n instructions, 8 bytes each (struct sock_filter)
 *   then       m calls, 7 words each: nr and the six arguments
 *   then       m results: the value int $0x80 left in eax (-errno on error)
 *
 * Every action of the test's filter is an errno, so no syscall executes.
 * Because exit_group fails too, the helper spins after the last call until
 * the test kills it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#if !defined(__i386__)
#error "oracle_i386.c must be built with gcc -m32"
#endif

/* i386 numbers from arch/x86/entry/syscalls/syscall_32.tbl. */
_Static_assert(__NR_prctl == 172, "i386 prctl is 172");
_Static_assert(__NR_seccomp == 354, "i386 seccomp is 354");

#define ORACLE_MAGIC 0x314f4b53u /* "SKO1" */
#define HEADER_WORDS 6

struct call {
    uint32_t nr;
    uint32_t args[6];
};

/* Issues one syscall through the i386 `int $0x80` gate, with the six
 * arguments in ebx, ecx, edx, esi, edi and ebp, and returns eax. ebx may be
 * the PIC register and ebp the frame pointer, so the code saves both on the
 * stack instead of naming them as clobbers. Pushing below esp is safe
 * because i386 has no red zone. */
static int32_t int80(const struct call *call)
{
    uint32_t eax = (uint32_t)(uintptr_t)call;
    __asm__ volatile("pushl %%ebp\n\t"
                     "pushl %%ebx\n\t"
                     "movl 4(%%eax), %%ebx\n\t"
                     "movl 8(%%eax), %%ecx\n\t"
                     "movl 12(%%eax), %%edx\n\t"
                     "movl 16(%%eax), %%esi\n\t"
                     "movl 20(%%eax), %%edi\n\t"
                     "movl 24(%%eax), %%ebp\n\t"
                     "movl 0(%%eax), %%eax\n\t"
                     "int $0x80\n\t"
                     "popl %%ebx\n\t"
                     "popl %%ebp\n\t"
                     : "+a"(eax)
                     :
                     : "ecx", "edx", "esi", "edi", "memory", "cc");
    return (int32_t)eax;
}

static int fail(const char *message, int error)
{
    fprintf(stderr, "oracle_i386: %s: %s\n", message, strerror(error));
    return 1;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: oracle_i386 FILE PARENT_PID\n");
        return 2;
    }

    /* Without the test to kill it, the helper would spin forever under its
     * filter. The PID check catches a parent that died before prctl. */
    if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0)
        return fail("prctl(PR_SET_PDEATHSIG) failed", errno);
    if (getppid() != (pid_t)strtol(argv[2], NULL, 10))
        return fail("the test process exited before the helper started", ESRCH);

    int fd = open(argv[1], O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return fail(argv[1], errno);
    struct stat st;
    if (fstat(fd, &st) != 0)
        return fail("fstat failed", errno);
    if (st.st_size < (off_t)(HEADER_WORDS * 4))
        return fail("the call file is shorter than its header", EINVAL);
    uint32_t *words = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (words == MAP_FAILED)
        return fail("mmap failed", errno);
    close(fd);

    if (words[0] != ORACLE_MAGIC)
        return fail("the call file has the wrong magic number", EINVAL);
    uint32_t insn_count = words[3];
    uint32_t call_count = words[4];
    uint64_t needed = (uint64_t)HEADER_WORDS * 4 + (uint64_t)insn_count * 8 +
                      (uint64_t)call_count * (sizeof(struct call) + 4);
    if (insn_count == 0 || insn_count > BPF_MAXINSNS || needed != (uint64_t)st.st_size)
        return fail("the call file's counts do not match its size", EINVAL);

    struct sock_filter *program = (struct sock_filter *)(words + HEADER_WORDS);
    struct call *calls = (struct call *)(program + insn_count);
    volatile uint32_t *progress = &words[2];
    volatile int32_t *results = (volatile int32_t *)(calls + call_count);
    struct sock_fprog prog = {.len = (unsigned short)insn_count, .filter = program};

    struct call no_new_privs = {__NR_prctl, {PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0, 0}};
    int32_t ret = int80(&no_new_privs);
    if (ret != 0)
        return fail("prctl(PR_SET_NO_NEW_PRIVS) failed", -ret);
    struct call install = {
        __NR_seccomp, {SECCOMP_SET_MODE_FILTER, 0, (uint32_t)(uintptr_t)&prog, 0, 0, 0}};
    ret = int80(&install);
    if (ret != 0)
        return fail("seccomp(SECCOMP_SET_MODE_FILTER) failed", -ret);

    /* From here on only int $0x80 and memory writes: every syscall returns
     * the filter's errno, including write(2) and exit_group(2). */
    for (uint32_t i = 0; i < call_count; i++) {
        *progress = i;
        results[i] = int80(&calls[i]);
    }
    __atomic_store_n(&words[1], 1, __ATOMIC_RELEASE);
    for (;;)
        __asm__ volatile("pause");
}
