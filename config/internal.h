/*
 * config/ internals shared by config.c (lines, sections, the key table, the
 * public API) and values.c (one parser per value type).
 *
 * A value parser reads one value into the field its key names, reports a
 * bad value itself (through dst_config__perr) and returns 0; it returns a
 * negative code only when it runs out of memory, which stops the parse.
 * Fields are addressed as base + key offset, base being the dst_config or
 * the current dst_config_upstream.
 */
#ifndef DST_CONFIG_INTERNAL_H
#define DST_CONFIG_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"

#define MAX_LINE 4096 /* bytes in one line, without its line end */
#define MAX_KEYS 96   /* rows in the key table (checked at compile time) */
#define QUOTE_MAX 60  /* bytes of a value quoted back in a message */
#define MAX_NAME 63   /* bytes in an upstream's name */

enum sec { SEC_NONE, SEC_SERVER, SEC_CACHE, SEC_UPSTREAM, SEC_ZONE, SEC_SKIP };

struct parser;
struct key;

/*
 * Where one setting came from, as dst_config_print shows it. Zones added
 * at run time will be a third source, printed "# runtime".
 */
enum origin_src {
	ORIGIN_DEFAULT = 0, /* "# default": built in, or filled in by the parser */
	ORIGIN_FILE,        /* "# FILE:LINE", FILE being dst_config.file */
};

struct origin {
	uint32_t line; /* with ORIGIN_FILE */
	uint8_t src;   /* enum origin_src */
};

/*
 * The origins of one section's settings: one block for the dst_config
 * ([server] and [cache]) and one per upstream. key[] is indexed like the
 * key table. A list's elements have one origin each, in list order, in
 * elem[] under the list's slot (dst_config__slot: allow and deny share
 * one). All zero, or an elem[] entry NULL: built-in defaults.
 */
struct dst_config_origins {
	struct origin key[MAX_KEYS];
	struct origin *elem[MAX_KEYS];
};

struct unit {
	const char *suffix;
	uint64_t mult;
};

/* Parses val into the field k names in base; reports bad values itself. */
typedef int (*value_fn)(struct parser *p, const struct key *k, const char *val, char *base);

struct key {
	enum sec sec;
	const char *name;
	value_fn parse;
	size_t off;        /* the field, in dst_config or dst_config_upstream */
	size_t off_n;      /* for lists: the field holding the element count */
	uint64_t min, max; /* for numbers: ms for durations, bytes for sizes; lists: length */
	const struct unit *units; /* for numbers: the suffixes */
	uint32_t div;             /* for numbers: stored value = parsed value / div */
	uint16_t port;            /* for addresses: the default port */
	bool repeatable;
	bool flag;                  /* for networks: a deny line (else allow) */
	const char *const *choices; /* for choices: the words, NULL-terminated */
	const char *expect;         /* completes "KEY: expected ..." */
	const char *unset;          /* dst_config_print's note for a key without a value */
};

struct parser {
	const char *file;
	unsigned line;
	unsigned nerrors;
	bool stop; /* too many errors, or out of memory */
	bool oom;
	dst_config_error_cb err;
	void *arg;
	struct dst_config *cfg;
	struct dst_config_origins *origins; /* the current section's */
	enum sec sec;
	char label[MAX_NAME + 16];        /* the current section's header, for messages */
	unsigned server_line, cache_line; /* where the section was opened, 0: not yet */
	bool saw_upstream;                /* any [upstream ...] header, even a bad one */
	unsigned seen[MAX_KEYS];          /* line of each key in this section, for repeats */
	unsigned last[MAX_KEYS];          /* line each key was last set anywhere */
	char buf[MAX_LINE + 1];           /* the current line, NUL-terminated, cut in place */
};

/* Reports one problem at a given line; the MAX_ERRORS+1st becomes "too many errors". */
__attribute__((format(printf, 3, 4))) void dst_config__perr_at(struct parser *p, unsigned line,
							       const char *fmt, ...);
#define perr(p, ...) dst_config__perr_at((p), (p)->line, __VA_ARGS__)

/* Returns s, or a copy cut to QUOTE_MAX bytes (on a UTF-8 boundary) and "...", in buf. */
const char *dst_config__quote(char buf[QUOTE_MAX + 4], const char *s);

