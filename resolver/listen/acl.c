/*
 * The client access list (see acl.h for the rules).
 *
 * Entries are kept in one array sorted for the lookup: IPv4 before IPv6,
 * then by prefix length, longest first, then deny before allow. The first
 * entry of the client's family that contains the address is then the most
 * specific one (with deny winning ties), so a lookup stops there. IPv4
 * networks are stored in the first 4 bytes of addr.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/err.h"
#include "resolver/listen/acl.h"

#define DEFAULT_MAX 8 /* loopback (2) and the four private ranges, with room */

struct acl_entry {
	uint8_t addr[16];
	uint8_t prefix;
	bool v6;
	bool deny;
};

struct dst_acl {
	struct acl_entry *e;
	size_t n;
	size_t first_v6; /* entries [0, first_v6) are IPv4 */
	bool is_default;
};

static const uint8_t v4_mapped_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

/* Whether the first prefix bits of a and b are equal. */
static bool prefix_equal(const uint8_t *a, const uint8_t *b, unsigned prefix)
{
	unsigned full = prefix / 8, rest = prefix % 8;

	if (memcmp(a, b, full) != 0)
		return false;
	if (!rest)
		return true;
	uint8_t mask = (uint8_t)(0xff << (8 - rest));
	return ((a[full] ^ b[full]) & mask) == 0;
}

/* An entry inside ::ffff:0:0/96 is the IPv4 network it maps. */
static struct acl_entry normalise(struct acl_entry e)
{
	if (e.v6 && e.prefix >= 96 && memcmp(e.addr, v4_mapped_prefix, 12) == 0) {
		memmove(e.addr, e.addr + 12, 4);
		memset(e.addr + 4, 0, 12);
		e.prefix -= 96;
		e.v6 = false;
	}
	return e;
}

/* Sort order for the lookup: IPv4 first, longer prefixes first, deny first. */
static int entry_cmp(const void *pa, const void *pb)
{
	const struct acl_entry *a = pa, *b = pb;

	if (a->v6 != b->v6)
		return a->v6 ? 1 : -1;
	if (a->prefix != b->prefix)
		return a->prefix > b->prefix ? -1 : 1;
	if (a->deny != b->deny)
		return a->deny ? -1 : 1;
	return memcmp(a->addr, b->addr, sizeof a->addr);
}

static void add(struct dst_acl *acl, bool v6, const uint8_t *addr, unsigned prefix, bool deny)
{
	struct acl_entry e = {.prefix = (uint8_t)prefix, .v6 = v6, .deny = deny};

	memcpy(e.addr, addr, v6 ? 16 : 4);
	e = normalise(e);
	for (size_t i = 0; i < acl->n; i++)
		if (entry_cmp(&acl->e[i], &e) == 0)
			return; /* two listeners in one private range: one entry */
	acl->e[acl->n++] = e;
}

/* The listener's own private range, if it has one (RFC 1918, RFC 4193). */
static void add_listener_range(struct dst_acl *acl, const struct dst_config_addr *a)
{
	static const struct {
		uint8_t net[4];
		unsigned prefix;
	} private4[] = {{{10, 0, 0, 0}, 8}, {{172, 16, 0, 0}, 12}, {{192, 168, 0, 0}, 16}};
	static const uint8_t ula[16] = {0xfc};
	const uint8_t *ip;

	if (a->ss.ss_family == AF_INET) {
		ip = (const uint8_t *)&((const struct sockaddr_in *)&a->ss)->sin_addr;
	} else if (a->ss.ss_family == AF_INET6) {
		ip = (const uint8_t *)&((const struct sockaddr_in6 *)&a->ss)->sin6_addr;
		if (prefix_equal(ip, ula, 7)) {
			add(acl, true, ula, 7, false);
			return;
		}
		if (memcmp(ip, v4_mapped_prefix, 12) != 0)
			return;
		ip += 12;
	} else {
		return;
	}
	for (size_t i = 0; i < sizeof private4 / sizeof private4[0]; i++)
		if (prefix_equal(ip, private4[i].net, private4[i].prefix))
			add(acl, false, private4[i].net, private4[i].prefix, false);
}

int dst_acl_new(const struct dst_config_net *rules, size_t nrules,
		const struct dst_config_addr *listen, size_t nlisten, struct dst_acl **out)
{
	static const uint8_t lo4[4] = {127}, lo6[16] = {[15] = 1};
	struct dst_acl *acl = calloc(1, sizeof *acl);

	if (!acl)
		return DST_ENOMEM;
	acl->e = calloc(nrules ? nrules : DEFAULT_MAX, sizeof *acl->e);
	if (!acl->e) {
		free(acl);
		return DST_ENOMEM;
	}
	if (nrules) {
		for (size_t i = 0; i < nrules; i++)
			add(acl, rules[i].v6, rules[i].addr, rules[i].prefix, rules[i].deny);
	} else {
		acl->is_default = true;
		add(acl, false, lo4, 8, false);
		add(acl, true, lo6, 128, false);
		for (size_t i = 0; i < nlisten; i++)
			add_listener_range(acl, &listen[i]);
	}
	qsort(acl->e, acl->n, sizeof *acl->e, entry_cmp);
	while (acl->first_v6 < acl->n && !acl->e[acl->first_v6].v6)
		acl->first_v6++;
	*out = acl;
	return 0;
}

bool dst_acl_allows(const struct dst_acl *acl, const struct sockaddr *sa)
{
	const uint8_t *ip;
	size_t i, end;

	if (sa->sa_family == AF_INET) {
		ip = (const uint8_t *)&((const struct sockaddr_in *)sa)->sin_addr;
		i = 0;
		end = acl->first_v6;
	} else if (sa->sa_family == AF_INET6) {
		ip = (const uint8_t *)&((const struct sockaddr_in6 *)sa)->sin6_addr;
		i = acl->first_v6;
		end = acl->n;
		if (memcmp(ip, v4_mapped_prefix, 12) == 0) {
			ip += 12;
			i = 0;
			end = acl->first_v6;
		}
	} else {
		return false;
	}
	for (; i < end; i++)
		if (prefix_equal(ip, acl->e[i].addr, acl->e[i].prefix))
			return !acl->e[i].deny;
	return false;
}

bool dst_acl_is_default(const struct dst_acl *acl)
{
	return acl->is_default;
}

const char *dst_acl_describe(const struct dst_acl *acl, char *buf, size_t size)
{
	char ip[INET6_ADDRSTRLEN];
	size_t len = 0;

	if (size)
		buf[0] = '\0';
	for (size_t i = 0; i < acl->n && len < size; i++) {
		const struct acl_entry *e = &acl->e[i];
		int r;

		inet_ntop(e->v6 ? AF_INET6 : AF_INET, e->addr, ip, sizeof ip);
		r = snprintf(buf + len, size - len, "%s%s %s/%u", i ? ", " : "",
			     e->deny ? "deny" : "allow", ip, e->prefix);
		if (r < 0)
			break;
		len += (size_t)r;
	}
	return buf;
}

void dst_acl_free(struct dst_acl *acl)
{
	if (!acl)
		return;
	free(acl->e);
	free(acl);
}
