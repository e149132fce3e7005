#!/usr/bin/env bash
# Issue 9 item 1: pkcs11-tool leaving through an error path that skips C_Finalize must
# never crash. `pkcs11-tool --generate-random 16` without a PIN: C_GenerateRandom
# answers CKR_USER_NOT_LOGGED_IN and pkcs11-tool exits(1) at once, module initialized.
# Against a mock with 256 workers this died with SIGSEGV in 164 of 200 runs on main
# (d8fc636): the health thread was inside OpenSSL when OPENSSL_cleanup ran.
# Runs from P11NETHSM_EXIT_RUNS (default 200). Usage: host_exit_pkcs11_tool.sh <build-dir>
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
e2e_init "$@"
runs=${P11NETHSM_EXIT_RUNS:-200}

e2e_provisioned_mock --workers 256
export P11NETHSM_CONFIG_FILE="$WORK/p11nethsm.conf"
e2e_write_config "$P11NETHSM_CONFIG_FILE" ExitHSM "" ""

# The path under test, seen through pkcs11-spy: the exact CKR, and no C_Finalize.
PKCS11SPY="$MODULE" PKCS11SPY_OUTPUT="$WORK/spy.log" pkcs11-tool \
  --module /usr/lib/x86_64-linux-gnu/pkcs11/pkcs11-spy.so --generate-random 16 >/dev/null 2>&1 || true
returned=$(awk '/^[0-9]+: C_GenerateRandom/ { seen = 1 } seen && /^Returned:/ { print; exit }' "$WORK/spy.log")
grep -q 'CKR_USER_NOT_LOGGED_IN' <<<"$returned" ||
  { echo "C_GenerateRandom did not answer CKR_USER_NOT_LOGGED_IN"; cat "$WORK/spy.log"; exit 1; }
if grep -q 'C_Finalize' "$WORK/spy.log"; then echo "pkcs11-tool called C_Finalize: not the path under test"; exit 1; fi

cd "$WORK"  # core files, if the kernel writes any, land here
ulimit -c unlimited 2>/dev/null || true
signals=0 other=0
for i in $(seq 1 "$runs"); do
  rc=0
  pkcs11-tool --module "$MODULE" --generate-random 16 >"$WORK/out" 2>&1 || rc=$?
  if [ "$rc" -gt 128 ]; then
    signals=$((signals + 1))
    echo "run $i: killed by signal $((rc - 128))"
  elif [ "$rc" -ne 1 ] || ! grep -q 'error: Could not generate random bytes' "$WORK/out"; then
    other=$((other + 1))
    echo "run $i: exit $rc, not the expected error:"; cat "$WORK/out"
  fi
done
cores=$(find "$WORK" -maxdepth 1 -name 'core*' | wc -l)
echo "pkcs11-tool error exits without C_Finalize: $runs runs, $signals killed by a signal, $other unexpected, $cores core files"
[ "$signals" -eq 0 ] && [ "$other" -eq 0 ] && [ "$cores" -eq 0 ]
