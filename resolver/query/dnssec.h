/*
 * query/'s DNSSEC internals, shared by validate.c (the walk, the outcome)
 * and keyfetch.c (key fetches: the query for a zone's DS or DNSKEY, the
 * chain asked for ahead, a fetch's end). Only with the validator.
 */
#ifndef DST_QUERY_DNSSEC_H
#define DST_QUERY_DNSSEC_H

#include "resolver/query/internal.h"
#include "resolver/validate/validate.h"

#define MAX_ROUNDS 64       /* zones learnt or answers fetched for one answer */
#define MAX_DEPTH 16        /* zones waiting on their parents' keys */
#define MAX_GOT 32          /* DS/DNSKEY answers one walk holds */
#define MAX_CHAIN_FETCHES 8 /* keys asked for ahead, in parallel, on a cold chain */
#define BOGUS_LOG_SLOTS 64
#define BOGUS_LOG_MS (10 * 60 * 1000)

struct got {
	uint8_t name[DST_DNS_MAX_NAME];
	uint8_t name_len;
	uint16_t type;
	uint8_t *wire; /* NULL: the fetch failed */
	size_t len;
};

/* One answer being validated (q->val). */
struct dst_qval {
	uint8_t *answer; /* the upstream's answer, prepared (OPT removed), AD as it came */
	size_t answer_len;
	struct dst_upstream *up; /* who gave it */
	struct dst_query *fetch; /* the key fetch waited for, or NULL */
	bool fetch_over;         /* it ended: resume at the next timer run */
	bool fetch_starting;     /* inside dst_query__start: it may end before that returns */
	bool fetch_stripped;     /* it failed because upstreams strip RRSIGs */
	char fetch_why[200];     /* then: which upstreams, as the fetch's EDE said */
	unsigned rounds;
	unsigned depth;
	struct {
		uint8_t name[DST_DNS_MAX_NAME];
		uint8_t len;
	} stack[MAX_DEPTH];
	unsigned ngot;
	struct got got[MAX_GOT];
};

enum walk { WALK_DONE, WALK_WAIT };

/* The engine's DNSSEC state (qs->dnssec), kept from the first anchors to the engine's end. */
struct dst_qdnssec {
	const struct dst_val_anchors *anchors;
	struct dst_val_store *keys;
	struct dst_val_sigcache *sigs; /* signature checks that succeeded */
	int64_t (*clock_floor)(void);
	bool clock_warned;
	bool chain_fetch;    /* a key fetch ahead is being started: fetch mode, no parent */
	bool anchors_warned; /* the root's DNSKEY set lacks a key an anchor names: said once */
	struct {
		uint32_t hash;
		uint64_t at_ms;
	} logged[BOGUS_LOG_SLOTS];
};

/* validate.c */
struct got *dst_qval__find_got(struct dst_qval *v, const uint8_t *name, size_t len, uint16_t type);
/* Keeps a copy of a fetched answer (wire NULL: the fetch failed); NULL when full or out of memory. */
struct got *dst_qval__add_got(struct dst_qval *v, const uint8_t *name, size_t len, uint16_t type,
			      const uint8_t *wire, size_t wlen);

/* keyfetch.c */
/* Starts the key fetch of name/type for q, or answers it from the cache (*w WALK_DONE). */
int dst_qval__start_fetch(struct dst_query *q, const uint8_t *name, size_t len, uint16_t type,
			  enum walk *w);
/* Asks for the DS and DNSKEY of every zone from the root down to name at once. */
void dst_qval__fetch_chain_ahead(struct dst_query *q, const uint8_t *name, size_t len);

#endif
