/*
 * Fuzz target: the blocklist loader and lookup (resolver/policy/blocklist.h),
 * which read list files downloaded from third parties.
 *
 * Input layout: byte 0 splits the rest: the first byte0 * rest / 256 bytes
 * are a block list, the others an allow list. Each list is handed over in
 * an exact-size heap block with no NUL after it. Checks:
 * - every warning starts with the list's name and a colon, is
 *   NUL-terminated and has no newline; at most 5 per list are line reports
 *   (plus one summary line);
 * - the set is built twice, under different random keys: names, allow
 *   names and bad lines are equal, and so is every verdict below (a
 *   verdict that depends on the keys is a hash or bucket bug);
 * - every one-token line that is a valid name (and not a hosts file's
 *   local name) is listed, and so is a child of it ("x." before it): on
 *   the allow list both are ALLOWED; on the block list both are BLOCKED
 *   when the allow list is empty, and not NONE in any case;
 * - lookups of names built from the input's tokens, and of the input's
 *   own bytes taken as a wire name (malformed ones included), never read
 *   outside an exact-size copy of the name.
 */
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "dns/err.h"
#include "fuzz/fuzz.h"
#include "resolver/policy/blocklist.h"
#include "resolver/policy/internal.h"

#define MAX_TOKENS 64

struct warns {
	size_t lines; /* "NAME:LINE: ..." reports */
};

static void on_warn(void *arg, const char *msg)
{
	struct warns *w = arg;
	bool block = strncmp(msg, "block.txt:", 10) == 0, allow = strncmp(msg, "allow.txt:", 10) == 0;

	FUZZ_CHECK(block || allow);
	FUZZ_CHECK(strchr(msg, '\n') == NULL); /* strlen under ASan: NUL-terminated */
	if (msg[10] != ' ')
		w->lines++;
}

static struct dst_blocklist *build(const uint8_t *block, size_t nblock, const uint8_t *allow,
				   size_t nallow)
{
	struct dst_blocklist_builder *b;
	struct dst_blocklist *bl = NULL;
	struct warns w = {0};

	FUZZ_CHECK(dst_blocklist_builder_new(on_warn, &w, &b) == 0);
	FUZZ_CHECK(dst_blocklist_add_text(b, "block.txt", (const char *)block, nblock, false) == 0);
	FUZZ_CHECK(dst_blocklist_add_text(b, "allow.txt", (const char *)allow, nallow, true) == 0);
	FUZZ_CHECK(dst_blocklist_build(b, &bl) == 0 && bl);
	FUZZ_CHECK(w.lines <= 10);
	FUZZ_CHECK(w.lines <= dst_blocklist_bad_lines(bl));
	return bl;
}

/* The verdict of both sets for a name (wire, len bytes), looked up from an exact-size copy. */
static enum dst_block_verdict both(const struct dst_blocklist *a, const struct dst_blocklist *b,
				   const uint8_t *wire, size_t len)
{
	uint8_t *copy = dst_fuzz_alloc(len);
	enum dst_block_verdict va, vb;

	memcpy(copy, wire, len);
	va = dst_blocklist_match(a, copy, len);
	vb = dst_blocklist_match(b, copy, len);
	free(copy);
	FUZZ_CHECK(va == vb);
	FUZZ_CHECK(va == DST_BLOCK_NONE || va == DST_BLOCK_BLOCKED || va == DST_BLOCK_ALLOWED);
	return va;
}

