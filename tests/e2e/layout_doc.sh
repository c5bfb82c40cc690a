#!/usr/bin/env bash
# The README's layout table matches the tree: every src/*.c is named by a row's pattern, and
# every pattern of the table matches at least one file (a renamed module fails here).
source "$(dirname "$0")/lib.sh"
readme=$SRC/README.md
rows=$(sed -n '/^## Layout/,/^## /p' "$readme" | grep '^| `' | cut -d'|' -f2)
[ -n "$rows" ] || fail "no layout table in $readme"
patterns=$(echo "$rows" | grep -o '`[^`]*`' | tr -d '`')
cd "$SRC"
for p in $patterns; do
  # shellcheck disable=SC2086
  ls -d $p > /dev/null 2>&1 || fail "README layout names $p, which matches nothing"
done
for f in src/*.c; do
  hit=0
  for p in $patterns; do
    # shellcheck disable=SC2053
    [[ $f == $p ]] && hit=1
  done
  [ $hit = 1 ] || fail "$f is in no row of the README's layout table"
done
[ -f docs/ARCHITECTURE.md ] || fail "docs/ARCHITECTURE.md is missing"
echo "layout table covers $(ls src/*.c | wc -l) sources"
