/*
 * The control socket (see control.h): a Unix stream socket served by
 * reqsrv.c, with one command per connection.
 *
 * The socket file is created with mode 0600 (umask 077 around the bind,
 * and a chmod for certainty): only its owner (and root) can connect, and
 * every command, reload and flush included, is open to whoever can. It is
 * created before privileges are dropped, so under a `user` it belongs to
 * root; under systemd's User= or DynamicUser= to that user.
 *
 * Commands run synchronously in the loop; "reload" too, so its reply says
 * whether it was applied and lists the file's problems.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "dns/err.h"
#include "resolver/admin/control.h"
#include "resolver/admin/report.h"
#include "resolver/admin/admin.h"
#include "resolver/base/log.h"
#include "resolver/io/reqsrv.h"

#define MAX_REQUEST 1024
#define MAX_CONNS 8
#define MAX_WORDS 32 /* zone add DOMAIN, up to 8 servers, options */
#define TIMEOUT_MS 5000

struct dst_control {
	const struct dst_admin_src *src;
	struct dst_reqsrv *rs;
	char *path;
};

static const char usage[] = "expected status, upstreams, stats, flush [NAME], reload, config, "
			    "save, zones, zone add|del, "
			    "hotspot or help";

static void flush(const struct dst_admin_src *src, const char *name, struct dst_buf *out)
{
	uint8_t wire[DST_DNS_MAX_NAME];
	struct dst_cache_stats cs;
	size_t len;

	if (!src->cache) {
		dst_buf_printf(out, "error: the cache is off ([cache] size = 0)\n");
		return;
	}
	if (!name) {
		dst_cache_get_stats(src->cache, &cs);
		dst_cache_clear(src->cache);
		dst_log(DST_LOG_NOTICE, "control: cache flushed (%zu entries)", cs.entries);
		dst_buf_printf(out, "ok\nflushed: %zu entries\n", cs.entries);
		return;
	}
	if (!(len = dst_dns_name_from_text(name, wire))) {
		dst_buf_printf(out, "error: \"%s\" is not a domain name like www.example.com\n",
			       name);
		return;
	}
	size_t n = dst_cache_flush_name(src->cache, wire, len);
	dst_log(DST_LOG_NOTICE, "control: %s flushed from the cache (%zu entries)", name, n);
	dst_buf_printf(out, "ok\nflushed: %zu entries for %s\n", n, name);
}

/* Collects the file's problems for the reply, after the status line. */
static void on_reload_error(void *arg, const char *msg)
{
	struct dst_buf *errs = arg;

	dst_buf_printf(errs, "%s\n", msg);
}

static void reload(const struct dst_admin_src *src, struct dst_buf *out)
{
	struct dst_buf errs = {0};
	int r;

	dst_log(DST_LOG_NOTICE, "control: reloading the configuration");
	r = src->reload(src->reload_arg, on_reload_error, &errs);
	if (r == 0)
		dst_buf_printf(out, "ok\nreloaded: %s\n",
			       src->cfg->file ? src->cfg->file : "built-in defaults");
	else
		dst_buf_printf(out,
			       "error: reload failed (%s): still running with the previous "
			       "configuration\n%s",
			       dst_strerror(r), errs.data ? errs.data : "");
	dst_buf_free(&errs);
}

/* Writes the persisted state now, as at shutdown. */
static void save_state(const struct dst_admin_src *src, struct dst_buf *out)
{
	char what[512];
	int r;

	if (!src->save) {
		dst_buf_printf(out, "error: saving state is not available\n");
		return;
	}
	r = src->save(src->reload_arg, what, sizeof what);
	if (r == 0)
		dst_buf_printf(out, "ok\nsaved: %s\n", what[0] ? what : "unchanged");
	else if (r == DST_ENOENT)
		dst_buf_printf(out, "error: no state to save to: [server] state-dir is not set, or "
				    "not writable (see the log)\n");
	else
		dst_buf_printf(out, "error: state not saved: %s (see the log)\n", dst_strerror(r));
}

static void on_config_line(void *arg, const char *line)
{
	dst_buf_printf(arg, "%s\n", line);
}

/* The running configuration, as "dotstub -t -v" prints a file's. */
static void config(const struct dst_admin_src *src, struct dst_buf *out)
{
	struct dst_buf text = {0};
	const struct dst_config *file = src->file_cfg ? src->file_cfg : src->cfg;
	int r = dst_config_print(file, on_config_line, &text);

	/* Zones added at run time are no part of the file: comments, so the text stays one. */
	for (size_t i = file->nzones; r == 0 && i < src->cfg->nzones; i++) {
		const struct dst_config_zone *z = &src->cfg->zones[i];
		const struct dst_config_upstream *u =
			z->nupstreams ? &src->cfg->upstreams[z->upstreams[0]] : NULL;
		dst_buf_printf(&text, "%s# runtime: [zone %s] to %s (%s%s%s)\n",
			       i == file->nzones ? "\n" : "", z->name, u ? u->name : "-",
			       u && u->transport == DST_CONFIG_TRANSPORT_DNS ? "plain DNS" : "DoT",
			       u && u->naddrs ? " " : "", u && u->naddrs ? u->addrs[0].text : "");
	}
	if (r == 0 && text.failed)
		r = DST_ENOMEM;
	if (r == 0)
		dst_buf_printf(out, "ok\n%s", text.data ? text.data : "");
	else
		dst_buf_printf(out, "error: %s\n", dst_strerror(r));
	dst_buf_free(&text);
}

