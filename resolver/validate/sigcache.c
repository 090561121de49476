/*
 * Signatures already checked. Many answers carry an RRset whose signature
 * dotstub has verified before: the NSEC or NSEC3 records of a denial, the
 * SOA beside them, and the records of a wildcard (signed once, under the
 * wildcard's own name, whatever name they answer). Checking an ECDSA
 * P-256 signature costs about 2 million instructions with nettle; looking
 * up its SHA-256 here costs a few thousand.
 *
 * An entry is the SHA-256 of everything the check depends on: algorithm,
 * public key, signature and the signed bytes (which hold the RRSIG's
 * fields, validity period included). A hit is therefore the same check
 * with the same result; the validity period itself is still compared with
 * the clock by the caller every time. Only successes are kept. The table
 * is direct-mapped: a new entry replaces whatever shared its slot.
 */
#include "config.h"

#include <gnutls/crypto.h>
#include <stdlib.h>
#include <string.h>

#include "resolver/validate/internal.h"

#define DIGEST_LEN 32

struct dst_val_sigcache {
	size_t mask;
	size_t used;
	uint8_t (*slots)[DIGEST_LEN]; /* all zero: empty */
};

struct dst_val_sigcache *dst_val_sigcache_new(size_t slots)
{
	struct dst_val_sigcache *c;
	size_t n = 1;

	if (slots == 0 || slots > (1u << 20))
		return NULL;
	while (n < slots)
		n <<= 1;
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->slots = calloc(n, DIGEST_LEN);
	if (!c->slots) {
		free(c);
		return NULL;
	}
	c->mask = n - 1;
	return c;
}

void dst_val_sigcache_free(struct dst_val_sigcache *c)
{
	if (!c)
		return;
	free(c->slots);
	free(c);
}

void dst_val_sigcache_clear(struct dst_val_sigcache *c)
{
	if (!c)
		return;
	memset(c->slots, 0, (c->mask + 1) * DIGEST_LEN);
	c->used = 0;
}

size_t dst_val_sigcache_count(const struct dst_val_sigcache *c)
{
	return c ? c->used : 0;
}

/* The digest of one check; false when it cannot be made (then nothing is cached). */
static bool digest_of(uint8_t alg, const uint8_t *key, size_t key_len, const uint8_t *sig,
		      size_t sig_len, const uint8_t *data, size_t data_len, uint8_t out[DIGEST_LEN])
{
	gnutls_hash_hd_t h;
	uint8_t len[6] = {alg,
			  0,
			  (uint8_t)(key_len >> 8),
			  (uint8_t)key_len,
			  (uint8_t)(sig_len >> 8),
			  (uint8_t)sig_len};

	if (gnutls_hash_init(&h, GNUTLS_DIG_SHA256) < 0)
		return false;
	/* Lengths first: the three fields cannot run into one another. */
	gnutls_hash(h, len, sizeof(len));
	gnutls_hash(h, key, key_len);
	gnutls_hash(h, sig, sig_len);
	gnutls_hash(h, data, data_len);
	gnutls_hash_deinit(h, out);
	return true;
}

static bool empty(const uint8_t *d)
{
	static const uint8_t zero[DIGEST_LEN];

	return memcmp(d, zero, DIGEST_LEN) == 0;
}

int dst_val__sig_check(struct dst_val_sigcache *c, uint8_t alg, const uint8_t *key, size_t key_len,
		       const uint8_t *sig, size_t sig_len, const uint8_t *data, size_t data_len,
		       const char **why)
{
	uint8_t d[DIGEST_LEN];
	bool have = c && digest_of(alg, key, key_len, sig, sig_len, data, data_len, d);
	uint8_t *slot =
		have ? c->slots[(d[0] | (size_t)d[1] << 8 | (size_t)d[2] << 16) & c->mask] : NULL;

	if (slot && memcmp(slot, d, DIGEST_LEN) == 0) {
		*why = "";
		return 0;
	}
	int rc = dst_val__sig_verify(alg, key, key_len, sig, sig_len, data, data_len, why);
	if (rc == 0 && slot && !empty(d)) {
		if (empty(slot))
			c->used++;
		memcpy(slot, d, DIGEST_LEN);
	}
	return rc;
}
