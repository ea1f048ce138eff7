#!/usr/bin/env bash
# The installed SDK, as an integrator uses it:
#  1. cmake --install of this build into a temporary prefix;
#  2. the installed headers include no third-party header but tl/expected (base/result.h) and
#     nlohmann/json (json/json.h),
#     and no installed CMake or pkg-config file names the source or build tree;
#  3. examples/ configured and built against the prefix (find_package(mykey), Ninja, fresh dir);
#  4. a one-file consumer compiled with `pkg-config --cflags --libs mykey`;
#  5. voucher_scan --help, and the scan of a golden voucher render: the verified serial, and the
#     same voucher refused once expired and with a key it was not signed with;
#  6. prints the installed SDK size (libraries, headers, tools), also with debug info stripped.
#
# usage: install_test.sh BUILD_DIR SOURCE_DIR CXX "CXX_FLAGS"
set -euo pipefail
build=$1 source=$2 cxx=$3 cxx_flags=${4:-}
golden=$source/tests/golden/voucher/voucher-58.png
key=$source/tests/install/sample-voucher-key.pem
serial=HXKH-DYR2-MZ  # sdk/voucher/testing: SampleSoldFields(), 13'579'246'801'357
now=2027-01-15T03:00:00Z

work=$(mktemp -d "${TMPDIR:-/tmp}/mykey-install-test.XXXXXX")
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix
fail() { echo "FAIL: $*" >&2; exit 1; }

echo "== cmake --install $build --prefix $prefix"
cmake --install "$build" --prefix "$prefix" >"$work/install.log" || { cat "$work/install.log"; fail "install"; }
[[ -f $prefix/lib/cmake/mykey/mykeyConfig.cmake ]] || fail "no mykeyConfig.cmake"
[[ -f $prefix/lib/cmake/mykey/mykeyConfigVersion.cmake ]] || fail "no mykeyConfigVersion.cmake"
[[ -f $prefix/lib/pkgconfig/mykey.pc ]] || fail "no mykey.pc"
[[ -f $prefix/include/mykey/voucher/voucher_scanner.h ]] || fail "no voucher headers"
[[ -f $prefix/lib/libmykey_base.a ]] || fail "no libmykey_base.a"
[[ -x $prefix/bin/mykey ]] || fail "the mykey CLI is not installed"
! ls "$prefix"/lib/libmykey_{registry,ledger,store,sqlite_store,api}.a 2>/dev/null || fail "cloud modules installed"

echo "== public headers and relocatability"
# Third-party headers (the patterns of .ci/check-layers.sh); the two allowed: tl/expected in
# mykey/base/result.h, nlohmann/json in mykey/json/json.h (both header-only Debian packages).
third_party='<(tl/|nlohmann/|mbedtls/|winscard\.h|PCSC/|reader\.h|wintypes\.h|curl/|qrencode\.h|ZXing/|ft2build\.h|freetype2?/|stb/|stb_|sqlite3\.h|libpq-fe\.h|microhttpd\.h|toml\+\+/|systemd/|catch2/|png\.h)'
leaks=$(cd "$prefix/include" && grep -rHE "^\s*#\s*include\s*$third_party" . |
        grep -vE '^\./mykey/base/result\.h:.*<tl/expected\.hpp>|^\./mykey/json/json\.h:.*<nlohmann/json\.hpp>' || true)
[[ -z $leaks ]] || fail "installed headers include third-party headers: $leaks"
if grep -rlF -e "$source" -e "$build" "$prefix/lib/cmake" "$prefix/lib/pkgconfig"; then
  fail "installed CMake/pkg-config files name the source or build tree"
fi

echo "== examples/ against the prefix (find_package)"
cmake -S "$source/examples" -B "$work/examples" -G Ninja -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_CXX_FLAGS="$cxx_flags" >"$work/configure.log" ||
  { cat "$work/configure.log"; fail "examples configure"; }
cmake --build "$work/examples" >"$work/build.log" || { cat "$work/build.log"; fail "examples build"; }
scan=$work/examples/voucher_scan

echo "== pkg-config consumer"
# shellcheck disable=SC2046,SC2086
"$cxx" -std=c++20 $cxx_flags "$source/tests/install/pkgconfig_consumer.cc" -o "$work/consumer" \
  $(PKG_CONFIG_PATH=$prefix/lib/pkgconfig pkg-config --cflags --libs mykey) || fail "pkg-config consumer"
out=$("$work/consumer" "$key" "$golden" 2027-01-15) || fail "pkg-config consumer run: $out"
grep -qx "serial $serial" <<<"$out" || fail "pkg-config consumer: $out"
grep -q "serial check failed" <<<"$out" || fail "pkg-config consumer typo: $out"

echo "== voucher_scan"
"$scan" --help | grep -q '^usage: voucher_scan' || fail "voucher_scan --help"
out=$("$scan" --keys "$key" --now "$now" "$golden") || fail "scan of the golden voucher: $out"
echo "$out"
grep -qx "verified: serial $serial" <<<"$out" || fail "verified serial"
rc=0; out=$("$scan" --keys "$key" --now 2027-06-01T03:00:00Z "$golden") || rc=$?
[[ $rc == 1 && $out == "refused: expired"* ]] || fail "expired voucher not refused (rc=$rc): $out"
other=$work/other.pem
openssl ecparam -name prime256v1 -genkey -noout 2>/dev/null | openssl ec -pubout -out "$other" 2>/dev/null
rc=0; out=$("$scan" --keys "$other" --now "$now" "$golden") || rc=$?
[[ $rc == 1 && $out == "refused: unknown key"* ]] || fail "voucher under another key (rc=$rc): $out"
rc=0; "$scan" --now "$now" "$golden" >/dev/null 2>&1 || rc=$?
[[ $rc == 2 ]] || fail "missing --keys is a usage error (rc=$rc)"
# The counter examples are built whenever the SDK has the counter facade.
for example in library_lookup shop_redemption; do
  if [[ -f $prefix/include/mykey/counter/counter.h ]]; then
    [[ -x $work/examples/$example ]] || fail "$example not built against an SDK with mykey::counter"
  fi
  if [[ -x $work/examples/$example ]]; then
    "$work/examples/$example" --help | grep -q "^usage: $example" || fail "$example --help"
    rc=0; "$work/examples/$example" >/dev/null 2>&1 || rc=$?
    [[ $rc == 2 ]] || fail "$example without flags is a usage error (rc=$rc)"
    echo "$example: built, --help ok"
  fi
done

echo "== installed SDK size"
size() { du -sk "$@" 2>/dev/null | awk '{s += $1} END {printf "%.1f MiB", s / 1024}'; }
mkdir "$work/stripped"
cp "$prefix"/lib/*.a "$work/stripped/"
strip --strip-debug "$work/stripped"/*.a
echo "libraries $(size "$prefix"/lib/*.a) ($(ls "$prefix"/lib/*.a | wc -l) archives; $(size "$work/stripped") without debug info)"
echo "headers   $(size "$prefix/include") ($(find "$prefix/include" -name '*.h' | wc -l) files)"
echo "tools     $(size "$prefix/bin") ($(ls "$prefix/bin" | tr '\n' ' '))"
echo "total     $(size "$prefix")"
echo "install: ok"
