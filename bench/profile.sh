#!/usr/bin/env bash
# Profiles mini where it misses its targets: CPU samples (perf record) and
# time per system call (perf trace -s) of `mini run --rm busybox true`, and
# the same for `mini pull` of the large image from a local registry.
#   bench/profile.sh [OUTDIR]      (default $MINI_BENCH_CACHE/profile)
# Reads build-bench/mini (or $MINI); run bench/run.sh once first for the
# cached image. Prints the summaries; perf.data files stay in OUTDIR.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
set +o pipefail  # perf report | head
OUT=${1:-$CACHE/profile}
MINI=${MINI:-$SOURCE_DIR/build-bench/mini}
[ "$(id -u)" = 0 ] || die "run as root"
ensure_tools perf python3 docker-registry
available perf || die "perf (Debian's linux-perf) is unavailable"
safe_rm "$OUT" && mkdir -p "$OUT"
W=$OUT/work
mkdir -p "$W"/rootfs/{bin,dev,etc,proc,root,sys,tmp}
cp /bin/busybox "$W/rootfs/bin/busybox"
chroot "$W/rootfs" /bin/busybox --install -s /bin
echo 'root:x:0:0:root:/root:/bin/sh' >"$W/rootfs/etc/passwd"
tar -C "$W/rootfs" -cf "$W/rootfs.tar" .
"$MINI" --root "$W/store" import "$W/rootfs.tar" busybox:latest >/dev/null

# Per-syscall time of the mini and true processes, averaged per run.
syscall_table() {
  "$PYTHON" - "$1" "$2" <<'PY'
import collections, re, sys
tot, cnt, comm = collections.Counter(), collections.Counter(), None
for line in open(sys.argv[1]):
    m = re.match(r"\s*(\S+) \((\d+)\), (\d+) events", line)
    if m:
        comm = m.group(1)
        continue
    m = re.match(r"\s+(\w+)\s+(\d+)\s+\d+\s+([\d.]+)\s", line)
    if m and comm and (comm.startswith("mini") or comm == "true"):
        tot[m.group(1)] += float(m.group(3))
        cnt[m.group(1)] += int(m.group(2))
runs = int(sys.argv[2])
print(f"{'syscall':16s} {'ms/run':>9s} {'calls/run':>10s}")
for name, ms in tot.most_common(15):
    print(f"{name:16s} {ms / runs:9.2f} {cnt[name] / runs:10.1f}")
PY
}

cat >"$W/loop.sh" <<LOOP
if mountpoint -q /sys/fs/cgroup/unified; then umount /sys/fs/cgroup/unified; fi
for i in \$(seq 20); do $MINI --root $W/store run --rm --network none busybox true; done
LOOP
log "mini run --rm: CPU samples"
unshare -m -- perf record -q -F 5000 -g -o "$OUT/run.perf.data" -- bash "$W/loop.sh" 2>/dev/null
{
  echo "== mini run --rm busybox true, 20 runs: CPU samples by object"
  perf report -i "$OUT/run.perf.data" --no-children --sort comm,dso --stdio -g none 2>/dev/null | grep -v '^#' | grep -v '^$' | head -12
  echo "== by symbol"
  perf report -i "$OUT/run.perf.data" --comm mini --no-children --sort dso,sym --stdio -g none 2>/dev/null | grep -v '^#' | grep -v '^$' | head -25
} | tee "$OUT/run.cpu.txt"
log "mini run --rm: time in system calls"
unshare -m -- perf trace -s -o "$OUT/run.trace.txt" bash "$W/loop.sh" >/dev/null 2>&1
{ echo "== mini run --rm busybox true: time in system calls (mini and true processes)"; syscall_table "$OUT/run.trace.txt" 20; } |
  tee "$OUT/run.syscalls.txt"

if [ -f "$CACHE/image/.complete-v1" ]; then
  PORT=$(free_port)
  trap stop_registry EXIT
  start_registry "$PORT" "$CACHE/registry"
  if [ ! -f "$CACHE/registry/pushed" ]; then
    skopeo --insecure-policy copy -q --dest-tls-verify=false "oci:$CACHE/image:large-1" "docker://127.0.0.1:$PORT/bench/large:1"
  fi
  echo "{\"insecure-registries\": [\"127.0.0.1:$PORT\"]}" >"$W/config.json"
  log "mini pull: CPU samples"
  MINI_CONFIG=$W/config.json perf record -q -F 1000 -g -o "$OUT/pull.perf.data" -- \
    "$MINI" --root "$W/pull1" pull -q "127.0.0.1:$PORT/bench/large:1" >/dev/null 2>&1
  {
    echo "== mini pull of the large image: CPU samples by object"
    perf report -i "$OUT/pull.perf.data" --no-children --sort dso --stdio -g none 2>/dev/null | grep -v '^#' | grep -v '^$' | head -10
    echo "== by symbol"
    perf report -i "$OUT/pull.perf.data" --no-children --sort dso,sym --stdio -g none 2>/dev/null | grep -v '^#' | grep -v '^$' | head -20
  } | tee "$OUT/pull.cpu.txt"
  log "mini pull: time in system calls"
  MINI_CONFIG=$W/config.json perf trace -s -o "$OUT/pull.trace.txt" \
    "$MINI" --root "$W/pull2" pull -q "127.0.0.1:$PORT/bench/large:1" >/dev/null 2>&1
  { echo "== mini pull: time in system calls, summed over its threads"; syscall_table "$OUT/pull.trace.txt" 1; } |
    tee "$OUT/pull.syscalls.txt"
fi
safe_rm "$W"
