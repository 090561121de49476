/*
 * Fuzz target: the configuration parser (config/config.h), which reads a
 * file an administrator wrote, or mistyped.
 *
 * The input is the file's text, handed over in an exact-size heap block
 * with no NUL after it (the contract allows that). Checks:
 * - every error message starts with "fuzz.conf:", is NUL-terminated and
 *   has no newline; failure reports at least one, success none;
 * - an accepted config holds what the checks promise (an upstream, each
 *   with an address and a way to authenticate, min-ttl <= max-ttl, a
 *   listener, networks with their host bits cleared);
 * - written back as text (in the shortest "key=value" form, so no line
 *   grows) it parses again, with no errors, into the same config. That
 *   catches values accepted once but not twice, such as an address whose
 *   printed form does not parse.
 */
#include <gnutls/gnutls.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "config/config.h"
#include "dns/err.h"
#include "fuzz/fuzz.h"

#define FILE_NAME "fuzz.conf"

struct errors {
	size_t n;
};

static void on_error(void *arg, const char *msg)
{
	struct errors *e = arg;

	FUZZ_CHECK(strncmp(msg, FILE_NAME ":", sizeof FILE_NAME) == 0);
	FUZZ_CHECK(strchr(msg, '\n') == NULL); /* strlen under ASan: NUL-terminated */
	e->n++;
}

static void check_addr(const struct dst_config_addr *a)
{
	const int family = a->ss.ss_family;

	FUZZ_CHECK(family == AF_INET || family == AF_INET6);
	FUZZ_CHECK(a->len > 0 && a->len <= sizeof a->ss);
	FUZZ_CHECK(memchr(a->text, '\0', sizeof a->text) != NULL);
}

static void check_valid(const struct dst_config *cfg)
{
	FUZZ_CHECK(cfg->file && strcmp(cfg->file, FILE_NAME) == 0);
	FUZZ_CHECK(cfg->nlisten > 0 && cfg->nupstreams > 0);
	FUZZ_CHECK(cfg->cache_min_ttl <= cfg->cache_max_ttl);
	FUZZ_CHECK(cfg->query_timeout_ms > 0 && cfg->tcp_idle_timeout_ms > 0);
	for (size_t i = 0; i < cfg->nlisten; i++)
		check_addr(&cfg->listen[i]);
	for (size_t i = 0; i < cfg->nacl; i++) {
		const struct dst_config_net *n = &cfg->acl[i];

		FUZZ_CHECK(n->prefix <= (n->v6 ? 128 : 32));
		FUZZ_CHECK(memchr(n->text, '\0', sizeof n->text) != NULL);
		/* Host bits cleared (and nothing past an IPv4 address). */
		for (unsigned bit = n->prefix; bit < 128; bit++)
			FUZZ_CHECK(!(n->addr[bit / 8] & (0x80 >> (bit % 8))));
	}
	for (size_t i = 0; i < cfg->nupstreams; i++) {
		const struct dst_config_upstream *u = &cfg->upstreams[i];

		FUZZ_CHECK(u->name && *u->name);
		FUZZ_CHECK(u->naddrs > 0 && (u->tls_name || u->npins > 0));
		FUZZ_CHECK(!u->ca_file || u->tls_name);
		for (size_t k = 0; k < u->naddrs; k++)
			check_addr(&u->addrs[k]);
		for (size_t k = 0; k < i; k++)
			FUZZ_CHECK(strcmp(cfg->upstreams[k].name, u->name) != 0);
	}
}

static const char *const rl_actions[] = {"drop", "truncate"}; /* enum dst_config_rl_action */
static const char *const ecs_modes[] = {"strip", "pass"};     /* enum dst_config_ecs */

