/*
 * /metrics over HTTP ([server] metrics = ADDR:PORT, loopback only): a
 * minimal HTTP/1.0 server for a Prometheus scraper. GET /metrics (and
 * HEAD) gets the text exposition format; any other path 404, any other
 * method 405, a malformed request 400, a request over 4 KiB 431, one that
 * is not complete within 5 s is closed. One request per connection,
 * closed after the response; at most 8 connections at once.
 */
#ifndef DST_METRICS_H
#define DST_METRICS_H

#include "config/config.h"

struct dst_admin_src;
struct dst_metrics;

/* Binds and listens on addr. Errors are logged. *out is NULL on failure. */
int dst_metrics_open(const struct dst_admin_src *src, const struct dst_config_addr *addr,
		     struct dst_metrics **out);

/* Stops listening; open connections finish their response. NULL is a no-op. */
void dst_metrics_close(struct dst_metrics *m);

#endif
