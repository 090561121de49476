/*
 * Worker loops: [server] threads = N runs N-1 of them beside the main loop.
 *
 * Each worker has its own libuv loop and thread, and for every listen
 * address its own UDP socket in the same SO_REUSEPORT group as the main
 * loop's, so the kernel spreads UDP clients over all the loops. A worker
 * answers what needs no upstream: cache hits (the cache is shared, under
 * its lock), malformed queries, ANY. Everything else (misses, with a rate
 * limit or query log configured every query) goes to the main loop
 * through a locked inbox and an async handle; the main loop answers it
 * through its own socket on the same address. So upstream connections,
 * health, timers and all administration stay single-threaded: the pools
 * are shared by every loop's misses, which keeps queries per TLS record
 * (the largest cost of a miss) as high as with one thread. TCP is served
 * by the main loop only.
 *
 * Workers are stopped around a reload and started again afterwards with
 * the new access list and cache; their sockets are kept for the addresses
 * still listened on, so nothing queued in them is lost.
 */
#ifndef DST_RESOLVER_WORKERS_H
#define DST_RESOLVER_WORKERS_H

#include <stdint.h>

struct dst_server;
struct dst_server_stats;

/* How many loops [server] threads asks for: 0 means as many as cores, at most 4. */
unsigned dst_workers_threads(uint32_t configured);

/*
 * Starts threads - 1 workers for srv's listeners (binding their sockets,
 * reusing the ones kept from before). Failure to start one is logged and
 * the rest run; returns 0 or a negative errno for a failure that leaves
 * no worker.
 */
int dst_workers_start(struct dst_server *srv);
/* Stops the worker threads and waits for them, keeping their sockets (reload). */
void dst_workers_pause(struct dst_server *srv);
/*
 * Stops them and closes everything (shutdown, before the listeners stop):
 * what waits in the inbox is handled first, as any query taken before.
 */
void dst_workers_close(struct dst_server *srv);
/* The queries each running worker took (at most max of them, into out): how many workers. */
unsigned dst_workers_queries(const struct dst_server *srv, uint64_t *out, unsigned max);
/* Adds what the workers counted to *sum. */
void dst_workers_add_stats(const struct dst_server *srv, struct dst_server_stats *sum);

#endif
