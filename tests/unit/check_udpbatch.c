/*
 * Unit suite for resolver/udpbatch.c, on real loopback sockets: a receive
 * gets every waiting datagram with its sender and bytes, cuts an oversized
 * one at DST_UDP_SLOT, returns 0 when nothing waits and never more than
 * DST_UDP_BATCH; queued answers leave in order with one flush, a change of
 * socket or a full batch flushes first, an answer over DST_UDP_SLOT is not
 * queued, and what the kernel refuses goes to the unsent callback; bound
 * sockets join one SO_REUSEPORT group and are IPv6-only for IPv6.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <sys/un.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "resolver/io/udpbatch.h"

/* A UDP socket on 127.0.0.1, any port; its address in *sa. */
static int udp_on_loopback(struct sockaddr_in *sa)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	*sa = a;
	return fd;
}

static void send_n(int from, const struct sockaddr_in *to, const char *prefix, unsigned n)
{
	char msg[64];

	for (unsigned i = 0; i < n; i++) {
		int len = snprintf(msg, sizeof(msg), "%s-%u", prefix, i);
		ck_assert_int_eq(
			sendto(from, msg, (size_t)len, 0, (const struct sockaddr *)to, sizeof(*to)),
			len);
	}
}

static unsigned unsent_calls;
static size_t unsent_bytes;

static void count_unsent(void *owner, const struct sockaddr *peer, const uint8_t *wire, size_t len)
{
	(void)owner;
	(void)peer;
	(void)wire;
	unsent_calls++;
	unsent_bytes += len;
}

START_TEST(test_recv_gets_every_datagram_with_its_sender)
{
	struct dst_udp_batch *b = dst_udp_batch_new(count_unsent);
	struct sockaddr_in srv_a, a1, a2;
	int srv = udp_on_loopback(&srv_a), c1 = udp_on_loopback(&a1), c2 = udp_on_loopback(&a2);

	ck_assert_ptr_nonnull(b);
	ck_assert_int_eq(dst_udp_batch_recv(b, srv), 0); /* nothing waits */
	send_n(c1, &srv_a, "one", 3);
	send_n(c2, &srv_a, "two", 2);
	ck_assert_int_eq(dst_udp_batch_recv(b, srv), 5);
	for (unsigned i = 0; i < 5; i++) {
		const struct sockaddr_in *from = (const struct sockaddr_in *)&b->in_peer[i];
		const struct sockaddr_in *want = i < 3 ? &a1 : &a2;
		char expect[16];

		snprintf(expect, sizeof(expect), "%s-%u", i < 3 ? "one" : "two", i < 3 ? i : i - 3);
		ck_assert_uint_eq(b->in[i].msg_len, strlen(expect));
		ck_assert_mem_eq(b->in_buf[i], expect, strlen(expect));
		ck_assert_uint_eq(from->sin_port, want->sin_port);
		ck_assert_uint_eq(from->sin_addr.s_addr, want->sin_addr.s_addr);
	}
	ck_assert_int_eq(dst_udp_batch_recv(b, srv), 0);
	/* After a short batch the address lengths are reset for the next one. */
	send_n(c2, &srv_a, "again", 1);
	ck_assert_int_eq(dst_udp_batch_recv(b, srv), 1);
	ck_assert_uint_eq(((const struct sockaddr_in *)&b->in_peer[0])->sin_port, a2.sin_port);
	dst_udp_batch_free(b);
	close(srv);
	close(c1);
	close(c2);
}
END_TEST

