noinst_LIBRARIES += %reldir%/libdst_dns.a
%canon_reldir%_libdst_dns_a_SOURCES = %reldir%/err.c %reldir%/err.h %reldir%/wire.c %reldir%/answer.c %reldir%/text.c %reldir%/dnssec.c %reldir%/dns.h %reldir%/internal.h
