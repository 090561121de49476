#!/bin/bash
# bench/floor-epoll.sh: where dotstub's CPU per cache hit goes beyond the
# floor's. At a fixed offered rate of hits (dnsperf -Q RATE, 8 s after a
# 2 s warm-up) it measures CPU per answered query, user and system, from
# /proc/PID/stat, for:
#   floor        bench/floor: blocks in recvmmsg (the physical floor);
#   floor_epoll  bench/floor with FLOOR_EPOLL=1: waits in epoll_wait, then
#                recvmmsg without waiting, as any event loop must;
#   dotstub1     dotstub with threads = 1;
# ROUNDS times, interleaved. floor_epoll - floor is what waiting through an
# event loop costs; dotstub1 - floor_epoll is dotstub's own work.
# The clock tick (10 ms) makes the user/system split noisy over 8 s; the
# totals are steadier. Loopback only; every process is stopped by its PID.
#
# Run from the build dir (or set DOTSTUB and FLOOR). Environment:
#   RATE [50000]  ROUNDS [2]  SYSTEMS [floor floor_epoll dotstub1]
set -u
B_SELF_DIR=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=bench/lib.sh
source "$B_SELF_DIR/lib.sh"
BU=(python3 "$B_SELF_DIR/benchutil.py")
DOTSTUB=${DOTSTUB:-$PWD/dotstub}
FLOOR=${FLOOR:-$PWD/bench/floor}
RATE=${RATE:-50000}
ROUNDS=${ROUNDS:-2}
SYSTEMS=${SYSTEMS:-floor floor_epoll dotstub1}
b_need dnsperf unbound certtool python3 timeout
DATA=$B_TMP/data
mkdir -p "$DATA"
"${BU[@]}" gen-hit "$DATA/hit.txt" 20000 100
b_make_pki
b_start_upstream
for round in $(seq 1 "$ROUNDS"); do
	for sys in $SYSTEMS; do
		if [ "$sys" = floor_epoll ]; then
			export FLOOR_EPOLL=1
			start=floor
		else
			unset FLOOR_EPOLL
			start=$sys
		fi
		b_start "$start" || continue
		timeout 30 dnsperf -s 127.0.0.1 -p "$SUT_PORT" -d "$DATA/hit.txt" -c 20 -q 200 \
			-l 2 -Q 20000 >/dev/null 2>&1
		read -r u0 s0 < <(awk '{print $14, $15}' "/proc/$SUT_PID/stat")
		timeout 60 dnsperf -s 127.0.0.1 -p "$SUT_PORT" -d "$DATA/hit.txt" -c 20 -q 200 \
			-l 8 -Q "$RATE" >"$B_TMP/dp.txt" 2>&1
		read -r u1 s1 < <(awk '{print $14, $15}' "/proc/$SUT_PID/stat")
		n=$(sed -n 's/.*Queries completed: *\([0-9]*\).*/\1/p' "$B_TMP/dp.txt")
		hz=$(getconf CLK_TCK)
		awk -v u=$((u1 - u0)) -v s=$((s1 - s0)) -v n="${n:-0}" -v hz="$hz" -v sys="$sys" \
			-v r="$round" 'BEGIN { if (n == 0) { printf "%s round %d: no answers\n", sys, r; exit }
			printf "%-12s round %d: user %.2f + system %.2f = %.2f us per hit (%d answered)\n",
			sys, r, u / hz * 1e6 / n, s / hz * 1e6 / n, (u + s) / hz * 1e6 / n, n }'
		b_stop
	done
done
