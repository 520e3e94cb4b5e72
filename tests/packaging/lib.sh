# shellcheck shell=bash
# Shared by the packaging tests: assertions that say what was expected and what came, and a temporary
# directory removed on exit.
set -euo pipefail
KEYDESK_BUILD_DIR=${KEYDESK_BUILD_DIR:?set by CTest: the build tree}
KEYDESK_SOURCE_DIR=${KEYDESK_SOURCE_DIR:?set by CTest: the source tree}
KP_TMP=$(mktemp -d /tmp/keydesk-pkg.XXXXXX)
kp_cleanup() { rm -rf "$KP_TMP"; }
trap kp_cleanup EXIT

kp_fail() {
  echo "FAIL: $*" >&2
  exit 1
}
kp_assert_contains() {  # HAYSTACK NEEDLE WHAT
  [[ "$1" == *"$2"* ]] || kp_fail "${3:-missing text}: expected to contain '$2', got: $1"
}
kp_assert_not_contains() {  # HAYSTACK NEEDLE WHAT
  [[ "$1" != *"$2"* ]] || kp_fail "${3:-unexpected text}: expected not to contain '$2'"
}
kp_assert_eq() {  # EXPECTED ACTUAL WHAT
  [ "$1" = "$2" ] || kp_fail "${3:-values differ}: expected '$1', got '$2'"
}

# The commands and the long options a program's own --help prints (not the generated files): what the
# manuals and completions are held to.
kp_keydesk_commands() {  # one line per command of the list `keydesk help` prints: its words ("store init")
  "$KEYDESK_BUILD_DIR/src/cli/keydesk" help | sed -n '/^commands/,/^$/p' | awk '/^  [a-z]/ {
    words = ""
    for (i = 1; i <= NF && $i ~ /^[a-z][a-z-]*$/; i++) words = words (words == "" ? "" : " ") $i
    if (words != "help") print words
  }'
}
kp_long_options() {  # PROGRAM...: every --option its help names
  "$@" --help | grep -oE -- '--[a-z][a-z-]+' | sort -u
}
