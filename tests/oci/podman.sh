#!/usr/bin/env bash
# Drives podman (with conmon) through an OCI runtime, the way people use it:
#   tests/oci/podman.sh [RUNTIME]     (default: build/mini-oci)
# Uses a private podman root under $PODMAN_WORK (default /tmp/mini-podman),
# the cgroupfs manager, and a busybox-static image built here. Prints one
# line per step and exits non-zero if any failed; 77 when podman is missing.
set -uo pipefail
cd "$(dirname "$0")/../.."
RUNTIME=$(readlink -f "${1:-build/mini-oci}")
[ -x "$RUNTIME" ] || { echo "podman.sh: runtime ${1:-build/mini-oci} not found; build it first" >&2; exit 1; }
for tool in podman conmon busybox; do
  command -v "$tool" >/dev/null || { echo "podman.sh: SKIPPED: $tool is not installed (apt-get install podman conmon busybox-static)" >&2; exit 77; }
done
WORK=${PODMAN_WORK:-/tmp/mini-podman}
name=$(basename "$RUNTIME")
rm -rf "$WORK" && mkdir -p "$WORK/rootfs/bin" "$WORK/rootfs/etc"
cp "$(command -v busybox)" "$WORK/rootfs/bin/busybox"
chroot "$WORK/rootfs" /bin/busybox --install -s /bin
echo 'root:x:0:0:root:/root:/bin/sh' >"$WORK/rootfs/etc/passwd"
tar -C "$WORK/rootfs" -cf "$WORK/rootfs.tar" .
# This host's hard limits are below podman's defaults for root, and there is
# no CAP_SYS_RESOURCE to raise them. runtime_supports_json makes podman pass
# --log-format json, which is how conmon learns an OCI runtime's errors.
cat >"$WORK/containers.conf" <<CONF
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]
[engine]
runtime_supports_json = ["crun", "runc", "$name"]
CONF
export CONTAINERS_CONF=$WORK/containers.conf
# A wrapper, not a function: steps run podman through timeout and sh -c.
mkdir -p "$WORK/bin"
cat >"$WORK/bin/podman" <<WRAP
#!/bin/sh
exec $(command -v podman) --root "$WORK/root" --runroot "$WORK/run" --cgroup-manager cgroupfs \\
  --events-backend file --runtime "$RUNTIME" "\$@"
WRAP
chmod +x "$WORK/bin/podman"
export PATH=$WORK/bin:$PATH
podman import "$WORK/rootfs.tar" localhost/mini-bb:1 >/dev/null 2>&1 || { echo "podman.sh: podman import failed" >&2; exit 1; }

failed=0
step() {  # step NAME EXPECTED COMMAND...: EXPECTED is a grep -E pattern for the output
  local name=$1 expected=$2 out
  shift 2
  out=$(timeout 60 "$@" 2>&1)
  local rc=$?
  if [ $rc -eq 0 ] && grep -Eq -- "$expected" <<<"$out"; then
    echo "ok   $name"
  else
    echo "FAIL $name (rc=$rc): $(head -c 400 <<<"$out" | tr '\n' ' ')"
    failed=$((failed + 1))
  fi
}
img=localhost/mini-bb:1
step "run --rm" '^hello$' podman run --rm --network none $img echo hello
step "run --rm exit code" '^ok$' sh -c "podman run --rm --network none $img sh -c 'exit 3'; [ \$? = 3 ] && echo ok"
step "run -t" '/dev/pts/0' podman run --rm -t --network none $img tty
step "run -d" '^[0-9a-f]{64}$' podman run -d --name d1 --network none $img sh -c 'echo started; exec sleep 300'
step "exec" '^inside$' podman exec d1 echo inside
step "exec -t" '/dev/pts/' podman exec -t d1 tty
step "exec sees the container's pid 1" "^sleep$" podman exec d1 cat /proc/1/comm
step "logs" '^started' podman logs d1
step "pause" '^Paused$' sh -c "podman pause d1 >/dev/null && podman inspect -f '{{.State.Status}}' d1 | sed 's/paused/Paused/'"
step "unpause" '^running$' sh -c "podman unpause d1 >/dev/null && podman inspect -f '{{.State.Status}}' d1"
step "update" '^33554432$' sh -c "podman update --memory 32m d1 >/dev/null && podman exec d1 sh -c 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max'"
step "stop" '^exited$' sh -c "podman stop -t 2 d1 >/dev/null && podman inspect -f '{{.State.Status}}' d1"
step "rm" '^gone$' sh -c "podman rm d1 >/dev/null && ! podman inspect d1 >/dev/null 2>&1 && echo gone"
step "kill" '^exited$' sh -c "podman run -d --name d2 --network none $img sleep 300 >/dev/null && podman kill d2 >/dev/null && podman wait d2 >/dev/null; podman inspect -f '{{.State.Status}}' d2"
step "rm -f" '^gone$' sh -c "podman rm -f d2 >/dev/null && echo gone"
step "bridge network" 'inet 10\.' podman run --rm $img ip -4 addr show eth0
podman rm -af >/dev/null 2>&1
echo "podman with $RUNTIME: $failed step(s) failed"
[ $failed -eq 0 ]
