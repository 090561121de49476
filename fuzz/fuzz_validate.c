/*
 * Fuzz target: the DNSSEC validator (resolver/validate/) on an answer it
 * did not write, with a real chain behind it: the signed test root of
 * validate_zone.h is the trust anchor and its key set is known, so an
 * input that keeps the root's signatures reaches the signature, denial
 * and wildcard code, and one that changes a byte must not be secure.
 *
 * Input layout: byte 0 chooses what the bytes are (SEL_* below) and the
 * qtype asked; the rest is the response. The qname is the response's own
 * question name when it has one, else "www.test.".
 *
 * Checks:
 * - dst_val_answer returns 0 and a status of the enum; why is a string;
 *   SECURE has an empty why, BOGUS and INSECURE a non-empty one; NEED
 *   names a wire name of 1-255 bytes and DS or DNSKEY;
 * - the same call again gives the same result (no hidden state);
 * - dst_val_zone_build (the bytes as a DS or DNSKEY answer) returns a zone
 *   exactly when the status is not NEED, with that status;
 * - with ignore_validity (a clock plainly wrong) the answer's result is as
 *   well formed, and a secure answer stays secure (only checks are skipped).
 * The caller's clock is fixed (FUZZ_VALIDATE_NOW), so a seed does not
 * turn bogus when its signatures expire.
 */
/* Before ldns: without it, ldns/common.h may define bool as signed char. */
#include <stdbool.h>

#include <ldns/ldns.h>
#include <stdlib.h>
#include <string.h>

#include "dns/err.h"
#include "fuzz/fuzz.h"
#include "fuzz/validate_zone.h"
#include "resolver/validate/validate.h"

#define SEL_MODE 0x03  /* 0, 3: answer; 1: DS answer; 2: DNSKEY answer */
#define SEL_QTYPE 0x1c /* qtypes[] index, shifted by 2 */

static const uint16_t qtypes[8] = {1, 28, 43, 48, 5, 16, 2, 6};

struct env {
	struct dst_val_zone *root;
};

static const struct dst_val_zone *lookup(void *arg, const uint8_t *name, size_t len)
{
	struct env *e = arg;

	if (e->root && len == 1 && name[0] == 0)
		return e->root;
	return NULL;
}

/* The root's DNSKEY answer, built from the zone text. */
static uint8_t *root_dnskey_answer(size_t *len)
{
	ldns_rdf *root = ldns_dname_new_frm_str(".");
	ldns_pkt *p = ldns_pkt_query_new(root, LDNS_RR_TYPE_DNSKEY, LDNS_RR_CLASS_IN, 0);
	const char *s = fuzz_validate_root;
	uint8_t *w = NULL;

	FUZZ_CHECK(p != NULL);
	while (*s) {
		const char *nl = strchr(s, '\n');
		size_t n = nl ? (size_t)(nl - s) : strlen(s);
		char line[512];
		ldns_rr *rr = NULL;

		FUZZ_CHECK(n < sizeof(line));
		memcpy(line, s, n);
		line[n] = '\0';
		s += n + (nl ? 1 : 0);
		FUZZ_CHECK(ldns_rr_new_frm_str(&rr, line, 3600, NULL, NULL) == LDNS_STATUS_OK);
		if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_DNSKEY ||
		    (ldns_rr_get_type(rr) == LDNS_RR_TYPE_RRSIG &&
		     ldns_rdf2rr_type(ldns_rr_rrsig_typecovered(rr)) == LDNS_RR_TYPE_DNSKEY))
			ldns_pkt_push_rr(p, LDNS_SECTION_ANSWER, rr);
		else
			ldns_rr_free(rr);
	}
	FUZZ_CHECK(ldns_pkt2wire(&w, p, len) == LDNS_STATUS_OK);
	ldns_pkt_free(p);
	return w;
}

/* The question name at offset 12, if it is an uncompressed name. */
static size_t question_name(const uint8_t *m, size_t n, const uint8_t **name)
{
	size_t i = 12;

	if (n < 12 || m[4] != 0 || m[5] == 0)
		return 0;
	for (int labels = 0; i < n && labels < 128; labels++) {
		if (m[i] == 0) {
			*name = m + 12;
			/* Longer than 255 bytes: malformed, DST_EINVAL by contract. */
			return i + 1 - 12 <= 255 ? i + 1 - 12 : 0;
		}
		if (m[i] > 63)
			return 0;
		i += 1 + (size_t)m[i];
	}
	return 0;
}

