#!/usr/bin/env bash
# --userns=remap: a start to exit of `true` over idmapped layers against the
# same over a copy of the image with shifted owners (--storage-driver copy,
# the fallback when the kernel or the store's filesystem has no idmapped
# mounts), and a plain overlay run for reference. Busybox, then Alpine
# (more files to copy and chown).
#   case_userns.sh MINI WORKDIR ROUNDS RUNS OUT.md [ALPINE_TARBALL]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
MINI=$1 W=$2 ROUNDS=$3 RUNS=$4 OUT=$5 ALPINE=${6:-}

busybox_rootfs "$W"

STORE=$W/store
"$MINI" --root "$STORE" import "$W/rootfs.tar" busybox:latest >/dev/null
IMAGES=(busybox:latest)
if [ -n "$ALPINE" ] && [ -f "$ALPINE" ]; then
  "$MINI" --root "$STORE" import "$ALPINE" alpine:latest >/dev/null
  IMAGES+=(alpine:latest)
fi

RUN="$MINI --root $STORE run --rm --network none"
# Say it once, loudly, if this host falls back: the numbers would lie.
if $RUN --userns=remap busybox:latest true 2>&1 | grep -q 'idmapped mounts are not available'; then
  die "this host has no idmapped mounts for the store; the idmapped column would measure the fallback"
fi

{
  echo "| image | command | median | min – max | mean ± σ | runs |"
  echo "| --- | --- | ---: | ---: | ---: | ---: |"
} >"$OUT"
for image in "${IMAGES[@]}"; do
  interleaved_hyperfine "$W/$image.json" "$ROUNDS" "$RUNS" 3 1 \
    -n "remap, idmapped layers" "$RUN --userns=remap $image true" \
    -n "remap, chowned copy" "$RUN --userns=remap --storage-driver copy $image true" \
    -n "no remap, overlay" "$RUN $image true"
  "$PYTHON" - "$W/$image.json" "$image" >>"$OUT" <<'EOF'
import json, statistics, sys
doc = json.load(open(sys.argv[1]))
for r in doc["results"]:
    t = [x * 1000 for x in r["times"]]
    print(f"| {sys.argv[2]} | {r['command']} | {statistics.median(t):.1f} ms | {min(t):.1f} ms – {max(t):.1f} ms "
          f"| {statistics.mean(t):.1f} ms ± {statistics.pstdev(t):.1f} ms | {len(t)} |")
EOF
done
cat "$OUT"
