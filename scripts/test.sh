#!/usr/bin/env bash
# Builds and runs the whole test suite, as CI does (.ci/run calls this):
#   format check, layering check, debug build + all tests (-Werror), ASan+UBSan
#   build + all tests (clang), aarch64 cross build of the card stack with its
#   unit tests under qemu-user, then every libFuzzer target fuzzed for a while
#   (MYKEY_FUZZ_SECONDS each, default 30; 0 skips the stage).
# Installs missing Debian packages first when run as root.
#
#   scripts/test.sh            everything
#   scripts/test.sh --quick    checks + debug build and tests only
set -euo pipefail
cd "$(dirname "$0")/.."

quick=0
for arg in "$@"; do
  case "$arg" in
    --quick) quick=1 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "test.sh: unknown option $arg" >&2; exit 2 ;;
  esac
done

if [[ $quick == 1 ]]; then scripts/install-deps.sh; else scripts/install-deps.sh --cross; fi

jobs=$(nproc)
summary=()
failures=()  # "preset<TAB>log" of each run with failed tests, for the tail
passed=0
failed=0
stage() { printf '\n=== %s (%s)\n' "$1" "$(date +%H:%M:%S)"; }

run_ctest() {  # preset, extra ctest args...
  local preset=$1; shift
  local log
  log=$(mktemp)
  local rc=0
  ctest --preset "$preset" -j "$jobs" "$@" 2>&1 | tee "$log" || rc=$?
  local line
  line=$(grep -E 'tests passed, [0-9]+ tests failed out of [0-9]+' "$log" | tail -1 || true)
  if [[ -n $line ]]; then
    local total fail
    total=$(sed -E 's/.*out of ([0-9]+).*/\1/' <<<"$line")
    fail=$(sed -E 's/.* ([0-9]+) tests failed.*/\1/' <<<"$line")
    passed=$((passed + total - fail))
    failed=$((failed + fail))
    summary+=("$preset: $line")
    if [[ $fail != 0 ]]; then
      # The names, so that the tail of a CI log says which tests failed.
      while IFS= read -r name; do summary+=("    FAILED $name"); done < <(
        sed -n '/The following tests FAILED:/,/^Errors while running/p' "$log" |
          grep -E '^[[:space:]]+[0-9]+ - ' | sed -E 's/^[[:space:]]+//')
      failures+=("$preset"$'\t'"$(cp "$log" "$log.keep" && echo "$log.keep")")
    fi
  else
    summary+=("$preset: no ctest summary (rc=$rc)")
    failed=$((failed + 1))
  fi
  rm -f "$log"
  return $rc
}

status=0
stage "format"; .ci/check-format.sh || status=1
stage "layers"; .ci/check-layers.sh || status=1

stage "debug build (GCC, -Werror)"
cmake --preset ci >/dev/null
cmake --build --preset ci
stage "debug tests"
run_ctest ci || status=1

if [[ $quick == 0 ]]; then
  stage "sanitizer build (clang, ASan + UBSan)"
  cmake --preset asan >/dev/null
  cmake --build --preset asan
  stage "sanitizer tests"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
    run_ctest asan || status=1

  # qemu-user cannot start threads in this sandbox (a thread create never
  # returns), and cannot run built tools without binfmt: the preset leaves out
  # tests labelled "threads" or "tools" (they run natively above).
  stage "cross build (aarch64: core, hal, cards) + unit tests under qemu-user"
  cmake --preset aarch64 >/dev/null
  cmake --build --preset aarch64
  run_ctest aarch64 || status=1

  fuzz_seconds=${MYKEY_FUZZ_SECONDS:-30}
  if [[ $fuzz_seconds != 0 ]]; then
    stage "libFuzzer (clang): each target ${fuzz_seconds} s from its seed corpus"
    cmake --preset fuzz >/dev/null
    mapfile -t fuzz_targets < <(ninja -C build/fuzz -t targets all |
      sed -nE 's#^(tests/fuzz/)?(fuzz_[a-z0-9_]+): .*#\2#p' | sort -u)
    cmake --build --preset fuzz --target "${fuzz_targets[@]}"
    fuzz_failed=0
    for target in "${fuzz_targets[@]}"; do
      # New inputs go to a scratch directory, never into the checked-in seeds.
      scratch=$(mktemp -d)
      mkdir -p "$scratch/corpus" "$scratch/crashes"
      if build/fuzz/tests/fuzz/"$target" -max_total_time="$fuzz_seconds" -timeout=10 \
          -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$scratch/crashes/" \
          "$scratch/corpus" "tests/fuzz/corpus/$target" >"$scratch/log" 2>&1; then
        execs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+)/\1/p' "$scratch/log")
        echo "  $target: ${execs:-?} runs, no crash"
        passed=$((passed + 1))
      else
        echo "  $target: FAILED"
        tail -n 60 "$scratch/log"
        for artifact in "$scratch"/crashes/*; do
          [[ -f $artifact ]] || continue
          echo "  input $(basename "$artifact") (hex):"
          od -An -tx1 -v "$artifact" | head -n 40
        done
        failed=$((failed + 1))
        fuzz_failed=$((fuzz_failed + 1))
        summary+=("    FAILED libFuzzer $target")
        status=1
      fi
      rm -rf "$scratch"
    done
    summary+=("fuzz: ${#fuzz_targets[@]} targets for ${fuzz_seconds} s each, $fuzz_failed failed")
  fi
fi

# The output of each failed test again, last, where a truncated log still
# shows it (ctest prints it inline with --output-on-failure, far above).
for entry in "${failures[@]}"; do
  preset=${entry%%$'\t'*}
  log=${entry#*$'\t'}
  printf '\n=== output of the failed %s tests\n' "$preset"
  awk '/^ *[0-9]+\/[0-9]+ Test +#[0-9]+: .*\*\*\*|Failed|Timeout/ {show=1}
       /^ *[0-9]+\/[0-9]+ Test +#[0-9]+: .* Passed/ {show=0}
       /^ +Start +[0-9]+:/ {next}
       show' "$log" | tail -n 150
  rm -f "$log"
done

printf '\n=== summary\n'
printf '  %s\n' "${summary[@]}"
echo "all: $passed passed, $failed failed"
exit $status
