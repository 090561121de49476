noinst_LIBRARIES += %reldir%/libdst_cache.a
%canon_reldir%_libdst_cache_a_SOURCES = %reldir%/cache.c %reldir%/cache.h \
	%reldir%/ring.c %reldir%/internal.h %reldir%/hash.c %reldir%/hash.h \
	%reldir%/persist.c
