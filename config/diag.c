/*
 * Diagnostics for the parser and the value parsers: "FILE:LINE: message",
 * values quoted back safely, and the growing arrays they fill. Below both
 * config.c and values.c, so that neither calls the other's helpers.
 */
#include "config/internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ERRORS 50 /* problems reported before giving up */

void dst_config__perr_at(struct parser *p, unsigned line, const char *fmt, ...)
{
	char msg[1024], full[4096 + sizeof msg];
	va_list ap;

	if (p->stop)
		return;
	if (++p->nerrors > MAX_ERRORS) {
		p->stop = true;
		snprintf(msg, sizeof msg, "too many errors, giving up");
	} else {
		va_start(ap, fmt);
		vsnprintf(msg, sizeof msg, fmt, ap);
		va_end(ap);
	}
	snprintf(full, sizeof full, "%s:%u: %s", p->file, line, msg);
	if (p->err)
		p->err(p->arg, full);
}

const char *dst_config__quote(char buf[QUOTE_MAX + 4], const char *s)
{
	size_t n = QUOTE_MAX;

	if (strlen(s) <= QUOTE_MAX)
		return s;
	while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
		n--;
	memcpy(buf, s, n);
	memcpy(buf + n, "...", 4);
	return buf;
}

void dst_config__bad_value(struct parser *p, const struct key *k, const char *val, const char *why)
{
	char qb[QUOTE_MAX + 4];

	perr(p, "%s: expected %s, got \"%s\"%s%s%s", k->name, k->expect, dst_config__quote(qb, val),
	     why ? " (" : "", why ? why : "", why ? ")" : "");
}

void *dst_config__grow(void *arr, size_t n, size_t size)
{
	if (n & (n - 1))
		return arr; /* n is not a power of two: the capacity has room */
	return realloc(arr, (n ? 2 * n : 1) * size);
}
