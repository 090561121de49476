noinst_LIBRARIES += %reldir%/libdst_config.a
%canon_reldir%_libdst_config_a_SOURCES = %reldir%/config.c %reldir%/config.h \
	%reldir%/values.c %reldir%/internal.h
%canon_reldir%_libdst_config_a_CFLAGS = $(AM_CFLAGS) $(GNUTLS_CFLAGS)
