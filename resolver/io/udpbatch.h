/*
 * Batched UDP: up to DST_UDP_BATCH datagrams read with one recvmmsg and
 * answers sent with one sendmmsg. The kernel's cost per datagram and per
 * system call dominates a cache hit (see docs/design-decisions.md), so the
 * hit path reads and writes in batches; at low rates a batch is one
 * datagram, read without the extra EAGAIN read that a read-until-empty
 * loop costs.
 *
 * One batch per thread: the received datagrams stay valid until the next
 * receive into the same batch. Answers queue until dst_udp_batch_flush (or
 * a queued answer for another socket, which flushes first).
 */
#ifndef DST_RESOLVER_UDPBATCH_H
#define DST_RESOLVER_UDPBATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define DST_UDP_BATCH 32
/*
 * Bytes per received datagram and per queued answer. A longer query is cut
 * (and then fails to parse: FORMERR); a longer answer is sent on its own.
 */
#define DST_UDP_SLOT 4096

/* What to do with an answer the kernel would not take now (socket buffer full). */
typedef void dst_udp_unsent_fn(void *owner, const struct sockaddr *peer, const uint8_t *wire,
			       size_t len);

struct dst_udp_batch {
	struct mmsghdr in[DST_UDP_BATCH];
	struct iovec in_iov[DST_UDP_BATCH];
	struct sockaddr_storage in_peer[DST_UDP_BATCH];
	struct mmsghdr out[DST_UDP_BATCH];
	struct iovec out_iov[DST_UDP_BATCH];
	struct sockaddr_storage out_peer[DST_UDP_BATCH];
	unsigned nin; /* datagrams the last receive got */
	unsigned nout;
	int out_fd;  /* the socket queued answers go out of */
	void *owner; /* passed to unsent, with out_fd */
	dst_udp_unsent_fn *unsent;
	uint8_t in_buf[DST_UDP_BATCH][DST_UDP_SLOT];
	uint8_t out_buf[DST_UDP_BATCH][DST_UDP_SLOT];
};

/* NULL when out of memory. unsent is called for each answer a flush could not send. */
struct dst_udp_batch *dst_udp_batch_new(dst_udp_unsent_fn *unsent);
void dst_udp_batch_free(struct dst_udp_batch *b);

/*
 * Reads what is waiting on fd (non-blocking): returns how many datagrams,
 * 0 when none, or a negative errno. Datagram i is in_buf[i], in[i].msg_len
 * bytes (at most DST_UDP_SLOT), from in_peer[i].
 */
int dst_udp_batch_recv(struct dst_udp_batch *b, int fd);

/*
 * Queues a copy of an answer to peer out of fd (owner: passed to unsent).
 * Returns false, queueing nothing, when it is longer than DST_UDP_SLOT:
 * the caller sends it itself.
 */
bool dst_udp_batch_add(struct dst_udp_batch *b, int fd, void *owner, const struct sockaddr *peer,
		       const uint8_t *wire, size_t len);

/* Sends what is queued; what the kernel refuses with EAGAIN goes to unsent, the rest is dropped. */
void dst_udp_batch_flush(struct dst_udp_batch *b);

/*
 * A UDP socket bound to sa with SO_REUSEPORT (each of the threads' loops
 * has one in the same group; the kernel spreads clients over them),
 * non-blocking, IPv6-only for an IPv6 address. Returns the fd or a
 * negative errno.
 */
int dst_udp_socket_bind(const struct sockaddr *sa, socklen_t len);

/*
 * Asks for a receive buffer of size bytes: SO_RCVBUFFORCE while still
 * privileged, else SO_RCVBUF (capped by net.core.rmem_max). 0 or -errno.
 */
int dst_udp_grow_rcvbuf(int fd, int size);

#endif
