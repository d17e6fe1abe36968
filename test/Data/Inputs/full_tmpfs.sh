#!/bin/sh
# usage: full_tmpfs.sh DIR SIZE SMALL.fortune BIG.fortune
# Mounts a tmpfs of SIZE on DIR (run it under `unshare -rm`, so that the
# mount is private and goes away with the process), prepares SMALL into
# DIR/good, then BIG, which does not fit, into DIR/good and DIR/new. Prints
# what a test checks: each failed run's exit status and message, whether
# DIR/good still holds the first run's files byte for byte, and what is in
# DIR afterwards.
set -u
dir=$1 size=$2 small=$3 big=$4
mkdir -p "$dir" && mount -t tmpfs -o size="$size" tmpfs "$dir" || exit 2
prepare() {
  cherry-data prepare --input "$1" --format fortune --vocab-size 400 \
    --out "$2" > /dev/null
  echo "exit $?"
}
prepare "$small" "$dir/good" || exit 3
(cd "$dir/good" && cksum ./*) > "$dir.sums"
prepare "$big" "$dir/good" 2>&1
(cd "$dir/good" && cksum ./*) | cmp -s - "$dir.sums" && echo "good: unchanged"
echo "good holds: $(ls -A "$dir/good" | tr '\n' ' ')"
prepare "$big" "$dir/new" 2>&1
echo "dir holds: $(ls -A "$dir" | tr '\n' ' ')"
