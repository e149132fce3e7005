#!/usr/bin/env bash
# Builds the Debian packages in a build directory (targets must be built) and checks
# them (issue 13 §4):
# - p11nethsm holds the module, the p11-kit registration pointing at it, the example
#   configuration and p11nethsm-check (with its man page), and not mock-nethsm, which
#   is in p11nethsm-mock; the dependencies; the module exports only C_* symbols;
# - lintian reports no error on either package (its warnings are printed);
# - installed with dpkg -i into a throw-away copy of this machine's root (an overlay
#   mount in a private mount namespace: the real system is not touched), p11-kit
#   list-modules shows the module, and dpkg --purge removes every file again.
#   bash packaging/check_deb.sh <build-dir>
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
build=${1:?usage: check_deb.sh <build-dir>}
cd "$build"
rm -f p11nethsm_*.deb p11nethsm-mock_*.deb
cpack -G DEB >cpack.log 2>&1 || { cat cpack.log; exit 1; }
deb=$(ls p11nethsm_*.deb)
mock_deb=$(ls p11nethsm-mock_*.deb)
echo "packages: $build/$deb $build/$mock_deb"
fail=0

listing=$(dpkg-deb -c "$deb" | awk '{print $6}')
echo "$listing"
expect() {  # <listing> <regex>: the package must hold a matching path
  grep -Eq "$2" <<<"$1" || { echo "MISSING in package: $2"; fail=1; }
}
expect "$listing" '^\./usr/lib/([a-z0-9_-]+/)?pkcs11/libnethsm_pkcs11\.so$'
expect "$listing" '^\./usr/share/p11-kit/modules/nethsm\.module$'
expect "$listing" '^\./usr/share/doc/p11nethsm/p11nethsm\.example\.conf$'
expect "$listing" '^\./usr/bin/p11nethsm-check$'
expect "$listing" '^\./usr/share/man/man1/p11nethsm-check\.1\.gz$'
if grep -q 'mock-nethsm' <<<"$listing"; then echo "p11nethsm holds mock-nethsm"; fail=1; fi
mock_listing=$(dpkg-deb -c "$mock_deb" | awk '{print $6}')
expect "$mock_listing" '^\./usr/bin/mock-nethsm$'

[ "$(dpkg-deb -f "$deb" Package)" = p11nethsm ] || { echo "wrong package name"; fail=1; }
depends=$(dpkg-deb -f "$deb" Depends)
echo "Depends: $depends"
for lib in libcurl4 libssl3 libyaml-cpp0.7; do
  grep -q "$lib" <<<"$depends" || { echo "Depends lacks $lib"; fail=1; }
done

unpacked=$(mktemp -d)
trap 'rm -rf "$unpacked"' EXIT
dpkg-deb -x "$deb" "$unpacked"
module_line=$(grep -E '^module:' "$unpacked/usr/share/p11-kit/modules/nethsm.module")
echo "$module_line"
module_path=${module_line#module: }
if [ ! -f "$unpacked$module_path" ]; then
  echo "nethsm.module names $module_path, which the package does not contain"
  fail=1
fi
exported=$(nm -D --defined-only "$unpacked$module_path" | awk '{print $3}' | grep -v '^C_' || true)
if [ -n "$exported" ]; then
  echo "module exports more than C_*: $exported"
  fail=1
fi

echo "== lintian"
for p in "$deb" "$mock_deb"; do
  out=$(lintian --tag-display-limit 0 "$p" 2>&1 || true)
  echo "${out:-(no tags)}" | sed "s|^|  $p: |"
  if grep -q '^E: ' <<<"$out"; then echo "lintian reports errors on $p"; fail=1; fi
done

echo "== dpkg -i, p11-kit list-modules, dpkg --purge in a throw-away root"
if ! bash "$here/install_in_overlay.sh" "$PWD/$deb"; then
  echo "install check failed"
  fail=1
fi

[ "$fail" = 0 ] && echo "== package OK"
exit "$fail"
