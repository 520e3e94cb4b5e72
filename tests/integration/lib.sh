#!/usr/bin/env bash
# Integration test harness: an isolated pcscd + vpcd + keydesk-sim for one test script.
#
# Source it from a test_*.sh script (see README.md). It re-executes the script in a private mount
# namespace (unshare -m) with its own tmpfs on /run/pcscd, so the test's pcscd is invisible to every other
# test and to any pcscd of the machine; vpcd gets a free TCP port of its own. With KEYDESK_TEST_PROFILE set,
# sourcing also starts the stack (kd_start_stack "$KEYDESK_TEST_PROFILE"). Everything started is stopped
# and every temporary file removed on exit.

# --- isolation: run the whole script again inside a private mount namespace
if [ -z "${KD_IN_NAMESPACE:-}" ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "lib.sh: integration tests need root (mount namespace, tmpfs on /run/pcscd)" >&2
    exit 1
  fi
  export KD_IN_NAMESPACE=1
  exec unshare --mount --propagation private -- bash "$0" "$@"
fi

set -euo pipefail

KD_LIB_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
KEYDESK_SOURCE_DIR="${KEYDESK_SOURCE_DIR:-$(cd "$KD_LIB_DIR/../.." && pwd)}"
kd_reader="Virtual PCD 00 00"
KD_VPCD_DRIVER=/usr/lib/pcsc/drivers/serial/libifdvpcd.so
KD_PY=/usr/bin/python3  # Debian's interpreter, which has pyscard
KD_TMP="$(mktemp -d /tmp/keydesk-it.XXXXXX)"
KD_STATE="$KD_TMP/state.json"
export KD_CONTROL="$KD_TMP/control.sock"
KD_CTAPHID="$KD_TMP/ctaphid.sock"
KD_SIM_LOG="$KD_TMP/sim.log"
KD_PCSCD_LOG="$KD_TMP/pcscd.log"
KD_PROFILE=""
KD_SIM_PID=""
KD_PCSCD_PID=""

# --- assertions: say what was expected and what came
kd_fail() {
  echo "FAIL: $*" >&2
  exit 1
}
kd_assert_eq() {  # EXPECTED ACTUAL WHAT
  [ "$1" = "$2" ] || kd_fail "${3:-values differ}: expected '$1', got '$2'"
}
kd_assert_contains() {  # HAYSTACK NEEDLE WHAT
  [[ "$1" == *"$2"* ]] || kd_fail "${3:-missing text}: expected to contain '$2', got: $1"
}
kd_assert_not_contains() {  # HAYSTACK NEEDLE WHAT
  [[ "$1" != *"$2"* ]] || kd_fail "${3:-unexpected text}: expected not to contain '$2', got: $1"
}

# --- binaries: the build tree's, else whatever is on PATH
kd_binary() {  # NAME RELATIVE_PATH_IN_BUILD_DIR
  if [ -n "${KEYDESK_BUILD_DIR:-}" ] && [ -x "$KEYDESK_BUILD_DIR/$2" ]; then
    echo "$KEYDESK_BUILD_DIR/$2"
  elif command -v "$1" >/dev/null; then
    command -v "$1"
  else
    kd_fail "$1 not found in \$KEYDESK_BUILD_DIR/$2 or on PATH"
  fi
}
KD_SIM="$(kd_binary keydesk-sim src/sim/keydesk-sim)"

# Extra commands for kd_cleanup (e.g. stop an agent the test started); they run before the stack stops.
KD_EXIT_HOOKS=()
kd_on_exit() {  # COMMAND (one shell string)
  KD_EXIT_HOOKS+=("$1")
}

kd_cleanup() {
  local status=$?
  local hook
  for hook in ${KD_EXIT_HOOKS[@]+"${KD_EXIT_HOOKS[@]}"}; do eval "$hook" || true; done
  if declare -F kd_slot_stop_all >/dev/null; then kd_slot_stop_all || true; fi
  kd_sim_stop
  kd_pcscd_stop
  if [ "$status" -ne 0 ]; then
    echo "--- keydesk-sim log (last 40 lines)" >&2
    tail -n 40 "$KD_SIM_LOG" >&2 2>/dev/null || true
    echo "--- pcscd log (last 20 lines)" >&2
    tail -n 20 "$KD_PCSCD_LOG" >&2 2>/dev/null || true
  fi
  rm -rf "$KD_TMP"
  exit "$status"
}
trap kd_cleanup EXIT

# --- a private /run/pcscd (the mount disappears with the namespace)
mkdir -p /run/pcscd
mount -t tmpfs -o mode=0755 keydesk-pcscd /run/pcscd

# vpcd listens on CHANNELID (slot 0) and CHANNELID+1 (slot 1): find two free consecutive ports.
kd_free_port_pair() {
  "$KD_PY" - <<'PY'
import random, socket
for _ in range(200):
    port = random.randrange(20000, 60000, 2)
    try:
        socks = []
        for p in (port, port + 1):
            s = socket.socket()
            s.bind(("0.0.0.0", p))
            socks.append(s)
        print(port)
        break
    except OSError:
        pass
    finally:
        for s in socks:
            s.close()
PY
}
KD_VPCD_PORT="$(kd_free_port_pair)"
[ -n "$KD_VPCD_PORT" ] || kd_fail "no free TCP port pair for vpcd"
cat >"$KD_TMP/reader.conf" <<EOF_CONF
FRIENDLYNAME "Virtual PCD"
DEVICENAME   /dev/null:$KD_VPCD_PORT
LIBPATH      $KD_VPCD_DRIVER
CHANNELID    $KD_VPCD_PORT
EOF_CONF

# --- waiting
kd_wait_card() {  # present|absent [TIMEOUT_SECONDS]
  "$KD_PY" "$KD_LIB_DIR/kd_pcsc.py" wait-card "$kd_reader" "$1" "${2:-10}" ||
    kd_fail "reader '$kd_reader': card not $1 after ${2:-10} s"
}

# --- pcscd
kd_pcscd_start() {
  pcscd --foreground --config "$KD_TMP/reader.conf" >>"$KD_PCSCD_LOG" 2>&1 &
  KD_PCSCD_PID=$!
}
kd_pcscd_stop() {
  if [ -n "$KD_PCSCD_PID" ]; then
    kill "$KD_PCSCD_PID" 2>/dev/null || true
    wait "$KD_PCSCD_PID" 2>/dev/null || true
    KD_PCSCD_PID=""
  fi
}
kd_pcscd_restart() {
  kd_pcscd_stop
  kd_pcscd_start
  kd_wait_card present
}

# --- keydesk-sim
kd_sim_start() {  # [extra keydesk-sim arguments]
  local args=(--profile "$KD_PROFILE" --state "$KD_STATE" --vpcd-port "$KD_VPCD_PORT" --control "$KD_CONTROL" -v)
  if [ -f "$KEYDESK_SOURCE_DIR/profiles/$KD_PROFILE/fido.json" ]; then args+=(--ctaphid "$KD_CTAPHID"); fi
  "$KD_SIM" "${args[@]}" "$@" 2>>"$KD_SIM_LOG" &
  KD_SIM_PID=$!
  local i
  for i in $(seq 100); do
    [ -S "$KD_CONTROL" ] && return 0
    kill -0 "$KD_SIM_PID" 2>/dev/null || kd_fail "keydesk-sim exited at start (see $KD_SIM_LOG)"
    sleep 0.02
  done
  kd_fail "keydesk-sim: no control socket after 2 s"
}
kd_sim_stop() {  # SIGTERM, wait
  if [ -n "$KD_SIM_PID" ]; then
    kill "$KD_SIM_PID" 2>/dev/null || true
    wait "$KD_SIM_PID" 2>/dev/null || true
    KD_SIM_PID=""
  fi
}
kd_sim_kill9() {  # the hardest crash: no chance to save anything
  if [ -n "$KD_SIM_PID" ]; then
    kill -9 "$KD_SIM_PID" 2>/dev/null || true
    wait "$KD_SIM_PID" 2>/dev/null || true
    KD_SIM_PID=""
    rm -f "$KD_CONTROL" "$KD_CTAPHID"
    kd_wait_card absent 5  # pcscd noticed (it polls vpcd), so the next "present" is the new process
  fi
}
kd_sim_restart() {  # same profile, same state file
  kd_sim_stop
  kd_wait_card absent 5
  rm -f "$KD_CONTROL"
  kd_sim_start "$@"
  kd_wait_card present
}

# --- talking to the token
kd_control() {  # COMMAND... -> the reply line; fails on "error: ..."
  "$KD_PY" "$KD_LIB_DIR/kd_pcsc.py" control "$KD_CONTROL" "$@"
}
kd_apdu() {  # STEP... -> one line per step, all in one PC/SC connection (steps: see kd_pcsc.py)
  "$KD_PY" "$KD_LIB_DIR/kd_pcsc.py" apdu "$kd_reader" "$@"
}

# --- two tokens at once: one keydesk-sim per slot of vpcd's reader (ports KD_VPCD_PORT and KD_VPCD_PORT+1).
# kd_slot_start gives each its own state, control socket, CTAPHID socket and log in $KD_TMP; use it for both
# slots instead of kd_start_stack (whose sim is slot 0's).
declare -A KD_SLOT_PIDS=()
kd_slot_reader() {  # SLOT -> the PC/SC reader name of that slot
  case "$1" in
    0) echo "Virtual PCD 00 00" ;;
    1) echo "Virtual PCD 00 01" ;;
    *) kd_fail "kd_slot_reader: no slot $1" ;;
  esac
}
kd_slot_port() { echo $((KD_VPCD_PORT + $1)); }    # SLOT
kd_slot_control() { echo "$KD_TMP/control-$1.sock"; }  # SLOT
kd_slot_ctaphid() { echo "$KD_TMP/ctaphid-$1.sock"; }  # SLOT
kd_slot_state() { echo "$KD_TMP/state-$1.json"; }      # SLOT
kd_slot_start() {  # SLOT PROFILE [extra keydesk-sim arguments]: starts the sim, waits for its card
  local slot=$1 profile=$2
  shift 2
  local control
  control="$(kd_slot_control "$slot")"
  local args=(--profile "$profile" --state "$(kd_slot_state "$slot")" --vpcd-port "$(kd_slot_port "$slot")"
    --control "$control" -v)
  if [ -f "$KEYDESK_SOURCE_DIR/profiles/$profile/fido.json" ]; then args+=(--ctaphid "$(kd_slot_ctaphid "$slot")"); fi
  "$KD_SIM" "${args[@]}" "$@" 2>>"$KD_TMP/sim-$slot.log" &
  KD_SLOT_PIDS[$slot]=$!
  local i
  for i in $(seq 100); do
    [ -S "$control" ] && break
    kill -0 "${KD_SLOT_PIDS[$slot]}" 2>/dev/null || kd_fail "keydesk-sim (slot $slot) exited at start"
    sleep 0.02
  done
  [ -S "$control" ] || kd_fail "keydesk-sim (slot $slot): no control socket after 2 s"
  "$KD_PY" "$KD_LIB_DIR/kd_pcsc.py" wait-card "$(kd_slot_reader "$slot")" present 10 ||
    kd_fail "reader '$(kd_slot_reader "$slot")': no card after 10 s"
}
kd_slot_stop() {  # SLOT
  local pid="${KD_SLOT_PIDS[$1]:-}"
  if [ -n "$pid" ]; then
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    unset "KD_SLOT_PIDS[$1]"
    rm -f "$(kd_slot_control "$1")" "$(kd_slot_ctaphid "$1")"
  fi
}
kd_slot_stop_all() {
  local slot
  for slot in "${!KD_SLOT_PIDS[@]}"; do kd_slot_stop "$slot"; done
}
kd_slot_control_cmd() {  # SLOT COMMAND...: a control-channel command to that slot's sim
  local slot=$1
  shift
  "$KD_PY" "$KD_LIB_DIR/kd_pcsc.py" control "$(kd_slot_control "$slot")" "$@"
}

kd_start_stack() {  # PROFILE
  KD_PROFILE="$1"
  kd_pcscd_start
  kd_sim_start
  kd_wait_card present
}

if [ -n "${KEYDESK_TEST_PROFILE:-}" ]; then
  kd_start_stack "$KEYDESK_TEST_PROFILE"
fi
