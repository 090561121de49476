# Access control and rate limiting: no libuv, so check_acl links them alone.
noinst_LIBRARIES += %reldir%/libdst_acl.a
%canon_reldir%_libdst_acl_a_SOURCES = %reldir%/acl.c %reldir%/acl.h \
	%reldir%/ratelimit.c %reldir%/ratelimit.h

bin_PROGRAMS += dotstub
dotstub_SOURCES = %reldir%/main.c %reldir%/log.c %reldir%/log.h \
	%reldir%/server.c %reldir%/server.h %reldir%/query.c %reldir%/internal.h \
	%reldir%/privilege.c %reldir%/privilege.h
dotstub_CFLAGS = $(AM_CFLAGS) $(LIBUV_CFLAGS) $(GNUTLS_CFLAGS) $(CARES_CFLAGS) $(LDNS_CFLAGS)
dotstub_LDADD = resolver/libdst_acl.a tls/libdst_tls.a cache/libdst_cache.a config/libdst_config.a dns/libdst_dns.a \
	$(LIBUV_LIBS) $(GNUTLS_LIBS) $(CARES_LIBS) $(LDNS_LIBS)
