/*
 * DNS names, types and rcodes as text, for logs, reports and the control
 * socket (never on the query path). Bounded like the wire reader: every
 * function takes the length it may read or write.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "dns/dns.h"

const char *dst_dns_type_name(uint16_t type, char buf[DST_DNS_TEXT_LEN])
{
	static const struct {
		uint16_t type;
		const char *name;
	} types[] = {
		{1, "A"},      {2, "NS"},     {5, "CNAME"},   {6, "SOA"},   {12, "PTR"},
		{15, "MX"},    {16, "TXT"},   {28, "AAAA"},   {33, "SRV"},  {35, "NAPTR"},
		{43, "DS"},    {46, "RRSIG"}, {48, "DNSKEY"}, {52, "TLSA"}, {64, "SVCB"},
		{65, "HTTPS"}, {255, "ANY"},  {257, "CAA"},
	};

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (types[i].type == type)
			return types[i].name;
	snprintf(buf, DST_DNS_TEXT_LEN, "TYPE%u", type);
	return buf;
}

const char *dst_dns_rcode_name(unsigned rcode, char buf[DST_DNS_TEXT_LEN])
{
	static const char *const names[DST_DNS_NAMED_RCODES] = {
		"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED",
	};

	if (rcode < DST_DNS_NAMED_RCODES)
		return names[rcode];
	snprintf(buf, DST_DNS_TEXT_LEN, "RCODE%u", rcode);
	return buf;
}

size_t dst_dns_name_to_text(const uint8_t *wire, size_t len, size_t off,
			    char out[DST_DNS_NAME_TEXT_LEN])
{
	size_t n = 0;

	while (off < len && wire[off] != 0) {
		size_t label = wire[off++];
		if (label > 63 || off + label > len || n + 4 * label + 2 > 4 * 255)
			return 0;
		for (size_t i = 0; i < label; i++) {
			uint8_t c = wire[off + i];
			if (c > 0x20 && c < 0x7f && c != '.' && c != '\\')
				out[n++] = (char)c;
			else
				n += (size_t)snprintf(out + n, 5, "\\%03u", c);
		}
		out[n++] = '.';
		off += label;
	}
	if (off >= len)
		return 0;
	if (n == 0)
		out[n++] = '.';
	out[n] = '\0';
	return off + 1;
}

size_t dst_dns_name_from_text(const char *s, uint8_t out[DST_DNS_MAX_NAME])
{
	size_t n = 0;

	if (strcmp(s, ".") == 0)
		s = "";
	while (*s) {
		size_t l = strcspn(s, ".");
		if (l == 0 || l > 63 || n + l + 2 > DST_DNS_MAX_NAME)
			return 0;
		for (size_t i = 0; i < l; i++)
			if ((unsigned char)s[i] <= 0x20 || s[i] == '\\' ||
			    (unsigned char)s[i] >= 0x7f)
				return 0;
		out[n++] = (uint8_t)l;
		memcpy(out + n, s, l);
		n += l;
		s += l;
		if (*s == '.')
			s++;
	}
	out[n++] = 0;
	return n;
}
