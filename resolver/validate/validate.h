/*
 * The DNSSEC validator core (RFC 4033-4035, 5155, 6840): pure, no libuv,
 * no I/O, no clock. The caller passes the time, the trust anchors, the
 * answers it fetched, and a lookup into the zone key sets it keeps; the
 * validator says secure, insecure or bogus (with why), or names what it
 * still needs, so the caller can fetch that and call again.
 *
 * Names cross this boundary in wire form (uncompressed, root label
 * included); messages as wire + length. ldns objects live only inside.
 * Nothing here is on the cache-hit path.
 *
 * The walk, as the caller drives it:
 *   dst_val_answer(answer) -> NEED (zone Z, type T)
 *   fetch T for Z, then dst_val_zone_build(Z, ds, dnskey) -> NEED (more:
 *     Z's DNSKEY, or the parent's keys to check Z's DS) or a zone object
 *     (secure with its keys, insecure, bogus, or "not a zone cut") that
 *     the caller stores and returns from env->lookup from then on;
 *   call dst_val_answer again; each round learns one zone, so a walk is
 *   bounded by the number of labels.
 * Status: a module with its unit tests; nothing calls it yet
 * (docs/dnssec.md).
 */
#ifndef DST_VALIDATE_H
#define DST_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum dst_val_status {
	DST_VAL_SECURE = 0, /* proven by a chain from a trust anchor */
	DST_VAL_INSECURE,   /* proven unsigned (or signed only with algorithms we cannot check) */
	DST_VAL_BOGUS,      /* should be signed, and the proof fails: why says how */
	DST_VAL_NEED,       /* a zone's DS or DNSKEY answer is needed first */
};

#define DST_VAL_WHY_MAX 256
#define DST_VAL_TYPE_DS 43
#define DST_VAL_TYPE_DNSKEY 48

struct dst_val_result {
	enum dst_val_status status;
	/* BOGUS: why ("signature expired at 2026-11-29 00:53:20 UTC (key 123,
	 * www.expired.test. A)"); INSECURE: why it is unsigned; NEED: what. */
	char why[DST_VAL_WHY_MAX];
	/* NEED: ask need_type (DS or DNSKEY) for this name, then call
	 * dst_val_zone_build for it. Wire form, lower case. */
	uint8_t need[256];
	size_t need_len;
	uint16_t need_type;
};

/* --- trust anchors ---------------------------------------------------- */

struct dst_val_anchors;

int dst_val_anchors_new(struct dst_val_anchors **out);
void dst_val_anchors_free(struct dst_val_anchors *ta);

/*
 * Adds the DS and DNSKEY records in text (zone-file presentation format,
 * one record per line, ';' comments and blank lines allowed; owner names
 * absolute), e.g. ". IN DS 20326 8 2 E06D44B8...". Returns 0, or
 * DST_EINVAL with err (errlen bytes) naming the line and what was wrong;
 * then nothing of text was added. Any other record type is an error.
 */
int dst_val_anchors_add(struct dst_val_anchors *ta, const char *text, char *err, size_t errlen);

/* Adds the root zone's KSK-2017 (20326) and KSK-2024 (38696) DS records. */
int dst_val_anchors_add_builtin(struct dst_val_anchors *ta);

size_t dst_val_anchors_count(const struct dst_val_anchors *ta);

/* --- zone key sets ---------------------------------------------------- */

/* What the validator learned about one name: a secure zone with its
 * DNSKEY set, an insecure or bogus zone, or a name that is no zone cut. */
struct dst_val_zone;

void dst_val_zone_free(struct dst_val_zone *z);
enum dst_val_status dst_val_zone_status(const struct dst_val_zone *z);
/* False for a name proven not to be a zone cut (its parent's data). */
bool dst_val_zone_is_cut(const struct dst_val_zone *z);
/* Why the zone is insecure or bogus ("" when secure). */
const char *dst_val_zone_why(const struct dst_val_zone *z);
/* The zone's name, wire form, lower case. */
const uint8_t *dst_val_zone_name(const struct dst_val_zone *z, size_t *len);
/* How long the caller may keep it, seconds: the smallest TTL of the DS
 * and DNSKEY sets (or of the denial) it came from, no later than the first
 * DNSKEY signature expires; at most 60 s for a bogus zone, a day for any. */
