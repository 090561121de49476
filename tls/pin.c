/*
 * dst_tls_probe (see pin.h): a plain blocking GnuTLS client for the
 * "dotstub pin" command. It never runs inside the loop, so it uses a
 * blocking socket with send/receive timeouts instead of libuv, and it
 * shares nothing with the pool: the handshake accepts any certificate,
 * and whatever the chain is worth is reported, not enforced.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "dns/err.h"
#include "tls/pin.h"

/* Opens a TCP connection to addr within timeout_ms; returns the socket or a negated errno. */
static int connect_within(const struct sockaddr *addr, unsigned timeout_ms)
{
	socklen_t len = addr->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
						    : sizeof(struct sockaddr_in);
	struct timeval tv = {.tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000};
	struct pollfd pfd;
	int fd, err = 0, r;
	socklen_t elen = sizeof(err);

	fd = socket(addr->sa_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	r = connect(fd, addr, len);
	if (r < 0 && errno == EINPROGRESS) {
		pfd = (struct pollfd){.fd = fd, .events = POLLOUT};
		r = poll(&pfd, 1, (int)timeout_ms);
		if (r == 0)
			err = ETIMEDOUT;
		else if (r < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0)
			err = errno;
	} else if (r < 0) {
		err = errno;
	}
	if (!err && (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) < 0 ||
		     setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
		     setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0))
		err = errno;
	if (err) {
		close(fd);
		return -err;
	}
	return fd;
}

static void dn_text(const gnutls_datum_t *der, char *out, size_t cap)
{
	gnutls_x509_dn_t dn;
	gnutls_datum_t txt = {NULL, 0};

	snprintf(out, cap, "?");
	if (gnutls_x509_dn_init(&dn) < 0)
		return;
	if (gnutls_x509_dn_import(dn, der) >= 0 && gnutls_x509_dn_get_str2(dn, &txt, 0) >= 0)
		snprintf(out, cap, "%.*s", (int)txt.size, (const char *)txt.data);
	gnutls_free(txt.data);
	gnutls_x509_dn_deinit(dn);
}

/* Fills in one certificate's description; false if it cannot be parsed. */
static bool describe(const gnutls_datum_t *der, struct dst_tls_cert_info *ci)
{
	gnutls_x509_crt_t crt;
	gnutls_pubkey_t pub = NULL;
	gnutls_datum_t dn = {NULL, 0}, spki = {NULL, 0}, b64 = {NULL, 0};
	uint8_t digest[32];
	bool ok = false;

	if (gnutls_x509_crt_init(&crt) < 0)
		return false;
	if (gnutls_x509_crt_import(crt, der, GNUTLS_X509_FMT_DER) < 0)
		goto out;
	/* Both return a copy of the DER name, ours to free. */
	if (gnutls_x509_crt_get_raw_dn(crt, &dn) >= 0)
		dn_text(&dn, ci->subject, sizeof(ci->subject));
	gnutls_free(dn.data);
	dn.data = NULL;
	if (gnutls_x509_crt_get_raw_issuer_dn(crt, &dn) >= 0)
		dn_text(&dn, ci->issuer, sizeof(ci->issuer));
	gnutls_free(dn.data);
	time_t t = gnutls_x509_crt_get_expiration_time(crt);
	ci->not_after = t == (time_t)-1 ? -1 : (int64_t)t;
	gnutls_datum_t in = {digest, sizeof(digest)};
	if (gnutls_pubkey_init(&pub) < 0 || gnutls_pubkey_import_x509(pub, crt, 0) < 0 ||
	    gnutls_pubkey_export2(pub, GNUTLS_X509_FMT_DER, &spki) < 0 ||
	    gnutls_hash_fast(GNUTLS_DIG_SHA256, spki.data, spki.size, digest) < 0 ||
	    gnutls_base64_encode2(&in, &b64) < 0 || b64.size >= sizeof(ci->pin))
		goto out;
	memcpy(ci->pin, b64.data, b64.size);
	ci->pin[b64.size] = '\0';
	ok = true;
out:
	gnutls_free(b64.data);
	gnutls_free(spki.data);
	if (pub)
		gnutls_pubkey_deinit(pub);
	gnutls_x509_crt_deinit(crt);
	return ok;
}

