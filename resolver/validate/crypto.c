/*
 * The validator's cryptography, through GnuTLS (nettle), which dotstub
 * links anyway: RRSIG signatures checked against a DNSKEY's public key,
 * and DS digests. ldns would do both through libcrypto, which costs
 * megabytes of resident memory on a router (docs/design-decisions.md).
 *
 * Keys and signatures arrive in their DNSSEC wire forms and are turned
 * into what GnuTLS takes: RSA (RFC 3110) exponent length, exponent and
 * modulus; ECDSA (RFC 6605) x || y and a signature r || s, which GnuTLS
 * wants DER-encoded; EdDSA (RFC 8080) the key and signature as they are.
 * Nothing is kept between calls.
 */
#include "config.h"
#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <string.h>

#include "dns/err.h"
#include "internal.h"

/* RSA moduli dotstub checks, bytes: RFC 3110's 512 to 4096 bits (a
 * bigger key would only make each check cost more). */
#define RSA_MIN_MODULUS 64
#define RSA_MAX_MODULUS 512

static gnutls_datum_t datum(const uint8_t *p, size_t n)
{
	return (gnutls_datum_t){(unsigned char *)p, (unsigned int)n};
}

/* RFC 3110 2: one byte of exponent length, or zero and two bytes. */
static int import_rsa(gnutls_pubkey_t pub, const uint8_t *key, size_t n, const char **why)
{
	size_t elen, off;

	if (n < 1) {
		*why = "empty RSA key";
		return DST_EINVAL;
	}
	if (key[0] != 0) {
		elen = key[0];
		off = 1;
	} else {
		if (n < 3) {
			*why = "truncated RSA key";
			return DST_EINVAL;
		}
		elen = (size_t)key[1] << 8 | key[2];
		off = 3;
	}
	if (elen == 0 || elen > n - off || n - off - elen < RSA_MIN_MODULUS ||
	    n - off - elen > RSA_MAX_MODULUS) {
		*why = "RSA key of a size dotstub does not check";
		return DST_EINVAL;
	}
	gnutls_datum_t e = datum(key + off, elen);
	gnutls_datum_t m = datum(key + off + elen, n - off - elen);
	if (gnutls_pubkey_import_rsa_raw(pub, &m, &e) < 0) {
		*why = "RSA key does not import";
		return DST_EINVAL;
	}
	return 0;
}

/* The GnuTLS form of one DNSSEC algorithm. */
struct alg {
	gnutls_sign_algorithm_t sign;
	gnutls_ecc_curve_t curve; /* ECDSA, EdDSA */
	size_t key_len;           /* ECDSA: x || y; EdDSA: the key; RSA: 0 */
	size_t sig_len;           /* fixed for all but RSA */
	bool ecdsa;
};

static bool alg_of(uint8_t alg, struct alg *a)
{
	memset(a, 0, sizeof(*a));
	switch (alg) {
	case DST_VAL_ALG_RSASHA256:
		a->sign = GNUTLS_SIGN_RSA_SHA256;
		return true;
	case DST_VAL_ALG_RSASHA512:
		a->sign = GNUTLS_SIGN_RSA_SHA512;
		return true;
	case DST_VAL_ALG_ECDSAP256SHA256:
		*a = (struct alg){GNUTLS_SIGN_ECDSA_SHA256, GNUTLS_ECC_CURVE_SECP256R1, 64, 64,
				  true};
		return true;
	case DST_VAL_ALG_ECDSAP384SHA384:
		*a = (struct alg){GNUTLS_SIGN_ECDSA_SHA384, GNUTLS_ECC_CURVE_SECP384R1, 96, 96,
				  true};
		return true;
	case DST_VAL_ALG_ED25519:
		*a = (struct alg){GNUTLS_SIGN_EDDSA_ED25519, GNUTLS_ECC_CURVE_ED25519, 32, 64,
				  false};
		return true;
#if DST_VAL_HAVE_ED448
	case DST_VAL_ALG_ED448:
		*a = (struct alg){GNUTLS_SIGN_EDDSA_ED448, GNUTLS_ECC_CURVE_ED448, 57, 114, false};
		return true;
#endif
	default:
		return false;
	}
}

int dst_val__sig_verify(uint8_t alg, const uint8_t *key, size_t key_len, const uint8_t *sig,
			size_t sig_len, const uint8_t *data, size_t data_len, const char **why)
{
	gnutls_pubkey_t pub = NULL;
	gnutls_datum_t s = datum(sig, sig_len), d = datum(data, data_len), der = {NULL, 0};
	struct alg a;
	int rc = DST_EINVAL;
	int g;

	*why = "";
	if (!alg_of(alg, &a)) {
		*why = "algorithm not supported";
		return DST_EINVAL;
	}
	if (a.key_len && key_len != a.key_len) {
		*why = "public key of the wrong length";
		return DST_EINVAL;
	}
	if (a.sig_len && sig_len != a.sig_len) {
		*why = "signature of the wrong length";
		return DST_EINVAL;
	}
	if (gnutls_pubkey_init(&pub) < 0) {
		*why = "out of memory";
		return DST_ENOMEM;
	}
	if (!a.key_len) {
		rc = import_rsa(pub, key, key_len, why);
		if (rc < 0)
			goto done;
		rc = DST_EINVAL;
	} else {
		gnutls_datum_t x = datum(key, a.ecdsa ? key_len / 2 : key_len);
		gnutls_datum_t y = datum(key + key_len / 2, key_len / 2);

		if (gnutls_pubkey_import_ecc_raw(pub, a.curve, &x, a.ecdsa ? &y : NULL) < 0) {
			*why = "public key does not import";
			goto done;
		}
	}
	if (a.ecdsa) {
		/* DNSSEC sends r || s (RFC 6605 4); GnuTLS verifies DER. */
		gnutls_datum_t r = datum(sig, sig_len / 2),
			       ss = datum(sig + sig_len / 2, sig_len / 2);

		if (gnutls_encode_rs_value(&der, &r, &ss) < 0) {
			*why = "signature does not encode";
			goto done;
		}
		s = der;
	}
	g = gnutls_pubkey_verify_data2(pub, a.sign, 0, &d, &s);
	if (g < 0) {
		*why = gnutls_strerror(g);
		goto done;
	}
	rc = 0;
done:
	gnutls_free(der.data);
	gnutls_pubkey_deinit(pub);
	return rc;
}

int dst_val__digest(uint8_t digest, const uint8_t *data, size_t n, uint8_t *out, size_t *out_len)
{
	gnutls_digest_algorithm_t d;

	switch (digest) {
	case DST_VAL_DIGEST_SHA256:
		d = GNUTLS_DIG_SHA256;
		*out_len = 32;
		break;
	case DST_VAL_DIGEST_SHA384:
		d = GNUTLS_DIG_SHA384;
		*out_len = 48;
		break;
	default:
		return DST_EINVAL;
	}
	return gnutls_hash_fast(d, data, n, out) < 0 ? DST_EINVAL : 0;
}
