# The Debian package (debian/, docs/packaging.md): deb.sh builds the .deb
# from a copy of the tree and checks it; it skips without dpkg-buildpackage
# and debhelper, and in a release tarball (which has no debian/).
dist_check_SCRIPTS += %reldir%/deb.sh
TESTS += %reldir%/deb.sh