static bool is_blank(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* Whether the line [s, e) holds exactly one token that the loader must list. */
static bool plain_line(const uint8_t *s, const uint8_t *e, const uint8_t **tok, size_t *n)
{
	static const char *const local[] = {
		"localhost",	"localhost.localdomain", "local",	    "broadcasthost",
		"0.0.0.0",	"ip6-localhost",	 "ip6-loopback",    "ip6-localnet",
		"ip6-mcastprefix", "ip6-allnodes",	 "ip6-allrouters", "ip6-allhosts",
	};
	size_t len;

	while (s < e && is_blank(*s))
		s++;
	while (e > s && is_blank(e[-1]))
		e--;
	if (s == e || memchr(s, '#', (size_t)(e - s)) || *s == '!' || *s == '[' || *s == '|' ||
	    *s == '@')
		return false;
	for (const uint8_t *p = s; p < e; p++)
		if (is_blank(*p))
			return false;
	len = (size_t)(e - s) - (e[-1] == '.');
	for (size_t i = 0; i < sizeof local / sizeof local[0]; i++)
		if (strlen(local[i]) == len && strncasecmp(local[i], (const char *)s, len) == 0)
			return false; /* a hosts file's own name: never listed */
	*tok = s;
	*n = (size_t)(e - s);
	return true;
}

/* Checks the one-token lines of list [p, end): listed, and their children too. */
static void check_lines(const struct dst_blocklist *a, const struct dst_blocklist *b,
			const uint8_t *p, const uint8_t *end, enum dst_block_verdict want)
{
	unsigned checked = 0;

	while (p < end && checked < MAX_TOKENS) {
		const uint8_t *nl = memchr(p, '\n', (size_t)(end - p)), *e = nl ? nl : end, *tok;
		uint8_t wire[DST_POLICY__MAX_WIRE], child[DST_POLICY__MAX_WIRE];
		const char *why;
		size_t n, len;

		if (plain_line(p, e, &tok, &n) &&
		    (len = dst_policy__name_wire((const char *)tok, n, wire, &why)) > 0) {
			enum dst_block_verdict v = both(a, b, wire, len);

			FUZZ_CHECK(v != DST_BLOCK_NONE);
			FUZZ_CHECK(want == DST_BLOCK_NONE || v == want);
			if (len + 2 <= DST_POLICY__MAX_WIRE) {
				child[0] = 1;
				child[1] = 'x';
				memcpy(child + 2, wire, len);
				v = both(a, b, child, len + 2);
				FUZZ_CHECK(v != DST_BLOCK_NONE);
				FUZZ_CHECK(want == DST_BLOCK_NONE || v == want);
			}
			checked++;
		}
		p = e + 1;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dst_blocklist *a, *b;
	uint8_t *block, *allow;
	size_t nblock, nallow;

	if (size < 1)
		return 0;
	nblock = (size_t)data[0] * (size - 1) / 256;
	nallow = size - 1 - nblock;
	block = dst_fuzz_alloc(nblock);
	allow = dst_fuzz_alloc(nallow);
	memcpy(block, data + 1, nblock);
	memcpy(allow, data + 1 + nblock, nallow);
	a = build(block, nblock, allow, nallow);
	b = build(block, nblock, allow, nallow);
	FUZZ_CHECK(dst_blocklist_names(a) == dst_blocklist_names(b));
	FUZZ_CHECK(dst_blocklist_allow_names(a) == dst_blocklist_allow_names(b));
	FUZZ_CHECK(dst_blocklist_bad_lines(a) == dst_blocklist_bad_lines(b));
	FUZZ_CHECK(dst_blocklist_bytes(a) > 0);
	/* Blocked where nothing is allowlisted, allowed where allowlisted, listed in any case. */
	check_lines(a, b, block, block + nblock, nallow == 0 ? DST_BLOCK_BLOCKED : DST_BLOCK_NONE);
	check_lines(a, b, allow, allow + nallow, DST_BLOCK_ALLOWED);
	/* The input itself as a wire name: mostly malformed, never read out of bounds. */
	both(a, b, data, size < DST_POLICY__MAX_WIRE ? size : DST_POLICY__MAX_WIRE);
	both(a, b, data + 1, size - 1 < DST_POLICY__MAX_WIRE ? size - 1 : DST_POLICY__MAX_WIRE);
	dst_blocklist_free(a);
	dst_blocklist_free(b);
	free(block);
	free(allow);
	return 0;
}
