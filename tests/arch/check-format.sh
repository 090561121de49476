#!/bin/sh
# Fails when a C file of the product or its tests is not formatted as
# .clang-format says (STYLE.md: Linux braces, tabs, about 100 columns).
# The fix is `clang-format -i FILE`. Exit 77 (skip) without clang-format;
# CI installs it (install-deps.sh --test), where a skip counts as a failure.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
if ! command -v clang-format >/dev/null 2>&1; then
	echo "check-format: clang-format not found"
	[ "${CI:-}" = true ] && exit 1
	exit 77
fi
cd "$root" || exit 99
files=$(find dns config cache tls resolver tests/unit -name '*.[ch]' | sort)
bad=0
for f in $files; do
	if ! clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then
		echo "check-format: $f is not formatted (clang-format -i $f)"
		bad=1
	fi
done
[ "$bad" = 0 ] && echo "check-format: ok: $(echo "$files" | wc -l) files"
exit "$bad"
