#!/usr/bin/env bash
# contrib/networkmanager/90-dotstub, the NetworkManager dispatcher script,
# run as NetworkManager runs it (interface, action, environment) with a
# fake dotstub-control that records its arguments:
#   - vpn-up adds each VPN search domain as a zone to the VPN's servers,
#     tagged nm:IFACE, after dropping that tag's old zones; vpn-down drops them;
#   - up does the same with the link's domains and servers (IPv4 and IPv6);
#   - "~." and links without servers or domains add nothing;
#   - actions it does not handle (connectivity-change to PORTAL) switch
#     nothing to clear text;
#   - "90-dotstub hotspot" is the one way to a hotspot, by hand.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

SCRIPT=$IT_SRCDIR/../../contrib/networkmanager/90-dotstub
FAKE=$IT_DIR/bin
CALLS=$IT_DIR/calls
mkdir -p "$FAKE"
cat >"$FAKE/dotstub-control" <<FAKEEOF
#!/bin/sh
echo "\$*" >>"$CALLS"
exit 0
FAKEEOF
chmod +x "$FAKE/dotstub-control"

# run ARGS... (environment as given): the calls the script made, one a line.
run() {
	: >"$CALLS"
	env -i PATH="$FAKE:/usr/bin:/bin" "$@" sh "$SCRIPT" "${NM_ARGS[@]}" </dev/null
	RUN_RC=$?
	CALLS_OUT=$(cat "$CALLS")
}

NM_ARGS=(tun0 vpn-up)
run VPN_IP_IFACE=tun0 VPN_IP4_DOMAINS="corp.example lab.corp.example" \
	VPN_IP4_NAMESERVERS="10.8.0.1 10.8.0.2" VPN_IP6_NAMESERVERS="fd00::53"
it_expect_eq "vpn-up: exit status" 0 "$RUN_RC"
it_expect_eq "vpn-up: the tag's old zones go, then one zone per domain to every server" \
	"zone del --tag nm:tun0
zone add corp.example 10.8.0.1 10.8.0.2 fd00::53 --tag nm:tun0
zone add lab.corp.example 10.8.0.1 10.8.0.2 fd00::53 --tag nm:tun0" "$CALLS_OUT"

NM_ARGS=(tun0 vpn-down)
run VPN_IP_IFACE=tun0
it_expect_eq "vpn-down: the tag's zones go" "zone del --tag nm:tun0" "$CALLS_OUT"

NM_ARGS=(wlan0 up)
run IP4_DOMAINS="home.arpa lan" IP4_NAMESERVERS="192.168.1.1" IP6_DOMAINS="lan"
it_expect_eq "up: the link's domains (each once) to its server" \
	"zone del --tag nm:wlan0
zone add home.arpa 192.168.1.1 --tag nm:wlan0
zone add lan 192.168.1.1 --tag nm:wlan0" "$CALLS_OUT"

NM_ARGS=(wg0 vpn-up)
run VPN_IP4_DOMAINS="~. ~corp.example" VPN_IP4_NAMESERVERS="10.9.0.1"
it_expect_eq "vpn-up: ~. is never routed, ~corp.example is corp.example; tag from \$1" \
	"zone del --tag nm:wg0
zone add corp.example 10.9.0.1 --tag nm:wg0" "$CALLS_OUT"

NM_ARGS=(eth0 up)
run IP4_DOMAINS="example.net"
it_expect_eq "up without DNS servers: nothing added" "zone del --tag nm:eth0" "$CALLS_OUT"
run IP4_NAMESERVERS="192.0.2.53"
it_expect_eq "up without domains: nothing added" "zone del --tag nm:eth0" "$CALLS_OUT"

NM_ARGS=(eth0 down)
run
it_expect_eq "down" "zone del --tag nm:eth0" "$CALLS_OUT"

NM_ARGS=(wlan0 connectivity-change)
run CONNECTIVITY_STATE=PORTAL IP4_NAMESERVERS="192.168.1.1"
it_expect_eq "a captive portal switches nothing to clear text by itself" "" "$CALLS_OUT"

NM_ARGS=("we:ird/if" up)
run IP4_DOMAINS="x.example" IP4_NAMESERVERS="192.0.2.1"
it_expect_match "an odd interface name makes a valid tag" '--tag nm:we:ird_if$' "$CALLS_OUT"

NM_ARGS=(eth0 up)
DOTSTUB_CONTROL_ARGS="-s /run/x/control"
run DOTSTUB_CONTROL_ARGS="$DOTSTUB_CONTROL_ARGS" IP4_DOMAINS="a.example" IP4_NAMESERVERS="192.0.2.1"
it_expect_match "DOTSTUB_CONTROL_ARGS comes first" '^-s /run/x/control zone add a\.example' "$CALLS_OUT"

# By hand: the default link's servers, from ip and nmcli (fakes here).
cat >"$FAKE/ip" <<'FAKEEOF'
#!/bin/sh
echo "default via 192.168.7.1 dev wlp2s0 proto dhcp metric 600"
FAKEEOF
cat >"$FAKE/nmcli" <<'FAKEEOF'
#!/bin/sh
[ "$*" = "-g IP4.DNS,IP6.DNS device show wlp2s0" ] && printf '192.168.7.1 | 192.168.7.2\n\n'
FAKEEOF
chmod +x "$FAKE/ip" "$FAKE/nmcli"
NM_ARGS=(hotspot 3m)
run
it_expect_eq "90-dotstub hotspot DURATION: the default link's servers" \
	"hotspot 3m 192.168.7.1 192.168.7.2" "$CALLS_OUT"

it_done
