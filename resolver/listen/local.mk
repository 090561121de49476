# listen/: access list and rate limiter, pure (check_acl links them alone).
noinst_LIBRARIES += %reldir%/libdst_acl.a
%canon_reldir%_libdst_acl_a_SOURCES = %reldir%/acl.c %reldir%/acl.h \
	%reldir%/ratelimit.c %reldir%/ratelimit.h
