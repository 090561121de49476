/*
 * The "dotstub pin" command (see pincmd.h): parses its arguments, probes
 * the server once (tls/pin.c) and prints, as comments, what it presented,
 * then an [upstream] section that pastes into dotstub.conf as it is.
 *
 * Which pins the section holds: the server's own key, and, when the
 * server sent its chain, the key of the CA that issued its certificate as
 * a backup (RFC 7858 section 4.2 asks for a backup pin): a new server key
 * certified by the same CA then still matches. With no chain sent there
 * is only one pin to give, and the output says so.
 */
#include "config.h"

#include <arpa/inet.h>
#include <getopt.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "resolver/cli/pincmd.h"
#include "tls/pin.h"

#define DEFAULT_PORT 853
#define EXPIRY_WARN_DAYS 30

static void usage(FILE *out)
{
	fprintf(out, "usage: dotstub pin HOST[:PORT] [--name TLSNAME] [--ca-file FILE] "
		     "[--timeout SECONDS]\n"
		     "  HOST is an IP address (IPv6 as [2620:fe::fe]:853); the port defaults "
		     "to 853.\n"
		     "  --name     the TLS name to send (SNI) and to check the chain against\n"
		     "  --ca-file  check against this PEM file instead of the system trust store\n"
		     "  --timeout  seconds for the connection and for the handshake (default 5)\n");
}

/*
 * "1.2.3.4", "1.2.3.4:853", "[::1]:853", "::1" into ss; text gets the
 * canonical form with the port, ip the address alone.
 */
static bool parse_host(const char *s, struct sockaddr_storage *ss, char *text, size_t cap,
		       char ip[INET6_ADDRSTRLEN])
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	char host[INET6_ADDRSTRLEN + 1];
	const char *port = NULL, *colon = strchr(s, ':');
	size_t hlen = strlen(s);
	unsigned long p = DEFAULT_PORT;
	char *end;
	bool v6 = false;

	if (s[0] == '[') {
		const char *close = strchr(s, ']');
		if (!close || (close[1] && close[1] != ':'))
			return false;
		s++;
		hlen = (size_t)(close - s);
		port = close[1] ? close + 2 : NULL;
		v6 = true;
	} else if (colon && strchr(colon + 1, ':')) {
		v6 = true;
	} else if (colon) {
		hlen = (size_t)(colon - s);
		port = colon + 1;
	}
	if (hlen >= sizeof(host))
		return false;
	memcpy(host, s, hlen);
	host[hlen] = '\0';
	if (port) {
		p = strtoul(port, &end, 10);
		if (!*port || *end || p == 0 || p > 65535)
			return false;
	}
	memset(ss, 0, sizeof(*ss));
	ss->ss_family = v6 ? AF_INET6 : AF_INET;
	if (inet_pton(ss->ss_family, host, v6 ? (void *)&sin6->sin6_addr : &sin->sin_addr) != 1)
		return false;
	sin->sin_port = htons((uint16_t)p); /* sin_port and sin6_port share their offset */
	inet_ntop(ss->ss_family, v6 ? (void *)&sin6->sin6_addr : &sin->sin_addr, ip,
		  INET6_ADDRSTRLEN);
	snprintf(text, cap, v6 ? "[%s]:%lu" : "%s:%lu", ip, p);
	return true;
}

static void print_cert(size_t i, const struct dst_tls_cert_info *c, time_t now)
{
	char when[64] = "unknown";

	printf("# [%zu] subject: %s\n#     issuer:  %s\n", i, c->subject, c->issuer);
	if (c->not_after >= 0) {
		time_t t = (time_t)c->not_after;
		struct tm tm;
		long days = (long)((c->not_after - (int64_t)now) / 86400);
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", gmtime_r(&t, &tm));
		printf("#     expires: %s (%s%ld days%s)\n", when, days < 0 ? "" : "in ",
		       days < 0 ? -days : days, days < 0 ? " ago" : "");
		if (days < EXPIRY_WARN_DAYS)
			printf("#     warning: %s\n",
			       days < 0 ? "this certificate has expired"
					: "this certificate expires within 30 days");
	} else {
		printf("#     expires: %s\n", when);
	}
	printf("#     pin-sha256 = %s\n", c->pin);
}

