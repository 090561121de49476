/* Address text and the "(N so far)" counter (base/addr.h). */
#include "config.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "resolver/base/addr.h"
#include "resolver/base/log.h"

const char *dst_addr_text(const struct sockaddr *sa, char buf[DST_ADDR_TEXT_LEN])
{
	const void *ip;

	if (sa->sa_family == AF_INET6)
		ip = &((const struct sockaddr_in6 *)sa)->sin6_addr;
	else if (sa->sa_family == AF_INET)
		ip = &((const struct sockaddr_in *)sa)->sin_addr;
	else
		return strcpy(buf, "?");
	if (!inet_ntop(sa->sa_family, ip, buf, DST_ADDR_TEXT_LEN))
		strcpy(buf, "?");
	return buf;
}

socklen_t dst_addr_len(const struct sockaddr *sa)
{
	return sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
}

static void log_count(uint64_t n, const char *fmt, va_list ap)
{
	char msg[512];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	dst_log(DST_LOG_WARN, "%s (%llu so far)", msg, (unsigned long long)n);
}

void dst_count_log(uint64_t *counter, const char *fmt, ...)
{
	uint64_t n = ++*counter;
	va_list ap;

	if (n & (n - 1))
		return;
	va_start(ap, fmt);
	log_count(n, fmt, ap);
	va_end(ap);
}

void dst_count_log_atomic(uint64_t *counter, const char *fmt, ...)
{
	uint64_t n = __atomic_add_fetch(counter, 1, __ATOMIC_RELAXED);
	va_list ap;

	if (n & (n - 1))
		return;
	va_start(ap, fmt);
	log_count(n, fmt, ap);
	va_end(ap);
}
