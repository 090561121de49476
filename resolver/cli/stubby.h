/*
 * "dotstub import-stubby [FILE]": reads a Stubby configuration (YAML,
 * default /etc/stubby/stubby.yml) and prints an equivalent dotstub.conf.
 * Every Stubby setting with no equivalent, or with a different meaning,
 * becomes a "#" comment in the output that names the key and says why.
 * See docs/migrating-from-stubby.md.
 */
#ifndef DST_STUBBY_H
#define DST_STUBBY_H

#include <stddef.h>

#include "resolver/base/buf.h"

#define DST_STUBBY_DEFAULT_PATH "/etc/stubby/stubby.yml"

/*
 * Converts Stubby's YAML text (len bytes, need not be NUL-terminated), read
 * from a file called name, into dotstub.conf text appended to out (the
 * caller frees it with dst_buf_free, also on failure). Returns 0, or
 * DST_ECONFIG with "NAME:LINE:COLUMN: message" in err (malformed YAML, or a
 * value of the wrong shape such as a list where a word belongs), or
 * DST_ENOMEM. *notes (may be NULL) gets the number of Stubby settings that
 * became comments because dotstub has no equivalent.
 */
int dst_stubby_convert(const char *name, const char *text, size_t len, struct dst_buf *out,
		       char *err, size_t errcap, unsigned *notes);

/* argv[0] is "import-stubby". Returns the exit status: 0, 1 or 2 (usage). */
int dst_stubby_main(int argc, char **argv);

#endif
