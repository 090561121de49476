/*
 * The configuration: parsed, validated and defaulted into a plain struct.
 *
 * A dst_config is immutable once returned and owns all its memory; free it
 * with dst_config_free. Parsing never starts anything (no sockets, no
 * libuv). Every problem is reported as "FILE:LINE: message" through the
 * caller's callback, and parsing goes on to report as many as it can.
 */
#ifndef DST_CONFIG_H
#define DST_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define DST_CONFIG_PIN_LEN 32 /* SHA-256 of the DER SubjectPublicKeyInfo */

/* A socket address as parsed from the file (IPv4 or IPv6). */
struct dst_config_addr {
	struct sockaddr_storage ss;
	socklen_t len;
	char text[64]; /* as it would be written back: "1.2.3.4:853", "[::1]:853" */
};

/*
 * One allow or deny line: a network with its host bits cleared. A bare
 * address is a /32 (IPv4) or /128 (IPv6) network. Fully initialised, so
 * two entries compare equal with memcmp exactly when they are the same line.
 */
struct dst_config_net {
	uint8_t addr[16]; /* network address; IPv4 in the first 4 bytes */
	uint8_t prefix;   /* 0-32 for IPv4, 0-128 for IPv6 */
	bool v6;
	bool deny;     /* a deny line (else allow) */
	char text[52]; /* canonical: "192.168.0.0/16", "fd00::/8" */
};

/* [server] ratelimit-action: what happens to a UDP query over the rate limit. */
enum dst_config_rl_action {
	DST_CONFIG_RL_DROP = 0, /* send nothing (default) */
	DST_CONFIG_RL_TRUNCATE, /* empty answer with TC set: retried over TCP */
};

/* [server] log: where log lines go. */
enum dst_config_log {
	DST_CONFIG_LOG_STDERR = 0, /* stderr: a terminal, systemd's journal, procd (default) */
	DST_CONFIG_LOG_SYSLOG,     /* syslog(3), facility daemon */
};

/* [server] strategy: how a query's first upstream is chosen among the healthy ones. */
enum dst_config_strategy {
	DST_CONFIG_STRATEGY_FASTEST = 0, /* lowest smoothed answer time (default) */
	DST_CONFIG_STRATEGY_ORDERED,     /* the first in file order */
	DST_CONFIG_STRATEGY_ROUND_ROBIN, /* each in turn */
};

/* [server] ecs: what happens to an EDNS Client Subnet option in a client query. */
enum dst_config_ecs {
	DST_CONFIG_ECS_STRIP = 0, /* removed before forwarding (default) */
	DST_CONFIG_ECS_PASS,      /* forwarded as the client sent it */
};

/* [server] block-answer: what a query for a blocklisted name gets. */
enum dst_config_block_answer {
	DST_CONFIG_BLOCK_NXDOMAIN = 0, /* NXDOMAIN (default) */
	DST_CONFIG_BLOCK_NULL,         /* 0.0.0.0 for A, :: for AAAA, NODATA for other types */
	DST_CONFIG_BLOCK_REFUSE,       /* REFUSED */
};

/* Where dotstub and dotstub-control look for the configuration without -c. */
enum dst_config_transport {
	DST_CONFIG_TRANSPORT_TLS = 0, /* DNS over TLS, port 853 (default) */
	DST_CONFIG_TRANSPORT_DNS,     /* plain DNS: UDP, TCP when truncated; port 53 */
};

/* What a [zone] does with the names under it. */
enum dst_config_zone_action {
	DST_CONFIG_ZONE_FORWARD = 0, /* to its upstreams, or the default ones (default) */
	DST_CONFIG_ZONE_NXDOMAIN,    /* answered NXDOMAIN here */
	DST_CONFIG_ZONE_REFUSE,      /* answered REFUSED here */
};

/*
 * [zone NAME] dnssec: whether the zone's answers are validated
 * (dst_config_zone_validates says what INHERIT means for a zone).
 */
enum dst_config_zone_dnssec {
	DST_CONFIG_ZONE_DNSSEC_INHERIT = 0, /* not set: as [server], unless plain DNS only */
	DST_CONFIG_ZONE_DNSSEC_OFF,         /* dnssec = off: a negative trust anchor (RFC 7646) */
	DST_CONFIG_ZONE_DNSSEC_VALIDATE,    /* dnssec = validate: even over transport = dns */
};

/*
 * [server] trust-anchor = RECORD: one DS or DNSKEY record in presentation
 * format, as written (not parsed here: config/ has no ldns;
 * resolver/trust.c parses it, and dotstub -t reports its errors).
 */
struct dst_config_trust_anchor {
	char *text;
	unsigned line; /* where it was set, for "FILE:LINE: trust-anchor: ..." */
};

#define DST_CONFIG_DEFAULT_PATH SYSCONFDIR "/dotstub/dotstub.conf"

