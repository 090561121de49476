/*
 * dotstub-control: asks a running dotstub one thing through its control
 * socket ([server] control) and prints the answer.
 *
 * The socket is -s PATH, else the control key of the configuration file
 * (-c FILE, default the one dotstub reads), else /run/dotstub/control.
 * The protocol is one line out, text back until the server closes (see
 * resolver/admin/control.h). Exit status: 0 the command succeeded, 1 dotstub
 * answered with an error, 2 usage, 3 no answer (not running, no access,
 * timeout).
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "config/config.h"

#define DEFAULT_SOCKET "/run/dotstub/control"
#define MAX_REPLY (16 * 1024 * 1024)

static void usage(FILE *out)
{
	fprintf(out,
		"usage: dotstub-control [-s SOCKET | -c FILE] [-T SECONDS] COMMAND [ARGS]\n"
		"commands:\n"
		"  status     version, uptime, configuration file, listeners\n"
		"  upstreams  each upstream's state, queries, failures by cause, connections\n"
		"  stats      queries, cache hits and misses, answers by rcode, limits\n"
		"  flush      empty the cache; flush NAME drops only NAME's entries\n"
		"  reload     re-read the configuration (as SIGHUP does) and say how it went\n"
		"  config     the running configuration, every key with where it came from\n"
		"  save       write the persisted state ([server] state-dir) now\n"
		"  zones      every zone: where it came from (file:line or runtime), its "
		"upstreams\n"
		"  zone add DOMAIN ADDR[:PORT]... [--tls-name NAME] [--tag TAG]\n"
		"             route DOMAIN to these servers until deleted or restart: plain\n"
		"             DNS (port 53), or DNS over TLS (853) checked against NAME\n"
		"  zone del DOMAIN | --tag TAG\n"
		"             delete a runtime zone, or every one with that tag\n"
		"  hotspot DURATION ADDR[:PORT]... | hotspot off\n"
		"             send every name to these plain DNS servers (a captive portal's)\n"
		"             for DURATION (90s, 5m; at most 15m), or end that early\n"
		"options:\n"
		"  -s SOCKET  the control socket (default: [server] control in the\n"
		"             configuration file, else " DEFAULT_SOCKET ")\n"
		"  -c FILE    the configuration file to find it in "
		"(default " DST_CONFIG_DEFAULT_PATH ")\n"
		"  -T SECONDS how long to wait for the answer (default 10)\n");
}

static void ignore_error(void *arg, const char *msg)
{
}

/* The control path the configuration names; NULL (with a message) when it names none. */
static char *socket_from_config(const char *path, bool explicit_path)
{
	struct dst_config *cfg = NULL;
	char *sock = NULL;

	if (dst_config_load(path, &cfg, ignore_error, NULL) < 0) {
		if (explicit_path)
			fprintf(stderr,
				"dotstub-control: %s: cannot read it or not valid (dotstub -t "
				"-c %s says why)\n",
				path, path);
		return explicit_path ? NULL : strdup(DEFAULT_SOCKET);
	}
	if (cfg->control)
		sock = strdup(cfg->control);
	else
		fprintf(stderr,
			"dotstub-control: %s has no [server] control line: dotstub "
			"serves no control socket\n",
			path);
	dst_config_free(cfg);
	return sock;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Sends the command and reads the whole reply into *out (NUL-terminated). */
static int ask(const char *sock, const char *cmd, int timeout_ms, char **out, size_t *len)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	size_t cap = 4096, n = 0, clen = strlen(cmd);
	int64_t deadline = now_ms() + timeout_ms;
	char *buf;
	int fd;

	if (strlen(sock) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "dotstub-control: %s: path too long for a socket\n", sock);
		return -1;
	}
	memcpy(sun.sun_path, sock, strlen(sock));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		fprintf(stderr, "dotstub-control: %s: %s%s\n", sock, strerror(errno),
			errno == ENOENT || errno == ECONNREFUSED ? " (is dotstub running with "
								   "[server] control set?)"
			: errno == EACCES ? " (the socket is its owner's only: try as root)"
					  : "");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (send(fd, cmd, clen, MSG_NOSIGNAL) != (ssize_t)clen) {
		fprintf(stderr, "dotstub-control: %s: %s\n", sock, strerror(errno));
		close(fd);
		return -1;
	}
	buf = malloc(cap);
	while (buf) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		int64_t left = deadline - now_ms();
		if (left <= 0 || poll(&pfd, 1, (int)left) <= 0) {
			fprintf(stderr, "dotstub-control: no answer from %s within %d s\n", sock,
				timeout_ms / 1000);
			break;
		}
		if (n + 1 == cap) {
			char *b = cap < MAX_REPLY ? realloc(buf, cap * 2) : NULL;
			if (!b)
				break;
			buf = b;
			cap *= 2;
		}
		ssize_t r = read(fd, buf + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			close(fd);
			buf[n] = '\0';
			*out = buf;
			*len = n;
			return r == 0 ? 0 : -1;
		}
		n += (size_t)r;
	}
	free(buf);
	close(fd);
	return -1;
}

