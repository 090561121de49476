# upstream/: selection and health, pure (check_upstream links it alone).
noinst_LIBRARIES += %reldir%/libdst_select.a
%canon_reldir%_libdst_select_a_SOURCES = %reldir%/select.c %reldir%/select.h
