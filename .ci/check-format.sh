#!/usr/bin/env bash
# Fails if any tracked C++ file is not formatted with the repo's .clang-format.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files '*.cc' '*.h' '*.cpp' '*.hpp')
if [[ ${#files[@]} == 0 ]]; then exit 0; fi
if ! clang-format --dry-run --Werror "${files[@]}" 2>/tmp/mykey-format.log; then
  grep -E '^[^ ].*(warning|error):' /tmp/mykey-format.log | cut -d: -f1 | sort -u | sed 's/^/  not formatted: /' >&2
  echo "check-format: run clang-format -i on the files above" >&2
  exit 1
fi
echo "check-format: ${#files[@]} files formatted"
