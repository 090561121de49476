/*
 * Trust stores: what an upstream's certificate chain is verified against
 * when it is authenticated by name (tls-name). A store is a ca-file, the
 * system's, or none (a pin-only upstream); each has one set of GnuTLS
 * credentials, shared by reference count among the pools that name it.
 *
 * A store that is a PEM bundle (a ca-file, or the system bundle configure
 * found, DST_SYSTEM_CA_FILE) is opened when the store is set up and read
 * afresh around each full handshake (dst_tls__trust_begin/_end): the
 * credentials hold its CAs only for that one verification. Without a known
 * system bundle, GnuTLS's system trust is loaded into the credentials and
 * held.
 *
 * Invariants: every store in `trusts` has refs > 0 and is freed when the
 * last pool lets go of it; a pool made after dst_tls_trust_refresh never
 * shares a store of an earlier generation. These two are the module's
 * only globals: pools live on one thread (the loop's), so no lock.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <gnutls/x509.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dns/err.h"
#include "tls/internal.h"

enum trust_kind { TRUST_NONE, TRUST_SYSTEM, TRUST_FILE };

struct dst_tls_trust {
	struct dst_tls_trust *next;
	enum trust_kind kind;
	char *ca_file;
	/*
	 * The PEM bundle read at each full handshake (ca_file, or the system's
	 * bundle, DST_SYSTEM_CA_FILE); NULL when creds hold the store itself
	 * (the system store where no bundle file is known).
	 */
	const char *bundle;
	/*
	 * The bundle, opened when the store is set up: it is read through
	 * this descriptor after dotstub has switched user or chrooted.
	 */
	int bundle_fd;
	unsigned generation;
	unsigned refs;
	gnutls_certificate_credentials_t creds;
};

static struct dst_tls_trust *trusts;
static unsigned trust_generation;

void dst_tls_trust_refresh(void)
{
	trust_generation++;
}

void dst_tls__trust_put(struct dst_tls_trust *t)
{
	if (!t || --t->refs > 0)
		return;
	for (struct dst_tls_trust **pp = &trusts; *pp; pp = &(*pp)->next)
		if (*pp == t) {
			*pp = t->next;
			break;
		}
	gnutls_certificate_free_credentials(t->creds);
	if (t->bundle)
		close(t->bundle_fd);
	free(t->ca_file);
	free(t);
}

/*
 * Why the store is read per full handshake instead of held: Debian's system
 * bundle, 144 certificates, takes 3.8 MB once parsed, which was 60% of an
 * idle dotstub's memory with the default `tls-name` trust. A full handshake
 * is rare (sessions resume), and reading the bundle then costs a few
 * milliseconds. Only the certificates whose subject is the issuer of a
 * certificate the upstream sent are kept, for that one verification: the
 * raw DN comparison GnuTLS itself uses to find an issuer in a trust list.
 * The verification itself is GnuTLS's, unchanged (name, chain, dates, key
 * usage, a stapled OCSP response).
 */

#define PEM_BEGIN "-----BEGIN CERTIFICATE-----"
#define PEM_END "-----END CERTIFICATE-----"

