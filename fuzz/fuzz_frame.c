/*
 * Fuzz target: the DNS-over-TCP frame reader (tls/frame.h), which sees
 * every byte an upstream sends.
 *
 * Input layout: byte 0 is CTL_STOP_MASK (stop after the k-th message,
 * 0: never), then pieces, each a size byte and that many bytes of stream:
 * 0-253 a piece of that size (cut short at the end of the input), 254
 * "reset the reader here" (no bytes follow), 255 "the rest of the input
 * is one piece". So the fuzzer picks both the stream and where it is cut.
 *
 * The oracle is a plain model of the stream: every piece fed since the
 * last reset is appended to seg, and pos is where the next message must
 * start in it. Each delivered message must be exactly the next one in seg
 * (prefix, length <= 65535, bytes), after each feed the reader must hold
 * exactly the undelivered tail (r.have), and when a segment ends no whole
 * message may be left undelivered. Each piece is fed from its own
 * exact-size heap block, freed straight after, so a message handed out
 * from a stale piece or read past its end shows up under ASan.
 */
#include <stdbool.h>
#include <string.h>

#include "fuzz/fuzz.h"
#include "tls/frame.h"

#define CTL_STOP_MASK 0x0f
#define PIECE_RESET 254
#define PIECE_REST 255
#define STOP_VALUE 7 /* what the callback returns to stop: any non-zero */

struct model {
	uint8_t *seg; /* the stream since the last reset */
	size_t seg_len;
	size_t pos;       /* start of the next message in seg */
	unsigned seen;    /* messages delivered so far, over all segments */
	unsigned stop_at; /* stop at this message; 0: never */
};

static int on_message(void *arg, const uint8_t *wire, size_t len)
{
	struct model *m = arg;

	FUZZ_CHECK(len <= 65535);
	FUZZ_CHECK(m->seg_len - m->pos >= 2);
	FUZZ_CHECK(len == (size_t)(m->seg[m->pos] << 8 | m->seg[m->pos + 1]));
	FUZZ_CHECK(m->seg_len - m->pos - 2 >= len);
	FUZZ_CHECK(len == 0 || memcmp(wire, m->seg + m->pos + 2, len) == 0);
	m->pos += 2 + len;
	return ++m->seen == m->stop_at ? STOP_VALUE : 0;
}

/* Whether seg still holds a whole message that was not delivered. */
static bool whole_message_left(const struct model *m)
{
	size_t left = m->seg_len - m->pos;

	return left >= 2 && left - 2 >= (size_t)(m->seg[m->pos] << 8 | m->seg[m->pos + 1]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dst_frame_reader r;
	struct model m = {0};
	size_t i = 1;

	if (size < 1)
		return 0;
	m.stop_at = data[0] & CTL_STOP_MASK;
	m.seg = dst_fuzz_alloc(size);
	dst_frame_init(&r);

	while (i < size) {
		size_t n = data[i++];
		uint8_t *piece;
		int rc;

		if (n == PIECE_RESET) {
			FUZZ_CHECK(!whole_message_left(&m));
			dst_frame_reset(&r);
			m.seg_len = m.pos = 0;
			continue;
		}
		if (n == PIECE_REST || n > size - i)
			n = size - i;
		piece = dst_fuzz_alloc(n);
		memcpy(piece, data + i, n);
		memcpy(m.seg + m.seg_len, piece, n);
		m.seg_len += n;
		i += n;

		rc = dst_frame_feed(&r, piece, n, on_message, &m);
		free(piece);
		if (rc == STOP_VALUE) {
			/* The caller closes the stream: the rest is never fed. */
			FUZZ_CHECK(m.seen == m.stop_at);
			break;
		}
		FUZZ_CHECK(rc == 0);
		FUZZ_CHECK(!whole_message_left(&m));
		FUZZ_CHECK(r.have == m.seg_len - m.pos);
	}
	dst_frame_reset(&r);
	free(m.seg);
	return 0;
}