uint32_t dst_val_zone_ttl(const struct dst_val_zone *z);
/* A secure zone: how many of the usable DS records (or trust anchors, for a
 * zone that has them) match no key of its DNSKEY set; 0 otherwise. For the
 * root, a key the anchors trust has left the set: a rollover the anchors
 * have not followed. */
unsigned dst_val_zone_unmatched_trust(const struct dst_val_zone *z);

/* --- signatures already checked (sigcache.c) --------------------------- */

/*
 * A cache of signature checks that succeeded, by the SHA-256 of key,
 * signature and signed bytes: an RRset seen again (a denial's NSEC, a
 * wildcard's records) costs a hash, not a signature check. slots is
 * rounded up to a power of two (at most 2^20; 32 bytes each); NULL on
 * error. Validity periods are still checked against the clock each time.
 */
struct dst_val_sigcache;
struct dst_val_sigcache *dst_val_sigcache_new(size_t slots);
void dst_val_sigcache_free(struct dst_val_sigcache *c);
void dst_val_sigcache_clear(struct dst_val_sigcache *c);
size_t dst_val_sigcache_count(const struct dst_val_sigcache *c);

/* --- the environment of one validation -------------------------------- */

/* Returns the zone object stored for exactly this name (wire, lower case),
 * or NULL. The validator only reads it, during the call. */
typedef const struct dst_val_zone *(*dst_val_lookup_cb)(void *arg, const uint8_t *name, size_t len);

struct dst_val_env {
	const struct dst_val_anchors *anchors;
	struct dst_val_sigcache *sigs; /* NULL: every signature is checked */
	dst_val_lookup_cb lookup;
	void *arg;
	int64_t now_s; /* seconds since the epoch: the caller's clock */
	/* Set by the caller when its clock is plainly wrong: before dotstub's
	 * build time or the last time it saved. Then RRSIG inception and
	 * expiration are not enforced (a router without RTC reaches its NTP
	 * servers); everything else is. Zone objects built meanwhile are
	 * best dropped once the clock is right (dst_val_store_clear). */
	bool ignore_validity;
};

/*
 * Builds what is known about zone (wire name) from the answers fetched
 * for it: ds_wire, the answer to "zone DS" (NULL when not fetched, or when
 * the zone has a trust anchor), and dnskey_wire, the answer to "zone
 * DNSKEY" (NULL when not fetched). On NEED, *out is NULL and res says what
 * to fetch (this zone's DNSKEY, or the keys of the zone that signed the DS
 * answer). Otherwise *out is a new zone object (the caller owns it) and
 * res->status is its status (a "not a cut" object has status INSECURE and
 * dst_val_zone_is_cut false). Returns 0, DST_EINVAL for a malformed zone
 * name, or DST_ENOMEM. Malformed answers make the zone bogus.
 */
int dst_val_zone_build(const struct dst_val_env *env, const uint8_t *zone, size_t zone_len,
		       const uint8_t *ds_wire, size_t ds_len, const uint8_t *dnskey_wire,
		       size_t dnskey_len, struct dst_val_zone **out, struct dst_val_result *res);

/*
 * Validates a response (wire, len) to the question qname (wire) / qtype:
 * the answer's RRsets along the CNAME chain from qname (across zones), and
 * for NXDOMAIN and NODATA (also at the end of a chain) the NSEC or NSEC3
 * proof in the authority section, including opt-out and the proof that a
 * wildcard answer's name does not exist. res gets SECURE, INSECURE, BOGUS
 * (why), or NEED (fetch, dst_val_zone_build, call again). Returns 0, or
 * DST_EINVAL for a malformed qname, or DST_ENOMEM. A malformed response is
 * BOGUS, not an error.
 */
int dst_val_answer(const struct dst_val_env *env, const uint8_t *qname, size_t qname_len,
		   uint16_t qtype, const uint8_t *wire, size_t len, struct dst_val_result *res);

const char *dst_val_status_name(enum dst_val_status s);

#endif