/* The generic "KEY: expected WHAT, got "VALUE"" message, with an optional reason. */
void dst_config__bad_value(struct parser *p, const struct key *k, const char *val, const char *why);

/*
 * Makes room for element n of an array whose capacity is the smallest power
 * of two that holds n elements. Returns the (maybe moved) array, or NULL when
 * out of memory, in which case arr is untouched and still owned by the caller.
 */
void *dst_config__grow(void *arr, size_t n, size_t size);

bool dst_config__is_alnum(char c); /* ASCII letters and digits */

/* Writes v in the largest unit that divides it exactly ("90s", "16m", "1500"). */
const char *dst_config__fmt_scaled(char buf[32], uint64_t v, const struct unit *u);

extern const struct unit dst_config__duration_units[]; /* ms; a bare number is seconds */
extern const struct unit dst_config__size_units[];     /* bytes, binary multiples */
extern const struct unit dst_config__count_units[];    /* a plain number */
extern const struct unit dst_config__rate_units[];     /* per second: "20/s" or "20" */

/* values.c: one parser per value type (see the key table in config.c). */
int dst_config__set_number(struct parser *p, const struct key *k, const char *val, char *base);
int dst_config__add_addr(struct parser *p, const struct key *k, const char *val, char *base);
int dst_config__add_net(struct parser *p, const struct key *k, const char *val, char *base);
int dst_config__set_host(struct parser *p, const struct key *k, const char *val, char *base);
int dst_config__set_host_port(struct parser *p, const struct key *k, const char *val, char *base);
int dst_config__add_pin(struct parser *p, const struct key *k, const char *val, char *base);

/*
 * base64.c: decodes len bytes of strict, padded standard base64 into out.
 * Sets *out_len to the decoded length whenever in is valid. Returns 0,
 * DST_EINVAL (not base64: a character outside the alphabet, a length not a
 * multiple of 4, bad padding) or DST_ENOSPC (valid, but longer than cap;
 * out untouched).
 */
int dst_config__base64_decode(const char *in, size_t len, uint8_t *out, size_t cap,
			      size_t *out_len);
/* Encodes len bytes as padded standard base64 into out (4 * ((len + 2) / 3) + 1 bytes). */
void dst_config__base64_encode(const uint8_t *in, size_t len, char *out);
int dst_config__set_path(struct parser *p, const struct key *k, const char *val, char *base);
int dst_config__add_path(struct parser *p, const struct key *k, const char *val, char *base);
int dst_config__set_choice(struct parser *p, const struct key *k, const char *val, char *base);
int dst_config__add_upstream_name(struct parser *p, const struct key *k, const char *val,
				  char *base);
int dst_config__set_user(struct parser *p, const struct key *k, const char *val, char *base);
int dst_config__set_socket_path(struct parser *p, const struct key *k, const char *val, char *base);
int dst_config__set_loopback_addr(struct parser *p, const struct key *k, const char *val,
				  char *base);
int dst_config__set_bool(struct parser *p, const struct key *k, const char *val, char *base);

/*
 * Appends elem (size bytes, fully initialised: it is compared with memcmp)
 * to the list k names in base, recording its origin; refuses a duplicate
 * and one past k->max (reported). Returns 0, or DST_ENOMEM.
 */
int dst_config__append(struct parser *p, const struct key *k, char *base, const void *elem,
		       size_t size, const char *shown);

/* dnssec.c: the DNSSEC keys. */
extern const bool dst_config__dnssec_built; /* DST_DNSSEC of the build */
int dst_config__set_dnssec(struct parser *p, const struct key *k, const char *val, char *base);
int dst_config__add_trust_anchor(struct parser *p, const struct key *k, const char *val,
				 char *base);
int dst_config__set_trust_anchor_file(struct parser *p, const struct key *k, const char *val,
				      char *base);

/* keys.c: the key table (a key's index in it is its slot in parser.seen and .last) */
extern const struct key dst_config__keys[];
const struct key *dst_config__find_key(enum sec sec, const char *name);
/* "unknown key "x" in [cache]; expected size, min-ttl or max-ttl", and where x belongs. */
void dst_config__unknown_key(struct parser *p, const char *key);
extern const char *const dst_config__sec_names[];
extern const size_t dst_config__nkeys;
/* The index under which a list's element origins are kept: its first key's. */
size_t dst_config__slot(const struct key *k);

#endif
