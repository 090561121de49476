/*
 * Unit tests for tls/frame: the DNS-over-TCP length framing reader.
 *
 * Every test feeds pieces of one stream of three messages (300 bytes, empty,
 * 65535 bytes, random contents) and checks, in the callback, that exactly
 * those messages arrive, in order, byte for byte. Each piece is fed from its
 * own heap copy that is scribbled over and freed right after the call, so a
 * reader that kept a pointer into fed data fails the byte comparison (or
 * ASan). The callback also records where each message pointed, to tell
 * zero-copy deliveries from assembled ones.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dns/err.h"
#include "tls/frame.h"

enum { NMSG = 3 };
static const size_t msg_len[NMSG] = {300, 0, 65535};
static size_t msg_off[NMSG]; /* offset of each message's body in stream */
static uint8_t *stream;
static size_t stream_len;

#define NOT_IN_PIECE SIZE_MAX

/* For the hot paths: every ck_assert records its location even when it
 * passes, which over ~66k splits costs more than the work under test. */
#define expect(cond, ...)                          \
	do {                                       \
		if (!(cond))                       \
			ck_abort_msg(__VA_ARGS__); \
	} while (0)

struct sink {
	size_t count;   /* messages delivered so far */
	size_t stop_at; /* index whose delivery returns stop_rc, or NMSG */
	int stop_rc;
	uintptr_t lo, hi;   /* piece being fed */
	size_t piece_off;   /* its offset in stream */
	size_t where[NMSG]; /* message's offset in stream if in the piece, else NOT_IN_PIECE */
	size_t trial;       /* split position or round, for failure messages */
};

static uint64_t rng_state;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void build_stream(void)
{
	stream_len = 0;
	for (size_t i = 0; i < NMSG; i++)
		stream_len += 2 + msg_len[i];
	stream = malloc(stream_len);
	if (stream == NULL)
		abort();
	rng_state = 0x9e3779b97f4a7c15u;
	size_t off = 0;
	for (size_t i = 0; i < NMSG; i++) {
		dst_frame_prefix(stream + off, msg_len[i]);
		msg_off[i] = off + 2;
		for (size_t j = 0; j < msg_len[i]; j++)
			stream[off + 2 + j] = (uint8_t)(rng() >> 32);
		off += 2 + msg_len[i];
	}
}

static void sink_init(struct sink *s)
{
	memset(s, 0, sizeof(*s));
	s->stop_at = NMSG;
}

static int on_message(void *arg, const uint8_t *wire, size_t len)
{
	struct sink *s = arg;
	size_t i = s->count;

	expect(i < NMSG, "extra message of %zu bytes (trial %zu)", len, s->trial);
	expect(len == msg_len[i], "message %zu: %zu bytes, want %zu (trial %zu)", i, len,
	       msg_len[i], s->trial);
	expect(len == 0 || memcmp(wire, stream + msg_off[i], len) == 0,
	       "message %zu: wrong bytes (trial %zu)", i, s->trial);
	uintptr_t p = (uintptr_t)wire;
	s->where[i] = p >= s->lo && p + len <= s->hi ? s->piece_off + (p - s->lo) : NOT_IN_PIECE;
	s->count++;
	return i == s->stop_at ? s->stop_rc : 0;
}

/* Feeds stream[off, off + n) from a private copy that does not outlive the call. */
static int feed(struct dst_frame_reader *r, struct sink *s, size_t off, size_t n)
{
	uint8_t *piece = malloc(n + 1);
	expect(piece != NULL, "out of memory");
	memcpy(piece, stream + off, n);
	s->lo = (uintptr_t)piece;
	s->hi = (uintptr_t)piece + n;
	s->piece_off = off;
	int rc = dst_frame_feed(r, piece, n, on_message, s);
	memset(piece, 0xa5, n);
	free(piece);
	return rc;
}

static void assert_all_delivered(const struct dst_frame_reader *r, const struct sink *s)
{
	expect(s->count == NMSG, "%zu of %d messages (trial %zu)", s->count, NMSG, s->trial);
	expect(r->have == 0, "reader holds %zu bytes after the stream (trial %zu)", r->have,
	       s->trial);
}

START_TEST(test_split_in_two_anywhere_delivers_every_message)
{
	for (size_t split = 0; split <= stream_len; split++) {
		struct dst_frame_reader r;
		struct sink s;
		dst_frame_init(&r);
		sink_init(&s);
		s.trial = split;
		expect(feed(&r, &s, 0, split) == 0, "first piece failed (trial %zu)", split);
		expect(feed(&r, &s, split, stream_len - split) == 0,
		       "second piece failed (trial %zu)", split);
		assert_all_delivered(&r, &s);
		dst_frame_reset(&r);
	}
}
END_TEST

