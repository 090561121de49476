/*
 * Looking at a DoT server's certificate chain from the command line
 * ("dotstub pin"): one blocking TLS handshake with GnuTLS, outside the
 * loop, that authenticates nothing and reports what the server presented,
 * with each certificate's pin-sha256 value (the base64 SHA-256 of its DER
 * SubjectPublicKeyInfo, as tls/ checks pins).
 */
#ifndef DST_TLS_PIN_H
#define DST_TLS_PIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define DST_TLS_PROBE_MAX_CERTS 16

struct dst_tls_cert_info {
	char subject[256]; /* RFC 4514 distinguished name */
	char issuer[256];
	int64_t not_after; /* Unix seconds; -1 if unreadable */
	char pin[48];      /* pin-sha256 value: base64, 44 characters */
};

struct dst_tls_probe {
	char protocol[32]; /* "TLS1.3" */
	size_t ncerts;     /* as presented, server's first; at most DST_TLS_PROBE_MAX_CERTS */
	struct dst_tls_cert_info certs[DST_TLS_PROBE_MAX_CERTS];
	bool name_checked;      /* a tls_name was given */
	bool name_ok;           /* the chain verifies for it against the trust store */
	char name_problem[256]; /* why not, when !name_ok */
};

/*
 * Connects to addr (port included) over TCP and completes a TLS handshake,
 * sending tls_name as SNI when not NULL, without authenticating the
 * server; then describes the chain in *out and, with tls_name, checks it
 * against ca_file (PEM; NULL: the system trust store). Blocks; every step
 * (connect, handshake) is bounded by timeout_ms. Returns 0, or a negative
 * code with a one-line reason in err (errlen bytes).
 */
int dst_tls_probe(const struct sockaddr *addr, const char *tls_name, const char *ca_file,
		  unsigned timeout_ms, struct dst_tls_probe *out, char *err, size_t errlen);

#endif
