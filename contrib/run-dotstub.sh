#!/bin/sh
# Runs the freshly built ./dotstub in the foreground on port 53, which needs
# root (or CAP_NET_BIND_SERVICE): directly as root, through sudo otherwise.
# Arguments go to dotstub (e.g. -v, -c FILE).
cd "$(dirname "$0")/.." || exit 1
if [ "$(id -u)" -eq 0 ]; then
	exec ./dotstub "$@"
fi
exec sudo ./dotstub "$@"
