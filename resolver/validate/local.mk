# validate/: the DNSSEC validator core (docs/dnssec.md): pure (no libuv, no
# I/O; time, anchors, answers and key sets passed in), with ldns for the
# records and GnuTLS for signatures and digests (link both). The query
# engine (query/validate.c) drives it. Left out by ./configure --disable-dnssec.
if DNSSEC
noinst_LIBRARIES += %reldir%/libdst_validate.a
%canon_reldir%_libdst_validate_a_SOURCES = %reldir%/validate.h %reldir%/internal.h \
	%reldir%/anchors.c %reldir%/keys.c %reldir%/answer.c %reldir%/denial.c \
	%reldir%/store.h %reldir%/store.c %reldir%/canon.c %reldir%/crypto.c %reldir%/sigcache.c
%canon_reldir%_libdst_validate_a_CFLAGS = $(AM_CFLAGS) $(LDNS_CFLAGS) $(GNUTLS_CFLAGS)
# In dotstub's link order (after upstream/, before policy/).
DST_VALIDATE_PART = %reldir%/libdst_validate.a
else
DST_VALIDATE_PART =
endif
