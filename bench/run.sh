#!/usr/bin/env bash
# mini side by side with runc, crun, bubblewrap, podman and skopeo + umoci.
# Writes bench/RESULTS.md. Needs root on Debian 12; installs what it needs
# from Debian (a tool the mirror lacks only skips its column); builds mini
# (Release) in build-bench/; builds every input at run time; nothing leaves
# 127.0.0.1.
#
#   bench/run.sh                 all four cases
#   bench/run.sh --quick         fewer runs (a smoke test of the scripts)
#   bench/run.sh --cases 1,3     only some cases
#   MINI=/path/to/mini bench/run.sh   an existing binary instead of building
#
# Cached between runs in $MINI_BENCH_CACHE (default /var/tmp/mini-bench):
# the large image and the registry's copy of it. Results of every run stay
# in $MINI_BENCH_CACHE/results/<date>/.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

QUICK=0 CASES=1,2,3,4
while [ $# -gt 0 ]; do
  case $1 in
    --quick) QUICK=1 ;;
    --cases) CASES=$2; shift ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) die "unknown argument $1 (see --help)" ;;
  esac
  shift
done
want() { [[ ",$CASES," == *",$1,"* ]]; }
[ "$(id -u)" = 0 ] || die "run as root: containers need namespaces and mounts"

# Case 1: ROUNDS_START rounds of RUNS_START runs per command; case 2:
# RUNS_PULL rounds of one run each; case 3: REPS repetitions of MANY.
ROUNDS_START=${MINI_BENCH_ROUNDS_START:-6} RUNS_START=${MINI_BENCH_RUNS_START:-10}
RUNS_PULL=${MINI_BENCH_RUNS_PULL:-5} MANY=${MINI_BENCH_MANY:-50} REPS=${MINI_BENCH_REPS:-3}
[ $QUICK = 1 ] && ROUNDS_START=2 RUNS_START=5 RUNS_PULL=2 MANY=10 REPS=1

log "tools"
ensure_tools hyperfine /usr/bin/time jq bc python3 busybox docker-registry skopeo umoci debootstrap runc crun bwrap podman
for t in hyperfine /usr/bin/time jq bc python3 busybox; do available "$t" || die "$t is required and unavailable"; done
[ -n "$UNAVAILABLE" ] && log "columns skipped for lack of:$UNAVAILABLE"

if [ -z "${MINI:-}" ]; then
  log "building mini (Release) in $SOURCE_DIR/build-bench"
  command -v cmake >/dev/null && command -v g++ >/dev/null || "$SOURCE_DIR/setup.sh" --deps-only
  cmake -S "$SOURCE_DIR" -B "$SOURCE_DIR/build-bench" -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$SOURCE_DIR/build-bench" -j"$(nproc)" --target mini mini-init >/dev/null
  MINI=$SOURCE_DIR/build-bench/mini
fi
export MINI
WORK=$CACHE/work
OUT=$CACHE/results/$(date +%Y%m%d-%H%M%S)
mkdir -p "$WORK" "$OUT"
"$PYTHON" "$BENCH_DIR/report.py" machine "$OUT" before

cleanup() { stop_registry; }
trap cleanup EXIT

if want 1; then
  log "case 1: start to exit of true in busybox"
  unshare -m -- bash "$BENCH_DIR/case_start.sh" "$MINI" "$WORK/start" "$ROUNDS_START" "$RUNS_START" "$OUT/start.json"
fi

if want 2 || want 4; then
  bash "$BENCH_DIR/make_image.sh"
  available docker-registry || die "docker-registry is unavailable; cases 2 and 4 need it"
  PORT=$(free_port)
  # The registry's storage survives between runs: pushing 150 MB again each
  # time would only measure skopeo.
  start_registry "$PORT" "$CACHE/registry"
  stamp=$(sha256sum "$CACHE/image/index.json" | cut -c1-16)
  if [ "$(cat "$CACHE/registry/pushed" 2>/dev/null)" != "$stamp" ]; then
    log "pushing the images to 127.0.0.1:$PORT"
    for tag in large-1 small-1; do
      skopeo --insecure-policy copy -q --dest-tls-verify=false "oci:$CACHE/image:$tag" \
        "docker://127.0.0.1:$PORT/bench/${tag/-/:}"
    done
    echo "$stamp" >"$CACHE/registry/pushed"
  fi
  if want 2; then
    log "case 2: pull and unpack"
    bash "$BENCH_DIR/case_pull.sh" "$MINI" "$WORK/pull" "127.0.0.1:$PORT" "$RUNS_PULL" "$OUT"
  fi
  if want 4; then
    log "case 4: disk use of two images sharing a base layer"
    bash "$BENCH_DIR/case_disk.sh" "$MINI" "$WORK/disk" "127.0.0.1:$PORT" "$OUT/disk.json"
  fi
  stop_registry
fi

if want 3; then
  log "case 3: $MANY detached containers at once"
  unshare -m -- bash "$BENCH_DIR/case_many.sh" "$MINI" "$WORK/many" "$MANY" "$REPS" "$OUT/many.json"
fi

"$PYTHON" "$BENCH_DIR/report.py" machine "$OUT" after
"$PYTHON" "$BENCH_DIR/report.py" write "$OUT" >"$BENCH_DIR/RESULTS.md"
log "results in $OUT; table in $BENCH_DIR/RESULTS.md"
