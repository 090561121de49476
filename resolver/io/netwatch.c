/*
 * Network change and suspend detection (see netwatch.h for what counts).
 *
 * rtnetlink: the socket is non-blocking and read until EAGAIN (at most
 * READ_ROUNDS reads per wake-up, so a flood cannot hold the loop). At
 * start one RTM_GETADDR dump teaches us the addresses there already, so
 * that a later lifetime refresh of one of them (every IPv6 router
 * advertisement sends one) is a repeat, not a change. Default routes and
 * links are learnt from the messages themselves: the first message about
 * a link only teaches its state; a default route announced again is a
 * repeat. Tables are small and bounded; when one is full a new entry
 * counts as a change (the safe side: a spurious reconnect costs one TLS
 * resumption). ENOBUFS (the kernel dropped messages for us) also counts
 * as a change.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifdef __linux__
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/socket.h>
#endif

#include "dns/err.h"
#include "resolver/base/log.h"
#include "resolver/io/netwatch.h"

#define MAX_ADDRS 64
#define MAX_ROUTES 16
#define MAX_LINKS 32
#define READ_ROUNDS 64
#define LINK_FLAGS_WATCHED (IFF_UP | IFF_RUNNING)

struct addr_entry {
	uint8_t family;
	uint8_t len;
	int ifindex;
	uint8_t addr[16];
};

struct route_entry {
	uint8_t family;
	uint8_t table;
	int oif;
	uint8_t gw[16];
};

struct link_entry {
	int ifindex;
	unsigned flags;
};

struct dst_netwatch {
	uv_loop_t *loop;
	dst_netwatch_cb cb;
	void *arg;
	int fd; /* rtnetlink, or -1 */
	uv_poll_t poll;
	uv_timer_t settle; /* runs only between a change and its report */
	uv_signal_t sigusr1;
	unsigned handles_open;
	bool dumping;               /* learning the addresses there at start */
	bool pending;               /* a change waits for the settle timer */
	char why[64];               /* the first change of the burst */
	struct timespec boot, mono; /* at the last clock check */
	struct addr_entry addrs[MAX_ADDRS];
	size_t naddrs;
	struct route_entry routes[MAX_ROUTES];
	size_t nroutes;
	struct link_entry links[MAX_LINKS];
	size_t nlinks;
	uint8_t buf[32768];
};

static int64_t ms_between(const struct timespec *a, const struct timespec *b)
{
	return (int64_t)(b->tv_sec - a->tv_sec) * 1000 + (b->tv_nsec - a->tv_nsec) / 1000000;
}

static void read_clocks(struct timespec *boot, struct timespec *mono)
{
	clock_gettime(CLOCK_MONOTONIC, mono);
#ifdef CLOCK_BOOTTIME
	if (clock_gettime(CLOCK_BOOTTIME, boot) == 0)
		return;
#endif
	*boot = *mono; /* no way to tell: never a gap */
}

void dst_netwatch_check_clock(struct dst_netwatch *nw)
{
	struct timespec boot, mono;
	char why[64];

	if (!nw)
		return;
	read_clocks(&boot, &mono);
	int64_t slept = ms_between(&nw->boot, &boot) - ms_between(&nw->mono, &mono);
	nw->boot = boot;
	nw->mono = mono;
	if (slept > DST_NETWATCH_SLEEP_GAP_MS) {
		snprintf(why, sizeof(why), "resumed after %lld s asleep",
			 (long long)(slept / 1000));
		nw->cb(nw->arg, why);
	}
}

static void on_settled(uv_timer_t *t)
{
	struct dst_netwatch *nw = t->data;

	nw->pending = false;
	nw->cb(nw->arg, nw->why);
}

/* A change: reported once the burst it starts has settled. */
static void changed(struct dst_netwatch *nw, const char *why)
{
	if (nw->dumping || nw->pending)
		return;
	nw->pending = true;
	snprintf(nw->why, sizeof(nw->why), "%s", why);
	uv_timer_start(&nw->settle, on_settled, DST_NETWATCH_SETTLE_MS, 0);
}

static void on_sigusr1(uv_signal_t *h, int signum)
{
	struct dst_netwatch *nw = h->data;

	nw->cb(nw->arg, "SIGUSR1 (simulated network change)");
}

#ifdef __linux__