/* Writes cfg back as a config file; returns a malloc'd buffer and its length. */
static char *write_back(const struct dst_config *cfg, size_t *len)
{
	char *text = NULL;
	FILE *f = open_memstream(&text, len);

	FUZZ_CHECK(f != NULL);
	FUZZ_CHECK(cfg->ratelimit_action < 2 && cfg->ecs < 2);
	fprintf(f, "[server]\n");
	for (size_t i = 0; i < cfg->nlisten; i++)
		fprintf(f, "listen=%s\n", cfg->listen[i].text);
	for (size_t i = 0; i < cfg->nacl; i++)
		fprintf(f, "%s=%s\n", cfg->acl[i].deny ? "deny" : "allow", cfg->acl[i].text);
	fprintf(f, "query-timeout=%ums\ntcp-idle-timeout=%ums\n", (unsigned)cfg->query_timeout_ms,
		(unsigned)cfg->tcp_idle_timeout_ms);
	fprintf(f, "max-tcp-clients=%u\nmax-tcp-pipeline=%u\nmax-pending=%u\n",
		(unsigned)cfg->max_tcp_clients, (unsigned)cfg->max_tcp_pipeline,
		(unsigned)cfg->max_pending);
	fprintf(f, "ratelimit=%u\nratelimit-action=%s\necs=%s\n", (unsigned)cfg->ratelimit,
		rl_actions[cfg->ratelimit_action], ecs_modes[cfg->ecs]);
	if (cfg->user)
		fprintf(f, "user=%s\n", cfg->user);
	if (cfg->chroot)
		fprintf(f, "chroot=%s\n", cfg->chroot);
	fprintf(f, "[cache]\nsize=%llu\nmin-ttl=%u\nmax-ttl=%u\n",
		(unsigned long long)cfg->cache_size, (unsigned)cfg->cache_min_ttl,
		(unsigned)cfg->cache_max_ttl);
	for (size_t i = 0; i < cfg->nupstreams; i++) {
		const struct dst_config_upstream *u = &cfg->upstreams[i];

		fprintf(f, "[upstream %s]\n", u->name);
		for (size_t k = 0; k < u->naddrs; k++)
			fprintf(f, "address=%s\n", u->addrs[k].text);
		if (u->tls_name)
			fprintf(f, "tls-name=%s\n", u->tls_name);
		for (size_t k = 0; k < u->npins; k++) {
			gnutls_datum_t in = {u->pins[k], DST_CONFIG_PIN_LEN}, out = {NULL, 0};

			FUZZ_CHECK(gnutls_base64_encode2(&in, &out) == 0);
			fprintf(f, "pin-sha256=%.*s\n", (int)out.size, (const char *)out.data);
			gnutls_free(out.data);
		}
		if (u->ca_file)
			fprintf(f, "ca-file=%s\n", u->ca_file);
		fprintf(f, "max-connections=%u\nmax-inflight=%u\nidle-timeout=%ums\n",
			(unsigned)u->max_connections, (unsigned)u->max_inflight,
			(unsigned)u->idle_timeout_ms);
	}
	FUZZ_CHECK(fclose(f) == 0);
	return text;
}

static bool same_str(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

/* Whether two arrays of n elements of size bytes are equal (NULL when n is 0). */
static bool same_mem(const void *a, const void *b, size_t n, size_t size)
{
	return n == 0 || memcmp(a, b, n * size) == 0;
}

static void check_same(const struct dst_config *a, const struct dst_config *b)
{
	FUZZ_CHECK(a->nlisten == b->nlisten &&
		   same_mem(a->listen, b->listen, a->nlisten, sizeof a->listen[0]));
	FUZZ_CHECK(a->nacl == b->nacl && same_mem(a->acl, b->acl, a->nacl, sizeof a->acl[0]));
	FUZZ_CHECK(a->query_timeout_ms == b->query_timeout_ms);
	FUZZ_CHECK(a->tcp_idle_timeout_ms == b->tcp_idle_timeout_ms);
	FUZZ_CHECK(a->max_tcp_clients == b->max_tcp_clients);
	FUZZ_CHECK(a->max_tcp_pipeline == b->max_tcp_pipeline);
	FUZZ_CHECK(a->max_pending == b->max_pending);
	FUZZ_CHECK(a->ratelimit == b->ratelimit && a->ratelimit_action == b->ratelimit_action);
	FUZZ_CHECK(a->ecs == b->ecs);
	FUZZ_CHECK(same_str(a->user, b->user) && same_str(a->chroot, b->chroot));
	FUZZ_CHECK(a->cache_size == b->cache_size);
	FUZZ_CHECK(a->cache_min_ttl == b->cache_min_ttl && a->cache_max_ttl == b->cache_max_ttl);
	FUZZ_CHECK(a->nupstreams == b->nupstreams);
	for (size_t i = 0; i < a->nupstreams; i++) {
		const struct dst_config_upstream *u = &a->upstreams[i], *v = &b->upstreams[i];

		FUZZ_CHECK(same_str(u->name, v->name));
		FUZZ_CHECK(u->naddrs == v->naddrs &&
			   same_mem(u->addrs, v->addrs, u->naddrs, sizeof u->addrs[0]));
		FUZZ_CHECK(same_str(u->tls_name, v->tls_name));
		FUZZ_CHECK(u->npins == v->npins &&
			   same_mem(u->pins, v->pins, u->npins, sizeof u->pins[0]));
		FUZZ_CHECK(same_str(u->ca_file, v->ca_file));
		FUZZ_CHECK(u->max_connections == v->max_connections);
		FUZZ_CHECK(u->max_inflight == v->max_inflight);
		FUZZ_CHECK(u->idle_timeout_ms == v->idle_timeout_ms);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = dst_fuzz_alloc(size), *again;
	struct dst_config *cfg = NULL, *cfg2 = NULL;
	struct errors e = {0}, e2 = {0};
	size_t again_len;
	int r;

	memcpy(text, data, size);
	r = dst_config_parse(FILE_NAME, text, size, &cfg, on_error, &e);
	free(text);
	if (r == DST_ENOMEM)
		return 0;
	if (r != 0) {
		FUZZ_CHECK(r == DST_ECONFIG && e.n > 0 && cfg == NULL);
		return 0;
	}
	FUZZ_CHECK(e.n == 0 && cfg != NULL);
	check_valid(cfg);

	again = write_back(cfg, &again_len);
	r = dst_config_parse(FILE_NAME, again, again_len, &cfg2, on_error, &e2);
	FUZZ_CHECK(r == 0 && e2.n == 0);
	check_same(cfg, cfg2);
	dst_config_free(cfg2);
	free(again);
	dst_config_free(cfg);
	return 0;
}
