#!/bin/sh
# bench/dnssec-mem.sh BUILDDIR: the resident memory that checking DNSSEC
# signatures adds to a process with GnuTLS loaded, through ldns (libcrypto)
# or through GnuTLS (nettle); see bench/dnssec-mem/mem.c for the variants
# and docs/design-decisions.md for the figures. BUILDDIR is a configured
# and built tree (for resolver/validate/libdst_validate.a; default: the
# source tree). Each variant runs RUNS times (default 3).
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$src}
runs=${RUNS:-3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cc="${CC:-cc} -O2 -I$src -I$build -o"
m=$src/bench/dnssec-mem/mem.c
$cc "$tmp/base" -DMODE=0 "$m" -lgnutls
$cc "$tmp/nettle" -DMODE=1 "$m" -lgnutls
$cc "$tmp/ldns_idle" -DMODE=2 "$m" -lldns -lgnutls
$cc "$tmp/ldns_gt" -DMODE=3 "$m" -lldns -lgnutls
$cc "$tmp/ldns" -DMODE=4 "$m" -lldns -lgnutls
$cc "$tmp/validator" -DMODE=5 "$m" "$build/resolver/validate/libdst_validate.a" "$build/dns/libdst_dns.a" -lldns -lgnutls
cd "$tmp"
./ldns_gt write >/dev/null
i=0
while [ "$i" -lt "$runs" ]; do
	for v in base nettle ldns_idle ldns_gt ldns validator; do ./$v; done
	i=$((i + 1))
done
