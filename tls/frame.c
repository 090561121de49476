/*
 * DNS over TCP length framing: split a byte stream into whole messages.
 *
 * State is r->have, the bytes of the current message held so far counting
 * its 2-byte prefix: 0 at a message boundary (need == 0); 1 with one prefix
 * byte in lenbuf (need == 0, unknown); >= 2 with need == 2 + body length and
 * the first have - 2 body bytes in buf.
 *
 * Bodies are handed out straight from the caller's data whenever the whole
 * body is in the piece being fed, even right after a prefix split across
 * pieces; only a body that itself straddles pieces is copied. buf is
 * allocated at full size (65535, the largest body a prefix can announce) the
 * first time that happens and kept until dst_frame_reset: a stream that
 * needs it once will likely need it again, and a fixed size needs no checks.
 *
 * The state is back at a message boundary before the callback runs (it runs
 * last); a callback that frees the reader must return non-zero, since on 0
 * the reader goes on with the rest of the data.
 */
#include "tls/frame.h"

#include <stdlib.h>
#include <string.h>

#include "dns/err.h"

#define FRAME_MAX_BODY 65535u

void dst_frame_init(struct dst_frame_reader *r)
{
	memset(r, 0, sizeof(*r));
}

void dst_frame_reset(struct dst_frame_reader *r)
{
	free(r->buf);
	dst_frame_init(r);
}

/*
 * Each turn of the loop takes one prefix byte if the prefix is incomplete,
 * then, once the length is known, either delivers one whole message or
 * swallows the rest of data into the partial one. A zero-length message is
 * delivered in the same turn its prefix completes, even if no data is left.
 */
int dst_frame_feed(struct dst_frame_reader *r, const uint8_t *data, size_t n, dst_frame_cb cb,
		   void *arg)
{
	while (n > 0) {
		if (r->have < 2) {
			r->lenbuf[r->have++] = *data++;
			n--;
			if (r->have < 2)
				continue;
			r->need = 2 + ((size_t)r->lenbuf[0] << 8 | r->lenbuf[1]);
		}

		const uint8_t *wire;
		size_t missing = r->need - r->have;
		if (r->have == 2 && n >= missing) {
			wire = data;
		} else if (n == 0) {
			return 0; /* no body bytes yet: no need for buf yet */
		} else {
			if (r->buf == NULL && (r->buf = malloc(FRAME_MAX_BODY)) == NULL)
				return DST_ENOMEM;
			size_t take = n < missing ? n : missing;
			memcpy(r->buf + (r->have - 2), data, take);
			r->have += take;
			if (r->have < r->need)
				return 0; /* take == n: everything fed is held */
			missing = take;
			wire = r->buf;
		}

		size_t len = r->need - 2;
		data += missing;
		n -= missing;
		r->have = 0;
		r->need = 0;
		int rc = cb(arg, wire, len);
		if (rc != 0)
			return rc;
	}
	return 0;
}
