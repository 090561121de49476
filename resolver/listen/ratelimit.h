/*
 * Per-client rate limiting of UDP queries ([server] ratelimit).
 *
 * Each client (an IPv4 address, or an IPv6 /64, since one host usually
 * holds a whole /64) has a token bucket that fills at rate tokens per
 * second up to burst tokens; a query takes one token, and a query that
 * finds none is over the limit. A client seen for the first time starts
 * with a full bucket.
 *
 * Buckets live in a table of fixed size, allocated once: memory never
 * grows with the number of clients. The table is set-associative (a client
 * hashes to a set of a few slots; a new client takes the slot of the least
 * recently seen client in its set). A client pushed out by many others
 * comes back with a full bucket, so under a flood of (spoofed) sources the
 * limiter errs on the side of answering rather than of refusing a real
 * client. The hash is keyed with a caller-given secret so that a client
 * cannot choose addresses that land in another client's set.
 *
 * Time is passed in (milliseconds from any monotonic clock), so the unit
 * suite needs no clock. No libuv, no allocation after dst_ratelimit_new.
 */
#ifndef DST_RATELIMIT_H
#define DST_RATELIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define DST_RATELIMIT_SLOTS 4096 /* clients tracked at once: 128 KiB */

struct dst_ratelimit;

/*
 * Creates a limiter of rate queries per second (> 0) with a bucket of
 * burst queries (0: burst = rate), tracking about slots clients (rounded
 * up to a power of two). seed keys the hash. Returns 0, DST_ENOMEM, or
 * DST_EINVAL when rate is 0, rate or burst is above 4294967 or slots is 0.
 */
int dst_ratelimit_new(uint32_t rate, uint32_t burst, size_t slots, uint64_t seed,
		      struct dst_ratelimit **out);

/*
 * Takes one token from the bucket of the client at sa (AF_INET or AF_INET6;
 * an IPv4-mapped IPv6 address counts as its IPv4 address). Returns true
 * when the query is within the limit. Other families are always allowed.
 */
bool dst_ratelimit_take(struct dst_ratelimit *rl, const struct sockaddr *sa, uint64_t now_ms);

void dst_ratelimit_free(struct dst_ratelimit *rl);

#endif
