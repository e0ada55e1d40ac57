#!/usr/bin/env bash
# Runs the OCI runtime validation suite (opencontainers/runtime-tools) against
# a runtime and prints the TAP totals.
#   tests/oci/validation.sh [RUNTIME] [--short | TEST...]
#     RUNTIME   the runtime binary (default: build/mini-oci)
#     TEST      validation names, e.g. default kill (default: all of them)
#     --short   the suite's short form (ctest oci_validation_short): the
#               lifecycle and hook tests, under a minute; fails on any not ok
# The suite's source is not vendored here: point RUNTIME_TOOLS_SRC at a
# checkout of runtime-tools at 260e151b8552afa2678ef6d41820ea0f31cd8be1 (it
# builds offline with Debian's Go 1.19). Exits 77 when it is missing.
# OCI_WORK (default /tmp/mini-oci-validation) holds the build and the logs.
set -uo pipefail
cd "$(dirname "$0")/../.."
REPO=$PWD
RUNTIME=${1:-build/mini-oci}
shift || true
[ -x "$RUNTIME" ] || RUNTIME=$(command -v "$RUNTIME" || true)
if [ -z "$RUNTIME" ] || [ ! -x "$RUNTIME" ]; then
  echo "validation.sh: runtime '${1:-build/mini-oci}' not found; build it first (cmake --build build)" >&2
  exit 1
fi
RUNTIME=$(readlink -f "$RUNTIME")
COMMIT=260e151b8552afa2678ef6d41820ea0f31cd8be1
SRC=${RUNTIME_TOOLS_SRC:-}
if [ -z "$SRC" ]; then
  for candidate in /work/.mirror/opencontainers+runtime-tools/repo "$REPO/../runtime-tools"; do
    [ -e "$candidate" ] && SRC=$candidate && break
  done
fi
if [ -z "$SRC" ] || [ ! -e "$SRC" ]; then
  echo "validation.sh: SKIPPED: no runtime-tools source; set RUNTIME_TOOLS_SRC to a checkout of opencontainers/runtime-tools at $COMMIT" >&2
  exit 77
fi
if ! command -v go >/dev/null; then
  echo "validation.sh: SKIPPED: no Go toolchain; apt-get install golang-go" >&2
  exit 77
fi

WORK=${OCI_WORK:-/tmp/mini-oci-validation}
TOOLS=$WORK/runtime-tools
mkdir -p "$WORK"
if [ "$(git -C "$TOOLS" rev-parse HEAD 2>/dev/null)" != "$COMMIT" ]; then
  rm -rf "$TOOLS"
  git clone -q "$SRC" "$TOOLS" && git -C "$TOOLS" checkout -q "$COMMIT" || {
    echo "validation.sh: could not check out $COMMIT from $SRC" >&2; exit 1; }
fi
if [ ! -x "$TOOLS/validation/default/default.t" ]; then
  (cd "$TOOLS" && GOFLAGS=-mod=vendor GOPROXY=off make runtimetest validation-executables) >"$WORK/build.log" 2>&1 || {
    echo "validation.sh: building runtime-tools failed; see $WORK/build.log" >&2; exit 1; }
fi

short=0
if [ "${1:-}" = --short ]; then
  short=1
  tests=(create start state kill delete pidfile hooks hooks_stdin prestart poststart poststop hostname linux_sysctl
         process_oom_score_adj linux_ns_path)
elif [ $# -gt 0 ]; then
  tests=("$@")
else
  mapfile -t tests < <(cd "$TOOLS/validation" && ls -d */ | tr -d /)
fi
LOGS=$WORK/logs
rm -rf "$LOGS" && mkdir -p "$LOGS"
pass=0 skip=0 fail=0 crashed=()
for t in "${tests[@]}"; do
  bin=$TOOLS/validation/$t/$t.t
  [ -x "$bin" ] || { echo "validation.sh: no test named $t" >&2; continue; }
  (cd "$TOOLS" && RUNTIME=$RUNTIME timeout 300 "$bin") >"$LOGS/$t.tap" 2>&1
  rc=$?
  # Skips print as "ok N # SKIP"; they pass nothing, so they count apart.
  k=$(grep '^ok ' "$LOGS/$t.tap" | grep -ci '# skip')
  p=$(($(grep -c '^ok ' "$LOGS/$t.tap") - k))
  f=$(grep -c '^not ok ' "$LOGS/$t.tap")
  # A test binary that died before its plan line crashed (or timed out).
  if ! grep -q '^1\.\.[0-9]' "$LOGS/$t.tap" || [ $rc -ge 124 ]; then crashed+=("$t(rc=$rc)"); fi
  pass=$((pass + p)) skip=$((skip + k)) fail=$((fail + f))
  printf '%-40s ok %5d  skip %4d  not ok %4d\n' "$t" "$p" "$k" "$f"
done
echo "runtime: $RUNTIME"
echo "total: ok $pass, skipped $skip, not ok $fail, crashed: ${crashed[*]:-none}"
echo "logs: $LOGS"
if [ $short = 1 ] && { [ $fail -gt 0 ] || [ ${#crashed[@]} -gt 0 ]; }; then exit 1; fi
