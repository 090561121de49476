#!/usr/bin/env python3
"""Query files for the soak test, in dnsperf's format ("NAME TYPE" a line).

  workload.py zipf FILE [--names 50000] [--lines 200000] [--seed 1]
      A universe of --names questions, asked with Zipf-like popularity
      (weight 1/rank): most queries hit a few hot names, a long tail misses.
      The mix, by question: 80 % NAME.soak.test A (answered, TTL 30 s),
      10 % NAME.dotstub.test A (NXDOMAIN, negatively cached 60 s), 5 %
      NAME.soak.test TXT (NODATA), 5 % the fixed names of the integration
      zone (www A/AAAA/TXT, q1..q20, big-a and big-txt, which are truncated
      over UDP). Same seed, same file.

  workload.py unique FILE --lines N
      N questions that are all different (uNNN.soak.test A): every one is a
      cache miss and a new cache entry.

The names must match the zone the soak's unbound serves (see soak.sh).
"""
import argparse
import itertools
import random
import sys

FIXED = (
    ["www.dotstub.test A", "www.dotstub.test AAAA", "www.dotstub.test TXT",
     "big-a.dotstub.test A", "big-txt.dotstub.test TXT"]
    + ["q%d.dotstub.test A" % i for i in range(1, 21)]
)


def universe(n, rng):
    names = []
    for i in range(n):
        x = rng.random()
        if x < 0.80:
            names.append("s%d.soak.test A" % i)
        elif x < 0.90:
            names.append("n%d.dotstub.test A" % i)
        elif x < 0.95:
            names.append("s%d.soak.test TXT" % i)
        else:
            names.append(rng.choice(FIXED))
    # Popularity rank is independent of the kind of question.
    rng.shuffle(names)
    return names


def cmd_zipf(args):
    rng = random.Random(args.seed)
    names = universe(args.names, rng)
    cum = list(itertools.accumulate(1.0 / (rank + 1) for rank in range(len(names))))
    with open(args.file, "w") as f:
        for q in rng.choices(names, cum_weights=cum, k=args.lines):
            f.write(q + "\n")


def cmd_unique(args):
    with open(args.file, "w") as f:
        for i in range(args.lines):
            f.write("u%d.soak.test A\n" % i)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    sp = sub.add_parser("zipf")
    sp.add_argument("file")
    sp.add_argument("--names", type=int, default=50000)
    sp.add_argument("--lines", type=int, default=200000)
    sp.add_argument("--seed", type=int, default=1)
    sp.set_defaults(fn=cmd_zipf)
    sp = sub.add_parser("unique")
    sp.add_argument("file")
    sp.add_argument("--lines", type=int, required=True)
    sp.set_defaults(fn=cmd_unique)
    args = ap.parse_args()
    args.fn(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
