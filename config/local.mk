noinst_LIBRARIES += %reldir%/libdst_config.a
# No GnuTLS: pin-sha256 values are decoded (and printed back) by base64.c.
%canon_reldir%_libdst_config_a_SOURCES = %reldir%/config.c %reldir%/config.h \
	%reldir%/values.c %reldir%/keys.c %reldir%/diag.c %reldir%/base64.c %reldir%/print.c \
	%reldir%/dnssec.c %reldir%/internal.h
