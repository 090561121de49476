# query/: the query engine (fast path, state machine, EDE). Uses upstream/ and below.
noinst_LIBRARIES += %reldir%/libdst_query.a
%canon_reldir%_libdst_query_a_SOURCES = %reldir%/query.c %reldir%/queries.c %reldir%/answer.h %reldir%/store.c %reldir%/ede.c %reldir%/validate.c %reldir%/respond.c %reldir%/keyfetch.c %reldir%/dnssec.h \
	%reldir%/query.h %reldir%/internal.h
%canon_reldir%_libdst_query_a_CFLAGS = $(AM_CFLAGS) $(LIBUV_CFLAGS) $(GNUTLS_CFLAGS) $(LDNS_CFLAGS)
