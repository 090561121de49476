/*
 * Noticing that the network changed or the machine slept, so that pooled
 * upstream connections (likely dead now) are dropped before a query waits
 * on one.
 *
 * Three sources, none of which wakes the process while nothing happens:
 *   - on Linux, an rtnetlink socket (NETLINK_ROUTE, groups LINK, IPV4/6
 *     IFADDR, IPV4/6 ROUTE) polled with uv_poll_t: an address that
 *     appears or goes, a default route that appears or goes, a link that
 *     goes up or down. Repeats of what is already known (address lifetime
 *     refreshes) are ignored; a burst of changes is reported once, 250 ms
 *     after its first message (a timer that runs only then);
 *   - a suspend, seen lazily: dst_netwatch_check_clock (called when a
 *     query goes upstream) compares how far CLOCK_BOOTTIME and
 *     CLOCK_MONOTONIC moved since the last check; BOOTTIME also counts
 *     time asleep, so a gap over 2 s means the machine slept;
 *   - SIGUSR1, which simulates a network change (tests, or a hook for
 *     scripts that know better, e.g. a VPN coming up).
 */
#ifndef DST_RESOLVER_NETWATCH_H
#define DST_RESOLVER_NETWATCH_H

#include <uv.h>

#define DST_NETWATCH_SLEEP_GAP_MS 2000
#define DST_NETWATCH_SETTLE_MS 250

struct dst_netwatch;

/* Told of each change, with a few words of why ("address added", "resumed after 63 s"...). */
typedef void (*dst_netwatch_cb)(void *arg, const char *why);

/*
 * Starts watching. Where rtnetlink is not available (not Linux, or a
 * sandbox without it) only the clock check and SIGUSR1 work; that is
 * logged, not an error. Returns 0 or DST_ENOMEM.
 */
int dst_netwatch_new(uv_loop_t *loop, dst_netwatch_cb cb, void *arg, struct dst_netwatch **out);

/* Checks the clocks for a suspend since the last call; calls cb (synchronously) if so. */
void dst_netwatch_check_clock(struct dst_netwatch *nw);

/* Stops watching; freed once its handles have closed. NULL is a no-op. */
void dst_netwatch_close(struct dst_netwatch *nw);

#endif
