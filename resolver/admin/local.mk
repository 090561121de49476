# admin/: the control socket, /metrics and their reports. Uses every part below it.
noinst_LIBRARIES += %reldir%/libdst_admin.a
%canon_reldir%_libdst_admin_a_SOURCES = %reldir%/control.c %reldir%/control.h \
	%reldir%/metrics.c %reldir%/metrics.h %reldir%/report.c %reldir%/report.h \
	%reldir%/admin.h
%canon_reldir%_libdst_admin_a_CFLAGS = $(AM_CFLAGS) $(LIBUV_CFLAGS) $(GNUTLS_CFLAGS)
