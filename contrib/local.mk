# Packaging: the systemd unit (built from its .in with the install paths)
# and the OpenWrt package, which is shipped in the tarball for OpenWrt's
# own build system (docs/openwrt.md) and not built here.
if INSTALL_SYSTEMD_UNIT
systemdsystemunit_DATA = %reldir%/systemd/dotstub.service
endif
CLEANFILES += %reldir%/systemd/dotstub.service
EXTRA_DIST += %reldir%/systemd/dotstub.service.in %reldir%/install-deps.sh %reldir%/run-dotstub.sh %reldir%/fresh-check.sh \
	%reldir%/openwrt/Makefile %reldir%/openwrt/files/dotstub.init \
	%reldir%/openwrt/files/dotstub.config %reldir%/networkmanager/90-dotstub

%reldir%/systemd/dotstub.service: %reldir%/systemd/dotstub.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) $(@D) && \
	sed -e 's|@sbindir[@]|$(sbindir)|g' -e 's|@sysconfdir[@]|$(sysconfdir)|g' \
		$(srcdir)/%reldir%/systemd/dotstub.service.in >$@.tmp && mv $@.tmp $@

# The unit is needed by the packaging test even when it is not installed.
check_DATA = %reldir%/systemd/dotstub.service
