/*
 * dotstub: an encrypted DNS stub resolver.
 *
 * main() reads the command line and the configuration, then runs one libuv
 * loop until SIGINT or SIGTERM. It always stays in the foreground: systemd
 * and procd supervise it.
 */
#include "config.h"

#include <getopt.h>
#include <gnutls/gnutls.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#include "config/config.h"
#include "dns/err.h"
#include "resolver/log.h"
#include "resolver/privilege.h"
#include "resolver/server.h"

#define DEFAULT_CONFIG SYSCONFDIR "/dotstub/dotstub.conf"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: dotstub [-c FILE] [-t] [-v]... [-V] [-h]\n"
		"  -c FILE  configuration file (default " DEFAULT_CONFIG
		" if present,\n"
		"           else built-in defaults)\n"
		"  -t       check the configuration, print problems or \"ok\", and exit\n"
		"  -v       more log output (repeatable)\n"
		"  -V       print the version and exit\n"
		"  -h       print this help and exit\n");
}

static void print_config_error(void *arg, const char *msg)
{
	unsigned *count = arg;

	(*count)++;
	fprintf(stderr, "%s\n", msg);
}

static int load_config(const char *path, bool explicit_path, struct dst_config **cfg)
{
	unsigned errors = 0;

	if (!explicit_path && access(path, F_OK) != 0)
		return dst_config_default(cfg);
	return dst_config_load(path, cfg, print_config_error, &errors);
}

int main(int argc, char **argv)
{
	const char *path = DEFAULT_CONFIG;
	bool explicit_path = false, check_only = false;
	int opt;

	while ((opt = getopt(argc, argv, "c:tvVh")) != -1) {
		switch (opt) {
		case 'c':
			path = optarg;
			explicit_path = true;
			break;
		case 't':
			check_only = true;
			break;
		case 'v':
			dst_log_threshold++;
			break;
		case 'V':
			printf("dotstub %s (GnuTLS %s, libuv %s)\n", PACKAGE_VERSION,
			       gnutls_check_version(NULL), uv_version_string());
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}

	struct dst_config *cfg = NULL;
	int r = load_config(path, explicit_path, &cfg);
	if (check_only) {
		if (r == 0)
			printf("ok\n");
		dst_config_free(cfg);
		return r == 0 ? 0 : 1;
	}
	if (r < 0) {
		dst_log(DST_LOG_ERR, "configuration not usable: %s", dst_strerror(r));
		return 1;
	}

	signal(SIGPIPE, SIG_IGN);
	uv_loop_t loop;
	uv_loop_init(&loop);
	struct dst_server *srv = NULL;
	r = dst_server_new(&loop, cfg, &srv);
	if (r < 0) {
		dst_log(DST_LOG_ERR, "cannot start: %s", dst_strerror(r));
	} else {
		/* Trust stores are loaded and sockets bound: root is no longer needed. */
		r = dst_privilege_drop(cfg->user, cfg->chroot);
		if (r < 0)
			dst_log(DST_LOG_ERR, "cannot start: privileges not dropped as configured");
	}
	if (r < 0) {
		if (srv)
			dst_server_stop(srv);
	} else {
		dst_log(DST_LOG_NOTICE, "dotstub %s running with %s", PACKAGE_VERSION,
			cfg->file ? cfg->file : "built-in defaults");
	}
	uv_run(&loop, UV_RUN_DEFAULT);
	dst_server_free(srv);
	int closed = uv_loop_close(&loop);
	if (closed != 0)
		dst_log(DST_LOG_WARN, "handles left open at exit: %s", uv_strerror(closed));
	dst_config_free(cfg);
	return r < 0 ? 1 : 0;
}
