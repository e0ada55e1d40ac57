#!/usr/bin/env bash
# Drives containerd 1.6 through an OCI runtime: `ctr run --runc-binary`, and
# CRI (what kubelet speaks) through a runtime handler whose
# io.containerd.runc.v2 shim runs the runtime as its BinaryName.
#   tests/oci/containerd.sh [RUNTIME]    (default: build/mini-oci)
# A private containerd (socket, root and state under $CONTAINERD_WORK,
# default /tmp/mini-containerd) with a CNI bridge on 10.251.0.0/24; images
# are built from busybox-static here. Exits non-zero if a step failed, 77
# when containerd, the CNI plugins or python3-grpcio are missing.
set -uo pipefail
cd "$(dirname "$0")/../.."
REPO=$PWD
RUNTIME=$(readlink -f "${1:-build/mini-oci}")
[ -x "$RUNTIME" ] || { echo "containerd.sh: runtime ${1:-build/mini-oci} not found; build it first" >&2; exit 1; }
skip() { echo "containerd.sh: SKIPPED: $*" >&2; exit 77; }
command -v containerd >/dev/null || skip "containerd is not installed (apt-get install containerd)"
command -v skopeo >/dev/null || skip "skopeo is not installed"
[ -x /usr/lib/cni/bridge ] || skip "CNI plugins are missing (apt-get install containernetworking-plugins)"
/usr/bin/python3 -c 'import grpc, grpc_tools' 2>/dev/null || skip "python3-grpcio and python3-grpc-tools are missing"

WORK=${CONTAINERD_WORK:-/tmp/mini-containerd}
SOCK=$WORK/containerd.sock
if [ -S "$SOCK" ] && [ -f "$WORK/pid" ]; then kill "$(cat "$WORK/pid")" 2>/dev/null; sleep 0.5; fi
umount -R "$WORK/root" "$WORK/state" 2>/dev/null
rm -rf "$WORK" && mkdir -p "$WORK/cni" "$WORK/rootfs/bin" "$WORK/rootfs/etc"

# Images: busybox-static as the workload, and the same with a long sleep as
# the pod's pause image.
cp "$(command -v busybox)" "$WORK/rootfs/bin/busybox"
chroot "$WORK/rootfs" /bin/busybox --install -s /bin
echo 'root:x:0:0:root:/root:/bin/sh' >"$WORK/rootfs/etc/passwd"
tar -C "$WORK/rootfs" -cf "$WORK/rootfs.tar" .
image() {  # image NAME CONFIG_JSON
  local dir=$WORK/layout-${1//[:\/]/_}
  python3 "$REPO/tests/corpus/make_layered_image.py" "$WORK/rootfs.tar" "$dir" '["base"]' "$2" &&
    skopeo copy -q "oci:$dir" "docker-archive:$WORK/${1//[:\/]/_}.tar:$1"
}
image localhost/mini-bb:1 '{"Cmd":["sh"]}' || { echo "containerd.sh: building the image failed" >&2; exit 1; }
image localhost/mini-pause:1 '{"Entrypoint":["/bin/sleep","2147483647"]}' || exit 1

cat >"$WORK/cni/10-mini.conflist" <<CNI
{"cniVersion": "1.0.0", "name": "mini-cri", "plugins": [
  {"type": "bridge", "bridge": "mini-cri0", "isGateway": true, "ipMasq": false,
   "ipam": {"type": "host-local", "ranges": [[{"subnet": "10.251.0.0/24"}]], "dataDir": "$WORK/ipam"}},
  {"type": "loopback"}]}
CNI
# restrict_oom_score_adj: this host's bounding set lacks CAP_SYS_RESOURCE.
cat >"$WORK/config.toml" <<TOML
version = 2
root = "$WORK/root"
state = "$WORK/state"
[grpc]
  address = "$SOCK"
[plugins."io.containerd.grpc.v1.cri"]
  restrict_oom_score_adj = true
  sandbox_image = "localhost/mini-pause:1"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$WORK/cni"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    default_runtime_name = "mini"
  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.mini]
    runtime_type = "io.containerd.runc.v2"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.mini.options]
      BinaryName = "$RUNTIME"
