/*
 * The keys of the configuration file: one table that says which section a
 * key belongs to, whether it may repeat, and which function (values.c)
 * parses its value into which field. Adding a key is adding a row and, at
 * most, a parser.
 */
#include "config/internal.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define MAX_ACL 256     /* allow and deny lines together */
#define MAX_BOOTSTRAP 8 /* bootstrap servers */
#define MAX_LISTS 64    /* blocklist files, and allowlist files */

/* 2 GiB on 32-bit systems, 1 TiB on 64-bit ones: both are whole units. */
#define MAX_CACHE_SIZE \
	((uint64_t)SIZE_MAX / 2 + 1 < (1ULL << 40) ? (uint64_t)SIZE_MAX / 2 + 1 : (1ULL << 40))
#define MAX_TTL_MS (2147483647ULL * 1000) /* RFC 2181: TTLs are 31-bit seconds */

#define CFG(f) offsetof(struct dst_config, f)
#define UP(f) offsetof(struct dst_config_upstream, f)
#define ZONE(f) offsetof(struct dst_config_zone, f)
#define DURATION "a duration like 4s, 500ms, 2m"
#define NETWORK "a network like 192.168.0.0/16 or fd00::/8, or an address"

static const char *const rl_actions[] = {"drop", "truncate", NULL};  /* dst_config_rl_action */
static const char *const ecs_modes[] = {"strip", "pass", NULL};      /* dst_config_ecs */
static const char *const log_targets[] = {"stderr", "syslog", NULL}; /* dst_config_log */
static const char *const log_levels[] = {"error", "warning", "notice", "info", "debug", NULL};
static const char *const strategies[] = {"fastest", "ordered", "round-robin", NULL};
static const char *const transports[] = {"tls", "dns", NULL}; /* dst_config_transport */
static const char *const zone_actions[] = {"forward", "nxdomain", "refuse",
					   NULL}; /* dst_config_zone_action */
static const char *const block_answers[] = {"nxdomain", "null", "refuse", NULL};

#define DURATIONS dst_config__duration_units
#define COUNT(lo, hi) lo, hi, dst_config__count_units, 1, .expect = "a number"

