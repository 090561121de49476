/*
 * Unit tests for resolver/io/dnsclient.c, the plain DNS client: which
 * replies it takes (ID and question, RFC 5452), the UDP form of our
 * queries (no padding or keepalive, payload 1232), and on loopback with
 * servers written here: an off-path reply ignored, a truncated answer
 * asked again over TCP, ICMP port unreachable reported, a cancelled
 * request never called back.
 */
#include "dns_test_util.h"

#include <unistd.h>
#include <uv.h>

#include "dns/err.h"
#include "resolver/io/dnsclient.h"

/* Our own query for QNAME/A, as the query engine builds it (padding, keepalive). */
static size_t our_query(uint8_t *buf, size_t cap, uint16_t id)
{
	struct msg m;
	struct dst_dns_query q;

	std_query(&m, true);
	parse_ok(&m, &q);
	ssize_t n = dst_dns_upstream_query(m.b, &q, id, buf, cap);
	ck_assert_int_gt(n, 0);
	return (size_t)n;
}

/* A reply to query: its header and question, QR set, with one A record added when a. */
static size_t reply_to(const uint8_t *query, size_t qlen, uint8_t *out, bool tc, bool a)
{
	size_t end = DST_DNS_HEADER_LEN + QNAME_WIRE_LEN + 4;

	ck_assert_uint_le(end, qlen);
	memcpy(out, query, end);
	out[2] = 0x81 | (tc ? 0x02 : 0); /* QR, RD (+TC) */
	out[3] = 0x80;                   /* RA */
	dst_dns_put16(out + 6, a ? 1 : 0);
	dst_dns_put16(out + 8, 0);
	dst_dns_put16(out + 10, 0);
	if (!a)
		return end;
	static const uint8_t rr[] = {0xc0, 12, 0, 1, 0, 1, 0, 0, 1, 44, 0, 4, 192, 0, 2, 1};
	memcpy(out + end, rr, sizeof(rr));
	return end + sizeof(rr);
}

START_TEST(test_reply_must_match_id_and_question)
{
	uint8_t q[512], r[512];
	size_t qlen = our_query(q, sizeof(q), 0x5151);
	size_t rlen = reply_to(q, qlen, r, false, true);

	ck_assert(dst_dnsc_reply_matches(q, qlen, r, rlen));
	/* The name in another case is the same question. */
	r[DST_DNS_HEADER_LEN + 1] ^= 0x20;
	ck_assert(dst_dnsc_reply_matches(q, qlen, r, rlen));
	r[DST_DNS_HEADER_LEN + 1] ^= 0x20;
	r[1] ^= 1; /* ID */
	ck_assert(!dst_dnsc_reply_matches(q, qlen, r, rlen));
	r[1] ^= 1;
	r[2] &= 0x7f; /* QR clear: a query, not an answer */
	ck_assert(!dst_dnsc_reply_matches(q, qlen, r, rlen));
	r[2] |= 0x80;
	r[DST_DNS_HEADER_LEN + 2] = 'x'; /* another name */
	ck_assert(!dst_dnsc_reply_matches(q, qlen, r, rlen));
	r[DST_DNS_HEADER_LEN + 2] = q[DST_DNS_HEADER_LEN + 2];
	r[DST_DNS_HEADER_LEN + QNAME_WIRE_LEN + 1] = 28; /* AAAA */
	ck_assert(!dst_dnsc_reply_matches(q, qlen, r, rlen));
	r[DST_DNS_HEADER_LEN + QNAME_WIRE_LEN + 1] = 1;
	dst_dns_put16(r + 4, 2); /* two questions */
	ck_assert(!dst_dnsc_reply_matches(q, qlen, r, rlen));
	dst_dns_put16(r + 4, 1);
	/* Cut inside the question, or inside the header. */
	ck_assert(!dst_dnsc_reply_matches(q, qlen, r, DST_DNS_HEADER_LEN + 5));
	ck_assert(!dst_dnsc_reply_matches(q, qlen, r, 11));
	ck_assert(dst_dnsc_reply_matches(q, qlen, r, rlen));
}
END_TEST

