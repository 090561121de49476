noinst_LIBRARIES += %reldir%/libdst_tls.a
%canon_reldir%_libdst_tls_a_SOURCES = %reldir%/frame.c %reldir%/frame.h \
	%reldir%/conn.c %reldir%/pool.c %reldir%/trust.c %reldir%/tls.h %reldir%/internal.h
%canon_reldir%_libdst_tls_a_CFLAGS = $(AM_CFLAGS) $(GNUTLS_CFLAGS) $(LIBUV_CFLAGS)
# The "dotstub pin" command's blocking probe (not used by the pool).
%canon_reldir%_libdst_tls_a_SOURCES += %reldir%/pin.c %reldir%/pin.h
# The clock floor, and what a clock before it excuses (clock.h).
%canon_reldir%_libdst_tls_a_SOURCES += %reldir%/clock.c %reldir%/clock.h
