#!/usr/bin/env bash
# The README's "Using it with" examples, run as written (issue 13 §5): every code block
# after a `<!-- readme-example: NAME [expect: TEXT] -->` line is extracted and run
# against mock-nethsm, with the installed module path replaced by the built one; the
# block must succeed and print TEXT. The p11-kit example runs as an unprivileged user
# (unshare --user) with a per-user registration, because p11-kit ignores per-user
# configuration as root; the Vault stanza is read and its values used for the seal's
# calls (tests/e2e/vault_style.py). So the README cannot drift from what works.
# Usage: readme_examples.sh <build-dir>
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
readme="$here/../../README.md"
. "$here/lib.sh"
e2e_init "$@"
export NETHSM_OPERATOR_PASSWORD=$E2E_OPERATOR_PASS
installed=/usr/lib/x86_64-linux-gnu/pkcs11/libnethsm_pkcs11.so
fail=0

echo "== mock-nethsm with the keys the README assumes"
e2e_provisioned_mock
e2e_generate_key "$E2E_ADMIN_PASS" webserver RSA 2048 RSA_Signature_PKCS1
e2e_generate_key "$E2E_ADMIN_PASS" vault-seal RSA 2048 RSA_Decryption_OAEP_SHA256
e2e_put_certificate "$E2E_ADMIN_PASS" webserver www.example.org
export P11NETHSM_CONFIG_FILE="$WORK/p11nethsm.conf"
e2e_write_config "$P11NETHSM_CONFIG_FILE" NetHSM "" "$E2E_ADMIN_PASS"
export HOME="$WORK/home"
mkdir -p "$HOME/.config/pkcs11/modules"
echo "module: $MODULE" >"$HOME/.config/pkcs11/modules/nethsm.module"
# The unprivileged user of the p11-kit example reads these.
chmod -R a+rX "$WORK"

# Extracts the blocks: $WORK/examples/<name>.block and <name>.expect.
mkdir -p "$WORK/examples"
awk -v dir="$WORK/examples" '
  /^<!-- readme-example: / {
    line = $0; sub(/^<!-- readme-example: /, "", line); sub(/ -->$/, "", line)
    name = line; sub(/ .*/, "", name)
    expect = ""; if (index(line, " expect: ")) { expect = substr(line, index(line, " expect: ") + 9) }
    print expect > (dir "/" name ".expect"); close(dir "/" name ".expect")
    names = names " " name; want = 1; next
  }
  want && /^```/ { if (inblock) { inblock = 0; want = 0 } else { inblock = 1 }; next }
  inblock { print > (dir "/" name ".block") }
  END { print names > (dir "/names") }
' "$readme"
names=$(cat "$WORK/examples/names")
echo "examples in README.md:$names"
for want in pkcs11-tool p11-kit openssl-engine java nss vault; do
  grep -qw -- "$want" <<<"$names" || { echo "FAIL: README has no '$want' example"; fail=1; }
done

run_block() {  # <name>: runs the block in its own folder, checks status and output
  local name=$1 dir="$WORK/run-$1" status=0 expect
  mkdir -p "$dir"
  chmod a+rwx "$dir"
  sed "s|$installed|$MODULE|g" "$WORK/examples/$name.block" >"$dir/example.sh"
  chmod a+r "$dir/example.sh"
  echo "== example '$name'"
  sed 's/^/    | /' "$dir/example.sh"
  if [ "$name" = p11-kit ]; then
    (cd "$dir" && unshare --user bash -euo pipefail example.sh) >"$dir/out" 2>&1 || status=$?
  else
    (cd "$dir" && bash -euo pipefail example.sh) >"$dir/out" 2>&1 || status=$?
  fi
  sed 's/^/    > /' "$dir/out"
  expect=$(cat "$WORK/examples/$name.expect")
  if [ "$status" != 0 ]; then echo "FAIL: example '$name' exited with $status"; fail=1; return; fi
  if ! grep -qF -- "$expect" "$dir/out"; then echo "FAIL: example '$name' did not print: $expect"; fail=1; return; fi
  echo "   ok: printed '$expect'"
}

run_vault() {  # the stanza's values, then the seal's calls with them
  local block="$WORK/examples/vault.block" lib label
  value() { sed -n "s/^ *$1 *= *\"\\(.*\\)\"/\\1/p" "$block"; }
  echo "== example 'vault'"
  sed 's/^/    | /' "$block"
  lib=$(value lib | sed "s|$installed|$MODULE|")
  label=$(value key_label)
  if [ "$(value slot)" != 0 ] || [ "$(value mechanism)" != 0x0009 ] || [ "$(value rsa_oaep_hash)" != sha256 ]; then
    echo "FAIL: the stanza is not slot 0, CKM_RSA_PKCS_OAEP (0x0009) with SHA-256"; fail=1; return
  fi
  if /usr/bin/python3 "$here/vault_style.py" "$lib" "$NETHSM_OPERATOR_PASSWORD" "$label" 2>&1 | sed 's/^/    > /'; then
    echo "   ok: the seal's calls work with key_label '$label'"
  else
    echo "FAIL: example 'vault'"; fail=1
  fi
}

for name in $names; do
  if [ "$name" = vault ]; then run_vault; else run_block "$name"; fi
done
[ "$fail" = 0 ] && echo "== every README example works"
exit "$fail"
