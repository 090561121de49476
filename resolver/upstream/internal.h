/*
 * upstream/ internals, shared by upstreams.c (the set, reports, host
 * names, reload) and probe.c. Nothing outside upstream/ includes this.
 *
 * Ownership: the set owns the running upstreams (ups[0..nups)), each
 * allocated alone; a reload hands the ones it replaced to its caller as a
 * retired list (index DST_UPSTREAM_RETIRED), which frees them later. A
 * probe belongs to its upstream (up->probe) and frees itself when its
 * timer has closed.
 */
#ifndef DST_UPSTREAM_INTERNAL_H
#define DST_UPSTREAM_INTERNAL_H

#include "resolver/upstream/upstream.h"

#define DST_UPSTREAM_RETIRED UINT32_MAX

struct dst_probe;
struct dst_dnsc;
struct dst_bootstrap;
struct dst_netwatch;

struct dst_upstream {
	struct dst_upstreams *set;
	const struct dst_config_upstream *cfg;
	struct dst_tls_pool *pool; /* transport = tls; else NULL */
	struct dst_dnsc *dnsc;     /* transport = dns; else NULL */
	unsigned index;            /* in set->ups and the health set; DST_UPSTREAM_RETIRED */
	const char *label;         /* how clients see it in EDE text: host, tls-name or name */
	uint64_t fails[DST_FAIL_NCAUSES]; /* failed attempts by cause (reports) */
	uint32_t logged_cause;            /* hash of the cause last logged at warning level */
	struct dst_probe *probe;          /* the probe in flight, or NULL */
	/* host = ...: addresses from the bootstrap servers */
	bool resolved;            /* a lookup succeeded at least once */
	bool resolving;           /* a lookup is in flight */
	uint64_t boot_next_ms;    /* look the name up (again) from then on, lazily */
	uint32_t boot_backoff_ms; /* after failed lookups */
	char boot_error[96];      /* why the last lookup failed, or "" */
	struct dst_upstream *retired_next;
};

struct dst_upstreams {
	uv_loop_t *loop;
	const struct dst_config *cfg;
	struct dst_upstreams_cb cb;
	struct dst_upstream *ups[DST_UP_MAX];
	size_t nups;
	struct dst_selector *selector;   /* health and selection of ups[] (select.h) */
	struct dst_bootstrap *bootstrap; /* NULL: no upstream has a host */
	struct dst_netwatch *netwatch;
	uint64_t boot_next_ms;     /* the earliest ups[]->boot_next_ms */
	uint64_t rng;              /* xorshift state: jitter and exploration */
	struct dst_routes *routes; /* the zones of cfg, as candidate sets (routes.c) */
	uint64_t override;         /* hotspot: every name goes to these upstreams; 0: none */
};

/* routes.c: the zone table of a configuration, with each zone's candidate upstreams. */
struct dst_routes;
int dst_upstream__routes_new(const struct dst_config *cfg, struct dst_routes **out);
void dst_upstream__routes_free(struct dst_routes *r);

/* upstreams.c, for reload.c */
int dst_upstream__new(struct dst_upstreams *u, const struct dst_config *cfg,
		      const struct dst_config_upstream *c, struct dst_upstream **out);
/* Closes its pool (attempts out fail with DST_ECANCELED) unless !close, and frees it. */
void dst_upstream__free(struct dst_upstream *up, bool close);
void dst_upstream__selector_opts(struct dst_upstreams *u, struct dst_selector_opts *o);
/* Bootstrap for the current configuration: kept when its servers (old's) did not change. */
int dst_upstream__open_bootstrap(struct dst_upstreams *u, const struct dst_config *old);
void dst_upstream__refresh_names(struct dst_upstreams *u, uint64_t now);
void dst_upstream__update_boot_next(struct dst_upstreams *u);

/* probe.c */
/* Sends the question of req to up on its own, unless one is out already. */
void dst_upstream__send_probe(struct dst_upstreams *u, struct dst_upstream *up, const uint8_t *req,
			      const struct dst_dns_query *dq);
/* Ends up's probe (its request withdrawn): the upstream is going away. */
void dst_upstream__end_probe(struct dst_upstream *up);

#endif
