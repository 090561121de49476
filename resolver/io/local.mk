# io/: sockets and lookups that know nothing of queries: batched UDP,
# network-change watching, c-ares bootstrap, the small request server.
# udpbatch has its own archive so that check_udpbatch links it alone.
noinst_LIBRARIES += %reldir%/libdst_udpbatch.a
%canon_reldir%_libdst_udpbatch_a_SOURCES = %reldir%/udpbatch.c %reldir%/udpbatch.h

noinst_LIBRARIES += %reldir%/libdst_io.a
%canon_reldir%_libdst_io_a_SOURCES = %reldir%/netwatch.c %reldir%/netwatch.h \
	%reldir%/bootstrap.c %reldir%/bootstrap.h %reldir%/reqsrv.c %reldir%/reqsrv.h \
	%reldir%/dnsclient.c %reldir%/dnsclient.h
%canon_reldir%_libdst_io_a_CFLAGS = $(AM_CFLAGS) $(LIBUV_CFLAGS) $(CARES_CFLAGS)

# The state file (persisted state): its own archive, so that check_state
# and the state fuzz target link it alone.
noinst_LIBRARIES += %reldir%/libdst_state.a
%canon_reldir%_libdst_state_a_SOURCES = %reldir%/state.c %reldir%/state.h
