# cli/: the "dotstub pin" command and the dotstub-control program.
noinst_LIBRARIES += %reldir%/libdst_cli.a
%canon_reldir%_libdst_cli_a_SOURCES = %reldir%/pincmd.c %reldir%/pincmd.h
%canon_reldir%_libdst_cli_a_CFLAGS = $(AM_CFLAGS) $(GNUTLS_CFLAGS)

sbin_PROGRAMS += dotstub-control
dotstub_control_SOURCES = %reldir%/dotstub-control.c
dotstub_control_CFLAGS = $(AM_CFLAGS)
dotstub_control_LDADD = config/libdst_config.a dns/libdst_dns.a
