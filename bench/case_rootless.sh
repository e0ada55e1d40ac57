#!/usr/bin/env bash
# Rootless start latency against root's (issue 15's target: within 1.5x):
# a start to exit of `true` in busybox, by root and by a throwaway user with
# a subuid range, both through setpriv so the wrapper costs the same, both
# with --network none (root's bridge and the user's slirp4netns measure
# different things), then each with its default network.
#   case_rootless.sh MINI WORKDIR ROUNDS RUNS OUT.md
# Root is needed to make the user; it is removed at the end.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
MINI=$1 W=$2 ROUNDS=$3 RUNS=$4 OUT=$5
[ "$(id -u)" = 0 ] || die "run as root: the case makes a test user"

busybox_rootfs "$W"
USER_NAME=minibench$$
HOME_DIR=/var/tmp/$USER_NAME
cleanup() {
  for f in /etc/subuid /etc/subgid; do sed -i "/^$USER_NAME:/d" "$f"; done
  userdel -r -f "$USER_NAME" >/dev/null 2>&1 || true
  rm -rf "$HOME_DIR" "$W/root-store"
}
trap cleanup EXIT
useradd -m -d "$HOME_DIR" -s /bin/sh "$USER_NAME"
USER_ID=$(id -u "$USER_NAME")
rm -rf "/tmp/mini-run-$USER_ID"
# A range past every other one.
START=$(awk -F: '{ e = $2 + $3; if (e > m) m = e } END { s = (m > 1000000 ? m : 1000000); print int((s + 65535) / 65536) * 65536 }' /etc/subuid /etc/subgid)
for f in /etc/subuid /etc/subgid; do sed -i "/^$USER_NAME:/d" "$f"; echo "$USER_NAME:$START:65536" >>"$f"; done

cp "$W/rootfs.tar" "$HOME_DIR/rootfs.tar" && chown "$USER_NAME" "$HOME_DIR/rootfs.tar"
AS_ROOT="setpriv --reuid=0 --regid=0 --clear-groups -- $MINI --root $W/root-store"
AS_USER="setpriv --reuid=$USER_ID --regid=$(id -g "$USER_NAME") --init-groups --reset-env -- $MINI"
$AS_ROOT import "$W/rootfs.tar" busybox:latest >/dev/null
$AS_USER import "$HOME_DIR/rootfs.tar" busybox:latest >/dev/null

interleaved_hyperfine "$W/rootless.json" "$ROUNDS" "$RUNS" 3 1 \
  -n "root, --network none" "$AS_ROOT run --rm --network none busybox true" \
  -n "rootless, --network none" "$AS_USER run --rm --network none busybox true" \
  -n "root, bridge" "$AS_ROOT run --rm busybox true" \
  -n "rootless, slirp4netns" "$AS_USER run --rm busybox true"
"$PYTHON" - "$W/rootless.json" >"$OUT" <<'PY'
import json, statistics, sys
doc = json.load(open(sys.argv[1]))
med = {}
print("| command | median | min – max | runs |")
print("| --- | ---: | ---: | ---: |")
for r in doc["results"]:
    t = [x * 1000 for x in r["times"]]
    med[r["command"]] = statistics.median(t)
    print(f"| {r['command']} | {med[r['command']]:.1f} ms | {min(t):.1f} – {max(t):.1f} ms | {len(t)} |")
ratio = med["rootless, --network none"] / med["root, --network none"]
print()
print(f"rootless / root, --network none: **{ratio:.2f}** (target <= 1.5, {'met' if ratio <= 1.5 else 'missed'}); "
      f"with default networks: {med['rootless, slirp4netns'] / med['root, bridge']:.2f}")
PY
cat "$OUT"
