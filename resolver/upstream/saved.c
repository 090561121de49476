/*
 * An upstream's persisted state as bytes (select.h: dst_up_saved_write,
 * dst_up_saved_read) and the identity that says whether a saved upstream
 * is still the configured one (dst_up_identity). Pure: no I/O, no libuv.
 *
 * Record (integers big-endian):
 *   u16 id_len, id bytes (1 to DST_UP_ID_MAX)
 *   u8  flags (bit 0: have_rtt; the other bits 0)
 *   u8  state (enum dst_up_state)
 *   u32 srtt_us, u32 rttvar_us, u32 backoff_ms
 *   u64 session_expires_s (Unix seconds; 0 with no session)
 *   u16 session_len (0: none), session bytes
 *
 * The identity is every field that decides which servers are reached and
 * how they are authenticated (the transport too, when it is not TLS), each as u16 length + bytes, in a fixed
 * order. Pool limits and timeouts are not part of it: a changed
 * max-connections still talks to the same servers, whose tickets and RTT
 * still hold.
 */
#include "config.h"

#include <string.h>

#include "dns/dns.h"
#include "dns/err.h"
#include "resolver/upstream/select.h"

#define FIXED_LEN 24 /* flags .. session_len */

static bool put(uint8_t *buf, size_t cap, size_t *n, const void *data, size_t len)
{
	if (len > 0xffff || *n + 2 + len > cap)
		return false;
	dst_dns_put16(buf + *n, (uint16_t)len);
	if (len)
		memcpy(buf + *n + 2, data, len);
	*n += 2 + len;
	return true;
}

static bool put_str(uint8_t *buf, size_t cap, size_t *n, const char *s)
{
	return put(buf, cap, n, s ? s : "", s ? strlen(s) : 0);
}

size_t dst_up_identity(const struct dst_config_upstream *c, uint8_t *buf, size_t cap)
{
	uint8_t port[2], transport = c->transport;
	size_t n = 0;
	bool ok;

	dst_dns_put16(port, c->host ? c->host_port : 0);
	ok = put_str(buf, cap, &n, c->name) && put_str(buf, cap, &n, c->host) &&
	     put(buf, cap, &n, port, 2) && put_str(buf, cap, &n, c->tls_name) &&
	     put_str(buf, cap, &n, c->ca_file);
	/* Plain DNS (transport = dns) or TLS: another kind of server. */
	if (ok && transport)
		ok = put(buf, cap, &n, &transport, 1);
	for (size_t i = 0; ok && i < c->naddrs; i++)
		ok = put_str(buf, cap, &n, c->addrs[i].text);
	for (size_t i = 0; ok && i < c->npins; i++)
		ok = put(buf, cap, &n, c->pins[i], DST_CONFIG_PIN_LEN);
	return ok ? n : 0;
}

static void put32(uint8_t *p, uint32_t v)
{
	dst_dns_put32(p, v);
}

int dst_up_saved_write(const struct dst_up_saved *s, dst_up_write_cb write, void *arg)
{
	uint8_t head[2], fixed[FIXED_LEN];
	uint64_t exp = s->session_len ? (uint64_t)s->session_expires_s : 0;
	size_t slen = s->session && s->session_len <= 0xffff ? s->session_len : 0;
	int r;

	if (s->id_len == 0 || s->id_len > DST_UP_ID_MAX)
		return DST_EINVAL;
	dst_dns_put16(head, (uint16_t)s->id_len);
	fixed[0] = s->have_rtt ? 1 : 0;
	fixed[1] = s->state;
	put32(fixed + 2, s->srtt_us);
	put32(fixed + 6, s->rttvar_us);
	put32(fixed + 10, s->backoff_ms);
	for (int i = 7; i >= 0; i--, exp >>= 8)
		fixed[14 + i] = (uint8_t)exp;
	dst_dns_put16(fixed + 22, (uint16_t)slen);
	if ((r = write(arg, head, 2)) < 0 || (r = write(arg, s->id, s->id_len)) < 0 ||
	    (r = write(arg, fixed, sizeof fixed)) < 0)
		return r;
	return slen ? write(arg, s->session, slen) : 0;
}

int dst_up_saved_read(const uint8_t *data, size_t len, size_t *pos, struct dst_up_saved *out)
{
	const uint8_t *p = data + *pos, *f;
	size_t left = len - *pos, id_len, need;
	uint64_t exp = 0;

	if (*pos > len || left < 2)
		return DST_EFORMAT;
	id_len = dst_dns_get16(p);
	if (id_len == 0 || id_len > DST_UP_ID_MAX || left < 2 + id_len + FIXED_LEN)
		return DST_EFORMAT;
	f = p + 2 + id_len;
	out->id = p + 2;
	out->id_len = id_len;
	if (f[0] & ~1u || f[1] > DST_UP_PROBING)
		return DST_EFORMAT;
	out->have_rtt = f[0] & 1;
	out->state = f[1];
	out->srtt_us = dst_dns_get32(f + 2);
	out->rttvar_us = dst_dns_get32(f + 6);
	out->backoff_ms = dst_dns_get32(f + 10);
	for (int i = 0; i < 8; i++)
		exp = exp << 8 | f[14 + i];
	out->session_len = dst_dns_get16(f + 22);
	need = 2 + id_len + FIXED_LEN + out->session_len;
	if (need > left || exp > INT64_MAX || (out->session_len == 0) != (exp == 0))
		return DST_EFORMAT;
	out->session_expires_s = (int64_t)exp;
	out->session = out->session_len ? f + FIXED_LEN : NULL;
	*pos += need;
	return 0;
}
