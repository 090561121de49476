/*
 * Fuzz target: the state file reader ([server] state-dir), which reads a
 * file from disk at every start: the container (resolver/io/state.c),
 * the upstreams' records (resolver/upstream/saved.c) and the cache's
 * entries (cache/persist.c).
 *
 * Input: byte 0 is CTL, then a whole state file. With CTL bit 0 set the
 * target first puts the right CRC-32 in the header and in every section
 * it can find (in a copy), so that mutations reach the section readers
 * behind the checksums; with it clear the file is read as it is, and
 * the checksums themselves are what is tested. The oracles:
 *  - every section the parser keeps lies inside the input and its CRC-32
 *    holds;
 *  - each upstream record read is written back to exactly its bytes;
 *  - cache entries: if the section loads, saving the cache, loading that
 *    into a fresh cache and saving again gives the same bytes (what the
 *    unit suite checks for one state, here for any state a file can make),
 *    and every entry saved answers a lookup of its own key.
 * Times are fixed, so one input always runs the same way.
 */
#include <stdlib.h>
#include <string.h>

#include "cache/cache.h"
#include "dns/err.h"
#include "fuzz/fuzz.h"
#include "resolver/io/state.h"
#include "resolver/upstream/select.h"

#define NOW_MS 100000ULL        /* 100 s after boot: older entries take the epoch paths */
#define WALL_MS 1800000000000LL /* 2027 */
#define CACHE_BYTES (1u << 20)  /* no eviction for the inputs a fuzzer makes */
#define STALE_MS (86400ULL * 1000)

struct out {
	uint8_t *data;
	size_t len, cap;
};

static int on_write(void *arg, const void *data, size_t len)
{
	struct out *o = arg;

	if (o->len + len > o->cap) {
		o->cap = (o->len + len) * 2 + 64;
		o->data = realloc(o->data, o->cap);
		FUZZ_CHECK(o->data);
	}
	memcpy(o->data + o->len, data, len);
	o->len += len;
	return 0;
}

static void check_upstreams(const uint8_t *data, size_t len)
{
	struct dst_up_saved s;
	size_t pos = 0;

	while (pos < len) {
		size_t start = pos;
		struct out o = {0};

		if (dst_up_saved_read(data, len, &pos, &s) < 0)
			break;
		FUZZ_CHECK(pos > start && pos <= len);
		FUZZ_CHECK(dst_up_saved_write(&s, on_write, &o) == 0);
		FUZZ_CHECK(o.len == pos - start);
		FUZZ_CHECK(memcmp(o.data, data + start, o.len) == 0);
		free(o.data);
	}
}

static struct dst_cache *new_cache(void)
{
	struct dst_cache *c = dst_cache_new(CACHE_BYTES, 0, 86400);

	FUZZ_CHECK(c);
	dst_cache_set_stale(c, STALE_MS);
	return c;
}

static void check_cache(const uint8_t *data, size_t len)
{
	struct dst_cache *c = new_cache(), *d;
	struct out a = {0}, b = {0};
	struct dst_cache_load_stats st;
	size_t n;

	if (dst_cache_load(c, data, len, NOW_MS, WALL_MS, &st) != 0) {
		struct dst_cache_stats cs;

		/* Refused whole: nothing was added. */
		dst_cache_get_stats(c, &cs);
		FUZZ_CHECK(cs.entries == 0);
		dst_cache_free(c);
		return;
	}
	FUZZ_CHECK(dst_cache_save(c, NOW_MS, WALL_MS, on_write, &a, &n) == 0);
	FUZZ_CHECK(n <= st.loaded);
	d = new_cache();
	FUZZ_CHECK(dst_cache_load(d, a.data, a.len, NOW_MS, WALL_MS, &st) == 0);
	FUZZ_CHECK(st.loaded == n);
	FUZZ_CHECK(dst_cache_save(d, NOW_MS, WALL_MS, on_write, &b, NULL) == 0);
	FUZZ_CHECK(a.len == b.len);
	FUZZ_CHECK(a.len == 0 || memcmp(a.data, b.data, a.len) == 0);
	free(a.data);
	free(b.data);
	dst_cache_free(c);
	dst_cache_free(d);
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Writes the CRCs a writer would have: the header's and each whole section's. */
static void fix_crcs(uint8_t *d, size_t len)
{
	size_t pos = DST_STATE_HEADER_LEN;

	if (len < DST_STATE_HEADER_LEN)
		return;
	put32(d + 28, dst_state_crc32(d, 28));
	for (uint32_t i = 0, n = get32(d + 24); i < n && len - pos >= 12; i++) {
		uint32_t slen = get32(d + pos + 4);

		if (len - pos - 12 < slen)
			break;
		put32(d + pos + 8, dst_state_crc32(d + pos + 12, slen));
		pos += 12 + (size_t)slen;
	}
}

static void run(const uint8_t *data, size_t size)
{
	struct dst_state_view v;
	const struct dst_state_section *s;

	if (dst_state_parse(data, size, &v, NULL, NULL) != 0) {
		FUZZ_CHECK(v.n == 0);
		return;
	}
	for (size_t i = 0; i < v.n; i++) {
		FUZZ_CHECK(v.sec[i].data >= data + DST_STATE_HEADER_LEN);
		FUZZ_CHECK(v.sec[i].data + v.sec[i].len <= data + size);
		FUZZ_CHECK(dst_state_crc32(v.sec[i].data, v.sec[i].len) == v.sec[i].crc);
	}
	if ((s = dst_state_find(&v, DST_STATE_UPSTREAMS)))
		check_upstreams(s->data, s->len);
	if ((s = dst_state_find(&v, DST_STATE_CACHE)))
		check_cache(s->data, s->len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy;

	if (size < 1)
		return 0;
	if (!(data[0] & 1)) {
		run(data + 1, size - 1);
		return 0;
	}
	copy = malloc(size - 1 ? size - 1 : 1);
	FUZZ_CHECK(copy);
	memcpy(copy, data + 1, size - 1);
	fix_crcs(copy, size - 1);
	run(copy, size - 1);
	free(copy);
	return 0;
}
