/*
 * Small helpers every part of resolver/ shares: a socket address as text
 * and its length, and the "(N so far)" counter that turns a flood of one
 * event into a few log lines.
 */
#ifndef DST_BASE_ADDR_H
#define DST_BASE_ADDR_H

#include <stdint.h>
#include <netinet/in.h>
#include <sys/socket.h>

#define DST_ADDR_TEXT_LEN INET6_ADDRSTRLEN

/* The IP address of sa (AF_INET or AF_INET6) as text in buf; "?" for anything else. */
const char *dst_addr_text(const struct sockaddr *sa, char buf[DST_ADDR_TEXT_LEN]);

/* The length of sa by its family: sizeof(struct sockaddr_in6) or sockaddr_in. */
socklen_t dst_addr_len(const struct sockaddr *sa);

/*
 * Counts one event in *counter and logs the message as a warning
 * (printf-style, with "(N so far)" added) when the count is a power of
 * two. The _atomic form is for counters that worker threads share.
 */
void dst_count_log(uint64_t *counter, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void dst_count_log_atomic(uint64_t *counter, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