/* Returns true when the address was not known (and learns it), for NEWADDR. */
static bool addr_learn(struct dst_netwatch *nw, const struct addr_entry *e, bool add)
{
	for (size_t i = 0; i < nw->naddrs; i++) {
		if (memcmp(&nw->addrs[i], e, sizeof(*e)) != 0)
			continue;
		if (!add)
			nw->addrs[i] = nw->addrs[--nw->naddrs];
		return !add;
	}
	if (add && nw->naddrs < MAX_ADDRS)
		nw->addrs[nw->naddrs++] = *e;
	return true;
}

static void on_addr(struct dst_netwatch *nw, const struct nlmsghdr *h)
{
	const struct ifaddrmsg *ifa = NLMSG_DATA(h);
	struct addr_entry e;
	int len = (int)IFA_PAYLOAD(h);

	if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*ifa)))
		return;
	/* Loopback and link-local addresses never carry upstream traffic. */
	if (ifa->ifa_scope == RT_SCOPE_HOST || ifa->ifa_scope == RT_SCOPE_LINK)
		return;
	memset(&e, 0, sizeof(e));
	e.family = ifa->ifa_family;
	e.ifindex = (int)ifa->ifa_index;
	for (const struct rtattr *a = IFA_RTA(ifa); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		size_t n = RTA_PAYLOAD(a);
		if ((a->rta_type == IFA_ADDRESS || a->rta_type == IFA_LOCAL) &&
		    n <= sizeof(e.addr)) {
			memset(e.addr, 0, sizeof(e.addr));
			memcpy(e.addr, RTA_DATA(a), n);
			e.len = (uint8_t)n;
			if (a->rta_type == IFA_LOCAL)
				break; /* the local end, for point-to-point links */
		}
	}
	bool add = h->nlmsg_type == RTM_NEWADDR;
	if (addr_learn(nw, &e, add))
		changed(nw, add ? "address added" : "address removed");
}

static void on_route(struct dst_netwatch *nw, const struct nlmsghdr *h)
{
	const struct rtmsg *rt = NLMSG_DATA(h);
	struct route_entry e;
	int len = (int)RTM_PAYLOAD(h);

	if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*rt)))
		return;
	/* Only default routes decide where upstream traffic goes. */
	if (rt->rtm_dst_len != 0 || rt->rtm_type != RTN_UNICAST)
		return;
	memset(&e, 0, sizeof(e));
	e.family = rt->rtm_family;
	e.table = rt->rtm_table;
	for (const struct rtattr *a = RTM_RTA(rt); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		if (a->rta_type == RTA_OIF && RTA_PAYLOAD(a) >= sizeof(int))
			memcpy(&e.oif, RTA_DATA(a), sizeof(int));
		else if (a->rta_type == RTA_GATEWAY && RTA_PAYLOAD(a) <= sizeof(e.gw))
			memcpy(e.gw, RTA_DATA(a), RTA_PAYLOAD(a));
	}
	bool add = h->nlmsg_type == RTM_NEWROUTE;
	for (size_t i = 0; i < nw->nroutes; i++) {
		if (memcmp(&nw->routes[i], &e, sizeof(e)) != 0)
			continue;
		if (add)
			return; /* announced again */
		nw->routes[i] = nw->routes[--nw->nroutes];
		changed(nw, "default route removed");
		return;
	}
	if (add && nw->nroutes < MAX_ROUTES)
		nw->routes[nw->nroutes++] = e;
	changed(nw, add ? "default route added" : "default route removed");
}

static void on_link(struct dst_netwatch *nw, const struct nlmsghdr *h)
{
	const struct ifinfomsg *ifi = NLMSG_DATA(h);

	if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*ifi)) || (ifi->ifi_flags & IFF_LOOPBACK))
		return;
	unsigned flags = ifi->ifi_flags & LINK_FLAGS_WATCHED;
	for (size_t i = 0; i < nw->nlinks; i++) {
		struct link_entry *l = &nw->links[i];
		if (l->ifindex != ifi->ifi_index)
			continue;
		if (h->nlmsg_type == RTM_DELLINK) {
			*l = nw->links[--nw->nlinks];
			changed(nw, "link removed");
		} else if (l->flags != flags) {
			l->flags = flags;
			changed(nw, flags == LINK_FLAGS_WATCHED ? "link up" : "link down");
		}
		return;
	}
	/* The first word about a link only teaches its state. */
	if (h->nlmsg_type == RTM_NEWLINK && nw->nlinks < MAX_LINKS)
		nw->links[nw->nlinks++] = (struct link_entry){ifi->ifi_index, flags};
}

