/*
 * Names for dotstub's error codes.
 *
 * dotstub's own codes (below -1000) have fixed strings here; any other
 * negative value is a negated errno and is named by strerror(). The result
 * is never NULL and never needs freeing.
 */
#include <string.h>

#include "dns/err.h"

/*
 * Returns a human-readable name for err. Unknown codes of our own range get
 * a generic string rather than strerror's "Unknown error N" so that no
 * per-call buffer is involved.
 */
const char *dst_strerror(int err)
{
	switch (err) {
	case DST_OK:
		return "success";
	case DST_EFORMAT:
		return "malformed DNS message";
	case DST_ETLS:
		return "TLS failure";
	case DST_ECERTVERIFY:
		return "certificate verification failed";
	case DST_EPINMISMATCH:
		return "no certificate matched a pin";
	case DST_EMISMATCH:
		return "answer does not match the question";
	case DST_ESERVFAIL:
		return "upstream answered SERVFAIL";
	case DST_EEOF:
		return "connection closed by peer";
	case DST_ECONFIG:
		return "invalid configuration";
	case DST_ENOTRUST:
		return "no usable trust store";
	case DST_ENODNSSEC:
		return "answer without DNSSEC signatures (RRSIGs removed)";
	default:
		break;
	}
	if (err <= -1000)
		return "unknown dotstub error";
	if (err < 0)
		return strerror(-err);
	return "unknown error (positive status)";
}
