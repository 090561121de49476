# Access control and rate limiting: no libuv, so check_acl links them alone.
noinst_LIBRARIES += %reldir%/libdst_acl.a
%canon_reldir%_libdst_acl_a_SOURCES = %reldir%/acl.c %reldir%/acl.h \
	%reldir%/ratelimit.c %reldir%/ratelimit.h

# Upstream selection and health: no libuv either, so check_upstream links it alone.
noinst_LIBRARIES += %reldir%/libdst_upstream.a
%canon_reldir%_libdst_upstream_a_SOURCES = %reldir%/upstream.c %reldir%/upstream.h

# Batched UDP (recvmmsg/sendmmsg): plain sockets, so check_udpbatch links it alone.
noinst_LIBRARIES += %reldir%/libdst_udpbatch.a
%canon_reldir%_libdst_udpbatch_a_SOURCES = %reldir%/udpbatch.c %reldir%/udpbatch.h

# Daemon and administration tool: section 8, sbin (see docs/operations.md).
sbin_PROGRAMS += dotstub
dotstub_SOURCES = %reldir%/main.c %reldir%/log.c %reldir%/log.h \
	%reldir%/server.c %reldir%/server.h %reldir%/query.c %reldir%/internal.h \
	%reldir%/privilege.c %reldir%/privilege.h \
	%reldir%/workers.c %reldir%/workers.h
# No ldns: the daemon never calls it (only tests and fuzz targets do), and
# where the linker does not drop unused libraries it brought in libssl and
# libcrypto, about 2 MB of resident memory.
dotstub_CFLAGS = $(AM_CFLAGS) $(LIBUV_CFLAGS) $(GNUTLS_CFLAGS) $(CARES_CFLAGS)
dotstub_LDADD = resolver/libdst_acl.a resolver/libdst_upstream.a resolver/libdst_udpbatch.a tls/libdst_tls.a cache/libdst_cache.a config/libdst_config.a dns/libdst_dns.a \
	$(LIBUV_LIBS) $(GNUTLS_LIBS) $(CARES_LIBS)
# Upstreams at run time: pools, health reports and probes, bootstrap (c-ares), network changes.
dotstub_SOURCES += %reldir%/uplink.c %reldir%/netwatch.c %reldir%/netwatch.h \
	%reldir%/bootstrap.c %reldir%/bootstrap.h
# Operations: reload, control socket, /metrics, query log, sd_notify, "dotstub pin".
dotstub_SOURCES += %reldir%/reload.c %reldir%/shutdown.c %reldir%/control.c %reldir%/control.h \
	%reldir%/metrics.c %reldir%/metrics.h %reldir%/reqsrv.c %reldir%/reqsrv.h \
	%reldir%/report.c %reldir%/report.h %reldir%/querylog.c \
	%reldir%/notify.c %reldir%/notify.h %reldir%/pincmd.c %reldir%/pincmd.h

sbin_PROGRAMS += dotstub-control
dotstub_control_SOURCES = %reldir%/dotstub-control.c
dotstub_control_CFLAGS = $(AM_CFLAGS)
dotstub_control_LDADD = config/libdst_config.a dns/libdst_dns.a $(GNUTLS_LIBS)
