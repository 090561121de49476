/*
 * Batched UDP receive and send (see udpbatch.h).
 */
#include "config.h"

#include "resolver/io/udpbatch.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct dst_udp_batch *dst_udp_batch_new(dst_udp_unsent_fn *unsent)
{
	/* Large enough that malloc maps it: only the slots used become resident. */
	struct dst_udp_batch *b = malloc(sizeof(*b));

	if (!b)
		return NULL;
	memset(b, 0, offsetof(struct dst_udp_batch, in_buf));
	for (unsigned i = 0; i < DST_UDP_BATCH; i++) {
		b->in_iov[i].iov_base = b->in_buf[i];
		b->in_iov[i].iov_len = DST_UDP_SLOT;
		b->in[i].msg_hdr.msg_iov = &b->in_iov[i];
		b->in[i].msg_hdr.msg_iovlen = 1;
		b->in[i].msg_hdr.msg_name = &b->in_peer[i];
		b->in[i].msg_hdr.msg_namelen = sizeof(b->in_peer[i]);
		b->out_iov[i].iov_base = b->out_buf[i];
		b->out[i].msg_hdr.msg_iov = &b->out_iov[i];
		b->out[i].msg_hdr.msg_iovlen = 1;
		b->out[i].msg_hdr.msg_name = &b->out_peer[i];
	}
	b->out_fd = -1;
	b->unsent = unsent;
	return b;
}

void dst_udp_batch_free(struct dst_udp_batch *b)
{
	free(b);
}

int dst_udp_batch_recv(struct dst_udp_batch *b, int fd)
{
	int n;

	/* The kernel changes the address length of the datagrams it fills in only. */
	for (unsigned i = 0; i < b->nin; i++)
		b->in[i].msg_hdr.msg_namelen = sizeof(b->in_peer[i]);
	do
		n = recvmmsg(fd, b->in, DST_UDP_BATCH, MSG_DONTWAIT, NULL);
	while (n < 0 && errno == EINTR);
	b->nin = n > 0 ? (unsigned)n : 0;
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
	return n;
}

static socklen_t peer_len(const struct sockaddr *sa)
{
	return sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
}

bool dst_udp_batch_add(struct dst_udp_batch *b, int fd, void *owner, const struct sockaddr *peer,
		       const uint8_t *wire, size_t len)
{
	if (len > DST_UDP_SLOT)
		return false;
	if (b->nout && (b->out_fd != fd || b->nout == DST_UDP_BATCH))
		dst_udp_batch_flush(b);
	b->out_fd = fd;
	b->owner = owner;

	unsigned i = b->nout++;
	socklen_t plen = peer_len(peer);

	memcpy(b->out_buf[i], wire, len);
	b->out_iov[i].iov_len = len;
	memcpy(&b->out_peer[i], peer, plen);
	b->out[i].msg_hdr.msg_namelen = plen;
	return true;
}

void dst_udp_batch_flush(struct dst_udp_batch *b)
{
	unsigned done = 0;

	while (done < b->nout) {
		int n = sendmmsg(b->out_fd, b->out + done, b->nout - done, MSG_DONTWAIT);

		if (n > 0) {
			done += (unsigned)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			for (; done < b->nout; done++)
				b->unsent(b->owner, (const struct sockaddr *)&b->out_peer[done],
					  b->out_buf[done], b->out_iov[done].iov_len);
			break;
		}
		/*
		 * This datagram cannot go (its peer is unreachable, say): as
		 * with a single send, it is lost and the client asks again.
		 */
		done++;
	}
	b->nout = 0;
}

int dst_udp_grow_rcvbuf(int fd, int size)
{
#ifdef SO_RCVBUFFORCE
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) == 0)
		return 0;
#endif
	return setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size)) == 0 ? 0 : -errno;
}

int dst_udp_socket_bind(const struct sockaddr *sa, socklen_t len)
{
	int fd = socket(sa->sa_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), on = 1;

	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on)) < 0 ||
	    (sa->sa_family == AF_INET6 &&
	     setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on)) < 0) ||
	    bind(fd, sa, len) < 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	return fd;
}
