# Shared shell helpers for the end-to-end tests: start a mock-nethsm, provision it
# through the REST API as an administrator would with curl, write a module config.
# Source it; every function uses the variables it documents.

# One set of passphrases for every script (a script may set its own before sourcing,
# e.g. canaries that must never show up in a log).
: "${E2E_ADMIN_PASS:=AdminPassphrase1}"
: "${E2E_OPERATOR_PASS:=OperatorPassphrase1}"

e2e_fail() { echo "FAIL: $*" >&2; exit 1; }
e2e_step() { printf '\n== %s\n' "$*"; }

# e2e_wait_until <seconds> <command...>: waits on a condition, not on time: runs the
# command every 0.1 s until it succeeds (status 0) or the seconds pass (status 1).
e2e_wait_until() {
  local limit=$1 i
  shift
  for ((i = 0; i < limit * 10; i++)); do
    "$@" && return 0
    sleep 0.1
  done
  "$@"
}

# e2e_init <build-dir>: sets BUILD (absolute), MODULE (the .so) and WORK (a temporary
# folder); on exit the mock and every pid in E2E_EXTRA_PIDS are stopped, WORK removed.
e2e_init() {
  BUILD=$(cd "${1:?usage: $0 <build-dir>}" && pwd)
  MODULE="$BUILD/libnethsm_pkcs11.so"
  WORK=$(mktemp -d)
  E2E_EXTRA_PIDS=""
  trap 'e2e_stop_mock; for p in $E2E_EXTRA_PIDS; do kill "$p" 2>/dev/null || true; done; rm -rf "$WORK"' EXIT
}

# e2e_start_mock <build-dir> <workdir> [extra mock flags...]
# Sets MOCK_PID, MOCK_URL (https://127.0.0.1:PORT/api/v1), MOCK_FP (sha256 pin).
e2e_start_mock() {
  local build=$1 work=$2
  shift 2
  "$build/mock-nethsm" --port 0 --state "$work/mock-state.json" "$@" >"$work/mock.out" 2>"$work/mock.err" &
  MOCK_PID=$!
  local line="" _
  for _ in $(seq 1 200); do
    line=$(head -n 1 "$work/mock.out" 2>/dev/null || true)
    case "$line" in listening*) break ;; esac
    kill -0 "$MOCK_PID" 2>/dev/null || break
    sleep 0.1
  done
  case "$line" in
    listening*) ;;
    *) echo "mock-nethsm did not start:" >&2; cat "$work/mock.err" >&2; return 1 ;;
  esac
  # listening https://127.0.0.1:PORT sha256=AA:BB:...
  local addr=${line#listening }
  addr=${addr%% *}
  MOCK_URL="$addr/api/v1"
  MOCK_FP=${line##*sha256=}
  echo "mock-nethsm: $line"
}

e2e_stop_mock() {
  if [ -n "${MOCK_PID:-}" ]; then kill "$MOCK_PID" 2>/dev/null || true; wait "$MOCK_PID" 2>/dev/null || true; fi
  MOCK_PID=
}

# e2e_curl <user:pass|-> <METHOD> <path> [json-body]  -> prints body, fails on HTTP >= 400
e2e_curl() {
  local auth=$1 method=$2 path=$3 body=${4:-}
  local args=(-sS --fail-with-body -k -X "$method" "$MOCK_URL$path")
  [ "$auth" != "-" ] && args+=(-u "$auth")
  [ -n "$body" ] && args+=(-H "Content-Type: application/json" --data "$body")
  curl "${args[@]}"
}

# e2e_provision <admin-pass> <operator-pass>: provision, create user "operator".
e2e_provision() {
  local admin=$1 op=$2
  e2e_curl - POST /provision \
    "{\"unlockPassphrase\":\"unlockunlock\",\"adminPassphrase\":\"$admin\",\"systemTime\":\"$(date -u +%Y-%m-%dT%H:%M:%SZ)\"}"
  e2e_curl "admin:$admin" PUT /users/operator \
    "{\"realName\":\"Operator\",\"role\":\"Operator\",\"passphrase\":\"$op\"}"
}

# e2e_provisioned_mock [extra mock flags...] (after e2e_init): a mock started with the
# flags in WORK, provisioned with E2E_ADMIN_PASS and E2E_OPERATOR_PASS.
e2e_provisioned_mock() {
  e2e_start_mock "$BUILD" "$WORK" "$@" || e2e_fail "mock-nethsm did not start"
  e2e_provision "$E2E_ADMIN_PASS" "$E2E_OPERATOR_PASS" >/dev/null
}

# e2e_mock <build-dir> [extra mock flags...]: e2e_init, then e2e_provisioned_mock.
e2e_mock() {
  e2e_init "${1:?usage: $0 <build-dir>}"
  shift
  e2e_provisioned_mock "$@"
}

# e2e_write_config <file> <label> [operator-password] [admin-password] [top-level line]...
# One slot on the running mock, pinned by its certificate fingerprint; an empty
# password must come from C_Login. Logs go to E2E_LOG_FILE (default: stderr).
e2e_write_config() {
  local file=$1 label=$2 op=${3:-} admin=${4:-}
  shift $(($# < 4 ? $# : 4))
  {
    for line in "$@"; do echo "$line"; done
    echo "log_level: Warn"
    echo "log_file: \"${E2E_LOG_FILE:--}\""
    echo "slots:"
    echo "  - label: $label"
    echo "    operator:"
    echo "      username: operator"
    [ -n "$op" ] && echo "      password: \"$op\""
    echo "    administrator:"
    echo "      username: admin"
    [ -n "$admin" ] && echo "      password: \"$admin\""
    echo "    timeout_seconds: 30"
    echo "    instances:"
    echo "      - url: \"$MOCK_URL\""
    echo "        sha256_fingerprints: [\"$MOCK_FP\"]"
  } >"$file"
}

hex_of() { printf '%s' "$1" | xxd -p | tr -d '\n'; }

# e2e_generate_key <admin-pass> <id> <type> <length> <mechanism>: a key on the mock;
# its public key lands in $WORK/<id>.pem.
e2e_generate_key() {
  local admin=$1 id=$2 type=$3 length=$4 mech=$5
  e2e_curl "admin:$admin" POST /keys/generate \
    "{\"id\":\"$id\",\"type\":\"$type\",\"length\":$length,\"mechanisms\":[\"$mech\"]}" >/dev/null
  e2e_curl "admin:$admin" GET "/keys/$id/public.pem" >"$WORK/$id.pem"
}

# e2e_put_certificate <admin-pass> <id> <subject CN>: a certificate for key <id>
# (issued by a throw-away test CA) stored on the mock with the admin REST API
# (PUT /keys/{id}/cert); its DER lands in $WORK/<id>.der.
e2e_put_certificate() {
  local admin=$1 id=$2 cn=$3
  [ -f "$WORK/ca.key" ] || openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -subj "/CN=Test CA" -keyout "$WORK/ca.key" -out "$WORK/ca.pem" -days 30 2>/dev/null
  openssl req -new -key "$WORK/ca.key" -subj "/CN=$cn" 2>/dev/null |
    openssl x509 -req -CA "$WORK/ca.pem" -CAkey "$WORK/ca.key" -CAcreateserial \
      -force_pubkey "$WORK/$id.pem" -days 30 -outform DER -out "$WORK/$id.der" 2>/dev/null
  curl -sS --fail-with-body -k -u "admin:$admin" -X PUT -H "Content-Type: application/octet-stream" \
    --data-binary "@$WORK/$id.der" "$MOCK_URL/keys/$id/cert"
}
