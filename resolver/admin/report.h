/*
 * What the control socket and /metrics tell: the server's state as text.
 * Built into a growing buffer on demand (never on the query path), from
 * the server's own counters, the cache's and each TLS pool's statistics.
 */
#ifndef DST_REPORT_H
#define DST_REPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "resolver/base/buf.h"

struct dst_admin_src;

/* "key: value" lines for dotstub-control status, upstreams and stats. */
void dst_report_status(const struct dst_admin_src *src, struct dst_buf *b);
void dst_report_upstreams(const struct dst_admin_src *src, struct dst_buf *b);
void dst_report_stats(const struct dst_admin_src *src, struct dst_buf *b);

/* The Prometheus text exposition format, version 0.0.4. */
void dst_report_metrics(const struct dst_admin_src *src, struct dst_buf *b);

#endif
