/*
 * stderr logging. One line per call, written with a single write so lines
 * from a busy process never interleave.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include "resolver/log.h"

int dst_log_threshold = DST_LOG_NOTICE;

static const char *const level_names[] = {"error", "warning", "notice", "info", "debug"};

void dst_log(enum dst_log_level level, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	int n;

	if (!dst_log_enabled(level))
		return;
	n = snprintf(line, sizeof(line), "dotstub: %s: ", level_names[level]);
	va_start(ap, fmt);
	n += vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	line[n++] = '\n';
	ssize_t w = write(STDERR_FILENO, line, (size_t)n);
	(void)w;
}
