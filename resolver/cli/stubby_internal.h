/*
 * import-stubby internals, shared by stubby.c (the file and its top-level
 * keys) and stubby_upstream.c (one upstream_recursive_servers entry).
 */
#ifndef DST_CLI_STUBBY_INTERNAL_H
#define DST_CLI_STUBBY_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <yaml.h>

#include "resolver/base/buf.h"

#define MAX_UPSTREAMS 64 /* what dotstub.conf allows */
#define MAX_LISTEN 64

struct conv {
	const char *name; /* the file's base name, for comments */
	const char *path; /* the file as given, for errors */
	yaml_document_t *doc;
	struct dst_buf srv; /* the [server] section's lines */
	struct dst_buf ups; /* the upstream sections */
	char *err;
	size_t errcap;
	bool failed;
	unsigned notes;

	/* Top-level settings the upstreams need. */
	char idle_timeout[32]; /* a dotstub duration, or "" */
	unsigned long idle_line;
	char ca_file[4096]; /* validated, or "" */
	yaml_node_t *upstreams;
	bool strategy_set, timeout_set, listen_set, dnssec_on;
	unsigned long dnssec_line;
	char dnssec_key[32];

	char listen[MAX_LISTEN][80];
	size_t nlisten;
	char names[MAX_UPSTREAMS][64];
	size_t nnames, nconverted;
};

unsigned long dst_stubby__line_of(const yaml_node_t *n);
/* The first error, at n's FILE:LINE:COLUMN; later ones are dropped. */
void dst_stubby__fail(struct conv *c, const yaml_node_t *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A comment line that says where a setting came from (line 0: a default); not a difference. */
void dst_stubby__info(struct dst_buf *b, const struct conv *c, unsigned long line, const char *fmt,
		      ...) __attribute__((format(printf, 4, 5)));
/* A setting dotstub cannot carry over exactly: a comment, counted. */
#define note(b, c, line, ...)                                    \
	do {                                                     \
		(c)->notes++;                                    \
		dst_stubby__info((b), (c), (line), __VA_ARGS__); \
	} while (0)
/* The scalar's text, or NULL (after an error) when n is not a scalar. */
const char *dst_stubby__scalar(struct conv *c, const yaml_node_t *n, const char *key);
bool dst_stubby__is_list(struct conv *c, const yaml_node_t *n, const char *key,
			 const char *example);
yaml_node_t *dst_stubby__node(struct conv *c, int id);
/* "123" (decimal digits only) into *v; false for anything else. */
bool dst_stubby__number(const char *s, unsigned long *v);
/* ms as a dotstub duration ("4s", "1500ms"). */
void dst_stubby__duration(unsigned long ms, char out[32]);
/* Whether dotstub's parser takes key = val in [server] (server) or [upstream]; why not into why. */
bool dst_stubby__value_ok(bool server, const char *key, const char *val, char *why, size_t cap);
/* The value of v as shown in a comment: the scalar, "(a list)" or "(a mapping)". */
const char *dst_stubby__shown(const yaml_node_t *v);
/* Why a Stubby key has no dotstub equivalent, or NULL when it is not one of those. */
const char *dst_stubby__no_equivalent(const char *key);
/* stubby_upstream.c: entry index (of total) of upstream_recursive_servers into c->ups. */
void dst_stubby__one_upstream(struct conv *c, yaml_node_t *e, size_t index, size_t total);

#endif
