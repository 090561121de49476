/*
 * Per-client token buckets in a fixed, set-associative table (see
 * ratelimit.h for the behaviour).
 *
 * Tokens are counted in thousandths, so that a rate in tokens per second is
 * also the refill in thousandths per millisecond and no fractions are lost
 * between queries a few milliseconds apart. A bucket records when it was
 * last refilled, which is also when its client was last seen: the
 * replacement order within a set.
 */
#include "config.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "dns/err.h"
#include "resolver/listen/ratelimit.h"

#define WAYS 4     /* slots per set */
#define MILLI 1000 /* thousandths of a token per token */

struct bucket {
	uint8_t key[16]; /* IPv4 as ::ffff:a.b.c.d; IPv6 as its /64 */
	uint64_t last_ms;
	uint32_t tokens; /* thousandths */
	bool used;
};

struct dst_ratelimit {
	struct bucket *b;
	size_t set_mask; /* sets - 1; sets is a power of two */
	uint64_t seed;
	uint32_t rate; /* tokens per second = thousandths per millisecond */
	uint32_t full; /* burst, in thousandths */
};

int dst_ratelimit_new(uint32_t rate, uint32_t burst, size_t slots, uint64_t seed,
		      struct dst_ratelimit **out)
{
	struct dst_ratelimit *rl;
	size_t sets = 1;

	if (rate == 0 || rate > UINT32_MAX / MILLI || burst > UINT32_MAX / MILLI || slots == 0)
		return DST_EINVAL;
	while (sets * WAYS < slots)
		sets *= 2;
	rl = calloc(1, sizeof *rl);
	if (!rl || !(rl->b = calloc(sets * WAYS, sizeof *rl->b))) {
		free(rl);
		return DST_ENOMEM;
	}
	rl->set_mask = sets - 1;
	rl->seed = seed;
	rl->rate = rate;
	rl->full = (burst ? burst : rate) * MILLI;
	*out = rl;
	return 0;
}

/* The bucket key of a client; false for families that are not limited. */
static bool client_key(const struct sockaddr *sa, uint8_t key[16])
{
	memset(key, 0, 16);
	if (sa->sa_family == AF_INET) {
		key[10] = key[11] = 0xff;
		memcpy(key + 12, &((const struct sockaddr_in *)sa)->sin_addr, 4);
		return true;
	}
	if (sa->sa_family == AF_INET6) {
		const uint8_t *ip = (const uint8_t *)&((const struct sockaddr_in6 *)sa)->sin6_addr;
		static const uint8_t mapped[12] = {[10] = 0xff, [11] = 0xff};

		/* A /64 never has 0xffff in bytes 10-11, so the two kinds never meet. */
		memcpy(key, ip, memcmp(ip, mapped, 12) == 0 ? 16 : 8);
		return true;
	}
	return false;
}

/* Mixes 64 bits so that every input bit affects every output bit. */
static uint64_t mix(uint64_t x)
{
	x ^= x >> 31;
	x *= 0x7fb5d329728ea185ULL;
	x ^= x >> 27;
	x *= 0x81dadef4bc2dd44dULL;
	x ^= x >> 33;
	return x;
}

static size_t set_of(const struct dst_ratelimit *rl, const uint8_t key[16])
{
	uint64_t a, b;

	memcpy(&a, key, 8);
	memcpy(&b, key + 8, 8);
	return (size_t)(mix(mix(rl->seed ^ a) ^ b) & rl->set_mask);
}

/* Whether x goes before y when a slot is needed: free slots, then the least recently seen. */
static bool replace_first(const struct bucket *x, const struct bucket *y)
{
	if (!x->used || !y->used)
		return !x->used && y->used;
	return x->last_ms < y->last_ms;
}

bool dst_ratelimit_take(struct dst_ratelimit *rl, const struct sockaddr *sa, uint64_t now_ms)
{
	struct bucket *set, *b = NULL, *victim = NULL;
	uint8_t key[16];

	if (!client_key(sa, key))
		return true;
	set = &rl->b[set_of(rl, key) * WAYS];
	for (size_t i = 0; i < WAYS; i++) {
		if (set[i].used && memcmp(set[i].key, key, 16) == 0) {
			b = &set[i];
			break;
		}
		if (!victim || replace_first(&set[i], victim))
			victim = &set[i];
	}
	if (!b) {
		b = victim;
		memcpy(b->key, key, 16);
		b->used = true;
		b->tokens = rl->full;
		b->last_ms = now_ms;
	} else if (now_ms > b->last_ms) {
		uint64_t elapsed = now_ms - b->last_ms, tokens;

		/* Long enough to fill the bucket from empty: no need to multiply. */
		if (elapsed > rl->full / rl->rate)
			tokens = rl->full;
		else
			tokens = b->tokens + elapsed * rl->rate;
		b->tokens = tokens > rl->full ? rl->full : (uint32_t)tokens;
		b->last_ms = now_ms;
	}
	if (b->tokens < MILLI)
		return false;
	b->tokens -= MILLI;
	return true;
}

void dst_ratelimit_free(struct dst_ratelimit *rl)
{
	if (!rl)
		return;
	free(rl->b);
	free(rl);
}