/* The OPT of a query made by dst_dnsc_plain_query: payload size and options. */
START_TEST(test_plain_query_drops_padding_and_keepalive)
{
	uint8_t q[512];
	size_t qlen = our_query(q, sizeof(q), 1);

	ck_assert_uint_eq(qlen % DST_DNS_PAD_BLOCK, 0);
	ssize_t n = dst_dnsc_plain_query(q, qlen);
	size_t opt = DST_DNS_HEADER_LEN + QNAME_WIRE_LEN + 4;
	ck_assert_int_eq(n, (ssize_t)(opt + DST_DNS_OPT_LEN));
	ck_assert_uint_eq(dst_dns_get16(q + opt + 1), DST_DNS_TYPE_OPT);
	ck_assert_uint_eq(dst_dns_get16(q + opt + 3), DST_DNSC_UDP_SIZE);
	ck_assert_uint_eq(dst_dns_get16(q + opt + 9), 0);
	ck_assert_uint_eq(dst_dns_arcount(q), 1);
	/* Idempotent, and still one well-formed message. */
	ck_assert_int_eq(dst_dnsc_plain_query(q, (size_t)n), n);
	ldns_pkt *p = from_wire(q, (size_t)n);
	ck_assert_uint_eq(ldns_pkt_edns_udp_size(p), DST_DNSC_UDP_SIZE);
	ldns_pkt_free(p);
}
END_TEST

START_TEST(test_plain_query_keeps_other_options_and_rejects_other_shapes)
{
	uint8_t q[512];
	size_t qlen = our_query(q, sizeof(q), 1);
	size_t opt = DST_DNS_HEADER_LEN + QNAME_WIRE_LEN + 4;
	/* An extra option (a cookie-like code 10, 8 bytes) in front of the others. */
	uint8_t w[600];
	memcpy(w, q, opt + DST_DNS_OPT_LEN);
	static const uint8_t o[] = {0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8};
	memcpy(w + opt + DST_DNS_OPT_LEN, o, sizeof(o));
	size_t rest = qlen - opt - DST_DNS_OPT_LEN;
	memcpy(w + opt + DST_DNS_OPT_LEN + sizeof(o), q + opt + DST_DNS_OPT_LEN, rest);
	dst_dns_put16(w + opt + 9, (uint16_t)(sizeof(o) + rest));
	ssize_t n = dst_dnsc_plain_query(w, qlen + sizeof(o));
	ck_assert_int_eq(n, (ssize_t)(opt + DST_DNS_OPT_LEN + sizeof(o)));
	ck_assert_int_eq(memcmp(w + opt + DST_DNS_OPT_LEN, o, sizeof(o)), 0);
	/* Not our shape: RDLENGTH past the end, two additional records, a cut header. */
	qlen = our_query(q, sizeof(q), 1);
	ck_assert_int_eq(dst_dnsc_plain_query(q, qlen - 1), DST_EINVAL);
	dst_dns_put16(q + 10, 2);
	ck_assert_int_eq(dst_dnsc_plain_query(q, qlen), DST_EINVAL);
	ck_assert_int_eq(dst_dnsc_plain_query(q, 7), DST_EINVAL);
}
END_TEST

/* --- on loopback ------------------------------------------------------------------ */

static uv_loop_t loop;
static uv_udp_t srv_udp;
static uv_tcp_t srv_tcp, srv_conn;
static struct sockaddr_storage srv_addr;
static int srv_mode; /* 0: off-path reply, then TC; 1: silent */
static unsigned udp_seen, tcp_seen;
static uint8_t tcp_in[1024];
static size_t tcp_len;
static int got_status = 1;
static uint16_t got_id;
static unsigned got_calls, got_ancount;

static void on_answer(void *arg, int status, const uint8_t *wire, size_t len)
{
	got_calls++;
	got_status = status;
	if (status == 0) {
		got_id = dst_dns_get16(wire);
		got_ancount = dst_dns_ancount(wire);
	}
}

static void on_srv_alloc(uv_handle_t *h, size_t hint, uv_buf_t *b)
{
	static uint8_t buf[2048];
	*b = uv_buf_init((char *)buf, sizeof(buf));
}

static void send_udp(const uint8_t *w, size_t n, const struct sockaddr *to)
{
	uv_buf_t b = uv_buf_init((char *)w, (unsigned)n);
	ck_assert_int_eq(uv_udp_try_send(&srv_udp, &b, 1, to), (int)n);
}

