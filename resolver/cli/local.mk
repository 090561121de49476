# cli/: the "dotstub pin" and "dotstub import-stubby" commands and the
# dotstub-control program. import-stubby is its own archive (config/, base/
# and libyaml only), so that its unit test links it alone.
noinst_LIBRARIES += %reldir%/libdst_cli.a %reldir%/libdst_stubby.a
%canon_reldir%_libdst_cli_a_SOURCES = %reldir%/pincmd.c %reldir%/pincmd.h
%canon_reldir%_libdst_cli_a_CFLAGS = $(AM_CFLAGS) $(GNUTLS_CFLAGS)
%canon_reldir%_libdst_stubby_a_SOURCES = %reldir%/stubby.c %reldir%/stubby_upstream.c %reldir%/stubbycmd.c \
	%reldir%/stubby.h %reldir%/stubby_internal.h
%canon_reldir%_libdst_stubby_a_CFLAGS = $(AM_CFLAGS) $(YAML_CFLAGS)

sbin_PROGRAMS += dotstub-control
dotstub_control_SOURCES = %reldir%/dotstub-control.c
dotstub_control_CFLAGS = $(AM_CFLAGS)
dotstub_control_LDADD = config/libdst_config.a dns/libdst_dns.a
