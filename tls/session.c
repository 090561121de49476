/*
 * A pool's session data for resumption, kept across connections (conn.c
 * saves it after each full handshake and each TLS 1.3 ticket) and, through
 * dst_tls_pool_session / dst_tls_pool_set_session, across restarts.
 *
 * Session data is a secret (it holds the resumption secret): nothing here
 * logs it. Its lifetime is what GnuTLS reads from the data itself
 * (gnutls_db_check_entry_expire_time: the ticket's lifetime, or the TLS 1.2
 * session's), never more than 7 days from when it was received (RFC 8446
 * section 4.6.1); when GnuTLS cannot tell, those 7 days.
 */
#include "config.h"

#include <gnutls/gnutls.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dns/err.h"
#include "tls/internal.h"

#define MAX_LIFETIME_S (7 * 24 * 3600)
#define MAX_SESSION_LEN 65536

void dst_tls__session_keep(struct dst_tls_pool *p, gnutls_datum_t d)
{
	int64_t now = (int64_t)time(NULL), exp = (int64_t)gnutls_db_check_entry_expire_time(&d);

	if (exp <= now || exp > now + MAX_LIFETIME_S)
		exp = now + MAX_LIFETIME_S;
	gnutls_free(p->session_data.data);
	p->session_data = d;
	p->session_expires = exp;
}

int dst_tls_pool_session(const struct dst_tls_pool *p, int64_t now_s, const uint8_t **data,
			 size_t *len, int64_t *expires_s)
{
	if (!p->session_data.data || p->session_data.size == 0 || p->session_expires <= now_s)
		return DST_ENOENT;
	*data = p->session_data.data;
	*len = p->session_data.size;
	*expires_s = p->session_expires;
	return 0;
}

int dst_tls_pool_set_session(struct dst_tls_pool *p, const uint8_t *data, size_t len,
			     int64_t expires_s, int64_t now_s)
{
	gnutls_datum_t d;

	if (len == 0 || len > MAX_SESSION_LEN)
		return DST_EINVAL;
	if (expires_s <= now_s)
		return DST_ENOENT;
	if (p->session_data.data)
		return 0;
	d.data = gnutls_malloc(len);
	if (!d.data)
		return DST_ENOMEM;
	memcpy(d.data, data, len);
	d.size = (unsigned)len;
	p->session_data = d;
	p->session_expires =
		expires_s > now_s + MAX_LIFETIME_S ? now_s + MAX_LIFETIME_S : expires_s;
	return 0;
}