START_TEST(test_byte_by_byte_delivers_every_message)
{
	struct dst_frame_reader r;
	struct sink s;
	dst_frame_init(&r);
	sink_init(&s);
	for (size_t off = 0; off < stream_len; off++)
		expect(feed(&r, &s, off, 1) == 0, "byte %zu failed", off);
	assert_all_delivered(&r, &s);
	dst_frame_reset(&r);
}
END_TEST

START_TEST(test_random_chunks_deliver_every_message)
{
	/* Small, medium and larger-than-a-message chunks, so every mix of
	 * partial prefix, partial body and several messages per piece occurs. */
	static const size_t max_chunk[] = {3, 40, 1500, 80000};

	rng_state = 20240611;
	for (size_t round = 0; round < 400; round++) {
		struct dst_frame_reader r;
		struct sink s;
		size_t max = max_chunk[round % 4];
		dst_frame_init(&r);
		sink_init(&s);
		s.trial = round;
		for (size_t off = 0, n; off < stream_len; off += n) {
			n = 1 + (size_t)(rng() % max);
			if (n > stream_len - off)
				n = stream_len - off;
			expect(feed(&r, &s, off, n) == 0, "piece at %zu failed (trial %zu)", off,
			       round);
		}
		assert_all_delivered(&r, &s);
		dst_frame_reset(&r);
	}
}
END_TEST

START_TEST(test_zero_length_message_is_delivered_as_such)
{
	static const uint8_t empty[2] = {0, 0};
	struct dst_frame_reader r;
	struct sink s;
	dst_frame_init(&r);
	sink_init(&s);
	s.count = 1; /* the stream's empty message is number 1 */

	ck_assert_int_eq(dst_frame_feed(&r, empty, 1, on_message, &s), 0);
	ck_assert_uint_eq(s.count, 1);
	ck_assert_int_eq(dst_frame_feed(&r, NULL, 0, on_message, &s), 0);
	ck_assert_uint_eq(s.count, 1);
	ck_assert_int_eq(dst_frame_feed(&r, empty + 1, 1, on_message, &s), 0);
	ck_assert_uint_eq(s.count, 2);
	ck_assert_uint_eq(r.have, 0);
	dst_frame_reset(&r);
}
END_TEST

START_TEST(test_whole_messages_in_one_piece_are_not_copied)
{
	struct dst_frame_reader r;
	struct sink s;
	dst_frame_init(&r);
	sink_init(&s);
	ck_assert_int_eq(feed(&r, &s, 0, stream_len), 0);
	assert_all_delivered(&r, &s);
	ck_assert_uint_eq(s.where[0], msg_off[0]);
	ck_assert_uint_eq(s.where[2], msg_off[2]);
	ck_assert_ptr_null(r.buf);
	dst_frame_reset(&r);
}
END_TEST

START_TEST(test_whole_message_after_a_straddling_one_is_not_copied)
{
	struct dst_frame_reader r;
	struct sink s;
	size_t split = msg_off[0] + 100;
	dst_frame_init(&r);
	sink_init(&s);
	s.trial = split;
	ck_assert_int_eq(feed(&r, &s, 0, split), 0);
	ck_assert_uint_eq(s.count, 0);
	ck_assert_int_eq(feed(&r, &s, split, stream_len - split), 0);
	assert_all_delivered(&r, &s);
	ck_assert_uint_eq(s.where[0], NOT_IN_PIECE);
	ck_assert_uint_eq(s.where[2], msg_off[2]);
	dst_frame_reset(&r);
}
END_TEST

/* Beyond the header's promise, but documented in frame.c: a split prefix
 * alone does not force the body through the assembly buffer. _i picks a
 * split after the first prefix byte or after the whole prefix. */
START_TEST(test_body_whole_after_a_split_prefix_is_not_copied)
{
	struct dst_frame_reader r;
	struct sink s;
	size_t split = msg_off[2] - 1 + (size_t)_i;
	dst_frame_init(&r);
	sink_init(&s);
	s.trial = split;
	ck_assert_int_eq(feed(&r, &s, 0, split), 0);
	ck_assert_uint_eq(s.count, 2);
	ck_assert_int_eq(feed(&r, &s, split, stream_len - split), 0);
	assert_all_delivered(&r, &s);
	ck_assert_uint_eq(s.where[2], msg_off[2]);
	ck_assert_ptr_null(r.buf);
	dst_frame_reset(&r);
}
END_TEST

