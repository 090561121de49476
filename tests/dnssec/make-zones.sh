#!/usr/bin/env bash
# Builds a signed test DNS hierarchy with its own root, for the DNSSEC
# validator's tests (tests/unit/check_validate.c) and for the
# integration test that serves it (tests/integration/it_dnssec.sh).
#
#   tests/dnssec/make-zones.sh DIR [NOW]
#
# NOW (seconds since the epoch, default: the current time) fixes every
# signature's validity, so a test that passes the same NOW knows them:
#   good zones:     inception NOW-86400, expiration NOW+30 days
#   expired.test.:  inception NOW-30 days, expiration NOW-86400
# Keys are random (ldns-keygen has no seed); names and times are fixed.
#
# DIR gets, per zone, ZONE.zone (unsigned), ZONE.signed (signed; the
# root is root.zone/root.signed), the keys (K*), and:
#   anchor.ds      the root KSK's DS: the trust anchor for this hierarchy
#   anchor.dnskey  the root KSK itself (the other form of anchor)
#   NOW            the time the signatures were made around
#
# The hierarchy:
#   .                  ECDSAP256SHA256 KSK+ZSK, NSEC; delegates test. (DS)
#   test.              ECDSAP256SHA256 KSK+ZSK, NSEC; delegates:
#     secure.test.       ECDSAP256SHA256, NSEC; www A, a wildcard
#                        *.wild.secure.test. A, cname.secure.test. CNAME
#                        www.ed.test. (a chain across zones)
#     nsec3.test.        RSASHA256, NSEC3 (1 iteration, salt, opt-out on
#                        every record) with an unsigned delegation
#                        unsigned.nsec3.test. (no DS), a wildcard
#                        *.wild.nsec3.test. TXT
#     unsigned.nsec3.test. unsigned (www A 192.0.2.11), for a server to
#                        answer below that delegation
#     ed.test.           ED25519, NSEC
#     insecure.test.     unsigned; no DS in test. (proven insecure)
#     expired.test.      signatures expired a day before NOW
#     badsig.test.       www's A changed after signing (RRSIG over other data)
#     nokey.test.        the DS in test. is of a key the zone does not have
#     unknownalgo.test.  the DS in test. has algorithm 253 only (RFC 6840
#                        5.2: insecure, not bogus); the zone is signed with
#                        ECDSAP256SHA256
# Needs ldnsutils (ldns-keygen, ldns-signzone, ldns-key2ds). Exit 77 (skip)
# when they are missing, 1 on any other failure.
set -euo pipefail

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
	echo "usage: $0 DIR [NOW]" >&2
	exit 2
fi
for tool in ldns-keygen ldns-signzone ldns-key2ds; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "make-zones: $tool not found (apt-get install ldnsutils)" >&2
		exit 77
	fi
done
dir=$1
now=${2:-$(date +%s)}
day=86400
inception=$((now - day))
expiration=$((now + 30 * day))
old_inception=$((now - 30 * day))
old_expiration=$((now - day))

