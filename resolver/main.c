/*
 * dotstub: an encrypted DNS stub resolver.
 *
 * main() reads the command line and the configuration, then runs one libuv
 * loop until SIGINT or SIGTERM (SIGHUP reloads the configuration). It
 * always stays in the foreground: systemd and procd supervise it, and it
 * tells systemd when it is ready, reloading and stopping (sd_notify).
 * "dotstub pin HOST" (pincmd.c) and "dotstub import-stubby [FILE]"
 * (stubby.c) are separate commands.
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
#include "resolver/base/log.h"
#include "resolver/base/notify.h"
#include "resolver/cli/pincmd.h"
#include "resolver/cli/stubby.h"
#include "resolver/privilege.h"
#include "resolver/server.h"
#include "resolver/trust.h"
#include "tls/clock.h"
#if DST_DNSSEC
#include "resolver/validate/validate.h"
#endif

static void usage(FILE *out)
{
	fprintf(out,
		"usage: dotstub [-c FILE] [-S DIR] [-t] [-v]... [-V] [-h]\n"
		"       dotstub pin HOST[:PORT] [--name TLSNAME] [--ca-file FILE]\n"
		"       dotstub import-stubby [FILE]\n"
		"  -c FILE  configuration file (default " DST_CONFIG_DEFAULT_PATH " if present,\n"
		"           else built-in defaults)\n"
		"  -S DIR   [server] state-dir when the configuration sets none (what\n"
		"           the service unit passes: StateDirectory=)\n"
		"  -t       check the configuration, print problems or \"ok\", and exit;\n"
		"           with -v, then print the effective configuration\n"
		"  -v       more log output (repeatable)\n"
		"  -V       print the version and exit\n"
		"  -h       print this help and exit\n"
		"  pin      show a DoT server's certificates and their pin-sha256 values\n"
		"  import-stubby  print a dotstub.conf equivalent to Stubby's FILE\n"
		"           (default " DST_STUBBY_DEFAULT_PATH ")\n"
		"Signals: SIGHUP reloads the configuration; SIGTERM and SIGINT stop.\n");
}

static void print_config_error(void *arg, const char *msg)
{
	unsigned *count = arg;

	(*count)++;
	fprintf(stderr, "%s\n", msg);
}

static void print_config_line(void *arg, const char *line)
{
	(void)arg;
	printf("%s\n", line);
}

static int load_config(const char *path, bool explicit_path, struct dst_config **cfg)
{
	unsigned errors = 0;

	if (!explicit_path && access(path, F_OK) != 0)
		return dst_config_default(cfg);
	return dst_config_load(path, cfg, print_config_error, &errors);
}

/*
 * What is valid but probably a mistake, for -t: FILE:LINE: warning: ...
 * (the line of the upstream's section header). The configuration is still
 * ok; dotstub also logs these when it starts.
 */
static void print_warnings(const struct dst_config *cfg)
{
	for (size_t i = 0; i < cfg->nupstreams; i++) {
		const struct dst_config_upstream *u = &cfg->upstreams[i];

		if (u->npins == 1)
			fprintf(stderr,
				"%s:%u: warning: [upstream %s] has a single pin-sha256 and "
				"no backup pin: when the server's key changes, every query to it "
				"fails until this file changes too (dotstub pin shows the CA's "
				"pin)\n",
				cfg->file ? cfg->file : "<built-in>", u->line, u->name);
	}
}

/*
 * For -t: the trust anchors parse (dotstub loads them the same way when it
 * starts). A bad one is a configuration problem, printed as FILE:LINE.
 */
static int check_trust_anchors(const struct dst_config *cfg)
{
	struct dst_val_anchors *ta = NULL;
	char err[1024];
	int r = dst_trust_anchors_load(cfg, &ta, err, sizeof(err));

	if (r == DST_ENOMEM)
		return r;
	if (r < 0) {
		fprintf(stderr, "%s\n", err[0] ? err : dst_strerror(r));
		return DST_ECONFIG;
	}
#if DST_DNSSEC
	dst_val_anchors_free(ta);
#endif
	return 0;
}

