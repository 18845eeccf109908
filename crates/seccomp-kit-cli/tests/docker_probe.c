/*
 * Syscall probe for the Docker conformance test (docker_conformance.rs).
 *
 * Each command-line argument is one request, "ABI:NR:A0:A1:A2:A3:A4:A5" with
 * the numbers in hexadecimal and ABI one of
 *   64  the x86_64 `syscall` instruction (x32 requests add 0x40000000 to NR);
 *   32  `int $0x80`, which the kernel runs as an i386 syscall (the filter
 *       reads AUDIT_ARCH_I386); arguments are cut to 32 bits.
 * After each request the probe writes one line, "NR RET ERRNO" in decimal
 * (RET -1 with ERRNO set when the kernel returned -1..-4095, else ERRNO 0),
 * so output stops at the request that killed the process.
 *
 * A request may start with "=ERRNO:" (hexadecimal). Such a guard request
 * must fail with that errno, or the probe writes its line and exits with
 * status 4 before running anything else. The test puts a guard first, a
 * call that only the expected seccomp filter fails with that errno, so no
 * request runs when the filter is missing.
 *
 * runc installs the seccomp filter before it executes this program, so the
 * probe needs only the syscalls a static program without libc makes itself:
 * write (fd 1) and exit_group. It has no C library for that reason, and it is
 * built with `gcc -static -nostdlib -fno-stack-protector` (x86_64 only).
 */

typedef unsigned long u64;
typedef long s64;

#define NR_WRITE 1
#define NR_EXIT_GROUP 231

static s64 syscall64(u64 nr, u64 a0, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	register u64 r10 __asm__("r10") = a3;
	register u64 r8 __asm__("r8") = a4;
	register u64 r9 __asm__("r9") = a5;
	s64 ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a0), "S"(a1), "d"(a2), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}

/*
 * The i386 entry reads its arguments from ebx, ecx, edx, esi, edi and ebp
 * and returns in eax. rbp may be the frame pointer, so the sixth argument is
 * swapped into it around the call instead of being bound to it.
 */
static s64 syscall32(u64 nr, u64 a0, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	unsigned int eax = (unsigned int)nr;
	u64 ebp = a5 & 0xffffffffUL;

	__asm__ volatile("xchg %[ebp], %%rbp\n\t"
			 "int $0x80\n\t"
			 "xchg %[ebp], %%rbp"
			 : "+a"(eax), [ebp] "+r"(ebp)
			 : "b"(a0 & 0xffffffffUL), "c"(a1 & 0xffffffffUL),
			   "d"(a2 & 0xffffffffUL), "S"(a3 & 0xffffffffUL),
			   "D"(a4 & 0xffffffffUL)
			 : "r8", "r9", "r10", "r11", "memory");
	return (s64)(int)eax;
}

static void write_all(const char *buf, u64 len)
{
	while (len > 0) {
		s64 n = syscall64(NR_WRITE, 1, (u64)buf, len, 0, 0, 0);
		if (n <= 0)
			syscall64(NR_EXIT_GROUP, 3, 0, 0, 0, 0, 0);
		buf += n;
		len -= (u64)n;
	}
}

static char *put_unsigned(char *out, u64 value)
{
	char digits[24];
	int count = 0;

	do {
		digits[count++] = (char)('0' + value % 10);
		value /= 10;
	} while (value != 0);
	while (count > 0)
		*out++ = digits[--count];
	return out;
}

static char *put_signed(char *out, s64 value)
{
	if (value < 0) {
		*out++ = '-';
		return put_unsigned(out, (u64)0 - (u64)value);
	}
	return put_unsigned(out, (u64)value);
}

/* Parses one hexadecimal field ending at ':' or NUL. Returns 0 on invalid input. */
static int parse_hex(const char **text, u64 *value)
{
	const char *p = *text;
	u64 result = 0;
	int digits = 0;

	for (;; p++) {
		char c = *p;
		unsigned digit;

		if (c >= '0' && c <= '9')
			digit = (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			digit = (unsigned)(c - 'a' + 10);
		else
			break;
		result = result << 4 | digit;
		digits++;
	}
	if (digits == 0 || digits > 16 || (*p != ':' && *p != '\0'))
		return 0;
	if (*p == ':')
		p++;
	*text = p;
	*value = result;
	return 1;
}

static void fail_request(const char *request)
{
	static const char message[] = "invalid request: ";
	const char *end = request;

	while (*end != '\0')
		end++;
	write_all(message, sizeof(message) - 1);
	write_all(request, (u64)(end - request));
	write_all("\n", 1);
	syscall64(NR_EXIT_GROUP, 2, 0, 0, 0, 0, 0);
}

/* Runs one request and writes its result line. */
static void run_request(const char *request)
{
	const char *p = request;
	u64 fields[8];
	char line[80];
	char *out = line;
	s64 ret;
	u64 err = 0;
	int guarded = 0;
	u64 guard_errno = 0;

	if (*p == '=') {
		p++;
		guarded = 1;
		if (!parse_hex(&p, &guard_errno))
			fail_request(request);
	}
	for (int i = 0; i < 8; i++) {
		if (!parse_hex(&p, &fields[i]))
			fail_request(request);
	}
	if (*p != '\0' || (fields[0] != 0x64 && fields[0] != 0x32))
		fail_request(request);

	if (fields[0] == 0x64)
		ret = syscall64(fields[1], fields[2], fields[3], fields[4], fields[5], fields[6],
				fields[7]);
	else
		ret = syscall32(fields[1], fields[2], fields[3], fields[4], fields[5], fields[6],
				fields[7]);
	if (ret < 0 && ret >= -4095) {
		err = (u64)-ret;
		ret = -1;
	}

	out = put_unsigned(out, fields[1]);
	*out++ = ' ';
	out = put_signed(out, ret);
	*out++ = ' ';
	out = put_unsigned(out, err);
	*out++ = '\n';
	write_all(line, (u64)(out - line));
	if (guarded && (ret != -1 || err != guard_errno))
		syscall64(NR_EXIT_GROUP, 4, 0, 0, 0, 0, 0);
}

/* Called from _start with the initial stack: argc, then argv[]. */
__attribute__((used)) static void probe_main(u64 *stack)
{
	u64 argc = stack[0];
	char **argv = (char **)(stack + 1);

	for (u64 i = 1; i < argc; i++)
		run_request(argv[i]);
	syscall64(NR_EXIT_GROUP, 0, 0, 0, 0, 0, 0);
}

/* The kernel enters with rsp at argc, and the call keeps the ABI's 16-byte alignment. */
__asm__(".text\n"
	".global _start\n"
	"_start:\n"
	"	xor %rbp, %rbp\n"
	"	mov %rsp, %rdi\n"
	"	and $-16, %rsp\n"
	"	call probe_main\n"
	"	hlt\n");
