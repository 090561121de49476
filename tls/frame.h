/*
 * DNS over TCP framing (RFC 1035 4.2.2, RFC 7766): each message is
 * preceded by its length as two bytes in network order.
 *
 * The reader takes the byte stream in whatever pieces it arrives (split or
 * joined anywhere) and hands out whole messages. A message that arrives in
 * one piece is handed out straight from the caller's data without copying;
 * only a message that straddles pieces is assembled in the reader's own
 * buffer (at most 65535 bytes, allocated on first need).
 */
#ifndef DST_FRAME_H
#define DST_FRAME_H

#include <stddef.h>
#include <stdint.h>

struct dst_frame_reader {
	uint8_t *buf; /* assembly buffer for a straddling message, or NULL until needed */
	size_t have;  /* bytes of the current message held (including the 2 length bytes) */
	size_t need;  /* total bytes of the message including length, 0 if unknown */
	uint8_t lenbuf[2];
};

/*
 * Called once per whole message; wire is valid only during the call.
 * Return 0 to go on, anything else to stop feeding (that value is returned
 * by dst_frame_feed, and the rest of the data is discarded: the caller is
 * expected to close the stream). A callback that frees the reader must
 * return non-zero.
 */
typedef int (*dst_frame_cb)(void *arg, const uint8_t *wire, size_t len);

void dst_frame_init(struct dst_frame_reader *r);
/* Frees the assembly buffer; the reader may be fed again afterwards. */
void dst_frame_reset(struct dst_frame_reader *r);
/*
 * Feeds n bytes. Returns 0, the callback's non-zero value, or DST_ENOMEM.
 * A zero-length message is handed out as such (len 0); the caller decides.
 */
int dst_frame_feed(struct dst_frame_reader *r, const uint8_t *data, size_t n, dst_frame_cb cb,
		   void *arg);

/* Writes the 2-byte length prefix for a message of len bytes. */
static inline void dst_frame_prefix(uint8_t out[2], size_t len)
{
	out[0] = (uint8_t)(len >> 8);
	out[1] = (uint8_t)len;
}

#endif
