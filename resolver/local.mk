# resolver/: the daemon. Each subfolder is a part with its own archive; a
# part may use only the parts listed before it (docs/architecture.md):
#   base -> io -> policy -> validate -> upstream -> query -> listen -> admin -> top (this folder)
# cli/ uses base, tls and config only. The link enforces the order: each
# archive comes after the ones that use it, once, with no --start-group.
include %reldir%/base/local.mk
include %reldir%/io/local.mk
include %reldir%/policy/local.mk
include %reldir%/validate/local.mk
include %reldir%/upstream/local.mk
include %reldir%/query/local.mk
include %reldir%/listen/local.mk
include %reldir%/admin/local.mk
include %reldir%/cli/local.mk

# The top: wiring and lifecycle. Section 8, sbin (see docs/operations.md).
sbin_PROGRAMS += dotstub
dotstub_SOURCES = %reldir%/main.c %reldir%/server.c %reldir%/server.h %reldir%/internal.h \
	%reldir%/reload.c %reldir%/routes.c %reldir%/shutdown.c %reldir%/privilege.c %reldir%/privilege.h \
	%reldir%/state.c %reldir%/policywatch.c %reldir%/trust.c %reldir%/trust.h
# ldns only with the validator: trust.c parses the trust anchors with it
# (libssl and libcrypto come along, about 2 MB resident; see
# docs/design-decisions.md). ./configure --disable-dnssec links none of it.
dotstub_CFLAGS = $(AM_CFLAGS) $(LIBUV_CFLAGS) $(GNUTLS_CFLAGS) $(CARES_CFLAGS)
DST_RESOLVER_PARTS = %reldir%/admin/libdst_admin.a %reldir%/listen/libdst_listen.a \
	%reldir%/listen/libdst_acl.a %reldir%/query/libdst_query.a \
	%reldir%/upstream/libdst_upstream.a %reldir%/upstream/libdst_select.a $(DST_VALIDATE_PART) \
	%reldir%/policy/libdst_policy.a \
	%reldir%/io/libdst_io.a %reldir%/io/libdst_udpbatch.a %reldir%/io/libdst_state.a \
	%reldir%/cli/libdst_cli.a \
	%reldir%/cli/libdst_stubby.a %reldir%/base/libdst_base.a
dotstub_LDADD = $(DST_RESOLVER_PARTS) \
	tls/libdst_tls.a cache/libdst_cache.a config/libdst_config.a dns/libdst_dns.a \
	$(LIBUV_LIBS) $(GNUTLS_LIBS) $(CARES_LIBS) $(YAML_LIBS)
if DNSSEC
dotstub_LDADD += $(LDNS_LIBS)
endif