static void check_name(gnutls_session_t s, const char *tls_name, struct dst_tls_probe *out)
{
	unsigned status = 0;
	gnutls_datum_t txt = {NULL, 0};
	int r = gnutls_certificate_verify_peers3(s, tls_name, &status);

	out->name_checked = true;
	if (r < 0) {
		snprintf(out->name_problem, sizeof(out->name_problem), "%s", gnutls_strerror(r));
		return;
	}
	out->name_ok = status == 0;
	if (status &&
	    gnutls_certificate_verification_status_print(status, GNUTLS_CRT_X509, &txt, 0) >= 0)
		snprintf(out->name_problem, sizeof(out->name_problem), "%.*s", (int)txt.size,
			 (const char *)txt.data);
	gnutls_free(txt.data);
	for (size_t n = strlen(out->name_problem); n > 0 && out->name_problem[n - 1] == ' '; n--)
		out->name_problem[n - 1] = '\0';
}

int dst_tls_probe(const struct sockaddr *addr, const char *tls_name, const char *ca_file,
		  unsigned timeout_ms, struct dst_tls_probe *out, char *err, size_t errlen)
{
	gnutls_certificate_credentials_t creds = NULL;
	gnutls_session_t s = NULL;
	const gnutls_datum_t *chain;
	unsigned n = 0;
	int fd = -1, r;

	memset(out, 0, sizeof(*out));
	r = gnutls_certificate_allocate_credentials(&creds);
	if (r >= 0)
		r = ca_file ? gnutls_certificate_set_x509_trust_file(creds, ca_file,
								     GNUTLS_X509_FMT_PEM)
			    : gnutls_certificate_set_x509_system_trust(creds);
	if (r < 0) {
		snprintf(err, errlen, "%s: %s", ca_file ? ca_file : "system trust store",
			 gnutls_strerror(r));
		r = DST_ETLS;
		goto done;
	}
	fd = connect_within(addr, timeout_ms);
	if (fd < 0) {
		snprintf(err, errlen, "connect: %s", strerror(-fd));
		r = fd;
		goto done;
	}
	r = gnutls_init(&s, GNUTLS_CLIENT);
	if (r >= 0)
		r = gnutls_set_default_priority(s);
	if (r >= 0)
		r = gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, creds);
	if (r >= 0 && tls_name)
		r = gnutls_server_name_set(s, GNUTLS_NAME_DNS, tls_name, strlen(tls_name));
	if (r >= 0) {
		gnutls_transport_set_int(s, fd);
		gnutls_handshake_set_timeout(s, timeout_ms);
		do
			r = gnutls_handshake(s);
		while (r < 0 && !gnutls_error_is_fatal(r));
	}
	if (r < 0) {
		snprintf(err, errlen, "TLS handshake: %s", gnutls_strerror(r));
		r = DST_ETLS;
		goto done;
	}
	const char *version = gnutls_protocol_get_name(gnutls_protocol_get_version(s));
	snprintf(out->protocol, sizeof(out->protocol), "%s", version ? version : "?");
	chain = gnutls_certificate_get_peers(s, &n);
	for (unsigned i = 0; chain && i < n && out->ncerts < DST_TLS_PROBE_MAX_CERTS; i++)
		if (describe(&chain[i], &out->certs[out->ncerts]))
			out->ncerts++;
	if (out->ncerts == 0) {
		snprintf(err, errlen, "the server presented no readable certificate");
		r = DST_ETLS;
		goto done;
	}
	if (tls_name)
		check_name(s, tls_name, out);
	gnutls_bye(s, GNUTLS_SHUT_WR);
	r = 0;
done:
	if (s)
		gnutls_deinit(s);
	if (fd >= 0)
		close(fd);
	if (creds)
		gnutls_certificate_free_credentials(creds);
	return r;
}
