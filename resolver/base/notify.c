/*
 * sd_notify by hand (see notify.h). $NOTIFY_SOCKET is a path ("/run/...")
 * or, starting with '@', a name in the abstract namespace. The socket is
 * connected, so a message is one send(2); MSG_NOSIGNAL and MSG_DONTWAIT
 * keep a dead or slow manager from stopping the loop.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "resolver/base/log.h"
#include "resolver/base/notify.h"

static int notify_fd = -1;

void dst_notify_open(void)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	size_t len;

	if (!path || !*path || notify_fd >= 0)
		return;
	len = strlen(path);
	if ((path[0] != '/' && path[0] != '@') || len >= sizeof(sun.sun_path)) {
		dst_log(DST_LOG_WARN, "NOTIFY_SOCKET %s: not a socket path, ignored", path);
		return;
	}
	memcpy(sun.sun_path, path, len);
	if (path[0] == '@')
		sun.sun_path[0] = '\0';
	notify_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (notify_fd >= 0 &&
	    connect(notify_fd, (struct sockaddr *)&sun,
		    (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len)) < 0) {
		dst_log(DST_LOG_WARN, "NOTIFY_SOCKET %s: cannot connect: %s", path,
			strerror(errno));
		close(notify_fd);
		notify_fd = -1;
	}
	unsetenv("NOTIFY_SOCKET");
}

void dst_notify(const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	int n;

	if (notify_fd < 0)
		return;
	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (n >= (int)sizeof(msg))
		n = (int)sizeof(msg) - 1;
	if (send(notify_fd, msg, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
		dst_log(DST_LOG_DEBUG, "sd_notify: %s", strerror(errno));
}

void dst_notify_reloading(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	dst_notify("RELOADING=1\nMONOTONIC_USEC=%llu\nSTATUS=reloading the configuration",
		   (unsigned long long)ts.tv_sec * 1000000ULL +
			   (unsigned long long)ts.tv_nsec / 1000);
}

void dst_notify_close(void)
{
	if (notify_fd >= 0)
		close(notify_fd);
	notify_fd = -1;
}
