/*
 * The client access list: which source addresses dotstub answers.
 *
 * Built once at start-up from the [server] allow and deny lines. When the
 * file has none, the default list applies instead: loopback (127.0.0.0/8,
 * ::1/128), plus, for each listener on a private address, that address's
 * private range (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 from RFC 1918,
 * fc00::/7 from RFC 4193). A wildcard listener (0.0.0.0, ::) adds nothing.
 * Once the file has any allow or deny line, those lines alone decide.
 *
 * A lookup takes the most specific entry that contains the address (the
 * longest prefix); at equal length a deny wins over an allow; no entry
 * means refused. IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) are IPv4
 * addresses here, both as clients and as entries (an entry inside
 * ::ffff:0:0/96 becomes the IPv4 network it maps); other IPv6 entries, even
 * ::/0, never match an IPv4 client.
 *
 * The list is immutable after dst_acl_new; lookups do not allocate and cost
 * at most one comparison per entry (there are at most a few hundred). No
 * libuv: the unit suite (tests/unit/check_acl.c) links it alone.
 */
#ifndef DST_ACL_H
#define DST_ACL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "config/config.h"

struct dst_acl;

/*
 * Builds the list from rules (the config's allow/deny lines, nrules may be
 * 0) and, when there are no rules, from the default list and the listeners.
 * Both arrays are borrowed for the call only. Returns 0 or DST_ENOMEM.
 */
int dst_acl_new(const struct dst_config_net *rules, size_t nrules,
		const struct dst_config_addr *listen, size_t nlisten, struct dst_acl **out);

/* Whether a client at sa (AF_INET or AF_INET6; anything else: no) is answered. */
bool dst_acl_allows(const struct dst_acl *acl, const struct sockaddr *sa);

/* Whether the list is the default one (the file had no allow or deny line). */
bool dst_acl_is_default(const struct dst_acl *acl);

/*
 * Writes the list as it is matched, most specific first ("allow
 * 127.0.0.0/8, allow ::1/128"), for logs; cut to size. Returns buf.
 */
const char *dst_acl_describe(const struct dst_acl *acl, char *buf, size_t size);

void dst_acl_free(struct dst_acl *acl);

#endif
