bin_PROGRAMS += dotstub
dotstub_SOURCES = %reldir%/main.c %reldir%/log.c %reldir%/log.h \
	%reldir%/server.c %reldir%/server.h %reldir%/query.c %reldir%/internal.h
dotstub_CFLAGS = $(AM_CFLAGS) $(LIBUV_CFLAGS) $(GNUTLS_CFLAGS) $(CARES_CFLAGS) $(LDNS_CFLAGS)
dotstub_LDADD = tls/libdst_tls.a cache/libdst_cache.a config/libdst_config.a dns/libdst_dns.a \
	$(LIBUV_LIBS) $(GNUTLS_LIBS) $(CARES_LIBS) $(LDNS_LIBS)
