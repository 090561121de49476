# policy/: what a query may ask (issue 14): blocklists, and later the
# special-use names, the hosts file and the decision. Pure: no libuv, no
# sockets; the loader reads the list files. Uses dns/, config/ and base/.
noinst_LIBRARIES += %reldir%/libdst_policy.a
%canon_reldir%_libdst_policy_a_SOURCES = %reldir%/blocklist.c %reldir%/blocklist.h \
	%reldir%/internal.h