static bool on_request(void *arg, const char *req, size_t len, bool overflow, struct dst_buf *out)
{
	struct dst_control *ctl = arg;
	const struct dst_admin_src *src = ctl->src;
	char line[MAX_REQUEST + 1], *words[MAX_WORDS] = {NULL}, *save = NULL;
	const char *nl = memchr(req, '\n', len);
	size_t n = 0;

	if (overflow && !nl) {
		dst_buf_printf(out, "error: no complete command line (at most %d bytes)\n",
			       MAX_REQUEST);
		return true;
	}
	if (!nl)
		return false;
	memcpy(line, req, (size_t)(nl - req));
	line[nl - req] = '\0';
	for (char *w = strtok_r(line, " \t\r", &save); w && n < MAX_WORDS;
	     w = strtok_r(NULL, " \t\r", &save))
		words[n++] = w;
	if (n > 0 && n < MAX_WORDS && src->command &&
	    src->command(src->reload_arg, (int)n, words, out))
		return true;
	if (n == 0 || (n > 1 && strcmp(words[0], "flush") != 0) || n > 2) {
		dst_buf_printf(out, "error: %s\n", usage);
		return true;
	}
	if (strcmp(words[0], "status") == 0) {
		dst_buf_printf(out, "ok\n");
		dst_report_status(src, out);
	} else if (strcmp(words[0], "upstreams") == 0) {
		dst_buf_printf(out, "ok\n");
		dst_report_upstreams(src, out);
	} else if (strcmp(words[0], "stats") == 0) {
		dst_buf_printf(out, "ok\n");
		dst_report_stats(src, out);
	} else if (strcmp(words[0], "flush") == 0) {
		flush(src, words[1], out);
	} else if (strcmp(words[0], "reload") == 0) {
		reload(src, out);
	} else if (strcmp(words[0], "config") == 0) {
		config(src, out);
	} else if (strcmp(words[0], "save") == 0) {
		save_state(src, out);
	} else if (strcmp(words[0], "help") == 0) {
		dst_buf_printf(out, "ok\n%s\n", usage);
	} else {
		dst_buf_printf(out, "error: unknown command \"%.40s\"; %s\n", words[0], usage);
	}
	return true;
}

static void on_freed(void *arg)
{
	struct dst_control *ctl = arg;

	free(ctl->path);
	free(ctl);
}

static void on_handle_free(uv_handle_t *h)
{
	free(h);
}

/* Makes room for the socket: a stale one (nobody listening) is removed. */
static int clear_path(const char *path, const struct sockaddr_un *sun)
{
	struct stat st;
	int fd, r;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode))
		return DST_EINVAL;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	r = connect(fd, (const struct sockaddr *)sun, sizeof(*sun));
	close(fd);
	if (r == 0)
		return UV_EADDRINUSE;
	return unlink(path) == 0 || errno == ENOENT ? 0 : -errno;
}

int dst_control_open(const struct dst_admin_src *src, const char *path, struct dst_control **out)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	struct dst_control *ctl = calloc(1, sizeof(*ctl));
	uv_pipe_t *pipe = malloc(sizeof(*pipe));
	int r;

	*out = NULL;
	if (!ctl || !pipe || !(ctl->path = strdup(path)) || strlen(path) >= sizeof(sun.sun_path)) {
		r = ctl && pipe && ctl->path ? DST_EINVAL : DST_ENOMEM;
		goto fail;
	}
	memcpy(sun.sun_path, path, strlen(path));
	r = clear_path(path, &sun);
	if (r == DST_EINVAL || r == UV_EADDRINUSE) {
		dst_log(DST_LOG_ERR, "control %s: %s", path,
			r == DST_EINVAL ? "exists and is not a socket"
					: "another process is serving this socket");
		goto fail;
	}
	uv_pipe_init(src->loop, pipe, 0);
	mode_t old = umask(0077);
	r = uv_pipe_bind(pipe, path);
	umask(old);
	if (r == 0 && chmod(path, 0600) < 0)
		r = -errno;
	if (r < 0) {
		dst_log(DST_LOG_ERR, "control %s: %s", path, uv_strerror(r));
		uv_close((uv_handle_t *)pipe, on_handle_free);
		goto fail_closing;
	}
	ctl->src = src;
	struct dst_reqsrv_opts o = {
		.max_request = MAX_REQUEST,
		.max_conns = MAX_CONNS,
		.timeout_ms = TIMEOUT_MS,
		.request = on_request,
		.freed = on_freed,
		.arg = ctl,
	};
	r = dst_reqsrv_start(src->loop, (uv_stream_t *)pipe, &o, &ctl->rs);
	if (r < 0) {
		dst_log(DST_LOG_ERR, "control %s: %s", path, uv_strerror(r));
		unlink(path);
		goto fail_closing;
	}
	dst_log(DST_LOG_INFO, "control socket %s", path);
	*out = ctl;
	return 0;
fail:
	free(pipe);
fail_closing:
	if (ctl)
		free(ctl->path);
	free(ctl);
	return r;
}

void dst_control_close(struct dst_control *ctl)
{
	if (!ctl)
		return;
	/* Best effort: from a chroot or without write access to the directory, it stays. */
	unlink(ctl->path);
	dst_reqsrv_close(ctl->rs);
}
