#!/bin/sh
# Replays every seed (fuzz/corpus/NAME) and every input that once broke a
# target (fuzz/regress/NAME) through the replay build of each fuzz target.
# make check runs it from the top build directory; automake's test driver
# exports srcdir. A failing input aborts its replay program, whose log
# names the input last printed. See docs/fuzzing.md.
set -u
srcdir=${srcdir:-.}
status=0
for t in query answer frame config validate state dnsclient blocklist hosts; do
	echo "== $t"
	if [ "$t" = validate ] && [ ! -x ./fuzz/replay_validate ]; then
		echo "(not built: ./configure --disable-dnssec)"
		continue
	fi
	if ! "./fuzz/replay_$t" "$srcdir/fuzz/corpus/$t" "$srcdir/fuzz/regress/$t"; then
		echo "FAIL: fuzz target $t (see the last input above)"
		status=1
	fi
done
exit $status
