#!/usr/bin/env bash
# What loading libcurl, libarchive, libcrypto, ISA-L and libnftables on
# first use (MINI_LAZY_LIBS, src/lazy) saves: the same start to exit of
# `true` in busybox, and `mini --version` (exec and exit alone), by a mini
# built with them lazy and one built with them linked at exec. Run by hand,
# not by run.sh:
#   case_lazy.sh MINI_LAZY MINI_EAGER WORKDIR ROUNDS RUNS OUT.md
# e.g. with build dirs configured -DMINI_LAZY_LIBS=ON and =OFF.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
LAZY=$1 EAGER=$2 W=$3 ROUNDS=$4 RUNS=$5 OUT=$6

for mini in "$LAZY" "$EAGER"; do
  log "$mini: $(readelf -d "$mini" | grep -c NEEDED) NEEDED, $(ldd "$mini" | wc -l) objects at exec"
done
busybox_rootfs "$W"
STORE=$W/store
"$LAZY" --root "$STORE" import "$W/rootfs.tar" busybox:latest >/dev/null
RUN="run --rm --network none busybox:latest true"
"$LAZY" --root "$STORE" $RUN && "$EAGER" --root "$STORE" $RUN || die "mini can't run the busybox image"

# Each pair in rounds of its own, so each table's ratio is eager to lazy.
#   bench_pair NAME LABEL MINI-ARGS
bench_pair() {
  local name=$1 label=$2 args=$3
  interleaved_hyperfine "$W/$name.json" "$ROUNDS" "$RUNS" 3 1 \
    -n "$label, lazy" "$LAZY $args" -n "$label, linked at exec" "$EAGER $args"
  "$PYTHON" "$BENCH_DIR/report.py" rows "$W/$name.json" >>"$OUT"
  echo >>"$OUT"
}
: >"$OUT"
bench_pair run "mini run --rm busybox true" "--root $STORE $RUN"
bench_pair version "mini --version" "--version"
cat "$OUT"
