/*
 * A growing text buffer for reports and control answers (never on the
 * query path). A failed allocation sets failed and drops later text, so a
 * caller checks once at the end.
 */
#ifndef DST_BASE_BUF_H
#define DST_BASE_BUF_H

#include <stdbool.h>
#include <stddef.h>

struct dst_buf {
	char *data;
	size_t len, cap;
	bool failed;
};

void dst_buf_printf(struct dst_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void dst_buf_free(struct dst_buf *b);

#endif
