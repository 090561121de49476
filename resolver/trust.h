/*
 * The DNSSEC trust anchors a configuration asks for, loaded into the
 * validator's form (resolver/validate/validate.h): the built-in root
 * anchors, or exactly the [server] trust-anchor records and the records of
 * trust-anchor-file. dotstub -t loads them too, so a bad anchor is reported
 * like every other configuration problem, as FILE:LINE: message.
 *
 * In a build without the validator (./configure --disable-dnssec) there is
 * nothing to load and this compiles without ldns.
 */
#ifndef DST_TRUST_H
#define DST_TRUST_H

#include <stdbool.h>
#include <stddef.h>

#include "config/config.h"

struct dst_val_anchors;

/*
 * Loads the anchors cfg asks for into a new *out, which the caller frees
 * with dst_trust_anchors_free. *out is NULL (and 0 returned) when cfg does
 * not validate (dnssec = off) or the build has no validator. Neither
 * trust-anchor nor trust-anchor-file: the root's KSK-2017 and KSK-2024 DS
 * records. Otherwise only the configured records (the built-in ones are
 * not added). Reads trust-anchor-file (at most 1 MiB), so call it before
 * a chroot, with the file's path as the configuration names it.
 *
 * Returns 0, DST_EINVAL with err (errlen bytes) saying where and what
 * ("FILE:LINE: trust-anchor: <why>", "FILE:LINE: trust-anchor-file PATH:
 * <why>"), the negated errno of an unreadable file (err says it the same
 * way), or DST_ENOMEM. On failure *out is NULL.
 */
int dst_trust_anchors_load(const struct dst_config *cfg, struct dst_val_anchors **out, char *err,
			   size_t errlen);

/* Frees what dst_trust_anchors_load made (NULL is fine); builds without the validator too. */
void dst_trust_anchors_free(struct dst_val_anchors *ta);

/*
 * Whether a and b ask for the same anchors: the same dnssec setting, the
 * same trust-anchor texts in the same order and the same trust-anchor-file
 * path. A reload may then keep the anchors and the key sets validated from
 * them. The file's contents are not compared: a changed file under the
 * same path takes a restart (or a path change) to be read again.
 */
bool dst_trust_anchors_same(const struct dst_config *a, const struct dst_config *b);

#endif
