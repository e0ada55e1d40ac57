#!/usr/bin/env bash
# Builds the benchmark's large image as an OCI layout, once, under
# $CACHE/image (default /var/tmp/mini-bench/image):
#   large:1  debootstrap --variant=minbase bookworm | + python3 | + mixed data
#   small:1  the same base layer | + a small layer of its own
# Three gzip layers, about 350 MB and 10,000 files unpacked. Nothing here is
# committed; delete $CACHE/image to rebuild. Needs root, debootstrap, umoci
# and the Debian mirror.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

OUT=$CACHE/image
STAMP=$OUT/.complete-v1
[ -f "$STAMP" ] && { log "large image cached in $OUT"; exit 0; }
ensure_tools debootstrap umoci python3
for t in debootstrap umoci; do available $t || die "$t is unavailable; cannot build the large image"; done

MIRROR=${MINI_BENCH_MIRROR:-$(awk '/^URIs:/ {print $2; exit} /^deb / {print $2; exit}' \
  /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null | head -1)}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
WORK=$CACHE/image-build
rm -rf "$WORK" "$OUT"
mkdir -p "$WORK"
L=$WORK/layout
umoci init --layout "$L"
umoci new --image "$L:empty"
umoci unpack --image "$L:empty" "$WORK/bundle"
R=$WORK/bundle/rootfs

# In a private mount namespace: /proc for the chroot never shows on the host.
in_chroot() {
  unshare -m -- sh -c 'mount -t proc proc "$1/proc" && shift && exec chroot "$@"' sh "$R" "$R" "$@"
}

log "layer 1: debootstrap --variant=minbase bookworm from $MIRROR"
debootstrap --variant=minbase bookworm "$R" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 ||
  die "debootstrap failed; see $WORK/debootstrap.log"
rm -rf "$R"/var/cache/apt/archives/*.deb "$R"/var/lib/apt/lists/*_Packages "$R"/var/log/*.log
umoci repack --refresh-bundle --image "$L:base" "$WORK/bundle"

log "layer 2: python3"
cp /etc/resolv.conf "$R/etc/resolv.conf"
in_chroot apt-get update -qq >"$WORK/apt.log" 2>&1 || die "apt-get update in the chroot failed; see $WORK/apt.log"
DEBIAN_FRONTEND=noninteractive in_chroot apt-get install -y -qq --no-install-recommends python3 >>"$WORK/apt.log" 2>&1 ||
  die "installing python3 in the chroot failed; see $WORK/apt.log"
in_chroot apt-get clean
rm -rf "$R"/var/lib/apt/lists/* "$R"/var/log/*.log
umoci repack --refresh-bundle --image "$L:python" "$WORK/bundle"

# Layer 3 brings the image to about 350 MB and 10,000 files.
have_bytes=$(du -sb "$R" | cut -f1)
have_files=$(find "$R" | wc -l)
data_mib=$(( (350 * 1024 * 1024 - have_bytes) / 1024 / 1024 ))
data_files=$(( 10000 - have_files ))
[ $data_mib -lt 50 ] && data_mib=50
[ $data_files -lt 500 ] && data_files=500
log "layer 3: $data_mib MiB of mixed data in $data_files files (the first two layers have $((have_bytes >> 20)) MiB, $have_files files)"
"$PYTHON" "$BENCH_DIR/gen_data.py" "$R/srv/data" "$data_mib" "$data_files"
umoci repack --image "$L:large" "$WORK/bundle"
umoci config --image "$L:large" --tag 1 --config.cmd /bin/bash --config.workingdir /

log "small:1: the same base layer and a small layer of its own"
umoci unpack --image "$L:base" "$WORK/bundle2"
"$PYTHON" "$BENCH_DIR/gen_data.py" "$WORK/bundle2/rootfs/opt/app" 8 200
umoci repack --image "$L:small" "$WORK/bundle2"
umoci config --image "$L:small" --tag small --config.cmd /bin/bash

# The layout that gets pushed: just the two tags.
mkdir -p "$OUT"
skopeo --insecure-policy copy --quiet "oci:$L:1" "oci:$OUT:large-1"
skopeo --insecure-policy copy --quiet "oci:$L:small" "oci:$OUT:small-1"
rm -rf "$WORK"
touch "$STAMP"
log "large image ready in $OUT"