mkdir -p "$dir"
cd "$dir"
rm -f ./K* ./*.zone ./*.signed ./*.ds ./anchor.* ./NOW
echo "$now" >NOW

# keygen ZONE ALG [ksk]: a key pair; prints its base name.
keygen() {
	local bits=()
	case $2 in RSASHA256) bits=(-b 1024) ;; esac
	if [ "${3:-}" = ksk ]; then
		ldns-keygen -r /dev/urandom -a "$2" "${bits[@]}" -k "$1"
	else
		ldns-keygen -r /dev/urandom -a "$2" "${bits[@]}" "$1"
	fi
}

# soa_ns ZONE: the apex records every zone here starts with.
soa_ns() {
	local in=$1
	[ "$in" = . ] && in=root-servers.
	printf '$TTL 3600\n'
	printf '%s IN SOA ns.%s hostmaster.%s 1 7200 3600 1209600 300\n' "$1" "$in" "$in"
	printf '%s IN NS ns.%s\n' "$1" "$in"
	printf 'ns.%s IN A 192.0.2.53\n' "$in"
}

# sign FILE-BASE ZONE INCEPTION EXPIRATION [signzone options] -- KEYS...
sign() {
	local base=$1 zone=$2 inc=$3 exp=$4
	shift 4
	local opts=()
	while [ "$1" != -- ]; do
		opts+=("$1")
		shift
	done
	shift
	ldns-signzone "${opts[@]}" -i "$inc" -e "$exp" -o "$zone" -f "$base.signed" "$base.zone" "$@"
}

# ds KEYBASE: the DS (SHA-256) of a KSK, on stdout.
ds() {
	ldns-key2ds -n -2 "$1.key"
}

# --- the children of test. -------------------------------------------------

# secure.test.: ECDSA, NSEC, a wildcard and a CNAME into ed.test.
k_secure=$(keygen secure.test. ECDSAP256SHA256 ksk)
z_secure=$(keygen secure.test. ECDSAP256SHA256)
{
	soa_ns secure.test.
	echo 'www.secure.test. IN A 192.0.2.1'
	echo 'www.secure.test. IN AAAA 2001:db8::1'
	echo 'mail.secure.test. IN A 192.0.2.2'
	echo '*.wild.secure.test. IN A 192.0.2.3'
	echo 'cname.secure.test. IN CNAME www.ed.test.'
} >secure.test.zone
sign secure.test secure.test. "$inception" "$expiration" -- "$k_secure" "$z_secure"

# nsec3.test.: RSA, NSEC3 with opt-out and an unsigned delegation.
k_nsec3=$(keygen nsec3.test. RSASHA256 ksk)
z_nsec3=$(keygen nsec3.test. RSASHA256)
{
	soa_ns nsec3.test.
	echo 'www.nsec3.test. IN A 192.0.2.4'
	echo '*.wild.nsec3.test. IN TXT "wildcard"'
	echo 'unsigned.nsec3.test. IN NS ns.unsigned.nsec3.test.'
	echo 'ns.unsigned.nsec3.test. IN A 192.0.2.54'
} >nsec3.test.zone
sign nsec3.test nsec3.test. "$inception" "$expiration" -n -a 1 -t 1 -s c0ffee -p -- "$k_nsec3" "$z_nsec3"

# unsigned.nsec3.test.: the child nsec3.test. delegates without a DS (in
# its opt-out span); unsigned, for a server that answers for it.
{
	soa_ns unsigned.nsec3.test.
	echo 'www.unsigned.nsec3.test. IN A 192.0.2.11'
} >unsigned.nsec3.test.zone
cp unsigned.nsec3.test.zone unsigned.nsec3.test.signed

# ed.test.: ED25519, the end of the CNAME chain.
k_ed=$(keygen ed.test. ED25519 ksk)
z_ed=$(keygen ed.test. ED25519)
{
	soa_ns ed.test.
	echo 'www.ed.test. IN A 192.0.2.5'
} >ed.test.zone
sign ed.test ed.test. "$inception" "$expiration" -- "$k_ed" "$z_ed"

# insecure.test.: not signed at all; test. has no DS for it.
{
	soa_ns insecure.test.
	echo 'www.insecure.test. IN A 192.0.2.6'
} >insecure.test.zone
cp insecure.test.zone insecure.test.signed

# expired.test.: every signature expired a day before NOW.
k_expired=$(keygen expired.test. ECDSAP256SHA256 ksk)
z_expired=$(keygen expired.test. ECDSAP256SHA256)
{
	soa_ns expired.test.
	echo 'www.expired.test. IN A 192.0.2.7'
} >expired.test.zone
sign expired.test expired.test. "$old_inception" "$old_expiration" -- "$k_expired" "$z_expired"

# badsig.test.: www's address changed after signing, its RRSIG kept.
k_badsig=$(keygen badsig.test. ECDSAP256SHA256 ksk)
z_badsig=$(keygen badsig.test. ECDSAP256SHA256)
{
	soa_ns badsig.test.
	echo 'www.badsig.test. IN A 192.0.2.8'
} >badsig.test.zone
sign badsig.test badsig.test. "$inception" "$expiration" -- "$k_badsig" "$z_badsig"
sed -i 's/192\.0\.2\.8$/192.0.2.99/' badsig.test.signed
grep -q '192\.0\.2\.99$' badsig.test.signed

# nokey.test.: signed, but the DS in test. is of another key (never used).
k_nokey=$(keygen nokey.test. ECDSAP256SHA256 ksk)
z_nokey=$(keygen nokey.test. ECDSAP256SHA256)
k_nokey_other=$(keygen nokey.test. ECDSAP256SHA256 ksk)
{
	soa_ns nokey.test.
	echo 'www.nokey.test. IN A 192.0.2.9'
} >nokey.test.zone
sign nokey.test nokey.test. "$inception" "$expiration" -- "$k_nokey" "$z_nokey"

# unknownalgo.test.: signed with ECDSA, but its only DS says algorithm 253.
k_unknown=$(keygen unknownalgo.test. ECDSAP256SHA256 ksk)
z_unknown=$(keygen unknownalgo.test. ECDSAP256SHA256)
{
	soa_ns unknownalgo.test.
	echo 'www.unknownalgo.test. IN A 192.0.2.10'
} >unknownalgo.test.zone
sign unknownalgo.test unknownalgo.test. "$inception" "$expiration" -- "$k_unknown" "$z_unknown"

# --- test. -------------------------------------------------------------------

k_test=$(keygen test. ECDSAP256SHA256 ksk)
z_test=$(keygen test. ECDSAP256SHA256)
{
	soa_ns test.
	for child in secure nsec3 ed insecure expired badsig nokey unknownalgo; do
		echo "$child.test. IN NS ns.$child.test."
		echo "ns.$child.test. IN A 192.0.2.53"
	done
	ds "$k_secure"
	ds "$k_nsec3"
	ds "$k_ed"
	ds "$k_expired"
	ds "$k_badsig"
	ds "$k_nokey_other"
	# A DS of algorithm 253 (private, RFC 4034 A.1): no validator checks it.
	echo "unknownalgo.test. IN DS 4711 253 2 $(ds "$k_unknown" | awk '{print $NF}')"
} >test.zone
sign test test. "$inception" "$expiration" -- "$k_test" "$z_test"

# --- the root ----------------------------------------------------------------

k_root=$(keygen . ECDSAP256SHA256 ksk)
z_root=$(keygen . ECDSAP256SHA256)
{
	soa_ns .
	echo 'test. IN NS ns.test.'
	echo 'ns.test. IN A 192.0.2.53'
	ds "$k_test"
} >root.zone
sign root . "$inception" "$expiration" -- "$k_root" "$z_root"

ds "$k_root" >anchor.ds
grep -v '^;' "$k_root.key" >anchor.dnskey
