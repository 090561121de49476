/*
 * The resident memory DNSSEC signature checking adds to a process that has
 * GnuTLS loaded (as dotstub does), for docs/design-decisions.md. Each
 * variant is its own binary (bench/dnssec-mem.sh builds them), verifies the
 * same ECDSA P-256 RRSIG over the test root's DNSKEY set (fuzz/validate_zone.h)
 * once, then prints VmRSS, RssAnon and RssFile from /proc/self/status.
 *   MODE_BASE       GnuTLS initialized, nothing else
 *   MODE_NETTLE     + the signature checked by GnuTLS (nettle/hogweed)
 *   MODE_LDNS_IDLE  + libldns linked (so libcrypto and libssl), not called
 *   MODE_LDNS_GT    ldns for the records (canonical form), GnuTLS for the signature
 *   MODE_LDNS       ldns checks the signature (libcrypto)
 *   MODE_VALIDATOR  resolver/validate/ builds the root's key set (DS match + signature)
 */
#include <stdbool.h>

#define MODE_BASE 0
#define MODE_NETTLE 1
#define MODE_LDNS_IDLE 2
#define MODE_LDNS_GT 3
#define MODE_LDNS 4
#define MODE_VALIDATOR 5

#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <stdio.h>
#include <string.h>
#if MODE != MODE_BASE && MODE != MODE_NETTLE
#include <ldns/ldns.h>
#endif
#include "fuzz/validate_zone.h"
#if MODE == MODE_VALIDATOR
#include "resolver/validate/validate.h"
#endif

static void rss(const char *label)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];

	printf("%-34s", label);
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "VmRSS", 5) || !strncmp(line, "RssAnon", 7) ||
		    !strncmp(line, "RssFile", 7)) {
			char *v = line + strcspn(line, " \t");
			line[strcspn(line, "\n")] = '\0';
			while (*v == ' ' || *v == '\t')
				v++;
			printf(" %.*s=%s", (int)strcspn(line, ":"), line, v);
		}
	printf("\n");
	if (f)
		fclose(f);
}

/* GnuTLS check of an ECDSA P-256 RRSIG: key x||y, signature r||s. */
static int gnutls_check(const unsigned char *key, const unsigned char *sig,
			const unsigned char *data, size_t n)
{
	gnutls_pubkey_t pub;
	gnutls_datum_t x = {(unsigned char *)key, 32}, y = {(unsigned char *)key + 32, 32};
	gnutls_datum_t r = {(unsigned char *)sig, 32}, s = {(unsigned char *)sig + 32, 32};
	gnutls_datum_t d = {(unsigned char *)data, (unsigned)n}, der;
	int rc;

	gnutls_pubkey_init(&pub);
	rc = gnutls_pubkey_import_ecc_raw(pub, GNUTLS_ECC_CURVE_SECP256R1, &x, &y);
	if (rc == 0)
		rc = gnutls_encode_rs_value(&der, &r, &s);
	if (rc == 0)
		rc = gnutls_pubkey_verify_data2(pub, GNUTLS_SIGN_ECDSA_SHA256, 0, &d, &der);
	return rc < 0 ? 1 : 0;
}

#if MODE == MODE_NETTLE
static size_t from_file(const char *path, unsigned char *buf, size_t n)
{
	FILE *f = fopen(path, "rb");
	size_t got = f ? fread(buf, 1, n, f) : 0;

	if (f)
		fclose(f);
	return got;
}
#endif

#if MODE >= MODE_LDNS_GT
static ldns_rr_list *keys;
static ldns_rr *sig, *ksk;

static void load(void)
{
	const char *s = fuzz_validate_root;

	keys = ldns_rr_list_new();
	while (*s) {
		const char *nl = strchr(s, '\n');
		size_t n = (size_t)(nl - s);
		char line[512];
		ldns_rr *rr;

		memcpy(line, s, n);
		line[n] = '\0';
		s += n + 1;
		if (ldns_rr_new_frm_str(&rr, line, 3600, NULL, NULL) != LDNS_STATUS_OK)
			continue;
		if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_DNSKEY) {
			ldns_rr_list_push_rr(keys, rr);
			if (ldns_rdf2native_int16(ldns_rr_rdf(rr, 0)) == 257)
				ksk = rr;
		} else if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_RRSIG &&
			   ldns_rdf2rr_type(ldns_rr_rrsig_typecovered(rr)) == LDNS_RR_TYPE_DNSKEY) {
			sig = rr;
		}
	}
}
#endif

