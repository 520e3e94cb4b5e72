#!/usr/bin/env bash
# The generated bash completions, run the way bash runs them (COMP_WORDS/COMP_CWORD, then the function):
# keydesk completes its commands (a family's second word after its first: "store" -> init rotate-key),
# each command's own options plus the global ones and no others, skips option values when it looks for the
# command, and offers the values the program knows (profiles, symptoms, lifecycle statuses); keydesk-sim
# completes every option its --help prints. Plain bash, without the bash-completion package.
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

sorted() { tr ' ' '\n' <<<"$*" | sort | tr '\n' ' ' | sed 's/ $//'; }
first_words=$(kp_keydesk_commands | awk '{print $1}' | sort -u | tr '\n' ' ' | sed 's/ $//')
kp_assert_eq "$(sorted "$first_words" help)" "$(kd "")" "keydesk <TAB>: every command keydesk help lists"
kp_assert_eq "pin-change pin-reset-tries pin-unblock pin-verify" "$(kd pin-)" "keydesk pin-<TAB>"
kp_assert_eq "diagnose" "$(kd --reader "Virtual PCD 00 00" -t 0 diag)" "option values are not the command"
kp_assert_eq "diagnose" "$(kd --timeout 5 diag)" "--timeout's value is not the command"
kp_assert_eq "--force" "$(kd -p pin-verify --f)" "a secret option without a value before the command"
kp_assert_eq "--force" "$(kd pin-verify -p 1234 --f)" "a secret option's value is not the command"

# Families: the second word of each command keydesk help lists, after the first.
for family in $(kp_keydesk_commands | awk 'NF > 1 {print $1}' | sort -u); do
  expected=$(kp_keydesk_commands | awk -v f="$family" '$1 == f {print $2}' | sort | tr '\n' ' ' | sed 's/ $//')
  kp_assert_eq "$expected" "$(kd "$family" "")" "keydesk $family <TAB>"
  kp_assert_eq "$expected" "$(kd help "$family" "")" "keydesk help $family <TAB>"
  kp_assert_eq "$expected" "$(kd --json "$family" "")" "keydesk --json $family <TAB>"
done
kp_assert_eq "init rotate-key" "$(kd store "")" "keydesk store <TAB>"
kp_assert_eq "secret set-status show" "$(kd record s)" "keydesk record s<TAB>"
kp_assert_eq "$(sorted "$first_words")" "$(kd help "")" "keydesk help <TAB>: the commands"
kp_assert_eq "" "$(kd help store init "")" "keydesk help store init <TAB>: nothing more"

globals="--json --reader --timeout --token --verbose -t -v -h --help"
kp_assert_eq "$(tr ' ' '\n' <<<"--force --pin -p $globals" | sort | tr '\n' ' ' | sed 's/ $//')" \
  "$(kd pin-verify -)" "keydesk pin-verify -<TAB>: its options and the global ones"
kp_assert_eq "$(tr ' ' '\n' <<<"--confirm-cuid $globals" | sort | tr '\n' ' ' | sed 's/ $//')" \
  "$(kd token-reset -)" "keydesk token-reset -<TAB>"
kp_assert_eq "--symptom" "$(kd diagnose --sy)" "keydesk diagnose --sy<TAB>"
kp_assert_eq "otp passkey unknown vpn windows-logon" "$(kd diagnose --symptom "")" \
  "keydesk diagnose --symptom <TAB>: the symptoms diagnose accepts"
kp_assert_eq "" "$(kd pin-verify --symptom)" "pin-verify does not take --symptom"
kp_assert_eq "$(sorted "--master-key --operator --reason --store $globals")" "$(kd record set-status -)" \
  "keydesk record set-status -<TAB>: its options and the global ones"
kp_assert_eq "$(sorted "$globals")" "$(kd store -)" "keydesk store -<TAB>: a family takes the global options"
kp_assert_eq "active decommissioned in-stock lost suspended" \
  "$(kd --store sqlite:/tmp/x.db record set-status 4090123456789ABCDEF0 "")" \
  "keydesk record set-status CUID <TAB>: the lifecycle statuses"
kp_assert_eq "suspended" "$(kd record set-status --reason T-1 4090123456789ABCDEF0 su)" \
  "record set-status CUID su<TAB>, an option between"
kp_assert_eq "$(sorted "--master-key --operator --reason --store $globals")" \
  "$(kd record set-status "")" "record set-status <TAB>: a CUID is the user's, the options are offered"
while read -r command; do
  # shellcheck disable=SC2086 # a family's command is two words
  replies=$(kd $command --)
  kp_assert_contains "$replies" "--json" "keydesk $command --<TAB> offers the global options"
  help_options=$("$KEYDESK_BUILD_DIR/src/cli/keydesk" help $command | grep -oE -- '--[a-z][a-z-]+' | sort -u)
  for option in $help_options; do
    kp_assert_contains " $replies " " $option " "keydesk $command --<TAB> offers what keydesk help $command lists"
  done
done < <(kp_keydesk_commands)

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
