# Manual pages, and the example configuration installed beside the real one.
dist_man5_MANS = %reldir%/man/dotstub.conf.5
dist_man8_MANS = %reldir%/man/dotstub.8 %reldir%/man/dotstub-control.8

exampledir = $(sysconfdir)/dotstub
dist_example_DATA = %reldir%/dotstub.conf.example
