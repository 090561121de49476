/*
 * Log lines to stderr or syslog (see log.h). The journal check is made
 * once, at the first line: JOURNAL_STREAM names the stream systemd
 * connected stderr to, and it only counts while stderr is still that
 * stream (a child whose stderr was redirected inherits the variable).
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "resolver/base/log.h"

int dst_log_threshold = DST_LOG_NOTICE;
int dst_log_verbose;

static const char *const level_names[] = {"error", "warning", "notice", "info", "debug"};
static const int level_prio[] = {LOG_ERR, LOG_WARNING, LOG_NOTICE, LOG_INFO, LOG_DEBUG};
static enum dst_config_log target = DST_CONFIG_LOG_STDERR;
/*
 * -1: not checked yet. Any loop may write the first line, so it is read
 * and set atomically; two threads that both find -1 compute the same value.
 */
static int journal = -1;

static bool stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (!js || sscanf(js, "%llu:%llu", &dev, &ino) != 2 || fstat(STDERR_FILENO, &st) < 0)
		return false;
	return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

static void emit(int level, const char *fmt, va_list ap)
{
	char line[1024];
	int n;

	if (target == DST_CONFIG_LOG_SYSLOG) {
		vsyslog(level_prio[level], fmt, ap);
		return;
	}
	int is_journal = __atomic_load_n(&journal, __ATOMIC_RELAXED);
	if (is_journal < 0) {
		is_journal = stderr_is_journal();
		__atomic_store_n(&journal, is_journal, __ATOMIC_RELAXED);
	}
	if (is_journal)
		n = snprintf(line, sizeof(line), "<%d>%s: ", level_prio[level], level_names[level]);
	else
		n = snprintf(line, sizeof(line), "dotstub: %s: ", level_names[level]);
	n += vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	if (n > (int)sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	line[n++] = '\n';
	ssize_t w = write(STDERR_FILENO, line, (size_t)n);
	(void)w;
}

void dst_log(enum dst_log_level level, const char *fmt, ...)
{
	va_list ap;

	if (!dst_log_enabled(level))
		return;
	va_start(ap, fmt);
	emit(level, fmt, ap);
	va_end(ap);
}

void dst_log_query(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit(DST_LOG_INFO, fmt, ap);
	va_end(ap);
}

void dst_log_configure(enum dst_config_log to, unsigned level)
{
	dst_log_threshold = (int)level + dst_log_verbose;
	if (to == target)
		return;
	if (to == DST_CONFIG_LOG_SYSLOG)
		openlog("dotstub", LOG_PID | LOG_NDELAY, LOG_DAEMON);
	else
		closelog();
	target = to;
}
