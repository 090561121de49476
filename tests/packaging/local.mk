# The Debian package (debian/, docs/packaging.md): deb.sh builds the .deb
# from a copy of the tree and checks it. It is not in make check (a package
# build takes minutes and debhelper is not a build dependency): .ci/run
# runs it as its own step, and it runs standalone.
dist_check_SCRIPTS += %reldir%/deb.sh