START_TEST(test_callback_stop_value_is_returned_and_later_messages_dropped)
{
	static const int stop_rc[NMSG] = {1, DST_EFORMAT, 0x7fff};
	/* _i is the stopping message; even loop steps feed one piece, odd ones
	 * split inside message 0 so the stop may come from an assembled message. */
	size_t stop_at = (size_t)_i / 2;
	size_t split = _i % 2 ? msg_off[0] + 1 : stream_len;
	struct dst_frame_reader r;
	struct sink s;
	dst_frame_init(&r);
	sink_init(&s);
	s.trial = split;
	s.stop_at = stop_at;
	s.stop_rc = stop_rc[stop_at];

	ck_assert_int_eq(feed(&r, &s, 0, split), split == stream_len ? stop_rc[stop_at] : 0);
	if (split < stream_len)
		ck_assert_int_eq(feed(&r, &s, split, stream_len - split), stop_rc[stop_at]);
	ck_assert_uint_eq(s.count, stop_at + 1);
	dst_frame_reset(&r);
}
END_TEST

START_TEST(test_reset_discards_partial_message)
{
	/* Stop points: one prefix byte held, prefix held, part of a body held. */
	const size_t partial[] = {1, 2, msg_off[0] + 10};
	for (size_t k = 0; k < sizeof(partial) / sizeof(partial[0]); k++) {
		struct dst_frame_reader r;
		struct sink s;
		dst_frame_init(&r);
		sink_init(&s);
		s.trial = partial[k];
		ck_assert_int_eq(feed(&r, &s, 0, partial[k]), 0);
		ck_assert_uint_eq(s.count, 0);

		dst_frame_reset(&r);
		ck_assert_ptr_null(r.buf);
		ck_assert_uint_eq(r.have, 0);
		ck_assert_uint_eq(r.need, 0);

		ck_assert_int_eq(feed(&r, &s, 0, stream_len), 0);
		assert_all_delivered(&r, &s);
		dst_frame_reset(&r);
	}
}
END_TEST

START_TEST(test_reader_is_reusable_after_stop_and_reset)
{
	/* Stop on message 0 while it sits in the assembly buffer. */
	struct dst_frame_reader r;
	struct sink s;
	size_t split = msg_off[0] + 10;
	dst_frame_init(&r);
	sink_init(&s);
	s.stop_at = 0;
	s.stop_rc = 9;
	ck_assert_int_eq(feed(&r, &s, 0, split), 0);
	ck_assert_int_eq(feed(&r, &s, split, stream_len - split), 9);
	ck_assert_uint_eq(s.count, 1);

	dst_frame_reset(&r);
	sink_init(&s);
	ck_assert_int_eq(feed(&r, &s, 0, split), 0);
	ck_assert_int_eq(feed(&r, &s, split, stream_len - split), 0);
	assert_all_delivered(&r, &s);
	dst_frame_reset(&r);
}
END_TEST

START_TEST(test_prefix_is_length_in_network_order)
{
	static const struct {
		size_t len;
		uint8_t wire[2];
	} cases[] = {
		{0, {0x00, 0x00}},   {1, {0x00, 0x01}},      {255, {0x00, 0xff}},
		{256, {0x01, 0x00}}, {0x1234, {0x12, 0x34}}, {65535, {0xff, 0xff}},
	};
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		uint8_t out[2] = {0x5a, 0x5a};
		dst_frame_prefix(out, cases[k].len);
		ck_assert_msg(out[0] == cases[k].wire[0] && out[1] == cases[k].wire[1],
			      "len %zu: %02x %02x", cases[k].len, out[0], out[1]);
	}
}
END_TEST

static Suite *frame_suite(void)
{
	Suite *s = suite_create("frame");
	TCase *tc;

	tc = tcase_create("split");
	tcase_set_timeout(tc, 60); /* ~66k splits of a 64 KiB stream: seconds under ASan */
	tcase_add_test(tc, test_split_in_two_anywhere_delivers_every_message);
	tcase_add_test(tc, test_byte_by_byte_delivers_every_message);
	tcase_add_test(tc, test_random_chunks_deliver_every_message);
	tcase_add_test(tc, test_zero_length_message_is_delivered_as_such);
	suite_add_tcase(s, tc);

	tc = tcase_create("zero_copy");
	tcase_add_test(tc, test_whole_messages_in_one_piece_are_not_copied);
	tcase_add_test(tc, test_whole_message_after_a_straddling_one_is_not_copied);
	tcase_add_loop_test(tc, test_body_whole_after_a_split_prefix_is_not_copied, 0, 2);
	suite_add_tcase(s, tc);

	tc = tcase_create("stop_and_reset");
	tcase_add_loop_test(tc, test_callback_stop_value_is_returned_and_later_messages_dropped, 0,
			    2 * NMSG);
	tcase_add_test(tc, test_reset_discards_partial_message);
	tcase_add_test(tc, test_reader_is_reusable_after_stop_and_reset);
	suite_add_tcase(s, tc);

	tc = tcase_create("prefix");
	tcase_add_test(tc, test_prefix_is_length_in_network_order);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	build_stream();
	SRunner *sr = srunner_create(frame_suite());
	srunner_run_all(sr, CK_ENV);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	free(stream);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
