#!/usr/bin/env bash
# The test suite's fuzz smoke run: builds the libFuzzer targets with clang-14
# in BUILD_DIR and runs each for a few seconds over its seed corpus, so a
# crash on a seed or a broken fuzz build fails the suite. Real fuzzing is
# tests/fuzz/run.sh. Without clang-14 this says so loudly and skips (ctest
# shows it as skipped), except under CI=true, where it fails.
#   tests/fuzz/smoke.sh BUILD_DIR [SECONDS_PER_TARGET]
set -uo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:?usage: smoke.sh BUILD_DIR [SECONDS_PER_TARGET]}
seconds=${2:-8}
targets=(reference manifest www_authenticate docker_config unpack image_config)

"$src/tests/fuzz/build.sh" "$build"
rc=$?
if [ $rc = 2 ]; then
  echo "*** the fuzz smoke run could NOT run here: clang-14 / libclang-rt-14-dev are missing ***" >&2
  [ "${CI:-}" = true ] && exit 1
  exit 77
fi
[ $rc = 0 ] || exit 1

work=$(mktemp -d /tmp/mini-fuzz-smoke-XXXXXX)
trap 'rm -rf "$work"' EXIT
status=0
for t in "${targets[@]}"; do
  mkdir -p "$work/$t"
  if "$build/tests/fuzz/fuzz_$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
      -artifact_prefix="$work/" "$work/$t" "$src/tests/fuzz/corpus/$t" >"$work/$t.log" 2>&1; then
    echo "fuzz_$t: $(grep -oE 'Done [0-9]+ runs in [0-9]+ second' "$work/$t.log" | tail -1)"
  else
    echo "fuzz_$t FAILED:" >&2
    tail -40 "$work/$t.log" >&2
    status=1
  fi
done
exit $status
