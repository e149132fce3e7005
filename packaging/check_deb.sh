#!/usr/bin/env bash
# Builds the Debian package in a build directory (targets must be built) and checks
# its contents: the files of the install layout, the p11-kit registration pointing at
# the packaged module, the dependencies, and that the module exports only C_* symbols.
#   bash packaging/check_deb.sh <build-dir>
set -euo pipefail

build=${1:?usage: check_deb.sh <build-dir>}
cd "$build"
rm -f p11nethsm_*.deb
cpack -G DEB >cpack.log 2>&1 || { cat cpack.log; exit 1; }
deb=$(ls p11nethsm_*.deb)
echo "package: $build/$deb"

listing=$(dpkg-deb -c "$deb" | awk '{print $6}')
echo "$listing"
fail=0
expect() {
  if ! grep -Eq "$1" <<<"$listing"; then
    echo "MISSING in package: $1"
    fail=1
  fi
}
expect '^\./usr/lib/([a-z0-9_-]+/)?pkcs11/libnethsm_pkcs11\.so$'
expect '^\./usr/share/p11-kit/modules/nethsm\.module$'
expect '^\./usr/share/doc/p11nethsm/p11nethsm\.example\.conf$'
expect '^\./usr/bin/mock-nethsm$'

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

[ "$fail" = 0 ] && echo "== package OK"
exit "$fail"
