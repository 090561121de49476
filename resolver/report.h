/*
 * What the control socket and /metrics tell: the server's state as text.
 * Built into a growing buffer on demand (never on the query path), from
 * the server's own counters, the cache's and each TLS pool's statistics.
 */
#ifndef DST_REPORT_H
#define DST_REPORT_H

#include <stdbool.h>
#include <stddef.h>

struct dst_server;

/* A growing text buffer; a failed allocation sets failed and drops later text. */
struct dst_buf {
	char *data;
	size_t len, cap;
	bool failed;
};

void dst_buf_printf(struct dst_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void dst_buf_free(struct dst_buf *b);

/* "key: value" lines for dotstub-control status, upstreams and stats. */
void dst_report_status(struct dst_server *srv, struct dst_buf *b);
void dst_report_upstreams(struct dst_server *srv, struct dst_buf *b);
void dst_report_stats(struct dst_server *srv, struct dst_buf *b);

/* The Prometheus text exposition format, version 0.0.4. */
void dst_report_metrics(struct dst_server *srv, struct dst_buf *b);

#endif