START_TEST(test_recv_takes_at_most_a_batch_and_cuts_long_datagrams)
{
	struct dst_udp_batch *b = dst_udp_batch_new(count_unsent);
	struct sockaddr_in srv_a, ca;
	int srv = udp_on_loopback(&srv_a), c = udp_on_loopback(&ca);
	static uint8_t big[DST_UDP_SLOT + 100];

	send_n(c, &srv_a, "q", DST_UDP_BATCH + 3);
	ck_assert_int_eq(dst_udp_batch_recv(b, srv), DST_UDP_BATCH);
	ck_assert_int_eq(dst_udp_batch_recv(b, srv), 3);
	memset(big, 0xab, sizeof(big));
	ck_assert_int_eq(sendto(c, big, sizeof(big), 0, (struct sockaddr *)&srv_a, sizeof(srv_a)),
			 (ssize_t)sizeof(big));
	ck_assert_int_eq(dst_udp_batch_recv(b, srv), 1);
	ck_assert_uint_eq(b->in[0].msg_len, DST_UDP_SLOT);
	ck_assert_int_eq(dst_udp_batch_recv(b, -1), -EBADF);
	dst_udp_batch_free(b);
	close(srv);
	close(c);
}
END_TEST

START_TEST(test_queued_answers_leave_in_order_and_a_new_socket_flushes_first)
{
	struct dst_udp_batch *b = dst_udp_batch_new(count_unsent);
	struct sockaddr_in s1_a, s2_a, ca;
	int s1 = udp_on_loopback(&s1_a), s2 = udp_on_loopback(&s2_a), c = udp_on_loopback(&ca);
	static uint8_t big[DST_UDP_SLOT + 1];
	char buf[64];

	ck_assert(dst_udp_batch_add(b, s1, NULL, (struct sockaddr *)&ca, (const uint8_t *)"a1", 2));
	ck_assert(dst_udp_batch_add(b, s1, NULL, (struct sockaddr *)&ca, (const uint8_t *)"a2", 2));
	/* Nothing leaves before a flush... */
	ck_assert_int_lt(recv(c, buf, sizeof(buf), MSG_DONTWAIT), 0);
	/* ...or before an answer for another socket, which flushes the first two. */
	ck_assert(dst_udp_batch_add(b, s2, NULL, (struct sockaddr *)&ca, (const uint8_t *)"b1", 2));
	for (unsigned i = 0; i < 2; i++) {
		struct sockaddr_in from;
		socklen_t fl = sizeof(from);
		ck_assert_int_eq(
			recvfrom(c, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&from, &fl),
			2);
		ck_assert_mem_eq(buf, i == 0 ? "a1" : "a2", 2);
		ck_assert_uint_eq(from.sin_port, s1_a.sin_port);
	}
	ck_assert_int_lt(recv(c, buf, sizeof(buf), MSG_DONTWAIT), 0);
	dst_udp_batch_flush(b);
	ck_assert_int_eq(recv(c, buf, sizeof(buf), MSG_DONTWAIT), 2);
	ck_assert_mem_eq(buf, "b1", 2);
	ck_assert_uint_eq(b->nout, 0);
	/* Longer than a slot: not queued, the caller sends it. */
	ck_assert(!dst_udp_batch_add(b, s1, NULL, (struct sockaddr *)&ca, big, sizeof(big)));
	ck_assert_uint_eq(b->nout, 0);
	/* A full batch flushes itself to make room. */
	for (unsigned i = 0; i < DST_UDP_BATCH + 1; i++)
		ck_assert(dst_udp_batch_add(b, s1, NULL, (struct sockaddr *)&ca,
					    (const uint8_t *)"x", 1));
	ck_assert_uint_eq(b->nout, 1);
	unsigned got = 0;
	while (recv(c, buf, sizeof(buf), MSG_DONTWAIT) == 1)
		got++;
	ck_assert_uint_eq(got, DST_UDP_BATCH);
	dst_udp_batch_flush(b);
	ck_assert_int_eq(recv(c, buf, sizeof(buf), MSG_DONTWAIT), 1);
	ck_assert_uint_eq(unsent_calls, 0);
	dst_udp_batch_free(b);
	close(s1);
	close(s2);
	close(c);
}
END_TEST

