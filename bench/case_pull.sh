#!/usr/bin/env bash
# Case 2: pull and unpack of the large image from the local registry, and
# unpack alone against tar -x on the same layers.
#   case_pull.sh MINI WORKDIR REGISTRY(host:port) RUNS OUTDIR
set -euo pipefail
source "$(dirname "$0")/lib.sh"
MINI=$1 W=$2 REG=$3 RUNS=$4 OUT=$5
IMAGE=$REG/bench/large:1
LAYOUT=$CACHE/image
safe_rm "$W" && mkdir -p "$W"

echo "{\"insecure-registries\": [\"$REG\"]}" >"$W/mini-config.json"
QUIET=""
"$MINI" pull --help | grep -q -- '--quiet' && QUIET=-q
mini_pull() { echo "env MINI_CONFIG=$W/mini-config.json $MINI --root $1 pull $QUIET $IMAGE"; }
MPULL=$(mini_pull "$W/mini")
P="podman --root $W/podman/root --runroot $W/podman/run --storage-driver overlay"
PPULL="$P pull -q --tls-verify=false $IMAGE"
SKOPEO="skopeo --insecure-policy copy -q --src-tls-verify=false docker://$IMAGE oci:$W/oci:large"
UMOCI="umoci unpack --image $W/oci:large $W/bundle"

# The same three gzip layers as files, for tar.
MANIFEST=$(jq -r '.manifests[] | select(.annotations."org.opencontainers.image.ref.name" == "large-1") | .digest' \
  "$LAYOUT/index.json")
mapfile -t LAYERS < <(jq -r '.layers[].digest | sub("sha256:"; "")' "$LAYOUT/blobs/sha256/${MANIFEST#sha256:}")
TAR_SEQ="sh -c 'for l in ${LAYERS[*]}; do mkdir -p $W/tar/\$l && tar -xzf $LAYOUT/blobs/sha256/\$l -C $W/tar/\$l; done'"
TAR_PAR="sh -c 'for l in ${LAYERS[*]}; do mkdir -p $W/tar/\$l && tar -xzf $LAYOUT/blobs/sha256/\$l -C $W/tar/\$l & done; wait'"

# mini's unpack alone: a store that holds the blobs but no layers, so
# `mini pull` fetches only the manifest and config and unpacks.
$MPULL >/dev/null
"$MINI" --root "$W/mini" images >&2
mkdir -p "$W/blobs-only"
cp -a "$W/mini/." "$W/blobs-only/"
safe_rm "$W/blobs-only/layers" && mkdir -p "$W/blobs-only/layers"
rm -f "$W/blobs-only/images.json"
UNPACK=$(mini_pull "$W/mini-unpack")

declare -a NAMES=() CMDS=() PREPS=()
add() { NAMES+=("$1"); CMDS+=("$2"); PREPS+=("$3"); }
add "mini pull" "$MPULL" "rm -rf $W/mini; sync"
if available podman; then
  add "podman pull" "$PPULL" "rm -rf $W/podman; sync"
fi
if available skopeo && available umoci; then
  add "skopeo copy + umoci unpack" "sh -c '$SKOPEO && $UMOCI'" "rm -rf $W/oci $W/bundle; sync"
fi
add "mini unpack (blobs present)" "$UNPACK" "rm -rf $W/mini-unpack; cp -a $W/blobs-only $W/mini-unpack; sync"
add "tar -xzf, layer after layer" "$TAR_SEQ" "rm -rf $W/tar; sync"
add "tar -xzf, 3 layers at once" "$TAR_PAR" "rm -rf $W/tar; sync"

ARGS=()
for i in "${!NAMES[@]}"; do ARGS+=(--prepare "sh -c '${PREPS[$i]}'" -n "${NAMES[$i]}" "${CMDS[$i]}"); done
log "case 2: ${NAMES[*]}; $RUNS rounds of one run each"
interleaved_hyperfine "$OUT/pull.json" "$RUNS" 1 1 0 "${ARGS[@]}"

# Peak RSS, one more run each.
for i in "${!NAMES[@]}"; do
  sh -c "${PREPS[$i]}"
  eval "set -- ${CMDS[$i]}"
  echo "${NAMES[$i]}	$(peak_rss_kib "$W/rss-$i" "$@")"
done >"$OUT/pull.rss"

# What was unpacked, for throughput.
du -sb "$W/tar" | cut -f1 >"$OUT/unpacked.bytes"
find "$W/tar" | wc -l >"$OUT/unpacked.files"
du -sb "${LAYERS[@]/#/$LAYOUT/blobs/sha256/}" | awk '{s += $1} END {print s}' >"$OUT/compressed.bytes"
safe_rm "$W"
