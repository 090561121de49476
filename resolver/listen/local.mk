# listen/: access list and rate limiter, pure (check_acl links them alone).
noinst_LIBRARIES += %reldir%/libdst_acl.a
%canon_reldir%_libdst_acl_a_SOURCES = %reldir%/acl.c %reldir%/acl.h \
	%reldir%/ratelimit.c %reldir%/ratelimit.h

# The listeners, TCP clients, worker loops and the query log. Uses query/ and below.
noinst_LIBRARIES += %reldir%/libdst_listen.a
%canon_reldir%_libdst_listen_a_SOURCES = %reldir%/listen.c %reldir%/udp.c %reldir%/tcp.c \
	%reldir%/workers.c %reldir%/querylog.c %reldir%/listen.h %reldir%/internal.h
%canon_reldir%_libdst_listen_a_CFLAGS = $(AM_CFLAGS) $(LIBUV_CFLAGS) $(GNUTLS_CFLAGS)
