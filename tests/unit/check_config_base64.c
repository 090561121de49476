/*
 * config/base64.c: the strict base64 decoder behind pin-sha256 and the
 * encoder that prints pins back, tested on their own (the pin messages
 * themselves are in check_config_upstream.c).
 */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "config/internal.h"
#include "dns/err.h"
#include "tests/unit/config_test_util.h"

static int decode(const char *in, uint8_t *out, size_t cap, size_t *n)
{
	return dst_config__base64_decode(in, strlen(in), out, cap, n);
}

START_TEST(test_base64_decodes_the_rfc4648_vectors)
{
	static const struct {
		const char *in, *out;
	} v[] = {
		{"", ""},
		{"Zg==", "f"},
		{"Zm8=", "fo"},
		{"Zm9v", "foo"},
		{"Zm9vYg==", "foob"},
		{"Zm9vYmE=", "fooba"},
		{"Zm9vYmFy", "foobar"},
	};

	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		uint8_t out[8];
		size_t n = 99;

		ck_assert_int_eq(decode(v[i].in, out, sizeof out, &n), 0);
		ck_assert_uint_eq(n, strlen(v[i].out));
		ck_assert_mem_eq(out, v[i].out, n);
	}
}
END_TEST

START_TEST(test_base64_decodes_every_byte_value)
{
	/* The whole alphabet once, in order: 0x00 0x10 0x83 ... 0xf3 0xdf 0xbf. */
	const char *in = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	uint8_t out[48];
	size_t n;

	ck_assert_int_eq(decode(in, out, sizeof out, &n), 0);
	ck_assert_uint_eq(n, 48);
	ck_assert_uint_eq(out[0], 0x00);
	ck_assert_uint_eq(out[1], 0x10);
	ck_assert_uint_eq(out[2], 0x83);
	ck_assert_uint_eq(out[45], 0xf3);
	ck_assert_uint_eq(out[46], 0xdf);
	ck_assert_uint_eq(out[47], 0xbf);
	ck_assert_int_eq(decode("////", out, sizeof out, &n), 0);
	ck_assert_uint_eq(out[0] & out[1] & out[2], 0xff);
}
END_TEST

START_TEST(test_base64_refuses_characters_outside_the_alphabet)
{
	static const char *const bad[] = {
		"Zm9v YmFy", "Zm9v\nYmFy", "Zm9-", "Zm9_", "Zm9*", "Zm9.", "Zm\x80v", "Zm9\xff",
	};
	uint8_t out[8];
	size_t n;

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ck_assert_msg(decode(bad[i], out, sizeof out, &n) == DST_EINVAL, "accepted \"%s\"",
			      bad[i]);
	/* A NUL inside the given length is a character like any other. */
	ck_assert_int_eq(dst_config__base64_decode("Zm\0v", 4, out, sizeof out, &n), DST_EINVAL);
}
END_TEST

START_TEST(test_base64_refuses_bad_padding)
{
	static const char *const bad[] = {
		"Zg",       /* no padding */
		"Zg=",      /* too little */
		"Zm9",      /* no padding, 3 characters */
		"Zm9vYg",   /* no padding after a whole group */
		"Zg===",    /* too much */
		"Z===",     /* three "=" */
		"A===",     /* three "=", even where the dropped bits are zero */
		"====",     /* a group of padding alone */
		"Zm9vA===", /* the same after a whole group */
		"=Zg=",     /* "=" before data */
		"Zg=a",     /* data after "=" */
		"Zg==Zg==", /* padding inside */
		"Zh==",     /* "h" has bits that "==" drops */
		"Zm9=",     /* "9" has bits that "=" drops */
	};
	uint8_t out[8];
	size_t n;

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ck_assert_msg(decode(bad[i], out, sizeof out, &n) == DST_EINVAL, "accepted \"%s\"",
			      bad[i]);
}
END_TEST

START_TEST(test_base64_says_how_long_what_does_not_fit_is)
{
	uint8_t out[32];
	size_t n = 0;

	memset(out, 0xee, sizeof out);
	/* 44 characters, no padding: 33 bytes, one more than a SHA-256 digest. */
	ck_assert_int_eq(
		decode("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", out, sizeof out, &n),
		DST_ENOSPC);
	ck_assert_uint_eq(n, 33);
	ck_assert_uint_eq(out[0], 0xee);
}
END_TEST

START_TEST(test_base64_of_a_sha256_digest_is_32_bytes)
{
	uint8_t out[32];
	size_t n = 0;

	/* The pin of the design document's example. */
	ck_assert_int_eq(
		decode("yioEpqeR4WtDwE9YxNVnCEkTxIjx6EEIwFSQW+lJsbc=", out, sizeof out, &n), 0);
	ck_assert_uint_eq(n, 32);
	ck_assert_uint_eq(out[0], 0xca);
	ck_assert_uint_eq(out[31], 0xb7);
	/* One character short or one group long: other lengths, or not base64. */
	ck_assert_int_eq(decode("yioEpqeR4WtDwE9YxNVnCEkTxIjx6EEIwFSQW+lJsb=", out, sizeof out, &n),
			 DST_EINVAL);
	ck_assert_int_eq(
		decode("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==", out, sizeof out, &n), 0);
	ck_assert_uint_eq(n, 31);
}
END_TEST

START_TEST(test_base64_encoder_writes_what_the_decoder_takes)
{
	static const char *const v[] = {"",         "Zg==",     "Zm8=",    "Zm9v",
					"Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
	uint8_t in[256], back[256];
	char text[400];
	size_t n;

	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		dst_config__base64_encode((const uint8_t *)"foobar", i, text);
		ck_assert_str_eq(text, v[i]);
	}
	for (size_t i = 0; i < sizeof in; i++)
		in[i] = (uint8_t)(255 - i);
	for (size_t len = 0; len <= sizeof in; len += 37) {
		dst_config__base64_encode(in, len, text);
		ck_assert_int_eq(decode(text, back, sizeof back, &n), 0);
		ck_assert_uint_eq(n, len);
		ck_assert_mem_eq(back, in, len);
	}
}
END_TEST

TCase *config_tcase_base64(void)
{
	TCase *tc = tcase_create("base64");

	tcase_add_test(tc, test_base64_decodes_the_rfc4648_vectors);
	tcase_add_test(tc, test_base64_decodes_every_byte_value);
	tcase_add_test(tc, test_base64_refuses_characters_outside_the_alphabet);
	tcase_add_test(tc, test_base64_refuses_bad_padding);
	tcase_add_test(tc, test_base64_says_how_long_what_does_not_fit_is);
	tcase_add_test(tc, test_base64_of_a_sha256_digest_is_32_bytes);
	tcase_add_test(tc, test_base64_encoder_writes_what_the_decoder_takes);
	return tc;
}