static void on_message(struct dst_netwatch *nw, const struct nlmsghdr *h)
{
	switch (h->nlmsg_type) {
	case NLMSG_DONE:
	case NLMSG_ERROR:
		nw->dumping = false;
		break;
	case RTM_NEWADDR:
	case RTM_DELADDR:
		on_addr(nw, h);
		break;
	case RTM_NEWROUTE:
	case RTM_DELROUTE:
		on_route(nw, h);
		break;
	case RTM_NEWLINK:
	case RTM_DELLINK:
		on_link(nw, h);
		break;
	default:
		break;
	}
}

static void on_readable(uv_poll_t *p, int status, int events)
{
	struct dst_netwatch *nw = p->data;

	for (int round = 0; round < READ_ROUNDS; round++) {
		ssize_t n = recv(nw->fd, nw->buf, sizeof(nw->buf), MSG_DONTWAIT);
		if (n < 0) {
			if (errno == ENOBUFS) {
				changed(nw, "netlink messages lost");
				continue;
			}
			return; /* EAGAIN, or nothing we can do */
		}
		int len = (int)n;
		for (const struct nlmsghdr *h = (const void *)nw->buf; NLMSG_OK(h, (unsigned)len);
		     h = NLMSG_NEXT(h, len))
			on_message(nw, h);
	}
}

/* Opens the socket, joins the groups and asks for the current addresses. */
static int open_netlink(struct dst_netwatch *nw)
{
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
	struct {
		struct nlmsghdr h;
		struct ifaddrmsg ifa;
	} req;
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE);

	if (fd < 0)
		return -errno;
	sa.nl_groups = RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR | RTMGRP_IPV4_ROUTE |
		       RTMGRP_IPV6_ROUTE;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = -errno;
		close(fd);
		return e;
	}
	memset(&req, 0, sizeof(req));
	req.h.nlmsg_len = NLMSG_LENGTH(sizeof(req.ifa));
	req.h.nlmsg_type = RTM_GETADDR;
	req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.h.nlmsg_seq = 1;
	req.ifa.ifa_family = AF_UNSPEC;
	struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
	nw->dumping = sendto(fd, &req, req.h.nlmsg_len, 0, (struct sockaddr *)&kernel,
			     sizeof(kernel)) >= 0;
	return fd;
}

#endif /* __linux__ */

static void on_closed(uv_handle_t *h)
{
	struct dst_netwatch *nw = h->data;

	if (--nw->handles_open > 0)
		return;
	if (nw->fd >= 0)
		close(nw->fd);
	free(nw);
}

int dst_netwatch_new(uv_loop_t *loop, dst_netwatch_cb cb, void *arg, struct dst_netwatch **out)
{
	struct dst_netwatch *nw = calloc(1, sizeof(*nw));

	if (!nw)
		return DST_ENOMEM;
	nw->loop = loop;
	nw->cb = cb;
	nw->arg = arg;
	nw->fd = -1;
	read_clocks(&nw->boot, &nw->mono);
	uv_timer_init(loop, &nw->settle);
	uv_signal_init(loop, &nw->sigusr1);
	nw->settle.data = nw->sigusr1.data = nw->poll.data = nw;
	nw->handles_open = 2;
	uv_signal_start(&nw->sigusr1, on_sigusr1, SIGUSR1);
#ifdef __linux__
	int fd = open_netlink(nw);
	if (fd >= 0 && uv_poll_init(loop, &nw->poll, fd) == 0) {
		nw->fd = fd;
		nw->handles_open++;
		uv_poll_start(&nw->poll, UV_READABLE, on_readable);
	} else {
		if (fd >= 0)
			close(fd);
		dst_log(DST_LOG_NOTICE,
			"rtnetlink not available (%s): network changes are not "
			"watched, only suspend/resume",
			fd < 0 ? strerror(-fd) : "poll failed");
	}
#endif
	*out = nw;
	return 0;
}

void dst_netwatch_close(struct dst_netwatch *nw)
{
	if (!nw)
		return;
	uv_close((uv_handle_t *)&nw->settle, on_closed);
	uv_close((uv_handle_t *)&nw->sigusr1, on_closed);
	if (nw->fd >= 0)
		uv_close((uv_handle_t *)&nw->poll, on_closed);
}
