/*
 * Shared inside validate/ only: the zone object's layout, the trust
 * anchors' list, and the helpers the files share. ldns objects stay here.
 */
#ifndef DST_VALIDATE_INTERNAL_H
#define DST_VALIDATE_INTERNAL_H

/* Before ldns: without it, ldns/common.h may define bool as signed char. */
#include <stdbool.h>

#include <gnutls/gnutls.h>
#include <ldns/ldns.h>
#include <stdarg.h>

#include "validate.h"

struct dst_val_anchors {
	ldns_rr_list *rrs; /* DS and DNSKEY records, owner names canonical */
};

struct dst_val_zone {
	ldns_rdf *name; /* canonical (lower case) */
	enum dst_val_status status;
	bool cut;
	ldns_rr_list *keys; /* SECURE: the zone's DNSKEY set (owned) */
	uint32_t ttl;
	unsigned unmatched_trust; /* SECURE: usable DS or anchors that match none of keys */
	char why[DST_VAL_WHY_MAX];
};

/* At most this many labels and CNAME steps are followed: every loop bounded. */
#define DST_VAL_MAX_LABELS 128
#define DST_VAL_MAX_CHAIN 16
/* How long a zone object may be kept, seconds: bogus, and at most. */
#define DST_VAL_BOGUS_TTL 60
#define DST_VAL_MAX_TTL 86400
/* NSEC3 with more iterations is treated as insecure (RFC 9276 3.2). */
#define DST_VAL_MAX_NSEC3_ITER 150

