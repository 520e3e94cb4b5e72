#!/usr/bin/env bash
# The Debian package on a clean machine: a minimal Debian 12 made by debootstrap in a temporary directory,
# where `apt-get install ./keydesk_<version>_<arch>.deb` must resolve every dependency from Debian, and
# then what a new user does first: man keydesk, keydesk --help, keydesk explain 6983, keydesk-sim --help,
# the bash completion, a keydesk-sim seeded from the installed profiles, and `keydesk demo` (pcscd and
# vsmartcard-vpcd come in as the package's Depends and Recommends).
#
# Needs root and a Debian mirror (KEYDESK_DEBIAN_MIRROR, default deb.debian.org). The base system's
# packages are kept in KEYDESK_DEBOOTSTRAP_CACHE (default /var/cache/keydesk/debootstrap) between runs.
# Everything runs in private mount and PID namespaces: whatever the test starts in the chroot ends with it.
source "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || kp_fail "needs root (debootstrap and chroot)"
command -v debootstrap >/dev/null || kp_fail "debootstrap is not installed (scripts/setup.sh installs it)"
debs=("${KEYDESK_DEB_DIR:?the directory cpack wrote the package to}"/keydesk_*.deb)
[ ${#debs[@]} -eq 1 ] && [ -f "${debs[0]}" ] || kp_fail "expected one keydesk_*.deb in $KEYDESK_DEB_DIR: ${debs[*]}"
deb=${debs[0]}
mirror=${KEYDESK_DEBIAN_MIRROR:-http://deb.debian.org/debian}
cache=${KEYDESK_DEBOOTSTRAP_CACHE:-/var/cache/keydesk/debootstrap}
root="$KP_TMP/root"
mkdir -p "$cache" "$root"

started=$SECONDS
debootstrap --variant=minbase --cache-dir="$cache" bookworm "$root" "$mirror" >"$KP_TMP/debootstrap.log" 2>&1 ||
  kp_fail "debootstrap: $(tail -20 "$KP_TMP/debootstrap.log")"
echo "debootstrap: $((SECONDS - started)) s"
# No service starts inside the chroot while packages install.
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod +x "$root/usr/sbin/policy-rc.d"
cp "$deb" "$root/tmp/"

cat >"$root/tmp/clean-machine.sh" <<'IN_CHROOT'
set -euo pipefail
fail() { echo "FAIL: $*" >&2; exit 1; }
expect() {  # TEXT NEEDLE WHAT
  [[ "$1" == *"$2"* ]] || fail "$3: expected to contain '$2', got: $1"
}
export DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 PATH=/usr/sbin:/usr/bin:/sbin:/bin
apt-get update -qq
# man-db is the test's own tool; everything else must come from the package's dependencies.
apt-get install -y -qq /tmp/keydesk_*.deb man-db >/tmp/apt.log 2>&1 || fail "apt-get install: $(tail -20 /tmp/apt.log)"
echo "installed: $(dpkg-query -W -f='${Package} ${Version}, Installed-Size ${Installed-Size} KiB' keydesk)"
depends=$(dpkg-query -W -f='${Depends}' keydesk)
echo "Depends: $depends"
for lib in libc6 libfido2-1 libpcsclite1 libssl3 libsqlite3-0 libpq5 pcscd; do expect "$depends" "$lib" "Depends"; done
dpkg-query -W vsmartcard-vpcd >/dev/null 2>&1 || fail "the Recommends vsmartcard-vpcd was not installed"

page=$(MANWIDTH=80 man keydesk 2>&1) || fail "man keydesk: $page"
expect "$page" "keydesk - help-desk runbook for hardware security keys" "man keydesk: NAME"
expect "$page" "diagnose" "man keydesk: COMMANDS"
expect "$page" "/usr/share/keydesk/profiles" "man keydesk: FILES"
page=$(MANWIDTH=80 man keydesk-sim 2>&1) || fail "man keydesk-sim: $page"
expect "$page" "--vpcd-port PORT" "man keydesk-sim: OPTIONS"

help=$(keydesk --help) || fail "keydesk --help exited $?"
expect "$help" "usage: keydesk" "keydesk --help"
explain=$(keydesk explain 6983) || fail "keydesk explain 6983 exited $?"
expect "$explain" "6983" "keydesk explain 6983"
echo "keydesk explain 6983: $explain"
help=$(keydesk-sim --help) || fail "keydesk-sim --help exited $?"
expect "$help" "usage: keydesk-sim" "keydesk-sim --help"

replies=$(bash -c 'source /usr/share/bash-completion/completions/keydesk
  COMP_WORDS=(keydesk pin-); COMP_CWORD=1; _keydesk; echo "${COMPREPLY[*]}"')
expect "$replies" "pin-verify" "bash completion of keydesk pin-"
replies=$(bash -c 'source /usr/share/bash-completion/completions/keydesk
  COMP_WORDS=(keydesk record ""); COMP_CWORD=2; _keydesk; echo "${COMPREPLY[*]}"')
expect "$replies" "set-status" "bash completion of keydesk record (a family's second word)"

# The record store from the package alone: SQLite, a master key file, the audit chain.
export HOME=/root XDG_DATA_HOME=/tmp/xdg-data XDG_CONFIG_HOME=/tmp/xdg-config LOGNAME=clean-machine
init=$(keydesk store init 2>&1) || fail "keydesk store init exited $?: $init"
[ -f /tmp/xdg-data/keydesk/store.db ] || fail "store init did not create the default store: $init"
[ "$(stat -c %a /tmp/xdg-config/keydesk/master.key)" = 600 ] || fail "the default master key is not 0600"
keydesk record add 4090123456789ABCDEF0 --serial 12345678 --reason CLEAN-1 >/dev/null 2>&1 || fail "keydesk record add"
record=$(keydesk record show 4090123456789ABCDEF0 2>&1) || fail "keydesk record show exited $?: $record"
expect "$record" "in-stock" "keydesk record show"
verify=$(keydesk audit verify 2>&1) || fail "keydesk audit verify exited $?: $verify"
echo "record store: init, record add/show, audit verify"

# keydesk-sim seeds a token from /usr/share/keydesk/profiles (no KEYDESK_PROFILE_DIR, no source tree here).
unset KEYDESK_PROFILE_DIR
keydesk-sim --profile yubikey5 --state /tmp/yk.json --vpcd-port 35999 --control /tmp/yk.ctl 2>/tmp/sim.log &
sim=$!
for _ in $(seq 100); do [ -S /tmp/yk.ctl ] && break; sleep 0.05; done
[ -S /tmp/yk.ctl ] || fail "keydesk-sim did not start: $(cat /tmp/sim.log)"
kill "$sim"; wait "$sim" || true
expect "$(cat /tmp/yk.json)" "yubikey5" "state seeded from the installed profile"

# The demo: pcscd (Depends) with the vpcd driver (Recommends), keydesk-sim, diagnose, all from the package.
demo=$(keydesk demo 2>&1) || fail "keydesk demo exited $?: $demo"
expect "$demo" "Try next" "keydesk demo"
echo "clean machine: package installed and working"
IN_CHROOT

started=$SECONDS
unshare --mount --pid --fork --propagation private -- bash -c '
  set -e
  mount -t proc proc "$1/proc"
  mount -t tmpfs tmpfs "$1/run"
  mount --bind /dev "$1/dev"
  chroot "$1" bash /tmp/clean-machine.sh' _ "$root"
echo "install and checks in the chroot: $((SECONDS - started)) s"
