#!/usr/bin/env bash
# `cmake --install --strip` into a temporary prefix, as a package would be built: the files a package
# needs are there and no build tool is; no installed file names the build machine's source or build tree;
# keydesk and keydesk-sim are hardened (readelf); and the installed keydesk-sim finds its profiles in
# <prefix>/share/keydesk/profiles, first $KEYDESK_PROFILE_DIR, and never the source tree.
source "$(dirname "$0")/lib.sh"
prefix="$KP_TMP/prefix"
cmake --install "$KEYDESK_BUILD_DIR" --prefix "$prefix" --strip >"$KP_TMP/install.log" ||
  kp_fail "cmake --install: $(cat "$KP_TMP/install.log")"

# --- layout
for f in bin/keydesk bin/keydesk-sim \
  share/man/man1/keydesk.1.gz share/man/man1/keydesk-sim.1.gz \
  share/bash-completion/completions/keydesk share/bash-completion/completions/keydesk-sim \
  share/keydesk/profiles/case-study/card.json share/keydesk/profiles/yubikey5/card.json \
  share/doc/keydesk/README.md share/doc/keydesk/cli.md share/doc/keydesk/cli-json-schema.json; do
  [ -e "$prefix/$f" ] || kp_fail "not installed: $f"
done
extra=$(find "$prefix/bin" -type f ! -name keydesk ! -name keydesk-sim)
[ -z "$extra" ] || kp_fail "installed beside the programs: $extra (build tools and tests are not installed)"

# --- no path of the build machine (the paths are those of this build; "/work/..." on the CI machine)
while IFS= read -r -d '' f; do
  case "$f" in
    *.gz) text=$(zcat "$f") ;;
    *) text=$(strings -a "$f") ;;
  esac
  for dir in "$KEYDESK_SOURCE_DIR" "$KEYDESK_BUILD_DIR"; do
    if grep -qF "$dir" <<<"$text"; then
      kp_fail "${f#"$prefix"/} contains the build machine's path $dir: $(grep -F "$dir" <<<"$text" | head -3)"
    fi
  done
done < <(find "$prefix" -type f -print0)

# --- hardening, read off the ELF files as hardening-check does
if [ "${KEYDESK_EXPECT_HARDENING:-1}" = 1 ]; then
  for program in keydesk keydesk-sim; do
    elf="$prefix/bin/$program"
    header=$(readelf -hW "$elf")
    dynamic=$(readelf -dW "$elf")
    segments=$(readelf -lW "$elf")
    symbols=$(readelf --dyn-syms -W "$elf")
    kp_assert_contains "$header" "DYN (Position-Independent Executable file)" "$program: PIE"
    kp_assert_contains "$dynamic" "PIE" "$program: DT_FLAGS_1 PIE"
    kp_assert_contains "$dynamic" "BIND_NOW" "$program: immediate binding (-z now)"
    kp_assert_contains "$segments" "GNU_RELRO" "$program: RELRO"
    stack=$(awk '$1 == "GNU_STACK" {print $(NF-1)}' <<<"$segments")
    kp_assert_eq "RW" "$stack" "$program: GNU_STACK flags (no E: a non-executable stack)"
    kp_assert_contains "$symbols" "__stack_chk_fail" "$program: stack protector"
    if [ "${KEYDESK_EXPECT_FORTIFY:-1}" = 1 ]; then
      grep -qE '__[a-z0-9_]+_chk@' <<<"$symbols" || kp_fail "$program: no _FORTIFY_SOURCE (*_chk) function"
    fi
  done
fi

# --- keydesk-sim's profiles come from its prefix (or $KEYDESK_PROFILE_DIR), never from the source tree
sim="$prefix/bin/keydesk-sim"
port=1  # keydesk-sim connects out to vpcd there and keeps retrying; nothing needs to answer
start_sim() {  # STATE PROFILE [env assignments...]: runs keydesk-sim from the source tree's directory
  local state=$1 profile=$2
  shift 2
  (cd "$KEYDESK_SOURCE_DIR" && exec env -u KEYDESK_PROFILE_DIR "$@" "$sim" --profile "$profile" \
    --state "$state" --vpcd-port "$port" --control "$state.ctl") 2>"$state.log" &
  sim_pid=$!
}
wait_started() {  # STATE: the control socket is up once the state was seeded and every link started
  local _
  for _ in $(seq 100); do
    [ -S "$1.ctl" ] && return 0
    kill -0 "$sim_pid" 2>/dev/null || kp_fail "keydesk-sim exited: $(cat "$1.log")"
    sleep 0.05
  done
  kp_fail "keydesk-sim did not start: $(cat "$1.log")"
}
stop_sim() {
  kill "$sim_pid"
  wait "$sim_pid" || true
}

start_sim "$KP_TMP/a.json" yubikey5
wait_started "$KP_TMP/a.json"
stop_sim
kp_assert_eq '"yubikey5"' "$(grep -o '"profile": *"[a-z0-9-]*"' "$KP_TMP/a.json" | head -1 | sed 's/.*: *//')" \
  "state seeded from <prefix>/share/keydesk/profiles"

# $KEYDESK_PROFILE_DIR comes first: a profile that only it has
mkdir -p "$KP_TMP/own/mine"
cp "$KEYDESK_SOURCE_DIR/profiles/factory/"*.json "$KP_TMP/own/mine/"
start_sim "$KP_TMP/b.json" mine KEYDESK_PROFILE_DIR="$KP_TMP/own"
wait_started "$KP_TMP/b.json"
stop_sim

# Without the installed profiles, the source tree (the working directory here, and where the binary was
# built from) is not a fallback: the profile is not found, and the message says where it looked.
mv "$prefix/share/keydesk/profiles" "$prefix/share/keydesk/profiles.away"
set +e
(cd "$KEYDESK_SOURCE_DIR" && env -u KEYDESK_PROFILE_DIR "$sim" --profile yubikey5 --state "$KP_TMP/c.json" \
  --vpcd-port "$port") 2>"$KP_TMP/c.log"
code=$?
set -e
[ "$code" -ne 0 ] || kp_fail "keydesk-sim found a profile without installed profiles"
kp_assert_contains "$(cat "$KP_TMP/c.log")" "profile 'yubikey5' not found in $prefix/share/keydesk/profiles (available: none)" \
  "the not-found message names the one directory searched"
[ ! -e "$KP_TMP/c.json" ] || kp_fail "a state file was written although no profile was found"
echo "installed tree: layout, no build paths, hardened, profiles from the prefix"