TOML
containerd --config "$WORK/config.toml" >"$WORK/containerd.log" 2>&1 &
echo $! >"$WORK/pid"
cleanup() {
  kill "$(cat "$WORK/pid")" 2>/dev/null
  wait 2>/dev/null
  ip link del mini-cri0 2>/dev/null
}
trap cleanup EXIT
for _ in $(seq 100); do [ -S "$SOCK" ] && break; sleep 0.1; done
[ -S "$SOCK" ] || { echo "containerd.sh: containerd did not start; see $WORK/containerd.log" >&2; exit 1; }
# A wrapper, not a function: steps run ctr through timeout and sh -c.
mkdir -p "$WORK/bin"
printf '#!/bin/sh\nexec %s --address "%s" "$@"\n' "$(command -v ctr)" "$SOCK" >"$WORK/bin/ctr"
chmod +x "$WORK/bin/ctr"
export PATH=$WORK/bin:$PATH
for ns in mini k8s.io; do
  for tar in "$WORK"/localhost_mini-bb_1.tar "$WORK"/localhost_mini-pause_1.tar; do
    ctr -n $ns images import "$tar" >/dev/null || { echo "containerd.sh: ctr images import failed" >&2; exit 1; }
  done
done

failed=0
step() {
  local name=$1 expected=$2 out
  shift 2
  out=$(timeout 60 "$@" 2>&1)
  local rc=$?
  if [ $rc -eq 0 ] && grep -Eq -- "$expected" <<<"$out"; then echo "ok   $name"; else
    echo "FAIL $name (rc=$rc): $(head -c 400 <<<"$out" | tr '\n' ' ')"
    failed=$((failed + 1))
  fi
}
img=localhost/mini-bb:1
step "ctr run --rm" '^hello$' ctr -n mini run --rm --runc-binary "$RUNTIME" $img c1 echo hello
step "ctr run exit code" '^3$' sh -c "ctr -n mini run --rm --runc-binary '$RUNTIME' $img c2 sh -c 'exit 3'; echo \$?"
step "ctr run -d, exec, kill" '^inside$' sh -c "
  ctr -n mini run -d --runc-binary '$RUNTIME' $img c3 sleep 300 >/dev/null &&
  ctr -n mini task exec --exec-id e1 c3 echo inside &&
  ctr -n mini task kill -s KILL c3 && sleep 0.5 && ctr -n mini task rm c3 >/dev/null && ctr -n mini c rm c3"
step "ctr task pause/resume" '^RUNNING$' sh -c "
  ctr -n mini run -d --runc-binary '$RUNTIME' $img c4 sleep 300 >/dev/null && ctr -n mini task pause c4 &&
  ctr -n mini task ls | grep -q 'c4.*PAUSED' && ctr -n mini task resume c4 &&
  ctr -n mini task ls | awk '/^c4/ {print \$3}'; ctr -n mini task kill -s KILL c4; sleep 0.5;
  ctr -n mini task rm c4 >/dev/null; ctr -n mini c rm c4"

mkdir -p "$WORK/generated"
/usr/bin/python3 -m grpc_tools.protoc -I"$REPO/tests/oci/cri" --python_out="$WORK/generated" \
  --grpc_python_out="$WORK/generated" api.proto || { echo "containerd.sh: compiling the CRI proto failed" >&2; exit 1; }
timeout 300 /usr/bin/python3 "$REPO/tests/oci/cri/cri_pod.py" "$SOCK" mini localhost/mini-bb:1 "$WORK/generated" ||
  failed=$((failed + 1))
echo "containerd with $RUNTIME: $failed step(s) failed"
[ $failed -eq 0 ]
