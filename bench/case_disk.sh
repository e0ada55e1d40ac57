#!/usr/bin/env bash
# Case 4: disk use of two images that share their base layer (large:1 and
# small:1), pulled into fresh stores.
#   case_disk.sh MINI WORKDIR REGISTRY OUT.json
set -euo pipefail
source "$(dirname "$0")/lib.sh"
MINI=$1 W=$2 REG=$3 OUT=$4
safe_rm "$W" && mkdir -p "$W"
echo "{\"insecure-registries\": [\"$REG\"]}" >"$W/mini-config.json"
du_b() { du -sb "$@" 2>/dev/null | awk '{s += $1} END {print s + 0}'; }

rows=()
for image in large:1 small:1; do
  MINI_CONFIG=$W/mini-config.json "$MINI" --root "$W/mini" pull -q "$REG/bench/$image" >/dev/null
done
rows+=("{\"tool\": \"mini\", \"total\": $(du_b "$W/mini"), \"compressed_blobs\": $(du_b "$W/mini/blobs"), \"unpacked_layers\": $(du_b "$W/mini/layers")}")

if available podman; then
  P="podman --root $W/podman/root --runroot $W/podman/run --storage-driver overlay"
  for image in large:1 small:1; do $P pull -q --tls-verify=false "$REG/bench/$image" >/dev/null; done
  rows+=("{\"tool\": \"podman\", \"total\": $(du_b "$W/podman/root")}")
  $P rmi -af >/dev/null 2>&1 || true
fi
if available skopeo && available umoci; then
  for image in large:1 small:1; do
    tag=${image/:/-}
    skopeo --insecure-policy copy -q --src-tls-verify=false "docker://$REG/bench/$image" "oci:$W/oci:$tag"
    umoci unpack --image "$W/oci:$tag" "$W/bundle-$tag" >/dev/null
  done
  rows+=("{\"tool\": \"skopeo + umoci\", \"total\": $(du_b "$W/oci" "$W"/bundle-*), \"compressed_blobs\": $(du_b "$W/oci"), \"unpacked_layers\": $(du_b "$W"/bundle-*)}")
fi
(IFS=,; echo "[${rows[*]}]") | jq . >"$OUT"
safe_rm "$W"
