# upstream/: selection and health plus the reload comparison, pure
# (check_upstream links them alone); then the upstreams at run time.
noinst_LIBRARIES += %reldir%/libdst_select.a
%canon_reldir%_libdst_select_a_SOURCES = %reldir%/select.c %reldir%/select.h %reldir%/same.c \
	%reldir%/saved.c

noinst_LIBRARIES += %reldir%/libdst_upstream.a
%canon_reldir%_libdst_upstream_a_SOURCES = %reldir%/upstreams.c %reldir%/reload.c %reldir%/probe.c %reldir%/routes.c \
	%reldir%/persist.c \
	%reldir%/upstream.h %reldir%/internal.h
%canon_reldir%_libdst_upstream_a_CFLAGS = $(AM_CFLAGS) $(LIBUV_CFLAGS) $(GNUTLS_CFLAGS)
