# resolver/: the daemon. Each subfolder is a part with its own archive; a
# part may use only the parts listed before it (docs/architecture.md):
#   base -> io -> upstream -> query -> listen -> admin -> top (this folder)
# cli/ uses base, tls and config only.
include %reldir%/base/local.mk
include %reldir%/io/local.mk
include %reldir%/upstream/local.mk
include %reldir%/listen/local.mk
include %reldir%/cli/local.mk

# Daemon: section 8, sbin (see docs/operations.md).
sbin_PROGRAMS += dotstub
dotstub_SOURCES = %reldir%/main.c \
	%reldir%/server.c %reldir%/server.h %reldir%/query.c %reldir%/internal.h \
	%reldir%/privilege.c %reldir%/privilege.h \
	%reldir%/workers.c %reldir%/workers.h \
	%reldir%/uplink.c \
	%reldir%/reload.c %reldir%/shutdown.c %reldir%/control.c %reldir%/control.h \
	%reldir%/metrics.c %reldir%/metrics.h \
	%reldir%/report.c %reldir%/report.h %reldir%/querylog.c
# No ldns: the daemon never calls it (only tests and fuzz targets do), and
# where the linker does not drop unused libraries it brought in libssl and
# libcrypto, about 2 MB of resident memory.
dotstub_CFLAGS = $(AM_CFLAGS) $(LIBUV_CFLAGS) $(GNUTLS_CFLAGS) $(CARES_CFLAGS)
dotstub_LDADD = %reldir%/cli/libdst_cli.a %reldir%/listen/libdst_acl.a \
	%reldir%/upstream/libdst_select.a \
	%reldir%/io/libdst_io.a %reldir%/io/libdst_udpbatch.a %reldir%/base/libdst_base.a \
	tls/libdst_tls.a cache/libdst_cache.a config/libdst_config.a dns/libdst_dns.a \
	$(LIBUV_LIBS) $(GNUTLS_LIBS) $(CARES_LIBS)