/* Reads the whole file behind fd, from its start, into a malloc'd *out. */
static int read_whole(int fd, gnutls_datum_t *out)
{
	size_t cap = 65536, len = 0;
	unsigned char *buf = malloc(cap), *nb;
	ssize_t n;

	if (!buf)
		return GNUTLS_E_MEMORY_ERROR;
	for (;;) {
		if (len == cap) {
			/* A CA bundle is a few hundred kB; refuse anything absurd. */
			if (cap >= (64u << 20) || !(nb = realloc(buf, cap * 2))) {
				free(buf);
				errno = cap >= (64u << 20) ? EFBIG : ENOMEM;
				return GNUTLS_E_FILE_ERROR;
			}
			buf = nb;
			cap *= 2;
		}
		n = pread(fd, buf + len, cap - len, (off_t)len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;

			free(buf);
			errno = e;
			return GNUTLS_E_FILE_ERROR;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	out->data = buf;
	out->size = (unsigned)len;
	return 0;
}

/*
 * Hands each certificate of the PEM file behind fd to fn, which owns it
 * from then on; stops early when fn returns nonzero. Returns how many
 * certificates were read, or a GnuTLS error reading the file.
 */
static int bundle_each(int fd, int (*fn)(gnutls_x509_crt_t crt, void *arg), void *arg)
{
	gnutls_datum_t file = {NULL, 0};
	const char *q, *end;
	int r = read_whole(fd, &file), n = 0;

	if (r < 0)
		return r;
	q = (const char *)file.data;
	end = q + file.size;
	while ((q = memmem(q, (size_t)(end - q), PEM_BEGIN, sizeof PEM_BEGIN - 1)) != NULL) {
		const char *e = memmem(q, (size_t)(end - q), PEM_END, sizeof PEM_END - 1);
		gnutls_datum_t pem;
		gnutls_x509_crt_t crt;

		if (!e)
			break;
		e += sizeof PEM_END - 1;
		pem.data = (unsigned char *)(uintptr_t)q;
		pem.size = (unsigned)(e - q);
		q = e;
		if (gnutls_x509_crt_init(&crt) < 0) {
			r = GNUTLS_E_MEMORY_ERROR;
			break;
		}
		if (gnutls_x509_crt_import(crt, &pem, GNUTLS_X509_FMT_PEM) < 0) {
			gnutls_x509_crt_deinit(crt);
			continue;
		}
		n++;
		if (fn(crt, arg))
			break;
	}
	free(file.data);
	return r < 0 ? r : n;
}

static int bundle_first(gnutls_x509_crt_t crt, void *arg)
{
	(void)arg;
	gnutls_x509_crt_deinit(crt);
	return 1;
}

/*
 * Opens path as t's bundle if it holds at least one certificate; *err is
 * the reason if not.
 */
static bool bundle_open(struct dst_tls_trust *t, const char *path, int *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), n;

	if (fd < 0) {
		*err = GNUTLS_E_FILE_ERROR;
		return false;
	}
	n = bundle_each(fd, bundle_first, NULL);
	*err = n < 0 ? n : 0;
	if (n <= 0) {
		close(fd);
		return false;
	}
	t->bundle = path;
	t->bundle_fd = fd;
	return true;
}

#define MAX_PEER_CERTS 16

struct issuers {
	/* Each peer certificate's issuer and its own subject. */
	gnutls_datum_t dn[2 * MAX_PEER_CERTS];
	unsigned n;
	gnutls_x509_trust_list_t tl;
	int err;
};

static int keep_if_issuer(gnutls_x509_crt_t crt, void *arg)
{
	struct issuers *is = arg;
	gnutls_datum_t dn = {NULL, 0};
	bool keep = false;

	if (gnutls_x509_crt_get_raw_dn(crt, &dn) == 0) {
		for (unsigned i = 0; i < is->n && !keep; i++)
			keep = dn.size == is->dn[i].size &&
			       memcmp(dn.data, is->dn[i].data, dn.size) == 0;
		gnutls_free(dn.data);
	}
	/* The list owns what it took; a failed add leaves crt to us. */
	if (!keep || gnutls_x509_trust_list_add_cas(is->tl, &crt, 1, 0) != 1)
		gnutls_x509_crt_deinit(crt);
	return 0;
}

int dst_tls__trust_begin(struct dst_tls_pool *p, gnutls_session_t s)
{
	struct dst_tls_trust *t = p->trust;
	const gnutls_datum_t *raw;
	struct issuers is = {.n = 0};
	unsigned n = 0;
	int r;

	if (!t || !t->bundle)
		return 0;
	raw = gnutls_certificate_get_peers(s, &n);
	if (n > MAX_PEER_CERTS)
		n = MAX_PEER_CERTS;
	for (unsigned i = 0; raw && i < n; i++) {
		gnutls_x509_crt_t crt;

		if (gnutls_x509_crt_init(&crt) < 0)
			break;
		/*
		 * The subject too: GnuTLS also trusts a certificate that is
		 * itself in the store (a ca-file holding the upstream's own
		 * certificate), found by the certificate's own DN.
		 */
		if (gnutls_x509_crt_import(crt, &raw[i], GNUTLS_X509_FMT_DER) == 0) {
			if (gnutls_x509_crt_get_raw_issuer_dn(crt, &is.dn[is.n]) == 0)
				is.n++;
			if (gnutls_x509_crt_get_raw_dn(crt, &is.dn[is.n]) == 0)
				is.n++;
		}
		gnutls_x509_crt_deinit(crt);
	}
	r = gnutls_x509_trust_list_init(&is.tl, 0);
	if (r == 0) {
		r = bundle_each(t->bundle_fd, keep_if_issuer, &is);
		/* Installed even if the read failed: empty, the check then fails. */
		gnutls_certificate_set_trust_list(t->creds, is.tl, 0);
	}
	for (unsigned i = 0; i < is.n; i++)
		gnutls_free(is.dn[i].data);
	if (r < 0) {
		dst_tls__set_error(p, "%s: cannot read the trust store (%s)", t->bundle,
				   gnutls_strerror(r));
		return DST_ECERTVERIFY;
	}
	return 0;
}

void dst_tls__trust_end(struct dst_tls_pool *p)
{
	struct dst_tls_trust *t = p->trust;
	gnutls_x509_trust_list_t empty;

	/* Out of memory keeps the few CAs of the last check: still the store's. */
	if (t && t->bundle && gnutls_x509_trust_list_init(&empty, 0) == 0)
		gnutls_certificate_set_trust_list(t->creds, empty, 0);
}

/* What to do about a missing system store, said wherever it is missing. */
#define NO_SYSTEM_STORE_HELP \
	"install ca-certificates, or give ca-file, or pin-sha256 without tls-name"

/*
 * Why the system store could not be used, in p's last error. With a
 * system bundle configured (configure --with-system-ca-file), the message
 * names it, with the reason unless the file is simply not there;
 * otherwise it was GnuTLS's own system trust. bundle_r and bundle_errno
 * are bundle_open's result for the bundle.
 */
static void no_system_store(struct dst_tls_pool *p, int bundle_r, int bundle_errno)
{
#ifdef DST_SYSTEM_CA_FILE
	if (bundle_r == GNUTLS_E_FILE_ERROR && bundle_errno == ENOENT)
		dst_tls__set_error(p, "no system trust store at %s: " NO_SYSTEM_STORE_HELP,
				   DST_SYSTEM_CA_FILE);
	else
		dst_tls__set_error(p, "no system trust store at %s (%s): " NO_SYSTEM_STORE_HELP,
				   DST_SYSTEM_CA_FILE,
				   bundle_r == GNUTLS_E_FILE_ERROR ? strerror(bundle_errno)
				   : bundle_r < 0                  ? gnutls_strerror(bundle_r)
								   : "no certificate in it");
#else
	(void)bundle_r;
	(void)bundle_errno;
	dst_tls__set_error(p, "no system trust store (GnuTLS's system trust is empty or "
			      "unreadable): " NO_SYSTEM_STORE_HELP);
#endif
}

/*
 * The system store is the configured bundle if it holds a certificate,
 * else GnuTLS's own system trust (held in the credentials) if that has
 * any; neither is DST_ENOTRUST, as is a ca-file without a certificate.
 */
static int trust_load(struct dst_tls_pool *p, struct dst_tls_trust *t)
{
	int r = 0, e = 0;

	if (gnutls_certificate_allocate_credentials(&t->creds) < 0)
		return DST_ENOMEM;
	if (t->kind == TRUST_FILE) {
		if (!bundle_open(t, t->ca_file, &r)) {
			dst_tls__set_error(p, "%s: no usable CA certificate (%s)", t->ca_file,
					   r == GNUTLS_E_FILE_ERROR ? strerror(errno)
					   : r < 0                  ? gnutls_strerror(r)
								    : "none found");
			return DST_ENOTRUST;
		}
	} else if (t->kind == TRUST_SYSTEM) {
#ifdef DST_SYSTEM_CA_FILE
		if (bundle_open(t, DST_SYSTEM_CA_FILE, &r))
			return 0;
		e = errno;
#endif
		if (gnutls_certificate_set_x509_system_trust(t->creds) <= 0) {
			no_system_store(p, r, e);
			return DST_ENOTRUST;
		}
	}
	return 0;
}

int dst_tls__trust_get(struct dst_tls_pool *p, const struct dst_tls_opts *o)
{
	enum trust_kind kind = o->ca_file ? TRUST_FILE : o->tls_name ? TRUST_SYSTEM : TRUST_NONE;
	struct dst_tls_trust *t;
	int r;

	for (t = trusts; t; t = t->next)
		if (t->generation == trust_generation && t->kind == kind &&
		    (kind != TRUST_FILE || strcmp(t->ca_file, o->ca_file) == 0)) {
			t->refs++;
			p->trust = t;
			p->creds = t->creds;
			return 0;
		}
	t = calloc(1, sizeof(*t));
	if (!t)
		return DST_ENOMEM;
	t->kind = kind;
	t->refs = 1;
	t->generation = trust_generation;
	if (kind == TRUST_FILE && !(t->ca_file = strdup(o->ca_file))) {
		free(t);
		return DST_ENOMEM;
	}
	r = trust_load(p, t);
	if (r < 0) {
		if (t->creds)
			gnutls_certificate_free_credentials(t->creds);
		free(t->ca_file);
		free(t);
		return r;
	}
	t->next = trusts;
	trusts = t;
	p->trust = t;
	p->creds = t->creds;
	return 0;
}
