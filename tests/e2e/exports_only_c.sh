#!/usr/bin/env bash
# libnethsm_pkcs11.so exports only the Cryptoki C_* functions (issue 2 acceptance).
# Usage: exports_only_c.sh <path-to-libnethsm_pkcs11.so>
set -euo pipefail
so=${1:?usage: $0 <libnethsm_pkcs11.so>}
symbols=$(nm -D --defined-only "$so" | awk '{print $3}' | sed 's/@.*//' | sort -u)
bad=$(printf '%s\n' "$symbols" | grep -v '^C_' || true)
count=$(printf '%s\n' "$symbols" | grep -c '^C_' || true)
if [ -n "$bad" ]; then
  echo "symbols other than C_* are exported:"; printf '%s\n' "$bad" | head -20; exit 1
fi
# Every v2.40 function (68) must be there, plus the 3.0 interface functions.
for f in C_GetFunctionList C_Initialize C_Sign C_WaitForSlotEvent C_GetInterfaceList C_GetInterface; do
  # A here-string, not a pipe: with pipefail, grep -q leaving early made printf die of
  # SIGPIPE now and then and the check fail on a correct module.
  grep -qx "$f" <<<"$symbols" || { echo "missing export $f"; exit 1; }
done
[ "$count" -ge 68 ] || { echo "only $count C_* symbols exported"; exit 1; }
echo "exports: $count symbols, all C_*"
