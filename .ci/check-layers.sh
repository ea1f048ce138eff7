#!/usr/bin/env bash
# Layering check (architecture.md):
#  1. a layer includes only layers below it: core <- hal <- cards <- sdk <- firmware,
#     and core <- cloud; tests and examples may include anything;
#  2. each third-party library is included in its one place.
set -euo pipefail
cd "$(dirname "$0")/.."

declare -A rank=([core]=0 [hal]=1 [cards]=2 [sdk]=3 [firmware]=4 [cloud]=1 [tests]=9 [examples]=9)
ranked=(core hal cards sdk firmware cloud)

# Module name -> top-level layer, from the module folders' public include dirs.
declare -A layer_of
while IFS= read -r dir; do
  module=${dir##*/include/mykey/}
  top=${dir%%/*}
  layer_of[$module]=$top
done < <(git ls-files | grep -E '^[a-z]+/.*/include/mykey/[a-z_0-9]+/' |
         sed -E 's#(/include/mykey/[a-z_0-9]+)/.*#\1#' | sort -u)

# Third-party include pattern -> the one path prefix allowed to include it.
third_party=(
  '<(winscard\.h|PCSC/|reader\.h|wintypes\.h)'='hal/pcsc/'
  '<mbedtls/'='core/crypto/'
  '<nlohmann/'='core/json/'
  '<catch2/'='tests/support/'
  '<tl/expected'='core/base/include/mykey/base/result.h'
  '<curl/'='sdk/http/'
  '(<(qrencode\.h|ZXing/|ft2build\.h|freetype2?/|stb/)|FT_[A-Z_0-9]+_H)'='sdk/receipt/src/'
  '<(sqlite3\.h|libpq-fe\.h)'='cloud/store/'
  # The terminal's offline journal (sdk/journal) keeps its entries in SQLite.
  '<sqlite3\.h'='sdk/journal/src/'
  '<microhttpd\.h>'='core/http_server/'
  '<toml\+\+/'='firmware/terminal/src/toml_document.cc'
  '<systemd/'='firmware/terminal/src/systemd_notifier.cc'
)

fail=0
while IFS= read -r file; do
  top=${file%%/*}
  [[ " ${ranked[*]} " == *" $top "* ]] || continue
  while IFS= read -r line; do
    inc=$(sed -E 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"mykey\/([a-z_0-9]+)\/.*/\1/' <<<"$line")
    [[ $inc == "$line" ]] && continue
    dep=${layer_of[$inc]:-}
    if [[ -z $dep ]]; then
      echo "layers: $file includes unknown module mykey/$inc"; fail=1; continue
    fi
    [[ $dep == "$top" ]] && continue
    # Unit tests, benchmarks and test-support libraries (testing/) may use the test support.
    if [[ $dep == tests && $file =~ /(test|bench|testing)/ ]]; then continue; fi
    # Cloud tests and benchmarks may use the test JPKI for certificates and CRLs.
    if [[ $top == cloud && $inc == testjpki && $file =~ /(test|bench)/ ]]; then continue; fi
    if [[ $top == cloud && $dep != core ]] || (( ${rank[$dep]} >= ${rank[$top]} )); then
      echo "layers: $file ($top) includes mykey/$inc ($dep): upward or sideways"; fail=1
    fi
  done < <(grep -E '^[[:space:]]*#[[:space:]]*include[[:space:]]*"mykey/' "$file" || true)
done < <(git ls-files '*.cc' '*.h')

for rule in "${third_party[@]}"; do
  pattern=${rule%%=*}
  allowed=${rule#*=}
  while IFS= read -r hit; do
    file=${hit%%:*}
    [[ $file == "$allowed"* ]] && continue
    # A header allowed in a second place has a second rule naming that place.
    line=${hit#*:}
    allowed_elsewhere=0
    for other in "${third_party[@]}"; do
      [[ $other == "$rule" || $file != "${other#*=}"* ]] && continue
      grep -qE "^[[:space:]]*#[[:space:]]*include[[:space:]]*${other%%=*}" <<<"$line" &&
        allowed_elsewhere=1
    done
    [[ $allowed_elsewhere == 1 ]] && continue
    echo "layers: $file includes ${pattern} outside $allowed"; fail=1
  done < <(git ls-files '*.cc' '*.h' | xargs -r grep -EH "^[[:space:]]*#[[:space:]]*include[[:space:]]*$pattern" || true)
done

if [[ $fail != 0 ]]; then
  echo "check-layers: FAILED" >&2
  exit 1
fi
echo "check-layers: includes go downwards; third-party headers in their one place"