static void on_srv_udp(uv_udp_t *u, ssize_t n, const uv_buf_t *buf, const struct sockaddr *from,
		       unsigned flags)
{
	uint8_t r[512];

	if (n <= 0 || !from)
		return;
	udp_seen++;
	const uint8_t *q = (const uint8_t *)buf->base;
	/* What arrives over UDP has no padding and asks for 1232 bytes. */
	ck_assert_int_lt(n, DST_DNS_PAD_BLOCK);
	if (srv_mode == 1)
		return;
	size_t rl = reply_to(q, (size_t)n, r, false, true);
	r[0] ^= 0xff; /* an off-path guess: wrong ID, ignored */
	send_udp(r, rl, from);
	rl = reply_to(q, (size_t)n, r, true, false);
	send_udp(r, rl, from);
}

static void on_conn_write(uv_write_t *w, int status)
{
	free(w);
}

static void on_conn_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
	if (n <= 0) {
		uv_close((uv_handle_t *)s, NULL);
		return;
	}
	memcpy(tcp_in + tcp_len, buf->base, (size_t)n);
	tcp_len += (size_t)n;
	if (tcp_len < 2 || tcp_len < 2u + dst_dns_get16(tcp_in))
		return;
	tcp_seen++;
	static uint8_t out[514];
	size_t rl = reply_to(tcp_in + 2, tcp_len - 2, out + 2, false, true);
	dst_dns_put16(out, (uint16_t)rl);
	uv_write_t *w = malloc(sizeof(*w));
	uv_buf_t b = uv_buf_init((char *)out, (unsigned)rl + 2);
	uv_write(w, s, &b, 1, on_conn_write);
}

static void on_srv_conn(uv_stream_t *l, int status)
{
	ck_assert_int_eq(status, 0);
	uv_tcp_init(&loop, &srv_conn);
	ck_assert_int_eq(uv_accept(l, (uv_stream_t *)&srv_conn), 0);
	uv_read_start((uv_stream_t *)&srv_conn, on_srv_alloc, on_conn_read);
}

/* A UDP and a TCP server on the same loopback port. */
static void servers_start(void)
{
	struct sockaddr_in a;
	int namelen = sizeof(srv_addr);

	ck_assert_int_eq(uv_loop_init(&loop), 0);
	udp_seen = tcp_seen = got_calls = 0;
	tcp_len = 0;
	got_status = 1;
	for (int tries = 0; tries < 20; tries++) {
		uv_ip4_addr("127.0.0.1", 0, &a);
		uv_udp_init(&loop, &srv_udp);
		ck_assert_int_eq(uv_udp_bind(&srv_udp, (struct sockaddr *)&a, 0), 0);
		namelen = sizeof(srv_addr);
		uv_udp_getsockname(&srv_udp, (struct sockaddr *)&srv_addr, &namelen);
		uv_tcp_init(&loop, &srv_tcp);
		if (uv_tcp_bind(&srv_tcp, (struct sockaddr *)&srv_addr, 0) == 0 &&
		    uv_listen((uv_stream_t *)&srv_tcp, 4, on_srv_conn) == 0)
			break;
		uv_close((uv_handle_t *)&srv_udp, NULL);
		uv_close((uv_handle_t *)&srv_tcp, NULL);
		uv_run(&loop, UV_RUN_NOWAIT);
	}
	ck_assert_int_eq(uv_udp_recv_start(&srv_udp, on_srv_alloc, on_srv_udp), 0);
}

static void close_walk(uv_handle_t *h, void *arg)
{
	if (!uv_is_closing(h))
		uv_close(h, NULL);
}

static void servers_stop(void)
{
	uv_walk(&loop, close_walk, NULL);
	uv_run(&loop, UV_RUN_DEFAULT);
	ck_assert_int_eq(uv_loop_close(&loop), 0);
}

/* Runs the loop until the callback came, at most about 2 s. */
static void run_until_answered(void)
{
	for (int i = 0; i < 200 && got_calls == 0; i++)
		uv_run(&loop, UV_RUN_NOWAIT), usleep(10000);
}