static void check_result(const struct dst_val_result *r)
{
	size_t why = strnlen(r->why, sizeof(r->why));

	FUZZ_CHECK(why < sizeof(r->why));
	switch (r->status) {
	case DST_VAL_SECURE:
		FUZZ_CHECK(why == 0);
		break;
	case DST_VAL_INSECURE:
	case DST_VAL_BOGUS:
		FUZZ_CHECK(why > 0);
		break;
	case DST_VAL_NEED:
		FUZZ_CHECK(r->need_len >= 1 && r->need_len <= 255);
		FUZZ_CHECK(r->need[r->need_len - 1] == 0);
		FUZZ_CHECK(r->need_type == DST_VAL_TYPE_DS || r->need_type == DST_VAL_TYPE_DNSKEY);
		break;
	default:
		FUZZ_CHECK(!"status out of the enum");
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t fallback[] = {3, 'w', 'w', 'w', 4, 't', 'e', 's', 't', 0};
	struct dst_val_anchors *ta = NULL;
	struct env e = {0};
	struct dst_val_env env;
	struct dst_val_result r, again, zr;
	struct dst_val_zone *z = NULL;
	const uint8_t *qname = fallback;
	size_t qlen = sizeof(fallback), klen;
	uint8_t *key_wire, *msg;
	char err[200];

	if (size < 1)
		return 0;
	FUZZ_CHECK(dst_val_anchors_new(&ta) == 0);
	FUZZ_CHECK(dst_val_anchors_add(ta, fuzz_validate_anchor, err, sizeof(err)) == 0);
	env = (struct dst_val_env){
		.anchors = ta, .lookup = lookup, .arg = &e, .now_s = FUZZ_VALIDATE_NOW};
	/* The root's key set, as the caller would have it. */
	key_wire = root_dnskey_answer(&klen);
	FUZZ_CHECK(dst_val_zone_build(&env, (const uint8_t *)"", 1, NULL, 0, key_wire, klen,
				      &e.root, &zr) == 0);
	FUZZ_CHECK(e.root && zr.status == DST_VAL_SECURE);
	free(key_wire);

	msg = dst_fuzz_alloc(size - 1);
	memcpy(msg, data + 1, size - 1);
	size_t n = question_name(msg, size - 1, &qname);
	if (n == 0)
		qname = fallback;
	else
		qlen = n;
	uint16_t qtype = qtypes[(data[0] & SEL_QTYPE) >> 2];

	switch (data[0] & SEL_MODE) {
	case 1: /* the bytes as the DS answer for qname */
		FUZZ_CHECK(dst_val_zone_build(&env, qname, qlen, msg, size - 1, NULL, 0, &z, &zr) ==
			   0);
		check_result(&zr);
		FUZZ_CHECK((z != NULL) == (zr.status != DST_VAL_NEED));
		if (z)
			FUZZ_CHECK(dst_val_zone_status(z) == zr.status);
		break;
	case 2: /* the bytes as the root's DNSKEY answer */
		FUZZ_CHECK(dst_val_zone_build(&env, (const uint8_t *)"", 1, NULL, 0, msg, size - 1,
					      &z, &zr) == 0);
		check_result(&zr);
		FUZZ_CHECK(z != NULL && zr.status != DST_VAL_NEED);
		break;
	default:
		FUZZ_CHECK(dst_val_answer(&env, qname, qlen, qtype, msg, size - 1, &r) == 0);
		check_result(&r);
		FUZZ_CHECK(dst_val_answer(&env, qname, qlen, qtype, msg, size - 1, &again) == 0);
		FUZZ_CHECK(r.status == again.status && strcmp(r.why, again.why) == 0);
		env.ignore_validity = true;
		FUZZ_CHECK(dst_val_answer(&env, qname, qlen, qtype, msg, size - 1, &again) == 0);
		check_result(&again);
		FUZZ_CHECK(r.status != DST_VAL_SECURE || again.status == DST_VAL_SECURE);
		env.ignore_validity = false;
		break;
	}
	if (getenv("FUZZ_VALIDATE_VERBOSE")) /* what a seed reaches */
		fprintf(stderr, "  mode %d: %s: %s\n", data[0] & SEL_MODE,
			dst_val_status_name((data[0] & SEL_MODE) == 1 || (data[0] & SEL_MODE) == 2
						    ? zr.status
						    : r.status),
			(data[0] & SEL_MODE) == 1 || (data[0] & SEL_MODE) == 2 ? zr.why : r.why);
	dst_val_zone_free(z);
	dst_val_zone_free(e.root);
	dst_val_anchors_free(ta);
	free(msg);
	return 0;
}