/* res = status with a formatted why (printf). Returns status. */
enum dst_val_status dst_val__set(struct dst_val_result *res, enum dst_val_status status,
				 const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* res = NEED type for name. */
enum dst_val_status dst_val__need(struct dst_val_result *res, const ldns_rdf *name, uint16_t type);
/* Keeps the worse of two results in acc: BOGUS > NEED > INSECURE > SECURE. */
void dst_val__merge(struct dst_val_result *acc, const struct dst_val_result *r);

/* A name as text for messages (static per-call buffer of the caller). */
const char *dst_val__name(const ldns_rdf *name, char *buf, size_t n);
/* A time as "2026-11-29 00:53:20 UTC". */
const char *dst_val__time(uint32_t t, int64_t now_s, char *buf, size_t n);

/* DNSSEC algorithm numbers (RFC 8624) and DS digest types dotstub checks. */
#define DST_VAL_ALG_RSASHA256 8
#define DST_VAL_ALG_RSASHA512 10
#define DST_VAL_ALG_ECDSAP256SHA256 13
#define DST_VAL_ALG_ECDSAP384SHA384 14
#define DST_VAL_ALG_ED25519 15
#define DST_VAL_ALG_ED448 16
#define DST_VAL_DIGEST_SHA256 2
#define DST_VAL_DIGEST_SHA384 4
/* Ed448 came with GnuTLS 3.6.12. */
#if GNUTLS_VERSION_NUMBER >= 0x03060c
#define DST_VAL_HAVE_ED448 1
#else
#define DST_VAL_HAVE_ED448 0
#endif

bool dst_val__alg_supported(uint8_t alg);
bool dst_val__digest_supported(uint8_t digest);

/*
 * Checks sig (the RRSIG's signature field) over data (RRSIG RDATA without
 * the signature, then the canonical RRset: RFC 4034 3.1.8.1) with key (the
 * DNSKEY's public key field) of algorithm alg, through GnuTLS. Returns 0
 * when it verifies; otherwise negative, with why (a static string) saying
 * what failed.
 */
int dst_val__sig_verify(uint8_t alg, const uint8_t *key, size_t key_len, const uint8_t *sig,
			size_t sig_len, const uint8_t *data, size_t data_len, const char **why);
/* dst_val__sig_verify through the cache of checks that succeeded (sigcache.c; c may be NULL). */
int dst_val__sig_check(struct dst_val_sigcache *c, uint8_t alg, const uint8_t *key, size_t key_len,
		       const uint8_t *sig, size_t sig_len, const uint8_t *data, size_t data_len,
		       const char **why);
/* The bytes sig signs over rrset (all of one owner and type), appended to
 * out: 0, or negative with why (static) when the RRSIG or a record cannot
 * be put in canonical form. canon.c. */
int dst_val__signed_data(const ldns_rr_list *rrset, const ldns_rr *sig, ldns_buffer *out,
			 const char **why);
/* The DS digest (SHA-256 or SHA-384) of data into out (48 bytes room);
 * *out_len its length. 0, or DST_EINVAL for another digest type. */
int dst_val__digest(uint8_t digest, const uint8_t *data, size_t n, uint8_t *out, size_t *out_len);

/* The anchors' records for exactly this (canonical) name; NULL if none.
 * The list is shallow (free with ldns_rr_list_free). */
ldns_rr_list *dst_val__anchors_for(const struct dst_val_anchors *ta, const ldns_rdf *name);

/* The records in list with this owner (case-insensitive) and type. A
 * shallow list, or NULL when none. */
ldns_rr_list *dst_val__select(const ldns_rr_list *list, const ldns_rdf *owner, ldns_rr_type type);
/* The RRSIGs in list at owner that cover type. Shallow, or NULL. */
ldns_rr_list *dst_val__sigs(const ldns_rr_list *list, const ldns_rdf *owner, ldns_rr_type type);

/*
 * Verifies rrset with its RRSIGs against keys (a DNSKEY set) at env->now_s
 * (validity periods skipped when env->ignore_validity): SECURE (labels =
 * the verifying RRSIG's labels field) or BOGUS with why. what names the
 * RRset in messages.
 */
enum dst_val_status dst_val__verify(const struct dst_val_env *env, const ldns_rr_list *keys,
				    ldns_rr_list *rrset, const ldns_rr_list *sigs, uint8_t *labels,
				    const char *what, struct dst_val_result *res);

/* A zone object; takes keys. */
struct dst_val_zone *dst_val__zone_new(const ldns_rdf *name, enum dst_val_status status, bool cut,
				       ldns_rr_list *keys, uint32_t ttl, const char *why);

/* Approximate heap bytes of a zone object (its name and DNSKEY records). */
size_t dst_val__zone_bytes(const struct dst_val_zone *z);

/* The lookup callback for an ldns name (canonicalized copy). */
const struct dst_val_zone *dst_val__lookup(const struct dst_val_env *env, const ldns_rdf *name);

/* The answer validator proper, with what a DS lookup also needs. */
struct dst_val_outcome {
	bool negative;       /* the chain ended in NXDOMAIN or NODATA */
	bool nxdomain;       /* ... in NXDOMAIN (or an NSEC3 opt-out span) */
	bool nodata_ns;      /* NODATA at a name whose NSEC/NSEC3 has NS, not SOA */
	bool optout;         /* the proof is an opt-out span: insecure */
	ldns_rr_list *final; /* positive: the RRset of the final name (shallow, in pkt) */
};
int dst_val__answer_pkt(const struct dst_val_env *env, const ldns_rdf *qname, ldns_rr_type qtype,
			const ldns_pkt *pkt, struct dst_val_outcome *out,
			struct dst_val_result *res);

/* Status of data that carries no RRSIG at owner: insecure if its zone is,
 * NEED for the DS of the next name down, BOGUS when the zone is secure. */
enum dst_val_status dst_val__unsigned(const struct dst_val_env *env, const ldns_rdf *owner,
				      const char *what, struct dst_val_result *res);

/* Proves that qname/qtype does not exist (nxdomain) or has no data, from
 * the authority section; status in res, details in out. */
int dst_val__denial(const struct dst_val_env *env, const ldns_rdf *qname, ldns_rr_type qtype,
		    bool nxdomain, const ldns_pkt *pkt, struct dst_val_outcome *out,
		    struct dst_val_result *res);

/* Proves that no name closer than the wildcard's closest encloser matches
 * qname (a wildcard expansion's proof), from the authority section. */
int dst_val__wildcard_proof(const struct dst_val_env *env, const ldns_rdf *qname, uint8_t labels,
			    const ldns_pkt *pkt, struct dst_val_result *res);

/* Validates an RRset (owner/type, records and RRSIGs from section).
 * SECURE/INSECURE/BOGUS/NEED in res; labels as dst_val__verify. */
int dst_val__rrset(const struct dst_val_env *env, const ldns_rr_list *section,
		   const ldns_rdf *owner, ldns_rr_type type, uint8_t *labels,
		   struct dst_val_result *res);

#endif