const struct key dst_config__keys[] = {
	{SEC_SERVER, "listen", dst_config__add_addr, CFG(listen), CFG(nlisten), .max = 64,
	 .port = 53, .repeatable = true, .expect = "an address like 127.0.0.1:53 or [::1]:53"},
	{SEC_SERVER, "allow", dst_config__add_net, CFG(acl), CFG(nacl), .max = MAX_ACL,
	 .repeatable = true, .expect = NETWORK,
	 .unset = "(none: loopback and the listeners' private networks)"},
	{SEC_SERVER, "deny", dst_config__add_net, CFG(acl), CFG(nacl), .max = MAX_ACL,
	 .repeatable = true, .flag = true, .expect = NETWORK, .unset = "(none)"},
	{SEC_SERVER, "query-timeout", dst_config__set_number, CFG(query_timeout_ms), 0, 1, 3600000,
	 DURATIONS, 1, .expect = DURATION},
	{SEC_SERVER, "tcp-idle-timeout", dst_config__set_number, CFG(tcp_idle_timeout_ms), 0, 1,
	 3600000, DURATIONS, 1, .expect = DURATION},
	{SEC_SERVER, "max-tcp-clients", dst_config__set_number, CFG(max_tcp_clients), 0,
	 COUNT(1, 65535)},
	{SEC_SERVER, "max-tcp-pipeline", dst_config__set_number, CFG(max_tcp_pipeline), 0,
	 COUNT(1, 65535)},
	{SEC_SERVER, "max-pending", dst_config__set_number, CFG(max_pending), 0, COUNT(1, 1048576)},
	{SEC_SERVER, "threads", dst_config__set_number, CFG(threads), 0, COUNT(0, 64)},
	{SEC_SERVER, "ratelimit", dst_config__set_number, CFG(ratelimit), 0, 0, 1000000,
	 dst_config__rate_units, 1, .expect = "a rate like 20/s, or 0 for no limit"},
	{SEC_SERVER, "ratelimit-action", dst_config__set_choice, CFG(ratelimit_action),
	 .choices = rl_actions, .expect = "drop or truncate"},
	{SEC_SERVER, "ecs", dst_config__set_choice, CFG(ecs), .choices = ecs_modes,
	 .expect = "strip or pass"},
	{SEC_SERVER, "user", dst_config__set_user, CFG(user), .expect = "a user name like dotstub",
	 .unset = "(not set: dotstub keeps the user it was started as)"},
	{SEC_SERVER, "chroot", dst_config__set_path, CFG(chroot),
	 .expect = "a directory like /var/lib/dotstub", .unset = "(not set: no chroot)"},
	{SEC_SERVER, "control", dst_config__set_socket_path, CFG(control),
	 .expect = "a socket path like /run/dotstub/control",
	 .unset = "(not set: no control socket)"},
	{SEC_SERVER, "metrics", dst_config__set_loopback_addr, CFG(metrics), .port = 9153,
	 .expect = "a loopback address like 127.0.0.1:9153 or [::1]:9153",
	 .unset = "(not set: no /metrics)"},
	{SEC_SERVER, "log", dst_config__set_choice, CFG(log), .choices = log_targets,
	 .expect = "stderr or syslog"},
	{SEC_SERVER, "log-level", dst_config__set_choice, CFG(log_level), .choices = log_levels,
	 .expect = "error, warning, notice, info or debug"},
	{SEC_SERVER, "log-queries", dst_config__set_bool, CFG(log_queries), .expect = "yes or no"},
	{SEC_SERVER, "strategy", dst_config__set_choice, CFG(strategy), .choices = strategies,
	 .expect = "fastest, ordered or round-robin"},
	{SEC_SERVER, "max-backoff", dst_config__set_number, CFG(max_backoff_ms), 0, 1000, 86400000,
	 DURATIONS, 1, .expect = DURATION},
	{SEC_SERVER, "bootstrap", dst_config__add_addr, CFG(bootstrap), CFG(nbootstrap),
	 .max = MAX_BOOTSTRAP, .port = 53, .repeatable = true,
	 .expect = "an address like 192.0.2.53 or [2001:db8::53]:53", .unset = "(none)"},
	{SEC_SERVER, "state-dir", dst_config__set_path, CFG(state_dir),
	 .expect = "a directory like /var/lib/dotstub",
	 .unset = "(not set: nothing is kept across restarts)"},
	{SEC_SERVER, "state-interval", dst_config__set_number, CFG(state_interval_ms), 0, 0,
	 7 * 86400000ULL, DURATIONS, 1, .expect = "a duration like 1h, or 0 to write only at stop"},
	{SEC_SERVER, "blocklist", dst_config__add_path, CFG(blocklist), CFG(nblocklist),
	 .max = MAX_LISTS, .repeatable = true, .expect = "a file path like /etc/dotstub/ads.txt",
	 .unset = "(none)"},
	{SEC_SERVER, "allowlist", dst_config__add_path, CFG(allowlist), CFG(nallowlist),
	 .max = MAX_LISTS, .repeatable = true, .expect = "a file path like /etc/dotstub/allow.txt",
	 .unset = "(none)"},
	{SEC_SERVER, "block-answer", dst_config__set_choice, CFG(block_answer),
	 .choices = block_answers, .expect = "nxdomain, null or refuse"},
	{SEC_SERVER, "local-zones", dst_config__set_bool, CFG(local_zones), .expect = "yes or no"},
	{SEC_SERVER, "hosts", dst_config__add_path, CFG(hosts), CFG(nhosts), .max = 16,
	 .repeatable = true, .expect = "a path like /etc/hosts", .unset = "(none)"},
	{SEC_SERVER, "hosts-ttl", dst_config__set_number, CFG(hosts_ttl), 0, 0, 86400000, DURATIONS,
	 1000, .expect = "a duration like 5s"},
	{SEC_SERVER, "dnssec", dst_config__set_dnssec, CFG(dnssec_validate),
	 .expect = "validate or off"},
	{SEC_SERVER, "trust-anchor", dst_config__add_trust_anchor, CFG(trust_anchors),
	 CFG(ntrust_anchors), .max = 64, .repeatable = true,
	 .expect = "a DS or DNSKEY record like . IN DS 20326 8 2 E06D44B8...",
	 .unset = "(none: the root's KSK-2017 20326 and KSK-2024 38696, compiled in)"},
	{SEC_SERVER, "trust-anchor-file", dst_config__set_trust_anchor_file, CFG(trust_anchor_file),
	 CFG(trust_anchor_file_line), .expect = "a file path like /etc/dotstub/root.ds",
	 .unset = "(not set)"},
	{SEC_CACHE, "size", dst_config__set_number, CFG(cache_size), 0, 0, MAX_CACHE_SIZE,
	 dst_config__size_units, 1, .expect = "a size like 16m, 512k, 1g or 0"},
	{SEC_CACHE, "min-ttl", dst_config__set_number, CFG(cache_min_ttl), 0, 0, MAX_TTL_MS,
	 DURATIONS, 1000, .expect = DURATION},
	{SEC_CACHE, "max-ttl", dst_config__set_number, CFG(cache_max_ttl), 0, 0, MAX_TTL_MS,
	 DURATIONS, 1000, .expect = DURATION},
	{SEC_CACHE, "negative-max-ttl", dst_config__set_number, CFG(cache_negative_max_ttl), 0, 0,
	 MAX_TTL_MS, DURATIONS, 1000, .expect = DURATION},
	{SEC_CACHE, "servfail-ttl", dst_config__set_number, CFG(cache_servfail_ttl), 0, 0, 300000,
	 DURATIONS, 1000, .expect = "a duration up to 5m (RFC 9520), or 0 for none"},
	{SEC_CACHE, "serve-stale", dst_config__set_number, CFG(cache_serve_stale_ms), 0, 0,
	 MAX_TTL_MS, DURATIONS, 1, .expect = "a duration like 1d, or 0 to turn it off"},
	{SEC_CACHE, "stale-answer-timeout", dst_config__set_number, CFG(cache_stale_timeout_ms), 0,
	 0, 3600000, DURATIONS, 1, .expect = DURATION},
	{SEC_CACHE, "prefetch", dst_config__set_bool, CFG(cache_prefetch), .expect = "yes or no"},
	/* resolver/ hands at most 16 addresses to tls/. */
	{SEC_UPSTREAM, "address", dst_config__add_addr, UP(addrs), UP(naddrs), .max = 16,
	 .port = 853, .repeatable = true,
	 .expect = "an IP address like 9.9.9.9, 9.9.9.9:853 or [2620:fe::fe]:853",
	 .unset = "(none: the addresses of host)"},
	{SEC_UPSTREAM, "host", dst_config__set_host_port, UP(host), UP(host_port), .port = 853,
	 .expect = "a host name like dns.quad9.net, or dns.quad9.net:853",
	 .unset = "(not set: the addresses above)"},
	{SEC_UPSTREAM, "tls-name", dst_config__set_host, UP(tls_name),
	 .expect = "a host name like dns.quad9.net",
	 .unset = "(not set: the pins alone authenticate)"},
	{SEC_UPSTREAM, "pin-sha256", dst_config__add_pin, UP(pins), UP(npins), .max = 16,
	 .repeatable = true, .expect = "the base64 of a 32-byte SHA-256 digest", .unset = "(none)"},
	{SEC_UPSTREAM, "ca-file", dst_config__set_path, UP(ca_file),
	 .expect = "a path like /etc/ssl/ca.pem", .unset = "(not set: the system trust store)"},
	{SEC_UPSTREAM, "max-connections", dst_config__set_number, UP(max_connections), 0,
	 COUNT(1, 64)},
	{SEC_UPSTREAM, "max-inflight", dst_config__set_number, UP(max_inflight), 0,
	 COUNT(1, 65535)},
	{SEC_UPSTREAM, "idle-timeout", dst_config__set_number, UP(idle_timeout_ms), 0, 1, 3600000,
	 DURATIONS, 1, .expect = DURATION},
	{SEC_UPSTREAM, "transport", dst_config__set_choice, UP(transport), .choices = transports,
	 .expect = "tls or dns"},
	{SEC_ZONE, "upstream", dst_config__add_upstream_name, ZONE(upstream_names),
	 ZONE(nupstream_names), .max = DST_CONFIG_MAX_UPSTREAMS, .repeatable = true,
	 .expect = "the name of an [upstream NAME] section",
	 .unset = "(none: the default upstreams)"},
	{SEC_ZONE, "action", dst_config__set_choice, ZONE(action), .choices = zone_actions,
	 .expect = "forward, nxdomain or refuse"},
	{SEC_ZONE, "dnssec", dst_config__set_dnssec, ZONE(dnssec), .expect = "off or validate",
	 .unset = "(not set: as [server] dnssec)"},
};
const size_t dst_config__nkeys = sizeof dst_config__keys / sizeof dst_config__keys[0];
_Static_assert(sizeof dst_config__keys / sizeof dst_config__keys[0] <= MAX_KEYS, "raise MAX_KEYS");