int main(int argc, char **argv)
{
	int bad = 0;

	gnutls_global_init();
#if MODE == MODE_BASE
	rss("gnutls only (baseline)");
#elif MODE == MODE_NETTLE
	/* The signed bytes, key and signature, written by the LDNS_GT variant. */
	unsigned char data[4096], key[64], s[64];
	size_t n = from_file(argc > 1 ? argv[1] : "data.bin", data, sizeof(data));
	from_file(argc > 2 ? argv[2] : "key.bin", key, sizeof(key));
	from_file(argc > 3 ? argv[3] : "sig.bin", s, sizeof(s));
	bad = gnutls_check(key, s, data, n);
	rss("gnutls/nettle checks the RRSIG");
#elif MODE == MODE_LDNS_IDLE
	(void)ldns_version();
	rss("ldns linked, not called");
#elif MODE == MODE_LDNS_GT
	load();
	ldns_buffer *b = ldns_buffer_new(4096);
	ldns_rrsig2buffer_wire(b, sig);
	for (size_t i = 0; i < ldns_rr_list_rr_count(keys); i++)
		ldns_rr2canonical(ldns_rr_list_rr(keys, i));
	ldns_rr_list_sort(keys);
	for (size_t i = 0; i < ldns_rr_list_rr_count(keys); i++)
		ldns_rr2buffer_wire_canonical(b, ldns_rr_list_rr(keys, i), LDNS_SECTION_ANSWER);
	bad = gnutls_check(ldns_rdf_data(ldns_rr_rdf(ksk, 3)), ldns_rdf_data(ldns_rr_rdf(sig, 8)),
			   ldns_buffer_begin(b), ldns_buffer_position(b));
	if (argc > 1) { /* write the inputs of the NETTLE variant */
		FILE *f = fopen("data.bin", "wb");
		fwrite(ldns_buffer_begin(b), 1, ldns_buffer_position(b), f);
		fclose(f);
		f = fopen("key.bin", "wb");
		fwrite(ldns_rdf_data(ldns_rr_rdf(ksk, 3)), 1, 64, f);
		fclose(f);
		f = fopen("sig.bin", "wb");
		fwrite(ldns_rdf_data(ldns_rr_rdf(sig, 8)), 1, 64, f);
		fclose(f);
	}
	rss("ldns records + gnutls checks it");
#elif MODE == MODE_LDNS
	load();
	bad = ldns_verify_rrsig_time(keys, sig, ksk, FUZZ_VALIDATE_NOW) != LDNS_STATUS_OK;
	rss("ldns (libcrypto) checks the RRSIG");
#elif MODE == MODE_VALIDATOR
	struct dst_val_anchors *ta;
	struct dst_val_zone *z = NULL;
	struct dst_val_result r;
	char err[200];
	uint8_t *w;
	size_t len;

	dst_val_anchors_new(&ta);
	dst_val_anchors_add(ta, fuzz_validate_anchor, err, sizeof(err));
	load();
	ldns_pkt *p = ldns_pkt_query_new(ldns_dname_new_frm_str("."), LDNS_RR_TYPE_DNSKEY,
					 LDNS_RR_CLASS_IN, 0);
	for (size_t i = 0; i < ldns_rr_list_rr_count(keys); i++)
		ldns_pkt_push_rr(p, LDNS_SECTION_ANSWER, ldns_rr_clone(ldns_rr_list_rr(keys, i)));
	ldns_pkt_push_rr(p, LDNS_SECTION_ANSWER, ldns_rr_clone(sig));
	ldns_pkt2wire(&w, p, &len);
	struct dst_val_env env = {.anchors = ta, .now_s = FUZZ_VALIDATE_NOW};
	dst_val_zone_build(&env, (const uint8_t *)"", 1, NULL, 0, w, len, &z, &r);
	bad = !z || r.status != DST_VAL_SECURE;
	rss("resolver/validate/ (ldns, libcrypto)");
#endif
	(void)argc;
	(void)argv;
	if (bad)
		printf("  (the signature did NOT verify: the figure is not comparable)\n");
	return bad;
}