/* An upstream name from the TLS name or the address: letters, digits, '_', '.', '-'. */
static void section_name(const char *tls_name, const char *addr, char *out, size_t cap)
{
	size_t n = 0;

	for (const char *c = tls_name ? tls_name : addr; *c && n + 1 < cap && n < 63; c++) {
		if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		    (*c >= '0' && *c <= '9') || *c == '_' || *c == '.' || *c == '-')
			out[n++] = *c;
		else if (*c == ':')
			out[n++] = '-';
	}
	out[n] = '\0';
}

int dst_pin_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"name", required_argument, NULL, 'n'},
		{"ca-file", required_argument, NULL, 'a'},
		{"timeout", required_argument, NULL, 'T'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *tls_name = NULL, *ca_file = NULL;
	unsigned long timeout_s = 5;
	struct sockaddr_storage ss;
	char addr[INET6_ADDRSTRLEN + 16], ip[INET6_ADDRSTRLEN], err[512], name[64];
	struct dst_tls_probe *pr;
	char *end;
	int opt;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "n:a:T:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'n':
			tls_name = optarg;
			break;
		case 'a':
			ca_file = optarg;
			break;
		case 'T':
			timeout_s = strtoul(optarg, &end, 10);
			if (!*optarg || *end || timeout_s == 0 || timeout_s > 300) {
				fprintf(stderr,
					"dotstub pin: --timeout: expected 1 to 300 seconds\n");
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
	if (optind != argc - 1) {
		usage(stderr);
		return 2;
	}
	if (!parse_host(argv[optind], &ss, addr, sizeof(addr), ip)) {
		fprintf(stderr,
			"dotstub pin: %s: expected an IP address like 9.9.9.9, 9.9.9.9:853 "
			"or [2620:fe::fe]:853\n",
			argv[optind]);
		return 2;
	}
	pr = calloc(1, sizeof(*pr));
	if (!pr)
		return 1;
	if (dst_tls_probe((const struct sockaddr *)&ss, tls_name, ca_file,
			  (unsigned)timeout_s * 1000, pr, err, sizeof(err)) < 0) {
		fprintf(stderr, "dotstub pin: %s: %s\n", addr, err);
		free(pr);
		return 1;
	}
	time_t now = time(NULL);
	printf("# %s%s%s: %s, %zu certificate%s presented (the server's own first)\n", addr,
	       tls_name ? " as " : "", tls_name ? tls_name : "", pr->protocol, pr->ncerts,
	       pr->ncerts == 1 ? "" : "s");
	for (size_t i = 0; i < pr->ncerts; i++) {
		printf("#\n");
		print_cert(i, &pr->certs[i], now);
	}
	printf("#\n");
	if (pr->name_checked && pr->name_ok)
		printf("# The chain verifies for %s against %s.\n", tls_name,
		       ca_file ? ca_file : "the system trust store");
	else if (pr->name_checked)
		printf("# The chain does NOT verify for %s against %s: %s\n", tls_name,
		       ca_file ? ca_file : "the system trust store", pr->name_problem);
	else
		printf("# No --name given: the chain was not checked against a trust store.\n");
	if (pr->ncerts > 1)
		printf("# The second pin is the issuing CA's key: a backup that still matches when "
		       "the\n"
		       "# server gets a new key certified by the same CA.\n");
	else
		printf("# The server sent no chain, so there is one pin only: add a backup pin "
		       "(the\n"
		       "# key the server will move to, or its CA's key), or rely on tls-name "
		       "too.\n");
	section_name(tls_name, ip, name, sizeof(name));
	printf("\n[upstream %s]\naddress = %s\n", name, addr);
	if (tls_name)
		printf("tls-name = %s\n", tls_name);
	if (tls_name && ca_file) {
		/* The configuration takes absolute paths only. */
		char *abs = realpath(ca_file, NULL);
		printf("ca-file = %s\n", abs ? abs : ca_file);
		free(abs);
	}
	for (size_t i = 0; i < pr->ncerts && i < 2; i++)
		printf("pin-sha256 = %s\n", pr->certs[i].pin);
	free(pr);
	return 0;
}
