/*
 * floor: the least a UDP DNS responder can do, as a yardstick for the
 * cache-hit path of real resolvers.
 *
 *   floor PORT [ADDRESS]      (ADDRESS defaults to 127.0.0.1)
 *
 * One thread, one socket. It receives a batch of datagrams with recvmmsg,
 * turns each query into an answer in its own buffer (QR and RA set, the
 * question kept, anything after the question dropped, and for a query of
 * type A class IN one answer record 0xc00c A IN TTL 3600 192.0.2.1 appended)
 * and sends the batch back with sendmmsg. No cache, no parsing beyond the
 * question, no allocation after start-up: what it costs per query is the
 * kernel's cost per datagram, i.e. the floor under every cache hit.
 *
 * Datagrams that are not queries (too short, QR set, QDCOUNT != 1, a
 * malformed or compressed question name) are dropped.
 *
 * With FLOOR_EPOLL=1 in the environment it waits as an event loop does
 * instead of blocking in recvmmsg: epoll_wait on the (non-blocking) socket,
 * then recvmmsg without waiting. The difference between the two modes is
 * what waiting through an event loop costs per query, which no responder
 * that also serves TCP, TLS and timers from one thread can avoid.
 *
 * It runs until
 * SIGINT or SIGTERM, then prints how many datagrams it answered and dropped
 * on stderr. Loopback use only: it is a benchmark tool, not a server.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define BATCH 64
#define BUFSZ 4096
#define HDR 12
#define ANSWER_LEN 16 /* c0 0c, type, class, ttl, rdlength, 4 bytes */

static const uint8_t answer_rr[ANSWER_LEN] = {
	0xc0, 0x0c,             /* pointer to the question name at offset 12 */
	0x00, 0x01,             /* type A */
	0x00, 0x01,             /* class IN */
	0x00, 0x00, 0x0e, 0x10, /* TTL 3600 */
	0x00, 0x04,             /* rdlength */
	192,  0,    2,    1,    /* 192.0.2.1 (TEST-NET-1) */
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/*
 * Rewrites the query in buf (len bytes, room for BUFSZ) into its answer.
 * Returns the answer's length, or 0 to drop the datagram.
 */
static size_t answer(uint8_t *buf, size_t len)
{
	size_t off = HDR;
	uint16_t qtype, qclass;
	int a_in;

	if (len < HDR + 5 || (buf[2] & 0x80) || buf[4] != 0 || buf[5] != 1)
		return 0;
	/* The question name: uncompressed labels up to the root label. */
	for (;;) {
		uint8_t l = buf[off];

		if (l == 0)
			break;
		if (l > 63 || off + 1 + l >= len || off + 1 + l > HDR + 255)
			return 0;
		off += 1 + l;
	}
	off++; /* root label */
	if (off + 4 > len)
		return 0;
	qtype = (uint16_t)(buf[off] << 8 | buf[off + 1]);
	qclass = (uint16_t)(buf[off + 2] << 8 | buf[off + 3]);
	off += 4;
	if (off + ANSWER_LEN > BUFSZ)
		return 0;
	a_in = qtype == 1 && qclass == 1;

	/* Flags: QR, keep OPCODE and RD, set RA, RCODE NOERROR. */
	buf[2] = (uint8_t)(0x80 | (buf[2] & 0x79));
	buf[3] = 0x80;
	buf[6] = 0;
	buf[7] = (uint8_t)a_in; /* ANCOUNT */
	memset(buf + 8, 0, 4);  /* NSCOUNT, ARCOUNT: EDNS and the rest dropped */
	if (a_in) {
		memcpy(buf + off, answer_rr, ANSWER_LEN);
		off += ANSWER_LEN;
	}
	return off;
}

int main(int argc, char **argv)
{
	static uint8_t bufs[BATCH][BUFSZ];
	struct sockaddr_in peers[BATCH], addr;
	struct mmsghdr in[BATCH], out[BATCH];
	struct iovec iov[BATCH], oiov[BATCH];
	struct sigaction sa;
	unsigned long long answered = 0, dropped = 0;
	const char *host = argc > 2 ? argv[2] : "127.0.0.1";
	char *end;
	long port;
	const char *ev = getenv("FLOOR_EPOLL");
	bool use_epoll = ev && strcmp(ev, "1") == 0;
	int fd, ep = -1;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: floor PORT [ADDRESS]\n");
		return 2;
	}
	port = strtol(argv[1], &end, 10);
	if (*end || port < 1 || port > 65535) {
		fprintf(stderr, "floor: bad port \"%s\"\n", argv[1]);
		return 2;
	}
	memset(&addr, 0, sizeof addr);
	addr.sin_family = AF_INET;
	addr.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, host, &addr.sin_addr) != 1) {
		fprintf(stderr, "floor: bad IPv4 address \"%s\"\n", host);
		return 2;
	}
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
		perror("floor: socket/bind");
		return 1;
	}

	if (use_epoll) {
		struct epoll_event e = {.events = EPOLLIN};

		ep = epoll_create1(EPOLL_CLOEXEC);
		if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e) < 0) {
			perror("floor: epoll");
			return 1;
		}
	}

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal; /* no SA_RESTART: recvmmsg returns EINTR */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	for (int i = 0; i < BATCH; i++) {
		iov[i].iov_base = bufs[i];
		iov[i].iov_len = BUFSZ;
		memset(&in[i], 0, sizeof in[i]);
		in[i].msg_hdr.msg_iov = &iov[i];
		in[i].msg_hdr.msg_iovlen = 1;
		in[i].msg_hdr.msg_name = &peers[i];
	}

	while (!stop) {
		int n, m = 0, sent = 0;

		for (int i = 0; i < BATCH; i++)
			in[i].msg_hdr.msg_namelen = sizeof peers[i];
		if (use_epoll) {
			struct epoll_event e;

			if (epoll_wait(ep, &e, 1, -1) < 0) {
				if (errno == EINTR)
					continue;
				perror("floor: epoll_wait");
				return 1;
			}
			n = recvmmsg(fd, in, BATCH, MSG_DONTWAIT, NULL);
		} else {
			/* Block for the first datagram, then take what is queued. */
			n = recvmmsg(fd, in, BATCH, MSG_WAITFORONE, NULL);
		}
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			perror("floor: recvmmsg");
			return 1;
		}
		for (int i = 0; i < n; i++) {
			size_t len = answer(bufs[i], in[i].msg_len);

			if (len == 0) {
				dropped++;
				continue;
			}
			oiov[m].iov_base = bufs[i];
			oiov[m].iov_len = len;
			memset(&out[m], 0, sizeof out[m]);
			out[m].msg_hdr.msg_iov = &oiov[m];
			out[m].msg_hdr.msg_iovlen = 1;
			out[m].msg_hdr.msg_name = &peers[i];
			out[m].msg_hdr.msg_namelen = in[i].msg_hdr.msg_namelen;
			m++;
		}
		while (sent < m) {
			int r = sendmmsg(fd, out + sent, (unsigned)(m - sent), 0);

			if (r < 0) {
				if (errno == EINTR)
					continue;
				/* A full send buffer or a gone peer: drop the rest. */
				dropped += (unsigned)(m - sent);
				break;
			}
			sent += r;
		}
		answered += (unsigned)sent;
	}
	fprintf(stderr, "floor: answered %llu, dropped %llu\n", answered, dropped);
	if (ep >= 0)
		close(ep);
	close(fd);
	return 0;
}
