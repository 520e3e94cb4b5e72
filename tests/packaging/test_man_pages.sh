#!/usr/bin/env bash
# keydesk(1) and keydesk-sim(1) as the build generates them: man renders them without a single groff
# warning, they have the sections a manual needs, and they name every command and option that the
# programs' own --help prints, so the manuals cannot fall behind the code.
source "$(dirname "$0")/lib.sh"
man_dir="$KEYDESK_BUILD_DIR/docs/man"

render() {  # PAGE: the page as a reader sees it; fails on any groff warning
  local text
  text=$(env -u MAN_KEEP_FORMATTING MANWIDTH=100 man --warnings=w -l "$1" 2>"$KP_TMP/warnings")
  [ ! -s "$KP_TMP/warnings" ] || kp_fail "$(basename "$1"): groff warnings: $(cat "$KP_TMP/warnings")"
  printf '%s\n' "$text"
}

for page in keydesk keydesk-sim; do
  [ -f "$man_dir/$page.1" ] || kp_fail "$man_dir/$page.1 was not generated"
  grep -q '{{' "$man_dir/$page.1" && kp_fail "$page.1 has an unreplaced {{part}}"
  if [ -f "$man_dir/$page.1.gz" ]; then
    zcat "$man_dir/$page.1.gz" | cmp -s - "$man_dir/$page.1" || kp_fail "$page.1.gz is not $page.1 compressed"
  fi
done

keydesk_page=$(render "$man_dir/keydesk.1")
for section in NAME SYNOPSIS DESCRIPTION COMMANDS OPTIONS "EXIT STATUS" ENVIRONMENT FILES EXAMPLES SAFETY; do
  grep -qx "$section" <<<"$keydesk_page" || kp_fail "keydesk(1) has no $section section"
done
commands=$(kp_keydesk_commands)
[ "$(wc -l <<<"$commands")" -ge 10 ] || kp_fail "keydesk help listed too few commands: $commands"
while read -r command; do
  # each command (a family's with both words) is a heading of its own in COMMANDS, its effect after it
  grep -qE "^       $command( |$)" <<<"$keydesk_page" || kp_fail "keydesk(1) does not describe '$command'"
done <<<"$commands"
grep -q "^       store init" <<<"$keydesk_page" || kp_fail "keydesk(1): no two-word command (store init)"
for option in $(kp_long_options "$KEYDESK_BUILD_DIR/src/cli/keydesk"); do
  kp_assert_contains "$keydesk_page" "$option" "keydesk(1) options"
done
flat=$(tr -s ' \t\n' '   ' <<<"$keydesk_page")  # phrases, whatever the line breaks
kp_assert_contains "$flat" "pin-verify [-p [PIN]] [--force]" "keydesk(1): pin-verify with its options"
kp_assert_contains "$flat" "may spend a retry: try a PIN once" "keydesk(1): the effect before the summary"
kp_assert_contains "$flat" "Used by fido-token-reset, token-new, token-reset, hsm-init." "keydesk(1): who takes --confirm-cuid"
kp_assert_contains "$flat" "record set-status [--store URL] [--master-key KEY] [--operator NAME] [--reason TICKET] CUID STATUS" \
  "keydesk(1): a family's command with its options' value names and its positional arguments"
kp_assert_contains "$flat" "record show [--store URL] [--master-key KEY] [--user USER] [CUID]" \
  "keydesk(1): an optional positional argument"
kp_assert_contains "$flat" "explain CODE..." "keydesk(1): a repeated positional argument"
kp_assert_contains "$flat" "-t, --token INDEX" "keydesk(1): a global option with the value name keydesk help shows"
kp_assert_contains "$flat" "--timeout SECONDS" "keydesk(1): --timeout"
kp_assert_contains "$flat" "/share/keydesk/profiles" "keydesk(1) FILES"

sim_page=$(render "$man_dir/keydesk-sim.1")
for section in NAME SYNOPSIS DESCRIPTION OPTIONS "CONTROL CHANNEL" "EXIT STATUS" ENVIRONMENT FILES; do
  grep -qx "$section" <<<"$sim_page" || kp_fail "keydesk-sim(1) has no $section section"
done
for option in $(kp_long_options "$KEYDESK_BUILD_DIR/src/sim/keydesk-sim"); do
  kp_assert_contains "$sim_page" "$option" "keydesk-sim(1) options"
done
kp_assert_contains "$(tr -s ' \t\n' '   ' <<<"$sim_page")" "--state FILE" "keydesk-sim(1): an option with its value"
echo "man pages: keydesk(1) with $(wc -w <<<"$commands") commands, keydesk-sim(1): rendered without warnings"