/* Upstream sections a configuration may have (resolver/ keeps one bit per upstream). */
#define DST_CONFIG_MAX_UPSTREAMS 64
#define DST_CONFIG_MAX_ZONES 1024

/* Where each setting came from, for dst_config_print (private to config/). */
struct dst_config_origins;

struct dst_config_upstream {
	char *name;                    /* from "[upstream NAME]" */
	unsigned line;                 /* line of the section header */
	struct dst_config_addr *addrs; /* address = ..., in file order */
	size_t naddrs;
	char *tls_name; /* NULL when only pins authenticate */
	uint8_t (*pins)[DST_CONFIG_PIN_LEN];
	size_t npins;
	char *ca_file;              /* NULL: system trust store */
	uint32_t max_connections;   /* TLS connections at most; 1-64, default 2 */
	uint32_t max_inflight;      /* in flight per connection; 1-65535, default 128 */
	uint32_t idle_timeout_ms;   /* close a connection idle this long; default 10000 */
	char *host;                 /* host = NAME[:PORT], resolved through bootstrap; or NULL */
	uint16_t host_port;         /* its port; default 853 */
	uint8_t transport;          /* enum dst_config_transport; default TLS */
	uint16_t addr_port_default; /* bit i: addrs[i] was written without a port */
	bool zoned;                 /* named by a [zone]: not one of the default upstreams */
	struct dst_config_origins *origins; /* NULL: all built in */
};

/*
 * [zone NAME]: NAME and every name under it go to the zone's upstreams (or
 * get its action) instead of the default upstreams; the longest matching
 * zone decides.
 */
struct dst_config_zone {
	char *name;            /* presentation form, lower case, with the final dot */
	uint8_t wire[256];     /* the same name in wire form, lower case */
	uint16_t wire_len;     /* its length, root label included */
	unsigned line;         /* line of the section header */
	uint8_t action;        /* enum dst_config_zone_action */
	uint8_t dnssec;        /* enum dst_config_zone_dnssec; default INHERIT */
	char **upstream_names; /* upstream = NAME lines, in file order */
	size_t nupstream_names;
	uint16_t *upstreams; /* the same, as indexes into dst_config.upstreams */
	size_t nupstreams;   /* 0: the default upstreams */
	struct dst_config_origins *origins;
};

struct dst_config {
	char *file; /* the file it came from, or NULL for defaults */

	/* [server] */
	struct dst_config_addr *listen;
	size_t nlisten;
	uint32_t query_timeout_ms;    /* default 4000 */
	uint32_t tcp_idle_timeout_ms; /* default 10000 */
	/*
	 * allow = / deny = lines in file order (up to 256). Empty: the
	 * default access list applies (loopback, plus the private networks of
	 * the listeners: see resolver/acl.h).
	 */
	struct dst_config_net *acl;
	size_t nacl;
	uint32_t ratelimit;        /* UDP queries/s per client; 0 (default): off */
	uint8_t ratelimit_action;  /* enum dst_config_rl_action; default DROP */
	uint8_t ecs;               /* enum dst_config_ecs; default STRIP */
	uint32_t max_tcp_clients;  /* default 256 */
	uint32_t max_tcp_pipeline; /* queries in flight per TCP client; default 100 */
	uint32_t max_pending;      /* queries waiting upstream, in total; default 4096 */
	uint32_t threads;        /* event loops taking UDP queries; 0 (default): cores, at most 4 */
	char *user;              /* NULL: do not change user */
	char *chroot;            /* absolute path; NULL: no chroot */
	uint8_t strategy;        /* enum dst_config_strategy; default FASTEST */
	uint32_t max_backoff_ms; /* longest wait before probing a down upstream; default 5m */
	/* bootstrap = ...: plain DNS servers that resolve upstream host names (up to 8) */
	struct dst_config_addr *bootstrap;
	size_t nbootstrap;
	char *control;                  /* control socket path (at most 107 bytes); NULL: none */
	struct dst_config_addr metrics; /* /metrics HTTP listener, loopback only; len 0: none */
	uint8_t log;                    /* enum dst_config_log; default STDERR */
	uint8_t log_level; /* 0 error, 1 warning, 2 notice (default), 3 info, 4 debug */
	bool log_queries;  /* one log line per client query; default no */
	char *state_dir;   /* persisted state (absolute path); NULL (default): none */
	/* state written at most this often (ms); default 1h; 0: only at stop and on save */
	uint32_t state_interval_ms;
	/* blocklist = / allowlist = PATH: list files (absolute paths, up to 64 each, file order) */
	char **blocklist;
	size_t nblocklist;
	char **allowlist;
	size_t nallowlist;
	uint8_t block_answer; /* enum dst_config_block_answer; default NXDOMAIN */
	bool local_zones;     /* the default local zones (RFC 6761, 6303...); default yes */
	char **hosts;         /* hosts = PATH lines, in file order (up to 16); none by default */
	size_t nhosts;
	uint32_t hosts_ttl; /* seconds: TTL of answers from the hosts files; default 5 */
	/*
	 * dnssec = validate | off. Default: validate (true) when the build has
	 * the validator (DST_DNSSEC 1 in the build's config.h), off with
	 * ./configure --disable-dnssec, where validate is a config error.
	 */
	bool dnssec_validate;
	/*
	 * trust-anchor = lines (up to 64, file order, no duplicates) and
	 * trust-anchor-file = PATH (absolute; NULL: none). Neither: the
	 * built-in root anchors; else exactly these (both together add up).
	 */
	struct dst_config_trust_anchor *trust_anchors;
	size_t ntrust_anchors;
	char *trust_anchor_file;
	unsigned trust_anchor_file_line; /* its line; 0 when not set */