const struct key *dst_config__find_key(enum sec sec, const char *name)
{
	for (size_t i = 0; i < dst_config__nkeys; i++)
		if (dst_config__keys[i].sec == sec && strcmp(dst_config__keys[i].name, name) == 0)
			return &dst_config__keys[i];
	return NULL;
}

size_t dst_config__slot(const struct key *k)
{
	size_t i = 0;

	while (dst_config__keys[i].sec != k->sec || dst_config__keys[i].off != k->off)
		i++;
	return i;
}

const char *const dst_config__sec_names[] = {
	"", "[server]", "[cache]", "[upstream NAME]", "[zone NAME]", ""};

/* "unknown key "x" in [cache]; expected size, min-ttl or max-ttl", and where x belongs. */
void dst_config__unknown_key(struct parser *p, const char *key)
{
	char list[512] = "", hint[64] = "", qb[QUOTE_MAX + 4];
	const char *sep;
	size_t total = 0, done = 0;

	for (size_t i = 0; i < dst_config__nkeys; i++)
		total += dst_config__keys[i].sec == p->sec;
	for (size_t i = 0; i < dst_config__nkeys; i++) {
		if (dst_config__keys[i].sec != p->sec)
			continue;
		done++;
		sep = done == 1 ? "" : done == total ? " or " : ", ";
		strncat(list, sep, sizeof list - strlen(list) - 1);
		strncat(list, dst_config__keys[i].name, sizeof list - strlen(list) - 1);
	}
	for (size_t i = 0; i < dst_config__nkeys; i++) {
		if (dst_config__keys[i].sec != p->sec &&
		    strcmp(dst_config__keys[i].name, key) == 0) {
			snprintf(hint, sizeof hint, " (it belongs in %s)",
				 dst_config__sec_names[dst_config__keys[i].sec]);
			break;
		}
	}
	perr(p, "unknown key \"%s\" in %s%s; expected %s", dst_config__quote(qb, key), p->label,
	     hint, list);
}