/* -V's second line: the clock floor a system clock is checked against (tls/clock.h). */
static void print_build_time(void)
{
	int64_t t = dst_tls_clock_floor(NULL);
	char text[32];

	dst_tls_clock_text(t, text, sizeof(text));
	printf("built %s (@%lld): a system clock before that is wrong\n", text, (long long)t);
}

int main(int argc, char **argv)
{
	const char *path = DST_CONFIG_DEFAULT_PATH, *state_dir = NULL;
	bool explicit_path = false, check_only = false;
	int opt;

	if (argc > 1 && strcmp(argv[1], "pin") == 0)
		return dst_pin_main(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "import-stubby") == 0)
		return dst_stubby_main(argc - 1, argv + 1);
	while ((opt = getopt(argc, argv, "c:S:tvVh")) != -1) {
		switch (opt) {
		case 'S':
			if (optarg[0] != '/') {
				fprintf(stderr, "dotstub: -S %s: expected an absolute path\n",
					optarg);
				return 2;
			}
			state_dir = optarg;
			break;
		case 'c':
			path = optarg;
			explicit_path = true;
			break;
		case 't':
			check_only = true;
			break;
		case 'v':
			dst_log_verbose++;
			dst_log_threshold++;
			break;
		case 'V':
			printf("dotstub %s (GnuTLS %s, libuv %s)\n", PACKAGE_VERSION,
			       gnutls_check_version(NULL), uv_version_string());
			print_build_time();
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
	if (r == 0)
		r = dst_server_config_state_dir(cfg, state_dir);
	if (check_only) {
		if (r == 0)
			r = check_trust_anchors(cfg);
		if (r == 0) {
			print_warnings(cfg);
			printf("ok\n");
			/* -t -v: then what dotstub would run with, in the file's syntax. */
			if (dst_log_verbose > 0)
				r = dst_config_print(cfg, print_config_line, NULL);
			if (r == 0 && (fflush(stdout) != 0 || ferror(stdout)))
				r = -EIO;
			if (r < 0)
				fprintf(stderr, "dotstub: printing the configuration: %s\n",
					dst_strerror(r));
		}
		dst_config_free(cfg);
		return r == 0 ? 0 : 1;
	}
	if (r < 0) {
		dst_log(DST_LOG_ERR, "configuration not usable: %s", dst_strerror(r));
		return 1;
	}
	dst_log_configure(cfg->log, cfg->log_level);

	signal(SIGPIPE, SIG_IGN);
	/* Before any chroot: the service manager's socket is outside it. */
	dst_notify_open();
	uv_loop_t loop;
	uv_loop_init(&loop);
	struct dst_server *srv = NULL;
	const char *user = cfg->user, *root = cfg->chroot, *file = cfg->file;
	r = dst_server_new(&loop, cfg, &srv); /* srv owns cfg from here on */
	if (r == 0)
		r = dst_server_set_config_path(srv, path, explicit_path);
	if (r == 0)
		r = dst_server_set_state_dir_default(srv, state_dir);
	if (r < 0) {
		dst_log(DST_LOG_ERR, "cannot start: %s", dst_strerror(r));
	} else {
		/* Trust stores are loaded and sockets bound: root is no longer needed. */
		r = dst_privilege_drop(user, root);
		if (r < 0)
			dst_log(DST_LOG_ERR, "cannot start: privileges not dropped as configured");
	}
	if (r < 0) {
		if (srv)
			dst_server_stop(srv);
	} else {
		/* After the drop: the state directory must still be writable (else: logged). */
		dst_server_started(srv);
		dst_log(DST_LOG_NOTICE, "dotstub %s running with %s", PACKAGE_VERSION,
			file ? file : "built-in defaults");
		dst_notify("READY=1\nSTATUS=running with %s", file ? file : "built-in defaults");
	}
	uv_run(&loop, UV_RUN_DEFAULT);
	dst_server_free(srv);
	int closed = uv_loop_close(&loop);
	if (closed != 0)
		dst_log(DST_LOG_WARN, "handles left open at exit: %s", uv_strerror(closed));
	dst_notify_close();
	return r < 0 ? 1 : 0;
}
