#!/usr/bin/env bash
# Blocklists on the query path (issue 14), against a testup upstream that
# logs every query it sees:
#   - a name on a list (plain or hosts format) and every name under it is
#     blocked, never forwarded; an allowlisted name under it goes upstream;
#   - each block-answer: nxdomain (with an SOA), null (0.0.0.0, ::, NODATA
#     for other types), refuse; EDE 15 (Blocked) for EDNS clients, seen
#     by kdig, and no OPT for clients without EDNS;
#   - log-queries says "blocked"; the stats and /metrics count blocked
#     answers;
#   - a reload swaps a 20,000-name list for another under a UDP load
#     (100 q/s for 4 s) and not one query of the load is lost;
#   - a list that cannot be read at reload keeps the running one.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=testup.sh
. "$(dirname "$0")/testup.sh"
it_need kdig certtool python3
# shellcheck source=ops.sh
. "$(dirname "$0")/ops.sh"
it_need_control

it_make_pki dot dot.test
it_start_testup P dot --a 192.0.2.1
DS_CTL=$IT_DIR/control
MPORT=$(it_free_port)
BLOCK=$IT_DIR/block.txt
ALLOW=$IT_DIR/allow.txt
printf '# ads\nads.dotstub.test\n0.0.0.0 tracker.dotstub.test\n' >"$BLOCK"
printf 'ok.ads.dotstub.test\n' >"$ALLOW"

ANSWER=nxdomain
conf() {
	IT_SERVER_EXTRA="control = $DS_CTL
metrics = 127.0.0.1:$MPORT
blocklist = $BLOCK
allowlist = $ALLOW
block-answer = $ANSWER
log-queries = yes" it_conf_server
	it_conf_testup main P dot
}
upstream_saw() { it_testup_count P "qname=$1\.? "; }
reload() {
	conf >"$DS_CONF"
	it_ctl reload
	it_expect_eq "reload ($1): exit status" 0 "$CTL_RC"
}
ede_blocked() { printf '%s\n' "$IT_OUT" | grep -qE 'EDE: 15 \(Blocked\)'; }

it_start_dotstub conf

# block-answer = nxdomain
it_dig +notcp +edns www.ads.dotstub.test A
it_expect_rcode "a name under a listed one" NXDOMAIN
it_expect_match "... with an SOA in authority" 'SOA[[:space:]]+www\.ads\.dotstub\.test\. nobody\.invalid\.' "$IT_OUT"
ede_blocked && it_pass "... and EDE 15 (Blocked)" || it_fail "no EDE 15 in: $IT_OUT"
it_dig +notcp +noedns tracker.dotstub.test A
it_expect_rcode "a hosts-format line blocks too" NXDOMAIN
it_expect_no_match "... no OPT (so no EDE) for a client without EDNS" 'EDNS PSEUDOSECTION' "$IT_OUT"
it_expect_eq "blocked names never reached the upstream" 0 \
	"$(it_testup_count P 'qname=(www\.ads|tracker)\.dotstub\.test')"
it_dig +notcp ok.ads.dotstub.test A
it_expect_a "an allowlisted name under a blocked one goes upstream" 192.0.2.1
it_dig +notcp sub.ok.ads.dotstub.test A
it_expect_a "... and so do the names under it" 192.0.2.1
it_expect_match "log-queries says blocked" 'query 127\.0\.0\.1 udp www\.ads\.dotstub\.test\. A NXDOMAIN blocked ' \
	"$(cat "$DS_LOG")"

# block-answer = null
ANSWER=null
reload null
it_dig +notcp +edns ads.dotstub.test A
it_expect_a "null: A 0.0.0.0" 0.0.0.0
ede_blocked && it_pass "null: EDE 15" || it_fail "null: no EDE 15 in: $IT_OUT"
it_dig +tcp ads.dotstub.test AAAA
it_expect_eq "null: AAAA :: (over TCP)" "::" "$(it_answer_data AAAA)"
it_dig +notcp ads.dotstub.test TXT
it_expect_rcode "null: other types" NOERROR
it_expect_eq "... are NODATA" 0 "$(it_answer_count)"

# block-answer = refuse
ANSWER=refuse
reload refuse
it_dig +notcp +edns ads.dotstub.test A
it_expect_rcode "refuse" REFUSED
ede_blocked && it_pass "refuse: EDE 15" || it_fail "refuse: no EDE 15 in: $IT_OUT"

it_ctl stats
it_expect_eq "stats count the blocked answers" 6 "$(it_ctl_field blocked)"
if it_ops metrics 127.0.0.1 "$MPORT" --dump "$IT_DIR/metrics.txt" >/dev/null; then
	it_expect_eq "/metrics counts them too" 6 \
		"$(awk '$1 == "dotstub_blocked_total" { print $2 }' "$IT_DIR/metrics.txt")"
else
	it_fail "/metrics is not valid"
fi

# A reload swapping a large list under load: nothing lost.
ANSWER=nxdomain
python3 -c 'import sys
for i in range(20000): print("a%d.block.example" % i)' >"$BLOCK"
echo ads.dotstub.test >>"$BLOCK"
reload "20,000 names"
it_bg "${IT_OPSTOOL[@]}" load 127.0.0.1 "$DS_PORT" --seconds 4 --rate 100 --prefix ld --timeout 8
load_pid=$IT_BG_PID
for round in 1 2 3; do
	sleep 1
	python3 -c 'import sys
for i in range(20000): print("b%d-%s.block.example" % (i, sys.argv[1]))' "$round" >"$BLOCK"
	echo ads.dotstub.test >>"$BLOCK"
	reload "under load, round $round"
done
it_wait_pid "$load_pid" $((15 * IT_SLOW)) || it_fail "the load client did not finish"
out=$(cat "$IT_DIR/helpers.log")
it_log "load: $(printf '%s\n' "$out" | tr '\n' ' ')"
it_expect_match "no query of the load was lost across the list swaps" '^sent=400 answered=400 lost=0$' "$out"
it_expect_match "every answer of the load was NOERROR" '^rcode=NOERROR n=400$' "$out"
it_dig +notcp b5-3.block.example A
it_expect_rcode "the last list is the one in use" NXDOMAIN
it_dig +notcp a5.block.example A
it_expect_eq "... and the first one is gone (a5 went upstream)" 1 "$(upstream_saw a5\\.block\\.example)"

# A list that cannot be read at reload: the running one stays.
rm "$BLOCK"
reload "unreadable list"
it_expect_match "the log says why" "reload: a blocklist or allowlist cannot be read: the previous lists stay" \
	"$(cat "$DS_LOG")"
it_dig +notcp b6-3.block.example A
it_expect_rcode "... and the previous list still blocks" NXDOMAIN
it_stop_dotstub
it_done
