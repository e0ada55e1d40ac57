#!/usr/bin/env bash
# Case 1: start to exit of /bin/true in busybox, runtime by runtime.
#   case_start.sh MINI WORKDIR ROUNDS RUNS OUT.json   (ROUNDS x RUNS runs per command)
# Run by run.sh inside `unshare -m`: /sys/fs/cgroup/unified is unmounted in
# this private mount namespace only, so crun 1.8.1 (which rejects hybrid
# cgroups) and every other runtime see the same cgroup v1 host.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
MINI=$1 W=$2 ROUNDS=$3 RUNS=$4 OUT=$5

if mountpoint -q /sys/fs/cgroup/unified 2>/dev/null; then
  umount /sys/fs/cgroup/unified
fi

busybox_rootfs "$W"

# mini: the image imported into its own store ("already pulled").
STORE=$W/mini-store
"$MINI" --root "$STORE" import "$W/rootfs.tar" busybox:latest >/dev/null
NET=()
"$MINI" run --help | grep -q -- '--network' && NET=(--network none)
MINI_CMD="$MINI --root $STORE run --rm ${NET[*]} busybox true"
$MINI_CMD || die "mini can't run the busybox image"

# runc and crun: an OCI bundle over the same rootfs, with the very
# config.json mini executes (same namespaces, mounts, capabilities,
# seccomp profile, masked paths), its per-container files re-pointed at the
# bundle, and ociVersion 1.0.2 for crun 1.8.1.
B=$W/bundle
mkdir -p "$B"
cp -a "$W/rootfs" "$B/rootfs"
echo bench >"$B/hostname"
printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' >"$B/hosts"
cp "$STORE"/containers/*/resolv.conf "$B/resolv.conf" 2>/dev/null || echo 'nameserver 127.0.0.1' >"$B/resolv.conf"
"$MINI" --root "$STORE" run --rm "${NET[@]}" --dry-run busybox true |
  jq --arg b "$B" '.ociVersion = "1.0.2" | .root.path = "rootfs" | .linux.cgroupsPath = "/mini-bench/oci"
      | del(.annotations) | .hostname = "bench"
      | .mounts |= map(if .type == "bind" and (.destination | test("^/etc/(hostname|hosts|resolv.conf)$"))
                       then .source = ($b + "/" + (.destination | split("/") | last)) else . end)' >"$B/config.json"

declare -a NAMES=(mini) CMDS=("$MINI_CMD")
# For reference, not for the targets: the same with mini's store on a tmpfs
# (of this mount namespace only), where crun keeps its state (/run/crun).
# The difference is what the store's disk costs mini per container.
mkdir -p "$W/tmpfs-store"
mount -t tmpfs -o mode=0700 mini-bench "$W/tmpfs-store"
"$MINI" --root "$W/tmpfs-store" import "$W/rootfs.tar" busybox:latest >/dev/null
NAMES+=("mini, store on tmpfs")
CMDS+=("$MINI --root $W/tmpfs-store run --rm ${NET[*]} busybox true")
if available runc; then
  runc run -b "$B" mini-bench-runc && { NAMES+=(runc); CMDS+=("runc run -b $B mini-bench-runc"); } ||
    log "runc failed on the bundle; its column is skipped"
fi
if available crun; then
  crun run -b "$B" mini-bench-crun && { NAMES+=(crun); CMDS+=("crun run -b $B mini-bench-crun"); } ||
    log "crun failed on the bundle; its column is skipped"
fi
if available bwrap; then
  BW="bwrap --unshare-all --die-with-parent --bind $W/rootfs / --proc /proc --dev /dev /bin/true"
  $BW && { NAMES+=(bwrap); CMDS+=("$BW"); } || log "bwrap failed; its column is skipped"
fi
if available podman; then
  P="podman --root $W/podman/root --runroot $W/podman/run --storage-driver overlay --cgroup-manager cgroupfs"
  $P import -q "$W/rootfs.tar" localhost/busybox-bench:latest >/dev/null
  PR="$P run --rm --network none --ulimit nofile=20000:20000 --ulimit nproc=32768:32768 busybox-bench true"
  $PR && { NAMES+=(podman); CMDS+=("$PR"); } || log "podman run failed; its column is skipped"
fi

ARGS=()
for i in "${!NAMES[@]}"; do ARGS+=(-n "${NAMES[$i]}" "${CMDS[$i]}"); done
log "case 1: ${NAMES[*]}; $ROUNDS rounds of $RUNS runs each"
interleaved_hyperfine "$OUT" "$ROUNDS" "$RUNS" 5 3 "${ARGS[@]}"

# Peak RSS of one start each.
for i in "${!NAMES[@]}"; do
  # shellcheck disable=SC2086
  printf '%s\t%s\n' "${NAMES[$i]}" "$(peak_rss_kib "$W/rss-$i" ${CMDS[$i]})"
done >"${OUT%.json}.rss"

if available podman; then
  $P rmi -af >/dev/null 2>&1 || true
fi
umount "$W/tmpfs-store"
