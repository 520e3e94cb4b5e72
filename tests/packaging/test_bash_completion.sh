#!/usr/bin/env bash
# The generated bash completions, run the way bash runs them (COMP_WORDS/COMP_CWORD, then the function):
# keydesk completes its commands, each command's own options plus the global ones and no others, skips
# option values when it looks for the command, and offers profile names; keydesk-sim completes every
# option its --help prints. Plain bash, without the bash-completion package.
source "$(dirname "$0")/lib.sh"
man_dir="$KEYDESK_BUILD_DIR/docs/man"

complete_line() {  # SCRIPT FUNCTION WORD... (the last word is the one being completed): sorted replies
  bash --norc --noprofile -c '
    source "$1"; fn=$2; shift 2
    COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
    "$fn"
    [ ${#COMPREPLY[@]} -eq 0 ] || printf "%s\n" "${COMPREPLY[@]}"' _ "$@" | sort | tr '\n' ' ' | sed 's/ $//'
}
kd() { complete_line "$man_dir/keydesk.bash-completion" _keydesk keydesk "$@"; }
sim() { complete_line "$man_dir/keydesk-sim.bash-completion" _keydesk_sim keydesk-sim "$@"; }

all_commands=$( (kp_keydesk_commands; echo help) | sort | tr '\n' ' ' | sed 's/ $//')
kp_assert_eq "$all_commands" "$(kd "")" "keydesk <TAB>: every command keydesk help lists"
kp_assert_eq "pin-change pin-reset-tries pin-verify" "$(kd pin-)" "keydesk pin-<TAB>"
kp_assert_eq "diagnose" "$(kd --reader "Virtual PCD 00 00" -t 0 diag)" "option values are not the command"

globals="--json --reader --token --verbose -t -v"
kp_assert_eq "$(tr ' ' '\n' <<<"--force --pin -p $globals" | sort | tr '\n' ' ' | sed 's/ $//')" \
  "$(kd pin-verify -)" "keydesk pin-verify -<TAB>: its options and the global ones"
kp_assert_eq "$(tr ' ' '\n' <<<"--confirm-cuid $globals" | sort | tr '\n' ' ' | sed 's/ $//')" \
  "$(kd token-reset -)" "keydesk token-reset -<TAB>"
kp_assert_eq "--symptom" "$(kd diagnose --sy)" "keydesk diagnose --sy<TAB>"
kp_assert_eq "" "$(kd diagnose --symptom "")" "a value is not completed with options"
kp_assert_eq "" "$(kd pin-verify --symptom)" "pin-verify does not take --symptom"
for command in $(kp_keydesk_commands); do
  replies=$(kd "$command" --)
  kp_assert_contains "$replies" "--json" "keydesk $command --<TAB> offers the global options"
done

profiles=$(cd "$KEYDESK_SOURCE_DIR/profiles" && ls -d */ | tr -d / | sort | tr '\n' ' ' | sed 's/ $//')
kp_assert_eq "$profiles" "$(KEYDESK_PROFILE_DIR="$KEYDESK_SOURCE_DIR/profiles" kd demo --profile "")" \
  "keydesk demo --profile <TAB>: the profiles in \$KEYDESK_PROFILE_DIR"

sim_options=$(kp_long_options "$KEYDESK_BUILD_DIR/src/sim/keydesk-sim" | tr '\n' ' ')
replies=$(sim --)
for option in $sim_options; do kp_assert_contains " $replies " " $option " "keydesk-sim --<TAB>"; done
kp_assert_eq "yubikey5" "$(KEYDESK_PROFILE_DIR="$KEYDESK_SOURCE_DIR/profiles" sim --profile yub)" \
  "keydesk-sim --profile yub<TAB>"
touch "$KP_TMP/state-a.json"
kp_assert_eq "$KP_TMP/state-a.json" "$(sim --state "$KP_TMP/state-")" "keydesk-sim --state <TAB>: files"
kp_assert_eq "" "$(sim --vpcd-port "")" "keydesk-sim --vpcd-port <TAB>: a number, nothing to offer"
echo "bash completion: keydesk and keydesk-sim complete as expected"
