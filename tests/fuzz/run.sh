#!/usr/bin/env bash
# Builds the libFuzzer targets with clang-14 and runs each for a while.
#   tests/fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]
# SECONDS_PER_TARGET defaults to 600. Targets run one after another (each
# uses one core). New inputs go to $MINI_FUZZ_WORK/corpus/<target> (default
# build-fuzz/work), crashes to $MINI_FUZZ_WORK/crashes/<target>; the seed
# corpora in tests/fuzz/corpus are only read. Set MINI_FUZZ_BUILD to choose
# the build directory (default build-fuzz).
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
seconds=${1:-600}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(reference manifest www_authenticate docker_config unpack image_config)
build=${MINI_FUZZ_BUILD:-$src/build-fuzz}
work=${MINI_FUZZ_WORK:-$build/work}

"$src/tests/fuzz/build.sh" "$build"
status=0
for t in "${targets[@]}"; do
  mkdir -p "$work/corpus/$t" "$work/crashes/$t"
  echo "== fuzz_$t for ${seconds}s"
  # -rss_limit_mb: unpack holds a decompressed entry in libarchive's buffers.
  if ! "$build/tests/fuzz/fuzz_$t" -max_total_time="$seconds" -timeout=25 -rss_limit_mb=2048 -max_len=65536 \
      -print_final_stats=1 -artifact_prefix="$work/crashes/$t/" \
      "$work/corpus/$t" "$src/tests/fuzz/corpus/$t" 2>"$work/fuzz_$t.log"; then
    echo "fuzz_$t FAILED; see $work/fuzz_$t.log and $work/crashes/$t" >&2
    status=1
  fi
  grep -E "^(stat::number_of_executed_units|stat::peak_rss_mb|Done [0-9]+ runs)" "$work/fuzz_$t.log" || true
done
exit $status
