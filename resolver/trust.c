/*
 * The trust anchors of a configuration (trust.h): config/ keeps the
 * trust-anchor records as text with their lines, and the validator parses
 * them here, so that each error names the line of the configuration that
 * holds the record (or, for trust-anchor-file, the file's line too).
 *
 * Without the validator (DST_DNSSEC 0) there is nothing to load: the file
 * compiles without ldns, and the configuration cannot ask for validation
 * (config/ refuses dnssec = validate then).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/err.h"
#include "resolver/trust.h"

#if DST_DNSSEC
#include "resolver/validate/validate.h"
#endif

#define MAX_ANCHOR_FILE (1024 * 1024) /* a root anchor file is a few hundred bytes */
#define WHY_MAX 512

static bool same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

bool dst_trust_anchors_same(const struct dst_config *a, const struct dst_config *b)
{
	if (a->dnssec_validate != b->dnssec_validate || a->ntrust_anchors != b->ntrust_anchors ||
	    !same_str(a->trust_anchor_file, b->trust_anchor_file))
		return false;
	for (size_t i = 0; i < a->ntrust_anchors; i++)
		if (strcmp(a->trust_anchors[i].text, b->trust_anchors[i].text) != 0)
			return false;
	return true;
}

#if DST_DNSSEC

/*
 * dst_val_anchors_add says "trust anchor line N: what" (or "trust anchor:
 * what"); the caller names the place itself, so keep the what, and N.
 */
static const char *reason(const char *why, unsigned *line)
{
	const char *p;

	*line = 0;
	if (sscanf(why, "trust anchor line %u:", line) == 1 && (p = strchr(why, ':')))
		return p[1] == ' ' ? p + 2 : p + 1;
	if (strncmp(why, "trust anchor: ", 14) == 0)
		return why + 14;
	return why;
}

/* Reads the whole of a small text file into a new NUL-terminated *text; 0 or -errno. */
static int read_text(const char *path, char **text, const char **problem)
{
	size_t len = 0, n;
	char *buf;
	FILE *f;
	int r = 0;

	*text = NULL;
	*problem = NULL;
	if (!(f = fopen(path, "re")))
		return errno ? -errno : DST_EINVAL;
	if (!(buf = malloc(MAX_ANCHOR_FILE + 2))) {
		fclose(f);
		return DST_ENOMEM;
	}
	while ((n = fread(buf + len, 1, MAX_ANCHOR_FILE + 1 - len, f)) > 0)
		len += n;
	if (ferror(f))
		r = errno ? -errno : -EIO;
	else if (len > MAX_ANCHOR_FILE)
		*problem = "larger than 1 MiB; expected a few DS or DNSKEY records";
	else if (memchr(buf, '\0', len))
		*problem = "found a NUL byte; expected text";
	fclose(f);
	if (r < 0 || *problem) {
		free(buf);
		return r < 0 ? r : DST_EINVAL;
	}
	buf[len] = '\0';
	*text = buf;
	return 0;
}

static int load_file(const struct dst_config *cfg, const char *file, struct dst_val_anchors *ta,
		     char *err, size_t errlen)
{
	const char *path = cfg->trust_anchor_file, *problem, *what;
	char why[WHY_MAX] = "";
	unsigned line;
	char *text;
	int r = read_text(path, &text, &problem);

	if (r == DST_ENOMEM)
		return r;
	if (r < 0) {
		snprintf(err, errlen, "%s:%u: trust-anchor-file %s: %s", file,
			 cfg->trust_anchor_file_line, path, problem ? problem : strerror(-r));
		return r;
	}
	r = dst_val_anchors_add(ta, text, why, sizeof why);
	free(text);
	if (r == DST_EINVAL) {
		what = reason(why, &line);
		if (line)
			snprintf(err, errlen, "%s:%u: trust-anchor-file %s: line %u: %s", file,
				 cfg->trust_anchor_file_line, path, line, what);
		else
			snprintf(err, errlen, "%s:%u: trust-anchor-file %s: %s", file,
				 cfg->trust_anchor_file_line, path, what);
	}
	return r;
}

int dst_trust_anchors_load(const struct dst_config *cfg, struct dst_val_anchors **out, char *err,
			   size_t errlen)
{
	const char *file = cfg->file ? cfg->file : "<built-in>";
	struct dst_val_anchors *ta = NULL;
	char why[WHY_MAX];
	unsigned line;
	int r;

	*out = NULL;
	if (errlen)
		err[0] = '\0';
	if (!cfg->dnssec_validate)
		return 0;
	if ((r = dst_val_anchors_new(&ta)) < 0)
		return r;
	if (cfg->ntrust_anchors == 0 && !cfg->trust_anchor_file)
		r = dst_val_anchors_add_builtin(ta);
	for (size_t i = 0; r == 0 && i < cfg->ntrust_anchors; i++) {
		why[0] = '\0';
		r = dst_val_anchors_add(ta, cfg->trust_anchors[i].text, why, sizeof why);
		if (r == DST_EINVAL)
			snprintf(err, errlen, "%s:%u: trust-anchor: %s", file,
				 cfg->trust_anchors[i].line, reason(why, &line));
	}
	if (r == 0 && cfg->trust_anchor_file)
		r = load_file(cfg, file, ta, err, errlen);
	if (r < 0) {
		dst_val_anchors_free(ta);
		return r;
	}
	*out = ta;
	return 0;
}

void dst_trust_anchors_free(struct dst_val_anchors *ta)
{
	dst_val_anchors_free(ta);
}

#else /* !DST_DNSSEC */

void dst_trust_anchors_free(struct dst_val_anchors *ta)
{
	(void)ta;
}

int dst_trust_anchors_load(const struct dst_config *cfg, struct dst_val_anchors **out, char *err,
			   size_t errlen)
{
	(void)cfg;
	*out = NULL;
	if (errlen)
		err[0] = '\0';
	return 0;
}

#endif
