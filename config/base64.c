/*
 * A strict decoder for standard base64 (RFC 4648 section 4), for the
 * pin-sha256 values of the configuration (config/ does not link GnuTLS),
 * and the encoder that prints them back (print.c).
 *
 * Strict means that each byte string has exactly one accepted spelling:
 * the alphabet A-Z a-z 0-9 + / only (no line breaks, spaces or base64url),
 * a length that is a multiple of 4, "=" padding only to complete the last
 * group (one or two, never a whole group of it), and the bits that padding
 * drops all zero. These are the strings GnuTLS's decoder accepted here
 * before (spaces apart, which values.c refused first), checked against it
 * for every string of up to 8 characters from "AQgZ+/=", with one exception:
 * it also took "A===" as a last group after others (decoding to nothing),
 * which no encoder writes.
 *
 * The encoder writes the one spelling the decoder accepts. No allocation:
 * the caller gives the output buffer.
 */
#include "config/internal.h"
#include "dns/err.h"

/* The 6-bit value of c, or -1 outside the alphabet ("=" included). */
static int sextet(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int dst_config__base64_decode(const char *in, size_t len, uint8_t *out, size_t cap, size_t *out_len)
{
	size_t pad = 0, n, o = 0;
	uint32_t group = 0;

	if (len % 4 != 0)
		return DST_EINVAL;
	while (pad < 2 && pad < len && in[len - 1 - pad] == '=')
		pad++;
	/* Every other character, a third "=" included, must be a sextet. */
	for (size_t i = 0; i < len - pad; i++)
		if (sextet((unsigned char)in[i]) < 0)
			return DST_EINVAL;
	/* The bits padding drops: 4 of the last sextet with "==", 2 with "=". */
	if (pad > 0 && (sextet((unsigned char)in[len - 1 - pad]) & (pad == 2 ? 0x0f : 0x03)) != 0)
		return DST_EINVAL;
	n = len / 4 * 3 - pad;
	*out_len = n;
	if (n > cap)
		return DST_ENOSPC;
	for (size_t i = 0; i < len; i++) {
		group = group << 6 | (uint32_t)(in[i] == '=' ? 0 : sextet((unsigned char)in[i]));
		if (i % 4 == 3) {
			for (int shift = 16; shift >= 0 && o < n; shift -= 8)
				out[o++] = (uint8_t)(group >> shift);
			group = 0;
		}
	}
	return 0;
}

void dst_config__base64_encode(const uint8_t *in, size_t len, char *out)
{
	static const char alphabet[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

	for (size_t i = 0; i < len; i += 3) {
		uint32_t group = (uint32_t)in[i] << 16;
		size_t left = len - i;

		if (left > 1)
			group |= (uint32_t)in[i + 1] << 8;
		if (left > 2)
			group |= in[i + 2];
		*out++ = alphabet[group >> 18 & 63];
		*out++ = alphabet[group >> 12 & 63];
		*out++ = left > 1 ? alphabet[group >> 6 & 63] : '=';
		*out++ = left > 2 ? alphabet[group & 63] : '=';
	}
	*out = '\0';
}
