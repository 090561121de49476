/*
 * The configuration: parsed, validated and defaulted into a plain struct.
 *
 * A dst_config is immutable once returned and owns all its memory; free it
 * with dst_config_free. Parsing never starts anything (no sockets, no
 * libuv). Every problem is reported as "FILE:LINE: message" through the
 * caller's callback, and parsing goes on to report as many as it can.
 */
#ifndef DST_CONFIG_H
#define DST_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define DST_CONFIG_PIN_LEN 32 /* SHA-256 of the DER SubjectPublicKeyInfo */

/* A socket address as parsed from the file (IPv4 or IPv6). */
struct dst_config_addr {
	struct sockaddr_storage ss;
	socklen_t len;
	char text[64]; /* as it would be written back: "1.2.3.4:853", "[::1]:853" */
};

struct dst_config_upstream {
	char *name;                       /* from "[upstream NAME]" */
	unsigned line;                    /* line of the section header */
	struct dst_config_addr *addrs;    /* address = ..., in file order */
	size_t naddrs;
	char *tls_name;                   /* NULL when only pins authenticate */
	uint8_t (*pins)[DST_CONFIG_PIN_LEN];
	size_t npins;
	char *ca_file;                    /* NULL: system trust store */
};

struct dst_config {
	char *file;                       /* the file it came from, or NULL for defaults */

	/* [server] */
	struct dst_config_addr *listen;
	size_t nlisten;
	uint32_t query_timeout_ms;        /* default 4000 */
	uint32_t tcp_idle_timeout_ms;     /* default 10000 */

	/* [cache] */
	uint64_t cache_size;              /* bytes; 0 turns the cache off; default 16 MiB */
	uint32_t cache_min_ttl;           /* seconds; default 0 */
	uint32_t cache_max_ttl;           /* seconds; default 86400 */

	/* [upstream NAME], in file order (= failover order) */
	struct dst_config_upstream *upstreams;
	size_t nupstreams;
};

/* Receives one formatted problem ("FILE:LINE: message", no newline). */
typedef void (*dst_config_error_cb)(void *arg, const char *msg);

/*
 * Parses text (len bytes, need not be NUL-terminated; may contain NULs,
 * which are an error) as if read from a file named name.
 * On success returns 0 and stores a new config in *out. On failure returns
 * DST_ECONFIG (or DST_ENOMEM), stores nothing, and has called err once per
 * problem found.
 */
int dst_config_parse(const char *name, const char *text, size_t len, struct dst_config **out,
		     dst_config_error_cb err, void *arg);

/* Reads and parses a file; an unreadable file is reported as "FILE: reason". */
int dst_config_load(const char *path, struct dst_config **out, dst_config_error_cb err, void *arg);

/*
 * The built-in configuration used when there is no file: listens on
 * 127.0.0.1:53 and [::1]:53, two public DoT upstreams authenticated by name
 * against the system trust store.
 */
int dst_config_default(struct dst_config **out);

void dst_config_free(struct dst_config *cfg);

#endif
