# base/: logging, sd_notify, text buffers, address text. Below every other part.
noinst_LIBRARIES += %reldir%/libdst_base.a
%canon_reldir%_libdst_base_a_SOURCES = %reldir%/log.c %reldir%/log.h \
	%reldir%/notify.c %reldir%/notify.h %reldir%/buf.c %reldir%/buf.h \
	%reldir%/addr.c %reldir%/addr.h %reldir%/stats.h
