/*
 * Logging to stderr (the service manager adds timestamps and routing).
 * Levels: 0 error, 1 warning, 2 notice (default), 3 info, 4 debug; each -v
 * raises the threshold by one.
 */
#ifndef DST_LOG_H
#define DST_LOG_H

enum dst_log_level {
	DST_LOG_ERR = 0,
	DST_LOG_WARN,
	DST_LOG_NOTICE,
	DST_LOG_INFO,
	DST_LOG_DEBUG,
};

extern int dst_log_threshold;

void dst_log(enum dst_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define dst_log_enabled(level) ((int)(level) <= dst_log_threshold)

#endif
