/*
 * What every fuzz target shares: the libFuzzer entry point and the check
 * macro the targets' oracles use.
 *
 * Each target is one LLVMFuzzerTestOneInput in its own file. The same file
 * is linked two ways: with libFuzzer (make fuzz, clang only) and with
 * fuzz/replay.c (make check, any compiler), which feeds it every saved
 * input. A target must therefore keep no state between calls that could
 * make one input's result depend on another's, and must free what it
 * allocates, so LeakSanitizer reports real leaks only.
 *
 * FUZZ_CHECK is not assert: it stays on under NDEBUG, and it aborts, which
 * libFuzzer records as a crash with the input that caused it.
 */
#ifndef DST_FUZZ_H
#define DST_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

__attribute__((noreturn)) static inline void dst_fuzz_fail(const char *file, int line,
							   const char *what)
{
	fprintf(stderr, "%s:%d: fuzz check failed: %s\n", file, line, what);
	fflush(stderr);
	abort();
}

#define FUZZ_CHECK(cond) ((cond) ? (void)0 : dst_fuzz_fail(__FILE__, __LINE__, #cond))

/*
 * malloc that never returns NULL (a fuzz target has no way to report it).
 * Targets copy inputs into blocks of exactly the size the code under test
 * is told, so that ASan sees a read or write of byte n as an overflow
 * (n == 0 gets a 1-byte block: malloc(0) may return NULL).
 */
static inline void *dst_fuzz_alloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		dst_fuzz_fail(__FILE__, __LINE__, "out of memory");
	return p;
}

#endif
