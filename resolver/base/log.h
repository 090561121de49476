/*
 * Logging: to stderr (a terminal, systemd's journal, procd's log) or to
 * syslog. Levels: 0 error, 1 warning, 2 notice (default), 3 info, 4 debug;
 * the threshold is [server] log-level plus one per -v.
 *
 * On stderr each line is "dotstub: LEVEL: message". When stderr is the
 * journal (systemd sets JOURNAL_STREAM to its device and inode), the line
 * starts with the syslog priority instead ("<4>warning: ..."), which
 * journald strips and records. Lines are written with one write(2), so
 * lines from a busy process never interleave.
 *
 * Threads: dst_log and dst_log_query may be called from any loop (the
 * worker loops log too). dst_log_configure and dst_log_verbose belong to
 * the main loop and change only while no worker runs (at start-up, and in
 * a reload, which stops the workers around it).
 */
#ifndef DST_LOG_H
#define DST_LOG_H

#include "config/config.h"

enum dst_log_level {
	DST_LOG_ERR = 0,
	DST_LOG_WARN,
	DST_LOG_NOTICE,
	DST_LOG_INFO,
	DST_LOG_DEBUG,
};

extern int dst_log_threshold;
/* Added to the configured level: main() counts -v here before any config is read. */
extern int dst_log_verbose;

void dst_log(enum dst_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Applies [server] log and log-level: the threshold becomes level +
 * dst_log_verbose, and lines go to target from now on. syslog is opened at
 * once (LOG_NDELAY), so it keeps working after a chroot.
 */
void dst_log_configure(enum dst_config_log target, unsigned level);

/* One line of the query log ([server] log-queries): written whatever the threshold, as info. */
void dst_log_query(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define dst_log_enabled(level) ((int)(level) <= dst_log_threshold)

#endif
