/*
 * dotstub error codes, shared by every module.
 *
 * Functions return 0 on success and a negative code on failure. Codes that
 * mirror errno are the negated errno value, so libuv statuses (which are
 * negated errno on Unix) pass through unchanged. dotstub's own codes sit
 * below -1000. dst_strerror() names either kind.
 */
#ifndef DST_ERR_H
#define DST_ERR_H

#include <errno.h>

enum {
	DST_OK = 0,
	DST_ENOMEM = -ENOMEM,
	DST_EINVAL = -EINVAL,
	DST_ENOSPC = -ENOSPC,
	DST_ETIMEDOUT = -ETIMEDOUT,
	DST_ECONNREFUSED = -ECONNREFUSED,
	DST_ECONNRESET = -ECONNRESET,
	DST_ECANCELED = -ECANCELED,
	DST_EMSGSIZE = -EMSGSIZE,
	DST_ENOENT = -ENOENT,

	DST_EFORMAT = -1001,      /* malformed DNS message */
	DST_ETLS = -1002,         /* TLS protocol or handshake failure */
	DST_ECERTVERIFY = -1003,  /* certificate chain or name did not verify */
	DST_EPINMISMATCH = -1004, /* no certificate in the chain matched a pin */
	DST_EMISMATCH = -1005,    /* answer does not match the question asked */
	DST_ESERVFAIL = -1006,    /* upstream answered SERVFAIL */
	DST_EEOF = -1007,         /* peer closed the connection */
	DST_ECONFIG = -1008,      /* configuration is invalid */
	DST_ENOTRUST = -1009,     /* no usable trust store to verify a certificate against */
	DST_ENODNSSEC = -1010, /* answer without the RRSIGs asked for (an upstream strips them) */
};

/* Returns a static, human-readable name for any code (dotstub's or errno). */
const char *dst_strerror(int err);

#endif
