#!/usr/bin/env bash
# Installs a p11nethsm .deb with dpkg -i into a throw-away copy of this machine's root
# (overlayfs over / in a private mount namespace, then chroot), checks that
# `p11-kit list-modules` shows the module before any configuration exists (and that
# the module says nothing then), and that dpkg --purge leaves none of its files. The real system is never written. Needs root.
#   bash packaging/install_in_overlay.sh <absolute path of the .deb>
set -euo pipefail
deb=${1:?usage: install_in_overlay.sh <deb>}
if [ "$(id -u)" != 0 ]; then echo "install check needs root (mount, chroot)"; exit 1; fi

# Every step checked explicitly: `set -e` does not apply inside a function whose
# status is tested.
installed_and_listed() {
  local root=$1 t=$2 files f
  in_root() { chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root "$@"; }
  in_root dpkg --purge p11nethsm >/dev/null 2>&1 || true
  rm -rf "$root/etc/nitrokey" "$root/usr/local/etc/nitrokey" "$root/root/.config/nitrokey"
  in_root dpkg -i /tmp/p.deb || { echo "dpkg -i failed"; return 1; }
  echo "-- p11-kit list-modules (installed, no configuration yet)"
  in_root p11-kit list-modules >"$t/list.txt" 2>&1 || { cat "$t/list.txt"; echo "list-modules failed"; return 1; }
  cat "$t/list.txt"
  grep -Eq '^nethsm: /usr/lib/[a-z0-9_-]+/pkcs11/libnethsm_pkcs11\.so$' "$t/list.txt" ||
    { echo "p11-kit list-modules does not show the module"; return 1; }
  if grep -q ' p11nethsm\[' "$t/list.txt"; then echo "a message from the module"; return 1; fi
  files=$(in_root dpkg -L p11nethsm | grep -v '^/\.$') || { echo "dpkg -L failed"; return 1; }
  echo "-- dpkg --purge"
  in_root dpkg --purge p11nethsm || { echo "dpkg --purge failed"; return 1; }
  for f in $files; do
    if [ -f "$root$f" ] && [ ! -e "$f" ]; then echo "left behind: $f"; return 1; fi
  done
  echo "installed, listed and removed cleanly"
}

inner() {
  set -euo pipefail
  local t root
  t=$(mktemp -d)
  root=$t/root
  mkdir -p "$t/upper" "$t/work" "$root"
  mount -t overlay overlay -o "lowerdir=/,upperdir=$t/upper,workdir=$t/work" "$root"
  mount -t proc proc "$root/proc"
  mount -t tmpfs tmpfs "$root/tmp"
  cp "$deb" "$root/tmp/p.deb"
  local status=0
  installed_and_listed "$root" "$t" || status=$?
  umount "$root/tmp" "$root/proc"
  umount "$root"
  rm -rf "$t"
  return "$status"
}
export -f inner installed_and_listed
export deb
unshare --mount --propagation private --fork bash -c inner