START_TEST(test_truncated_answer_is_asked_again_over_tcp_and_offpath_reply_ignored)
{
	struct dst_dnsc *c;
	struct dst_dnsc_req *r;
	struct dst_dnsc_stats st;
	uint8_t q[512];
	size_t qlen = our_query(q, sizeof(q), 0x0000);

	servers_start();
	srv_mode = 0;
	ck_assert_int_eq(dst_dnsc_new(&loop, "t", &srv_addr, 1, &c), 0);
	ck_assert_int_eq(dst_dnsc_send(c, q, qlen, on_answer, NULL, &r), 0);
	ck_assert_uint_eq(got_calls, 0); /* never from inside send */
	run_until_answered();
	ck_assert_uint_eq(got_calls, 1);
	ck_assert_int_eq(got_status, 0);
	ck_assert_uint_eq(got_id, 0x0000); /* the caller's ID, not the random one sent */
	ck_assert_uint_eq(got_ancount, 1);
	ck_assert_uint_eq(udp_seen, 1);
	ck_assert_uint_eq(tcp_seen, 1);
	dst_dnsc_get_stats(c, &st);
	ck_assert_uint_eq(st.queries, 1);
	ck_assert_uint_eq(st.unmatched, 1);
	ck_assert_uint_eq(st.tcp_retries, 1);
	ck_assert_uint_eq(st.answers, 1);
	dst_dnsc_close(c);
	servers_stop();
}
END_TEST

START_TEST(test_port_unreachable_fails_the_request)
{
	struct dst_dnsc *c;
	struct dst_dnsc_req *r;
	uint8_t q[512];
	size_t qlen = our_query(q, sizeof(q), 7);

	servers_start();
	/* The port of a socket just closed: nobody listens there. */
	uv_close((uv_handle_t *)&srv_udp, NULL);
	uv_run(&loop, UV_RUN_NOWAIT);
	ck_assert_int_eq(dst_dnsc_new(&loop, "t", &srv_addr, 1, &c), 0);
	ck_assert_int_eq(dst_dnsc_send(c, q, qlen, on_answer, NULL, &r), 0);
	run_until_answered();
	ck_assert_uint_eq(got_calls, 1);
	ck_assert_int_eq(got_status, DST_ECONNREFUSED);
	ck_assert_str_ne(dst_dnsc_last_error(c), "");
	dst_dnsc_close(c);
	servers_stop();
}
END_TEST

START_TEST(test_cancelled_request_is_never_called_back_and_close_cancels_the_rest)
{
	struct dst_dnsc *c;
	struct dst_dnsc_req *r1, *r2;
	uint8_t q[512];
	size_t qlen = our_query(q, sizeof(q), 7);

	servers_start();
	srv_mode = 1; /* silent */
	ck_assert_int_eq(dst_dnsc_new(&loop, "t", &srv_addr, 1, &c), 0);
	ck_assert_int_eq(dst_dnsc_send(c, q, qlen, on_answer, NULL, &r1), 0);
	ck_assert_int_eq(dst_dnsc_send(c, q, qlen, on_answer, NULL, &r2), 0);
	for (int i = 0; i < 20; i++)
		uv_run(&loop, UV_RUN_NOWAIT), usleep(5000);
	dst_dnsc_cancel(r1, DST_ETIMEDOUT);
	ck_assert_uint_eq(got_calls, 0);
	dst_dnsc_close(c); /* r2: DST_ECANCELED, at once */
	ck_assert_uint_eq(got_calls, 1);
	ck_assert_int_eq(got_status, DST_ECANCELED);
	servers_stop(); /* the client is freed once its sockets closed (ASan: no leak) */
}
END_TEST

static Suite *dnsclient_suite(void)
{
	Suite *s = suite_create("dnsclient");
	TCase *wire = tcase_create("wire");
	TCase *net = tcase_create("loopback");

	tcase_add_test(wire, test_reply_must_match_id_and_question);
	tcase_add_test(wire, test_plain_query_drops_padding_and_keepalive);
	tcase_add_test(wire, test_plain_query_keeps_other_options_and_rejects_other_shapes);
	tcase_add_test(net,
		       test_truncated_answer_is_asked_again_over_tcp_and_offpath_reply_ignored);
	tcase_add_test(net, test_port_unreachable_fails_the_request);
	tcase_add_test(net, test_cancelled_request_is_never_called_back_and_close_cancels_the_rest);
	tcase_set_timeout(net, 20);
	suite_add_tcase(s, wire);
	suite_add_tcase(s, net);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(dnsclient_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
