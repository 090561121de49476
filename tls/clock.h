/*
 * A clock that is plainly wrong: a router without a real-time clock boots
 * in 1970 or at its firmware's date, and needs DNS (over TLS) before NTP
 * can set the time. Certificates then look "not yet valid".
 *
 * The clock floor is the latest time dotstub knows has already passed:
 * its own build time (DST_BUILD_TIME, see docs/design-decisions.md) or the
 * time of the state it saved and loaded again, whichever is later. While
 * the system clock is before the floor, it is wrong, and a certificate
 * chain that verifies in every respect but "not yet valid" is accepted
 * when the upstream's pin-sha256 matched, or when every certificate that
 * is not yet valid became valid no later than the floor. Nothing else is
 * excused: an expired certificate (by the clock, or by the floor) never
 * is, and once the clock reaches the floor the check is GnuTLS's, strict.
 * docs/hardening.md says why this is safe.
 *
 * The floor is a process-wide value (atomic): set at start-up, read at
 * each full handshake.
 */
#ifndef DST_TLS_CLOCK_H
#define DST_TLS_CLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What the floor currently is, and where it came from. */
enum dst_tls_floor_source {
	DST_FLOOR_BUILD, /* dotstub's build time */
	DST_FLOOR_STATE, /* the saved state's time (dst_tls_set_clock_floor) */
};

/* The clock floor in Unix seconds; *source (if not NULL) says where it came from. */
int64_t dst_tls_clock_floor(enum dst_tls_floor_source *source);

/* The floor's source in words: "dotstub's build time" or "the saved state's time". */
const char *dst_tls_floor_source_name(enum dst_tls_floor_source source);

/* One certificate's validity period, Unix seconds, both ends included. */
struct dst_tls_validity {
	int64_t not_before;
	int64_t not_after;
};

enum dst_tls_clock_verdict {
	DST_CLOCK_VALID,   /* GnuTLS accepted it: nothing to excuse */
	DST_CLOCK_EXCUSED, /* only "not yet valid", by a wrong clock: accepted */
	DST_CLOCK_INVALID, /* a failure time does not explain: GnuTLS's status says */
	DST_CLOCK_EXPIRED, /* expired by the clock or by the floor: never excused */
	DST_CLOCK_WRONG,   /* not yet valid by a wrong clock, and nothing vouches for it */
};

/*
 * The decision, pure: status is GnuTLS's verification of the chain by the
 * system clock (gnutls_certificate_status_t bits, 0: verified); untimed
 * the same verification with time checks disabled (only read when status
 * says "not yet valid" and nothing else); pinned whether a certificate of
 * the chain matched a pin-sha256; chain the validity periods of the
 * certificates on the path (the server's, up to the trust anchor, the
 * anchor included when known), n of them; now the system clock and floor
 * the clock floor, Unix seconds.
 *
 * With now at or after the floor the clock is not known wrong: the result
 * is VALID or INVALID, GnuTLS's status alone. Before it: EXPIRED if GnuTLS
 * says expired or a certificate's notAfter is before the floor; VALID if
 * GnuTLS accepted it; EXCUSED if the only failure is "not yet valid"
 * (untimed is 0) and either pinned, or every certificate not yet valid by
 * now has its notBefore at or before the floor; WRONG if the only failure
 * is "not yet valid" but neither holds; else INVALID.
 */
enum dst_tls_clock_verdict dst_tls_clock_judge(unsigned status, unsigned untimed, bool pinned,
					       const struct dst_tls_validity *chain, size_t n,
					       int64_t now, int64_t floor);

/* The verdict's name, for tests and logs ("excused"). */
const char *dst_tls_clock_verdict_name(enum dst_tls_clock_verdict v);

/*
 * Whether to say, now, that a wrong clock was excused: true the first time
 * since start-up, or since the clock last reached the floor. Call
 * dst_tls_clock_passed when a check finds the clock at or past the floor,
 * so that the next wrong clock is said again.
 */
bool dst_tls_clock_warn_once(void);
void dst_tls_clock_passed(void);

/* Writes t as "2026-12-07T20:45:28Z" (UTC) into buf (at least 32 bytes). */
void dst_tls_clock_text(int64_t t, char *buf, size_t cap);

#endif
