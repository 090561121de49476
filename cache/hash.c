/*
 * The seed of the cache's keyed hash (hash.h): 192 secret bits per cache,
 * so that a client who cannot see them cannot aim many names at one
 * bucket. Drawn once, at dst_cache_new; nothing here is shared or locked.
 */
#include "config.h"

#include <fcntl.h>
#include <time.h>
#include <unistd.h>
#if defined(__linux__) && defined(__has_include)
#if __has_include(<sys/random.h>)
#include <sys/random.h>
#define HAVE_GETRANDOM 1
#endif
#endif

#include "cache/hash.h"

void dst_cache__seed_init(uint64_t seed[3])
{
	const size_t want = 3 * sizeof seed[0];
	struct timespec ts;
	int fd;

#ifdef HAVE_GETRANDOM
	/* NONBLOCK: early at boot, /dev/urandom below is better than waiting. */
	if (getrandom(seed, want, GRND_NONBLOCK) == (ssize_t)want)
		return;
#endif
	fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t n = read(fd, seed, want);

		close(fd);
		if (n == (ssize_t)want)
			return;
	}
	/*
	 * No entropy source: the cache still works, but an attacker who can
	 * guess the clock could aim collisions at it.
	 */
	clock_gettime(CLOCK_REALTIME, &ts);
	seed[0] = fold_mul((uint64_t)ts.tv_sec ^ 0x9e3779b97f4a7c15u, (uint64_t)ts.tv_nsec | 1);
	seed[1] = fold_mul(seed[0] ^ (uint64_t)(uintptr_t)seed, 0xc2b2ae3d27d4eb4fu);
	seed[2] = fold_mul(seed[1] ^ (uint64_t)getpid(), 0x165667b19e3779f9u);
}
