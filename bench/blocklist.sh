#!/bin/bash
# bench/blocklist.sh: load time, memory and instructions per lookup of a
# 1,000,000-name blocklist (resolver/policy/blocklist.h, issue 14 targets:
# load < 2 s, RSS added <= 1.5x the plain list's size, <= 150 Ir a lookup).
#
# 1. Writes a deterministic list of NAMES names, one per line (Python's
#    random with a fixed seed): a registrable label of 4-16 characters
#    under one of 12 TLDs (co.uk among them), with 0, 1 or 2 labels before
#    it (40/40/20%), as ad and tracker lists look. Every name is unique.
# 2. Runs bench/blocklist on it RUNS times: names, load wall time, VmRSS
#    before and after the load, the set's own byte count, RSS over file
#    size, and wall ns per lookup (see bench/blocklist.c).
# 3. Runs it once under callgrind with --toggle-collect on lookup_hits and
#    lookup_misses and LOOKUPS lookups of each, and prints Ir per lookup
#    (dst_blocklist_match inclusive Ir / LOOKUPS).
#
# Run from the build dir after make (or set BENCH). Environment:
#   NAMES [1000000]  RUNS [5]  LOOKUPS [100000]  OUT [/tmp/dotstub-blocklist]
#   CALLGRIND [1]: 0 skips step 3
set -eu
BENCH=${BENCH:-$PWD/bench/blocklist}
NAMES=${NAMES:-1000000}
RUNS=${RUNS:-5}
LOOKUPS=${LOOKUPS:-100000}
OUT=${OUT:-/tmp/dotstub-blocklist}
CALLGRIND=${CALLGRIND:-1}
mkdir -p "$OUT"
list=$OUT/list-$NAMES.txt

if [ ! -s "$list" ]; then
	python3 - "$NAMES" "$list" <<'PY'
import random, sys
n, path = int(sys.argv[1]), sys.argv[2]
rnd = random.Random(14)
tlds = ["com", "net", "org", "io", "de", "ru", "info", "xyz", "co.uk", "fr", "top", "online"]
alpha = "abcdefghijklmnopqrstuvwxyz0123456789"
def label(lo, hi):
    return "".join(rnd.choice(alpha) for _ in range(rnd.randint(lo, hi)))
seen = set()
with open(path, "w") as f:
    while len(seen) < n:
        r = rnd.random()
        name = label(4, 16) + "." + rnd.choice(tlds)
        if r < 0.6:
            name = label(2, 10) + "." + name
        if r < 0.2:
            name = label(2, 8) + "." + name
        if name not in seen:
            seen.add(name)
            f.write(name + "\n")
PY
fi
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"
echo "list: $list, $(wc -l <"$list") names, $(stat -c %s "$list") bytes," \
	"mean $(awk '{ s += length($0) } END { printf "%.1f", s / NR }' "$list") characters a name"

for i in $(seq 1 "$RUNS"); do
	echo "run $i: $("$BENCH" "$list" "$LOOKUPS" | tr '\n' ' ')"
done

# Instructions per lookup: one callgrind run per kind, counting only inside
# its lookup function (lookup_hits or lookup_misses, which call
# dst_blocklist_match LOOKUPS times): dst_blocklist_match's inclusive Ir
# (memcpy included) over LOOKUPS.
[ "$CALLGRIND" = 0 ] && exit 0
for kind in hits misses; do
	cg=$OUT/callgrind.$kind
	rm -f "$cg"
	valgrind --tool=callgrind --callgrind-out-file="$cg" --toggle-collect="lookup_$kind" \
		"$BENCH" "$list" "$LOOKUPS" >/dev/null 2>"$OUT/valgrind.$kind.log"
	callgrind_annotate --inclusive=yes "$cg" 2>/dev/null | awk -v kind="$kind" -v n="$LOOKUPS" '
		/dst_blocklist_match/ && !done {
			ir = $1; gsub(",", "", ir); done = 1
			printf "callgrind: %s: %s Ir in dst_blocklist_match over %d lookups: %.1f Ir a lookup\n",
				kind, $1, n, ir / n
		}
		END { if (!done) print "callgrind: " kind ": no figure" }'
done
