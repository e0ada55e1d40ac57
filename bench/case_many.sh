#!/usr/bin/env bash
# Case 3: N detached containers started at once, then removed; the time of
# each half and the memory of what stays running (the per-container
# monitors), repeated REPS times.
#   case_many.sh MINI WORKDIR N REPS OUT.json
# Run inside `unshare -m`, like case 1.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
MINI=$1 W=$2 N=$3 REPS=$4 OUT=$5

if mountpoint -q /sys/fs/cgroup/unified 2>/dev/null; then umount /sys/fs/cgroup/unified; fi
busybox_rootfs "$W"
STORE=$W/mini-store
"$MINI" --root "$STORE" import "$W/rootfs.tar" busybox:latest >/dev/null
NET=()
"$MINI" run --help | grep -q -- '--network' && NET=(--network none)

now() { date +%s.%N; }

# Memory of the processes whose command line mentions $1 (the store or
# storage root): count, summed RSS and PSS (shared pages split), largest
# RSS and largest peak RSS (VmHWM), all KiB.
memory_of() {
  local pattern=$1 pid
  for pid in $(pgrep -f -- "$pattern" || true); do
    [ "$pid" = $$ ] && continue
    local rss hwm pss
    rss=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null) || continue
    hwm=$(awk '/^VmHWM/ {print $2}' "/proc/$pid/status" 2>/dev/null) || continue
    pss=$(awk '/^Pss:/ {print $2}' "/proc/$pid/smaps_rollup" 2>/dev/null) || continue
    echo "$rss $hwm $pss"
  done | awk '{n++; rss += $1; pss += $3; if ($1 > mr) mr = $1; if ($2 > mh) mh = $2}
              END {printf "{\"count\": %d, \"rss_kib\": %d, \"pss_kib\": %d, \"max_rss_kib\": %d, \"max_hwm_kib\": %d}", n, rss, pss, mr, mh}'
}

results=()
for rep in $(seq "$REPS"); do
  # mini: every `mini run -d` at once; each reports its own peak RSS.
  rm -rf "$W/rss" && mkdir -p "$W/rss"
  t0=$(now)
  for i in $(seq "$N"); do
    /usr/bin/time -f %M -o "$W/rss/$i" "$MINI" --root "$STORE" run -d "${NET[@]}" busybox sleep 600 >"$W/rss/$i.id" 2>"$W/rss/$i.err" &
  done
  wait
  t1=$(now)
  running=$("$MINI" --root "$STORE" ps -q | wc -l)
  sleep 1
  mem=$(memory_of "$STORE")
  run_peak=$(cat "$W"/rss/[0-9]* 2>/dev/null | grep -E '^[0-9]+$' | sort -n | tail -1)
  t2=$(now)
  # shellcheck disable=SC2046
  "$MINI" --root "$STORE" rm -f $("$MINI" --root "$STORE" ps -aq) >/dev/null
  t3=$(now)
  left=$("$MINI" --root "$STORE" ps -aq | wc -l)
  results+=("{\"runtime\": \"mini\", \"rep\": $rep, \"started\": $running, \"left\": $left, \"start_s\": $(echo "$t1 - $t0" | bc), \"remove_s\": $(echo "$t3 - $t2" | bc), \"monitors\": $mem, \"run_d_peak_rss_kib\": ${run_peak:-0}}")
  log "case 3 mini rep $rep: $running running after $(echo "$t1 - $t0" | bc) s, removed in $(echo "$t3 - $t2" | bc) s"

  if available podman && [ "${MINI_BENCH_PODMAN_MANY:-1}" = 1 ]; then
    PROOT=$W/podman
    P="podman --root $PROOT/root --runroot $PROOT/run --storage-driver overlay --cgroup-manager cgroupfs"
    [ "$rep" = 1 ] && $P import -q "$W/rootfs.tar" localhost/busybox-bench:latest >/dev/null
    t0=$(now)
    for i in $(seq "$N"); do
      $P run -d --network none --ulimit nofile=20000:20000 --ulimit nproc=32768:32768 busybox-bench sleep 600 \
        >/dev/null 2>>"$W/podman.err" &
    done
    wait
    t1=$(now)
    running=$($P ps -q | wc -l)
    sleep 1
    mem=$(memory_of "$PROOT")
    t2=$(now)
    $P rm -f -t 0 -a >/dev/null 2>>"$W/podman.err"
    t3=$(now)
    left=$($P ps -aq | wc -l)
    results+=("{\"runtime\": \"podman\", \"rep\": $rep, \"started\": $running, \"left\": $left, \"start_s\": $(echo "$t1 - $t0" | bc), \"remove_s\": $(echo "$t3 - $t2" | bc), \"monitors\": $mem}")
    log "case 3 podman rep $rep: $running running after $(echo "$t1 - $t0" | bc) s, removed in $(echo "$t3 - $t2" | bc) s"
  fi
done
(IFS=,; echo "[${results[*]}]") | jq . >"$OUT"
if available podman; then $P rmi -af >/dev/null 2>&1 || true; fi
safe_rm "$W"