	/* [cache] */
	uint64_t cache_size;             /* bytes; 0 turns the cache off; default 16 MiB */
	uint32_t cache_min_ttl;          /* seconds; default 0 */
	uint32_t cache_max_ttl;          /* seconds; default 86400 */
	uint32_t cache_negative_max_ttl; /* seconds; NXDOMAIN/NODATA at most; default 3600 */
	uint32_t cache_servfail_ttl;   /* seconds; SERVFAIL at most (RFC 9520); default 5; 0 off */
	uint64_t cache_serve_stale_ms; /* RFC 8767 window after expiry; default 1d; 0 off */
	uint32_t cache_stale_timeout_ms; /* answer stale if nothing fresh by then; default 1800 */
	bool cache_prefetch;             /* refresh entries hit in their last tenth; default yes */

	/* [upstream NAME], in file order (= failover order) */
	struct dst_config_upstream *upstreams;
	size_t nupstreams;

	/* [zone NAME], in file order; names are unique */
	struct dst_config_zone *zones;
	size_t nzones;

	struct dst_config_origins *origins; /* of [server] and [cache]; NULL: all built in */
};

/*
 * Whether answers for names whose most specific [zone] is zone (an index
 * into cfg->zones; any value >= cfg->nzones: names under no zone) are
 * DNSSEC validated: never when [server] dnssec = off; else the zone's
 * dnssec = off or validate decides; a zone that sets neither is not
 * validated when it names upstreams and all of them have transport = dns
 * (private names have no chain of trust to check); with no upstreams of
 * its own it is as the closest zone around it; with DNS-over-TLS ones it
 * is validated unless the closest enclosing zone that sets dnssec says
 * off (a negative trust anchor covers the names below it, RFC 7646).
 * Names under no zone: validated. Pure: no allocation, no I/O.
 */
bool dst_config_zone_validates(const struct dst_config *cfg, uint32_t zone);
/*
 * Whether z routes its names (upstream = or an action) rather than only
 * carrying settings: a settings-only zone routes as its closest enclosing
 * routing zone, or by the default upstreams (and, like any [zone], takes
 * its names from the default local zones).
 */
static inline bool dst_config_zone_routes(const struct dst_config_zone *z)
{
	return z->nupstreams > 0 || z->action != DST_CONFIG_ZONE_FORWARD;
}
/*
 * The closest zone enclosing zone i (strictly above it; with routing,
 * only zones that route), or cfg->nzones when none does.
 */
size_t dst_config_zone_enclosing(const struct dst_config *cfg, size_t i, bool routing);

/* Receives one formatted problem ("FILE:LINE: message", no newline). */
typedef void (*dst_config_error_cb)(void *arg, const char *msg);

/*
 * Parses text (len bytes, need not be NUL-terminated; may contain NULs,
 * which are an error) as if read from a file named name.
 * On success returns 0 and stores a new config in *out. On failure returns
 * DST_ECONFIG (or DST_ENOMEM), stores nothing, and has called err once per
 * problem found.
 */
int dst_config_parse(const char *name, const char *text, size_t len, struct dst_config **out,
		     dst_config_error_cb err, void *arg);

/* Reads and parses a file; an unreadable file is reported as "FILE: reason". */
int dst_config_load(const char *path, struct dst_config **out, dst_config_error_cb err, void *arg);

/*
 * The built-in configuration used when there is no file: listens on
 * 127.0.0.1:53 and [::1]:53, two public DoT upstreams authenticated by name
 * against the system trust store.
 */
int dst_config_default(struct dst_config **out);

void dst_config_free(struct dst_config *cfg);

/* Receives one line of dst_config_print's output (NUL-terminated, no newline). */
typedef void (*dst_config_line_cb)(void *arg, const char *line);

/*
 * Prints the effective configuration in the file's syntax, one line at a
 * time through line: every key of [server], [cache] and each upstream with
 * its value, and where it came from as a comment ("# default" or
 * "# FILE:LINE"). A list prints one line per element; a key without a
 * value prints as a comment line ("# user = (not set: ...)"). The output
 * parses back into an equivalent configuration. Returns 0, or DST_ENOMEM
 * (the lines printed so far stand).
 */
int dst_config_print(const struct dst_config *cfg, dst_config_line_cb line, void *arg);

#endif
