#!/usr/bin/env bash
# mini-oci against crun (and runc) as OCI runtimes: `RUNTIME run` of the same
# bundle, busybox `true`, start to exit. Run by hand, not by run.sh:
#   case_oci.sh MINI MINI_OCI WORKDIR ROUNDS RUNS OUT.md
# e.g. bench/case_oci.sh build/mini build/mini-oci /tmp/oci-bench 4 10 /tmp/oci-bench.md
# Runs itself inside `unshare -m` with /sys/fs/cgroup/unified unmounted in
# that mount namespace only, as case_start.sh does, so crun 1.8.1 (which
# rejects hybrid cgroups) runs, and every runtime sees the same v1 host.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
if [ -z "${MINI_BENCH_UNSHARED:-}" ]; then
  MINI_BENCH_UNSHARED=1 exec unshare -m --propagation private "$0" "$@"
fi
MINI=$(readlink -f "$1") OCI=$(readlink -f "$2") W=$3 ROUNDS=$4 RUNS=$5 OUT=$6
mountpoint -q /sys/fs/cgroup/unified 2>/dev/null && umount /sys/fs/cgroup/unified
for t in hyperfine jq crun; do available "$t" || die "$t is required"; done

busybox_rootfs "$W"
STORE=$W/mini-store
"$MINI" --root "$STORE" import "$W/rootfs.tar" busybox:latest >/dev/null
# The config.json mini itself would run (namespaces, mounts, capabilities,
# seccomp, masked paths), its per-container files re-pointed at the bundle.
B=$W/bundle
rm -rf "$B" && mkdir -p "$B"
cp -a "$W/rootfs" "$B/rootfs"
echo bench >"$B/hostname"
printf '127.0.0.1\tlocalhost\n' >"$B/hosts"
echo 'nameserver 127.0.0.1' >"$B/resolv.conf"
"$MINI" --root "$STORE" run --rm --network none --dry-run busybox true |
  jq --arg b "$B" '.ociVersion = "1.0.2" | .root.path = "rootfs" | .linux.cgroupsPath = "/mini-bench/oci"
      | del(.annotations) | .hostname = "bench"
      | .mounts |= map(if .type == "bind" and (.destination | test("^/etc/(hostname|hosts|resolv.conf)$"))
                       then .source = ($b + "/" + (.destination | split("/") | last)) else . end)' >"$B/config.json"

NAMES=() CMDS=()
for rt in "$OCI" crun runc; do
  name=$(basename "$rt")
  cmd="$rt run -b $B bench-$name"
  if $cmd >/dev/null; then NAMES+=("$name run"); CMDS+=("$cmd"); else log "$name can't run the bundle; skipped"; fi
done
ARGS=()
for i in "${!NAMES[@]}"; do ARGS+=(-n "${NAMES[$i]}" "${CMDS[$i]}"); done
interleaved_hyperfine "$W/oci.json" "$ROUNDS" "$RUNS" 3 1 "${ARGS[@]}"
{
  echo "Start to exit of busybox true, same bundle and config.json, $(date -u +%F), $(nproc) cores, $(uname -r):"
  echo
  "$PYTHON" "$BENCH_DIR/report.py" rows "$W/oci.json"
} >"$OUT"
cat "$OUT"
