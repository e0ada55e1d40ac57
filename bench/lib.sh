# Shared helpers for the bench scripts; sourced, never run.
# shellcheck shell=bash

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SOURCE_DIR=$(cd "$BENCH_DIR/.." && pwd)
# Everything built at run time lives here; the large image is cached across
# runs (delete the directory to rebuild it).
CACHE=${MINI_BENCH_CACHE:-/var/tmp/mini-bench}
PYTHON=/usr/bin/python3

log() { printf '\033[1m[bench]\033[0m %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# Debian 12 packages each column needs; a package the mirror lacks skips
# only the columns that need it.
declare -A PACKAGE_OF=(
  [hyperfine]=hyperfine [/usr/bin/time]=time [runc]=runc [crun]=crun [podman]=podman
  [bwrap]=bubblewrap [bc]=bc [skopeo]=skopeo [umoci]=umoci [debootstrap]=debootstrap
  [docker-registry]=docker-registry [busybox]=busybox-static [python3]=python3
  [jq]=jq [perf]=linux-perf
)

have_tool() {
  case "$1" in
    /*) [ -x "$1" ] ;;
    busybox) [ -x /bin/busybox ] && ! ldd /bin/busybox >/dev/null 2>&1 ;;  # the static one
    python3) [ -x /usr/bin/python3 ] ;;
    *) PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin command -v "$1" >/dev/null ;;
  esac
}

has_candidate() {
  local policy
  policy=$(apt-cache policy "$1" 2>/dev/null || true)
  [[ $policy =~ Candidate:\ [0-9] ]]
}

# Installs whatever is missing. Records which tools are unavailable in
# UNAVAILABLE (space-separated tool names).
UNAVAILABLE=""
ensure_tools() {
  local tool pkg missing=() updated=0
  for tool in "$@"; do
    have_tool "$tool" || missing+=("$tool")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  [ "$(id -u)" = 0 ] || die "missing ${missing[*]}; installing them needs root"
  export DEBIAN_FRONTEND=noninteractive
  for tool in "${missing[@]}"; do
    pkg=${PACKAGE_OF[$tool]:-$tool}
    if ! has_candidate "$pkg"; then
      if [ $updated = 0 ]; then apt-get update -qq || true; updated=1; fi
    fi
    if ! has_candidate "$pkg"; then
      log "UNAVAILABLE: Debian package $pkg (for $tool) has no candidate in this mirror; its column is skipped"
      UNAVAILABLE+=" $tool"
      continue
    fi
    log "installing $pkg (for $tool)"
    if ! apt-get install -y -qq --no-install-recommends "$pkg" >/dev/null; then
      log "UNAVAILABLE: apt-get install $pkg failed; the $tool column is skipped"
      UNAVAILABLE+=" $tool"
    fi
  done
}

available() { have_tool "$1" && [[ " $UNAVAILABLE " != *" $1 "* ]]; }

# A free TCP port on 127.0.0.1.
free_port() {
  "$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# Starts docker-registry on 127.0.0.1:$1 with storage in $2; sets REGISTRY_PID.
REGISTRY_PID=""
start_registry() {
  local port=$1 dir=$2
  mkdir -p "$dir/data"
  cat >"$dir/registry.yml" <<YML
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $dir/data
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
YML
  docker-registry serve "$dir/registry.yml" >"$dir/registry.log" 2>&1 &
  REGISTRY_PID=$!
  local i
  for i in $(seq 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
    kill -0 "$REGISTRY_PID" 2>/dev/null || die "docker-registry exited: $(cat "$dir/registry.log")"
    sleep 0.1
  done
  die "docker-registry did not listen on 127.0.0.1:$port"
}

stop_registry() {
  [ -n "$REGISTRY_PID" ] || return 0
  kill "$REGISTRY_PID" 2>/dev/null || true
  wait "$REGISTRY_PID" 2>/dev/null || true
  REGISTRY_PID=""
}

# Peak RSS in KiB of one run of a command, from GNU time -v (the largest
# of the process and the children it waited for). Output goes to $1.log.
peak_rss_kib() {
  local out=$1
  shift
  /usr/bin/time -v -o "$out.time" "$@" >"$out.log" 2>&1 || { log "command failed: $* (see $out.log)"; return 1; }
  awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}' "$out.time"
}

# rm -rf that first unmounts anything mounted below the directory, so a
# leftover overlay can never be emptied through.
safe_rm() {
  local dir m
  for dir in "$@"; do
    [ -e "$dir" ] || continue
    dir=$(realpath "$dir")
    awk -v d="$dir" '$5 == d || index($5, d "/") == 1 {print $5}' /proc/self/mountinfo | sort -r | while read -r m; do
      umount -l "$m" 2>/dev/null || true
    done
    rm -rf --one-file-system "$dir"
  done
}

# The image of the start cases in W/rootfs and W/rootfs.tar (W is emptied
# first): Debian's static busybox, its applets as symlinks, and the
# directories Docker Hub's busybox image has.
busybox_rootfs() {
  local w=$1
  safe_rm "$w" && mkdir -p "$w"/rootfs/{bin,dev,etc,proc,root,sys,tmp}
  chmod 1777 "$w/rootfs/tmp"
  cp /bin/busybox "$w/rootfs/bin/busybox"
  chroot "$w/rootfs" /bin/busybox --install -s /bin
  echo 'root:x:0:0:root:/root:/bin/sh' >"$w/rootfs/etc/passwd"
  echo 'root:x:0:' >"$w/rootfs/etc/group"
  tar -C "$w/rootfs" -cf "$w/rootfs.tar" .
}

# hyperfine in ROUNDS rounds of RUNS runs each, the commands taking turns
# round by round, merged into one export: on a shared machine the load
# drifts over minutes, and one long block per command would hand that
# drift to whichever command ran in the worse block.
#   interleaved_hyperfine OUT.json ROUNDS RUNS FIRST_WARMUP LATER_WARMUP HYPERFINE_ARGS...
interleaved_hyperfine() {
  local out=$1 rounds=$2 runs=$3 first=$4 later=$5 r warmup parts=()
  shift 5
  for r in $(seq "$rounds"); do
    warmup=$later
    [ "$r" = 1 ] && warmup=$first
    log "round $r of $rounds"
    hyperfine -N --style basic --warmup "$warmup" --runs "$runs" --export-json "$out.r$r" "$@" >&2
    parts+=("$out.r$r")
  done
  "$PYTHON" "$BENCH_DIR/report.py" merge "$out" "${parts[@]}"
  rm -f "${parts[@]}"
}
