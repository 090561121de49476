/*
 * /metrics for Prometheus (see metrics.h): just enough HTTP/1.0 for a
 * scraper, served by reqsrv.c on a TCP listener.
 *
 * A request is read until the blank line that ends its headers (CRLF or
 * bare LF line ends); only the request line is looked at. The body is
 * rebuilt for every request (report.c), so a scrape costs work in
 * proportion to the number of upstreams, never to the cache's size.
 * The listener only ever binds a loopback address: the configuration
 * refuses any other (statistics say how busy each client network is).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/err.h"
#include "resolver/admin/admin.h"
#include "resolver/base/log.h"
#include "resolver/admin/metrics.h"
#include "resolver/admin/report.h"
#include "resolver/io/reqsrv.h"

#define MAX_REQUEST 4096
#define MAX_CONNS 8
#define TIMEOUT_MS 5000

struct dst_metrics {
	const struct dst_admin_src *src;
	struct dst_reqsrv *rs;
};

static void reply(struct dst_buf *out, const char *status, const char *ctype, const char *extra,
		  const struct dst_buf *body, bool head)
{
	dst_buf_printf(out,
		       "HTTP/1.0 %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n%s"
		       "Connection: close\r\n\r\n",
		       status, ctype, body->len, extra);
	if (!head && body->len)
		dst_buf_printf(out, "%.*s", (int)body->len, body->data);
	if (body->failed)
		out->failed = true;
}

static void reply_text(struct dst_buf *out, const char *status, const char *extra, bool head)
{
	struct dst_buf body = {0};

	dst_buf_printf(&body, "%s\n", status);
	reply(out, status, "text/plain; charset=utf-8", extra, &body, head);
	dst_buf_free(&body);
}

static bool on_request(void *arg, const char *req, size_t len, bool overflow, struct dst_buf *out)
{
	struct dst_metrics *m = arg;
	char method[16], target[1024], version[16];
	bool head;

	if (!strstr(req, "\r\n\r\n") && !strstr(req, "\n\n")) {
		if (!overflow)
			return false;
		reply_text(out, "431 Request Header Fields Too Large", "", false);
		return true;
	}
	if (sscanf(req, "%15[A-Z] %1023[^ \r\n] %15[^\r\n]", method, target, version) != 3 ||
	    strncmp(version, "HTTP/1.", 7) != 0 || target[0] != '/') {
		reply_text(out, "400 Bad Request", "", false);
		return true;
	}
	head = strcmp(method, "HEAD") == 0;
	if (!head && strcmp(method, "GET") != 0) {
		reply_text(out, "405 Method Not Allowed", "Allow: GET, HEAD\r\n", false);
		return true;
	}
	target[strcspn(target, "?#")] = '\0';
	if (strcmp(target, "/metrics") != 0) {
		reply_text(out, "404 Not Found", "", head);
		return true;
	}
	struct dst_buf body = {0};
	dst_report_metrics(m->src, &body);
	reply(out, "200 OK", "text/plain; version=0.0.4; charset=utf-8", "", &body, head);
	dst_buf_free(&body);
	return true;
}

static void on_freed(void *arg)
{
	free(arg);
}

static void on_handle_free(uv_handle_t *h)
{
	free(h);
}

int dst_metrics_open(const struct dst_admin_src *src, const struct dst_config_addr *addr,
		     struct dst_metrics **out)
{
	struct dst_metrics *m = calloc(1, sizeof(*m));
	uv_tcp_t *tcp = malloc(sizeof(*tcp));
	const struct sockaddr *sa = (const struct sockaddr *)&addr->ss;
	int r;

	*out = NULL;
	if (!m || !tcp) {
		free(m);
		free(tcp);
		return DST_ENOMEM;
	}
	m->src = src;
	uv_tcp_init(src->loop, tcp);
	r = uv_tcp_bind(tcp, sa, sa->sa_family == AF_INET6 ? UV_TCP_IPV6ONLY : 0);
	struct dst_reqsrv_opts o = {
		.max_request = MAX_REQUEST,
		.max_conns = MAX_CONNS,
		.timeout_ms = TIMEOUT_MS,
		.request = on_request,
		.freed = on_freed,
		.arg = m,
	};
	/* A port in use shows at listen: libuv reports bind errors there. */
	if (r < 0)
		uv_close((uv_handle_t *)tcp, on_handle_free);
	else
		r = dst_reqsrv_start(src->loop, (uv_stream_t *)tcp, &o, &m->rs);
	if (r < 0) {
		/* On failure the reqsrv freed the listener and never calls freed. */
		dst_log(DST_LOG_ERR, "metrics %s: %s", addr->text, uv_strerror(r));
		free(m);
		return r;
	}
	dst_log(DST_LOG_INFO, "metrics on http://%s/metrics", addr->text);
	*out = m;
	return 0;
}

void dst_metrics_close(struct dst_metrics *m)
{
	if (m)
		dst_reqsrv_close(m->rs);
}