int main(int argc, char **argv)
{
	const char *sock = NULL, *config = DST_CONFIG_DEFAULT_PATH;
	bool explicit_config = false;
	char cmd[1100], *reply = NULL, *owned = NULL;
	unsigned long timeout_s = 10;
	size_t len = 0;
	char *end;
	int opt;

	while ((opt = getopt(argc, argv, "+s:c:T:h")) != -1) {
		switch (opt) {
		case 's':
			sock = optarg;
			break;
		case 'c':
			config = optarg;
			explicit_config = true;
			break;
		case 'T':
			timeout_s = strtoul(optarg, &end, 10);
			if (!*optarg || *end || timeout_s == 0 || timeout_s > 3600) {
				fprintf(stderr,
					"dotstub-control: -T: expected 1 to 3600 seconds\n");
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	/* zone, hotspot: any number of words, checked by dotstub; the others: as before. */
	bool words = optind < argc &&
		     (strcmp(argv[optind], "zone") == 0 || strcmp(argv[optind], "hotspot") == 0);
	if (optind >= argc || (!words && argc - optind > 2) ||
	    (!words && argc - optind == 2 && strcmp(argv[optind], "flush") != 0)) {
		usage(stderr);
		return 2;
	}
	size_t clen = 0;
	for (int i = optind; i < argc; i++) {
		int n = snprintf(cmd + clen, sizeof(cmd) - clen, "%s%s", i > optind ? " " : "",
				 argv[i]);
		if (n < 0 || (size_t)n >= sizeof(cmd) - clen - 1 ||
		    (words && strpbrk(argv[i], " \t\r\n"))) {
			fprintf(stderr,
				"dotstub-control: command too long, or a word with blanks\n");
			return 2;
		}
		clen += (size_t)n;
	}
	cmd[clen++] = '\n';
	cmd[clen] = '\0';
	if (!sock) {
		if (!explicit_config && access(config, F_OK) != 0)
			owned = strdup(DEFAULT_SOCKET);
		else
			owned = socket_from_config(config, explicit_config);
		if (!owned)
			return 3;
		sock = owned;
	}
	int r = ask(sock, cmd, (int)timeout_s * 1000, &reply, &len);
	free(owned);
	if (r < 0)
		return 3;
	if (strncmp(reply, "ok\n", 3) == 0) {
		fwrite(reply + 3, 1, len - 3, stdout);
		free(reply);
		return 0;
	}
	if (strncmp(reply, "error: ", 7) == 0) {
		fprintf(stderr, "dotstub-control: %s", reply + 7);
		free(reply);
		return 1;
	}
	fprintf(stderr, "dotstub-control: unexpected answer: %.*s\n", (int)(len > 200 ? 200 : len),
		reply);
	free(reply);
	return 3;
}
