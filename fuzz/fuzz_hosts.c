/*
 * Fuzz target: the hosts file parser (resolver/policy/hosts.h), which reads
 * whatever an administrator or a package put in /etc/hosts, and the
 * policy's answers for the names it found.
 *
 * The input is the file's text, in an exact-size heap block with no NUL
 * after it. Checks:
 * - every warning starts with "fuzz.hosts:", is NUL-terminated and has no
 *   newline; at most DST_HOSTS_REPORTED lines are reported, plus one
 *   summary, and never more bad lines than the input has lines;
 * - every blank-separated token that is a name is looked up; a name that
 *   is found gets an answer for A, AAAA, PTR, MX and ANY that is a
 *   well-formed response to the question (dst_dns_prepare_answer accepts
 *   it), with the query's ID and AA set, no longer than the client's UDP
 *   size (TC set when cut), with as many A/AAAA records as the lookup
 *   found of that type when it was not cut; the inline pre-check
 *   (dst_policy_maybe) never skips such a name.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "dns/dns.h"
#include "dns/err.h"
#include "fuzz/fuzz.h"
#include "resolver/policy/hosts.h"
#include "resolver/policy/policy.h"

#define FILE_NAME "fuzz.hosts"
#define MAX_PROBES 64

struct warns {
	size_t n;
};

static void on_warn(void *arg, const char *msg)
{
	struct warns *w = arg;

	FUZZ_CHECK(strncmp(msg, FILE_NAME ":", sizeof FILE_NAME) == 0);
	FUZZ_CHECK(strchr(msg, '\n') == NULL);
	w->n++;
}

/* A query for name (wire, n bytes) and type, RD set, ID 0xbeef. */
static size_t query(const uint8_t *name, size_t n, uint16_t type, uint8_t *q)
{
	memset(q, 0, DST_DNS_HEADER_LEN);
	q[0] = 0xbe;
	q[1] = 0xef;
	q[2] = 1;
	q[5] = 1;
	memcpy(q + DST_DNS_HEADER_LEN, name, n);
	dst_dns_put16(q + DST_DNS_HEADER_LEN + n, type);
	dst_dns_put16(q + DST_DNS_HEADER_LEN + n + 2, DST_DNS_CLASS_IN);
	return DST_DNS_HEADER_LEN + n + 4;
}

static void probe(const struct dst_policy *p, const struct dst_hosts *h, const uint8_t *name,
		  size_t n)
{
	static const uint16_t types[] = {DST_DNS_TYPE_A, DST_DNS_TYPE_AAAA, DST_DNS_TYPE_PTR,
					 DST_DNS_TYPE_MX, DST_DNS_TYPE_ANY};
	struct dst_hosts_rr rrs[64];
	size_t found = dst_hosts_lookup(h, name, n, dst_hosts_hash(name, n), rrs, 64);

	if (!found)
		return;
	for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
		uint8_t q[DST_DNS_HEADER_LEN + DST_DNS_MAX_NAME + 4], out[4096];
		struct dst_dns_query dq;
		struct dst_dns_answer_info info;
		size_t qlen = query(name, n, types[t], q), len = 0, want = 0;

		FUZZ_CHECK(dst_dns_parse_query(q, qlen, &dq) == DST_DNS_QUERY_OK);
		FUZZ_CHECK(dst_policy_answer(p, q, &dq, DST_DNS_PLAIN_UDP_SIZE, out, sizeof(out),
					     &len) == DST_POLICY_LOCAL);
		FUZZ_CHECK(dst_policy_maybe(p, &dq)); /* the inline pre-check lets it through */
		FUZZ_CHECK(len >= qlen && len <= DST_DNS_PLAIN_UDP_SIZE);
		FUZZ_CHECK(out[2] & 0x04); /* AA */
		int r = dst_dns_prepare_answer(out, &len, 0xbeef, &dq, NULL, 0, &info);
		FUZZ_CHECK(r == 0 || r == DST_ENOSPC); /* ENOSPC: records, and no room for TTLs */
		FUZZ_CHECK(info.rcode == DST_DNS_RCODE_NOERROR);
		for (size_t i = 0; i < found && i < 64; i++)
			want += rrs[i].type == types[t] || types[t] == DST_DNS_TYPE_ANY;
		if (!info.tc)
			FUZZ_CHECK(dst_dns_ancount(out) == want);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = dst_fuzz_alloc(size);
	struct dst_hosts_builder *b;
	struct dst_hosts *h = NULL;
	struct dst_policy *p = NULL;
	struct warns w = {0};
	size_t lines = 1, probes = 0;

	memcpy(text, data, size);
	for (size_t i = 0; i < size; i++)
		lines += text[i] == '\n';
	if (dst_hosts_builder_new(on_warn, &w, &b) < 0)
		goto out;
	if (dst_hosts_add_text(b, FILE_NAME, text, size) < 0) {
		dst_hosts_builder_free(b);
		goto out;
	}
	if (dst_hosts_build(b, &h) < 0)
		goto out;
	FUZZ_CHECK(dst_hosts_bad_lines(h) <= lines);
	FUZZ_CHECK(w.n <= DST_HOSTS_REPORTED + 1 && w.n <= dst_hosts_bad_lines(h) + 1);
	FUZZ_CHECK((w.n == 0) == (dst_hosts_bad_lines(h) == 0));
	if (dst_policy_make(true, 5, h, NULL, DST_POLICY_BLOCK_NXDOMAIN, &p) < 0)
		goto out;
	/* Every token that is a name: lower-cased wire form, looked up and answered. */
	for (size_t i = 0; i < size && probes < MAX_PROBES;) {
		uint8_t name[DST_DNS_MAX_NAME];
		char tok[DST_DNS_MAX_NAME + 1];
		size_t j = i, n;

		while (j < size && text[j] != ' ' && text[j] != '\t' && text[j] != '\n')
			j++;
		if (j > i && j - i < sizeof(tok)) {
			memcpy(tok, text + i, j - i);
			tok[j - i] = '\0';
			if ((n = dst_dns_name_from_text(tok, name)) > 1) {
				dst_dns_name_lower(name, n);
				probe(p, h, name, n);
				probes++;
			}
		}
		i = j + 1;
	}
out:
	dst_policy_free(p);
	dst_hosts_free(h);
	free(text);
	return 0;
}