START_TEST(test_what_the_kernel_refuses_goes_to_unsent)
{
	struct dst_udp_batch *b = dst_udp_batch_new(count_unsent);
	struct sockaddr_un ua;
	static uint8_t msg[1000];
	unsigned queued = 0;
	int rx, tx;

	/*
	 * A local datagram socket that never reads: unlike UDP, its full
	 * queue makes the sender's sendmmsg fail with EAGAIN. Its abstract
	 * name is exactly as long as the batch's address length for a family
	 * other than IPv6 (that of a sockaddr_in).
	 */
	memset(&ua, 0, sizeof(ua));
	ua.sun_family = AF_UNIX;
	snprintf(ua.sun_path + 1, sizeof(struct sockaddr_in) - sizeof(sa_family_t) - 1, "u%d",
		 (int)getpid());
	rx = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	tx = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	ck_assert_int_ge(rx, 0);
	ck_assert_int_ge(tx, 0);
	ck_assert_int_eq(bind(rx, (struct sockaddr *)&ua, sizeof(struct sockaddr_in)), 0);
	unsent_calls = 0;
	unsent_bytes = 0;
	for (unsigned round = 0; round < 200 && unsent_calls == 0; round++) {
		for (unsigned i = 0; i < DST_UDP_BATCH; i++) {
			ck_assert(dst_udp_batch_add(b, tx, NULL, (struct sockaddr *)&ua, msg,
						    sizeof(msg)));
			queued++;
		}
		dst_udp_batch_flush(b);
	}
	ck_assert_uint_gt(unsent_calls, 0);
	ck_assert_uint_lt(unsent_calls, queued);
	ck_assert_uint_eq(unsent_bytes, (size_t)unsent_calls * sizeof(msg));
	ck_assert_uint_eq(b->nout, 0);
	/* The ones before the first refusal did arrive. */
	ck_assert_int_eq(recv(rx, (char *)msg, sizeof(msg), MSG_DONTWAIT), (ssize_t)sizeof(msg));
	dst_udp_batch_free(b);
	close(rx);
	close(tx);
}
END_TEST

START_TEST(test_bound_sockets_share_the_address_and_v6_is_v6_only)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	struct sockaddr_in6 a6 = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT};
	socklen_t len = sizeof(a);
	int on = -1, fd1, fd2, plain;

	fd1 = dst_udp_socket_bind((struct sockaddr *)&a, sizeof(a));
	ck_assert_int_ge(fd1, 0);
	ck_assert_int_eq(getsockname(fd1, (struct sockaddr *)&a, &len), 0);
	fd2 = dst_udp_socket_bind((struct sockaddr *)&a, sizeof(a));
	ck_assert_int_ge(fd2, 0); /* the same port: one SO_REUSEPORT group */
	/* A socket without SO_REUSEPORT cannot join. */
	plain = socket(AF_INET, SOCK_DGRAM, 0);
	ck_assert_int_ne(bind(plain, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(errno, EADDRINUSE);
	close(plain);
	close(fd1);
	close(fd2);

	fd1 = dst_udp_socket_bind((struct sockaddr *)&a6, sizeof(a6));
	if (fd1 == -EADDRNOTAVAIL || fd1 == -EAFNOSUPPORT)
		return; /* no IPv6 loopback here */
	ck_assert_int_ge(fd1, 0);
	len = sizeof(on);
	ck_assert_int_eq(getsockopt(fd1, IPPROTO_IPV6, IPV6_V6ONLY, &on, &len), 0);
	ck_assert_int_eq(on, 1);
	close(fd1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("udpbatch");
	TCase *recv_tc = tcase_create("recv"), *send_tc = tcase_create("send");
	TCase *bind_tc = tcase_create("bind");
	SRunner *sr;
	int failed;

	tcase_add_test(recv_tc, test_recv_gets_every_datagram_with_its_sender);
	tcase_add_test(recv_tc, test_recv_takes_at_most_a_batch_and_cuts_long_datagrams);
	tcase_add_test(send_tc, test_queued_answers_leave_in_order_and_a_new_socket_flushes_first);
	tcase_add_test(send_tc, test_what_the_kernel_refuses_goes_to_unsent);
	tcase_add_test(bind_tc, test_bound_sockets_share_the_address_and_v6_is_v6_only);
	suite_add_tcase(s, recv_tc);
	suite_add_tcase(s, send_tc);
	suite_add_tcase(s, bind_tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
