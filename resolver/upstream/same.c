/* Whether a reload can keep an upstream's pool (select.h): pure, unit-tested. */
#include "config.h"

#include <string.h>

#include "resolver/upstream/select.h"

static bool same_str(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

bool dst_upstream_same_transport(const struct dst_config_upstream *a, uint32_t a_timeout_ms,
				 const struct dst_config_upstream *b, uint32_t b_timeout_ms)
{
	if (strcmp(a->name, b->name) != 0 || a->transport != b->transport ||
	    a->naddrs != b->naddrs || a->npins != b->npins || !same_str(a->tls_name, b->tls_name) ||
	    !same_str(a->ca_file, b->ca_file) || !same_str(a->host, b->host) ||
	    a->host_port != b->host_port || a->max_connections != b->max_connections ||
	    a->max_inflight != b->max_inflight || a->idle_timeout_ms != b->idle_timeout_ms ||
	    a_timeout_ms != b_timeout_ms)
		return false;
	for (size_t i = 0; i < a->naddrs; i++)
		if (strcmp(a->addrs[i].text, b->addrs[i].text) != 0)
			return false;
	return a->npins == 0 || memcmp(a->pins, b->pins, a->npins * sizeof(a->pins[0])) == 0;
}
