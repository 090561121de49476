/*
 * The clock floor and the decision about certificates a wrong clock makes
 * look not yet valid (see clock.h). No GnuTLS calls here: conn.c gathers
 * the verification results and the validity periods and asks
 * dst_tls_clock_judge, which the unit suite drives directly.
 *
 * Globals: the floor raised by the saved state, and whether the "clock is
 * wrong" warning has been given; both atomic, as the state code may set
 * the floor from another thread than the loop's.
 */
#include "config.h"

#include <gnutls/gnutls.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

#include "tls/clock.h"
#include "tls/tls.h"

#ifndef DST_BUILD_TIME
#error "configure defines DST_BUILD_TIME (the clock floor)"
#endif

static _Atomic int64_t state_floor;
static atomic_bool warned;

void dst_tls_set_clock_floor(int64_t unix_seconds)
{
	int64_t cur = atomic_load(&state_floor);

	while (unix_seconds > cur &&
	       !atomic_compare_exchange_weak(&state_floor, &cur, unix_seconds))
		;
}

int64_t dst_tls_clock_floor(enum dst_tls_floor_source *source)
{
	int64_t s = atomic_load(&state_floor), b = (int64_t)DST_BUILD_TIME;

	if (source)
		*source = s > b ? DST_FLOOR_STATE : DST_FLOOR_BUILD;
	return s > b ? s : b;
}

const char *dst_tls_floor_source_name(enum dst_tls_floor_source source)
{
	return source == DST_FLOOR_STATE ? "the saved state's time" : "dotstub's build time";
}

/*
 * Why each rule holds (docs/hardening.md has the longer form):
 *  - the floor is a time that has certainly passed, so a certificate whose
 *    notAfter is before it has certainly expired, whatever the clock says;
 *  - GnuTLS's "expired" by a clock that is behind is expired in truth too;
 *  - "not yet valid" is the only verdict a clock that is behind can make
 *    up, so it is the only one excused, and only when the untimed
 *    verification (chain, signatures, name, key usage) passed;
 *  - a notBefore at or before the floor is a start that has passed;
 *  - a pin says the server holds the key the administrator named, which is
 *    what the validity period could only vouch for by proxy.
 */
enum dst_tls_clock_verdict dst_tls_clock_judge(unsigned status, unsigned untimed, bool pinned,
					       const struct dst_tls_validity *chain, size_t n,
					       int64_t now, int64_t floor)
{
	const unsigned time_only = GNUTLS_CERT_INVALID | GNUTLS_CERT_NOT_ACTIVATED;
	bool seen = false, by_floor = true;

	if (now >= floor)
		return status ? DST_CLOCK_INVALID : DST_CLOCK_VALID;
	if (status & GNUTLS_CERT_EXPIRED)
		return DST_CLOCK_EXPIRED;
	for (size_t i = 0; i < n; i++)
		if (chain[i].not_after < floor)
			return DST_CLOCK_EXPIRED;
	if (status == 0)
		return DST_CLOCK_VALID;
	if (!(status & GNUTLS_CERT_NOT_ACTIVATED) || (status & ~time_only) || untimed != 0)
		return DST_CLOCK_INVALID;
	for (size_t i = 0; i < n; i++)
		if (chain[i].not_before > now) {
			seen = true;
			by_floor &= chain[i].not_before <= floor;
		}
	/* Not yet valid somewhere we could not see (an anchor not found): no start to trust. */
	if (!seen)
		by_floor = false;
	return pinned || by_floor ? DST_CLOCK_EXCUSED : DST_CLOCK_WRONG;
}

const char *dst_tls_clock_verdict_name(enum dst_tls_clock_verdict v)
{
	switch (v) {
	case DST_CLOCK_VALID:
		return "valid";
	case DST_CLOCK_EXCUSED:
		return "excused";
	case DST_CLOCK_INVALID:
		return "invalid";
	case DST_CLOCK_EXPIRED:
		return "expired";
	case DST_CLOCK_WRONG:
		return "clock is wrong";
	}
	return "?";
}

bool dst_tls_clock_warn_once(void)
{
	return !atomic_exchange(&warned, true);
}

void dst_tls_clock_passed(void)
{
	atomic_store(&warned, false);
}

void dst_tls_clock_text(int64_t t, char *buf, size_t cap)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) || strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, cap, "@%lld", (long long)t);
}
