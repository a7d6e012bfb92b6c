#!/bin/bash
# Themes: --theme selects one, t switches live (the colours on screen
# change and the bar names the theme), the config's `theme` is honoured,
# an unknown --theme is refused, and NO_COLOR leaves no colour at all.
. "$top_srcdir/tests/tui/lib.sh"

tui_start 100 30
wait_for 'Runtimes' 10
wait_for '^ isolab .* default *$' 3
c1=$(screen_e | head -3)
keys t
wait_for 'theme: light' 3
sleep 0.2
c2=$(screen_e | head -3)
[ "$c1" != "$c2" ] || fail "the colours did not change with the theme"
keys t
wait_for 'theme: mono' 3
printf '%s\n' "$(screen_e)" | grep -q $'\e\[38;5;' && fail "mono still uses 256 colours"
keys t
wait_for 'theme: default' 3
keys q
wait_exit 5
tui_stop
ok "t cycles default -> light -> mono -> default"

tui_start 100 30 --theme light
wait_for '^ isolab .* light *$' 10
keys q; wait_exit 5; tui_stop
ok "--theme light"

printf 'theme = "mono";\n' >"$test_state/theme.conf"
tui_start 100 30 -c "$test_state/theme.conf"
wait_for '^ isolab .* mono *$' 10
keys q; wait_exit 5; tui_stop
ok "theme from the configuration"

out=$(TERM=xterm "$ISOLAB" --state-dir "$test_state" --theme nosuch 2>&1 </dev/null)
rc=$?
[ $rc -eq 2 ] || fail "--theme nosuch: exit $rc ($out)"

# NO_COLOR: attributes only.
tm new-session -d -s t -x 100 -y 30 "exec env TERM=xterm-256color LANG=C.UTF-8 NO_COLOR=1 ISOLAB_DATADIR='$ISOLAB_DATADIR' XDG_CONFIG_HOME='$test_state/xdg' '$ISOLAB' --state-dir '$test_state'"
tm set-option -w -t t remain-on-exit on
isolab_pid=$(tm display -p -t t '#{pane_pid}')
wait_for 'Runtimes' 10
screen_e | grep -Eq $'\e\\[(3[0-7]|38;5;[0-9]+|4[0-7]|48;5;[0-9]+)m' && fail "colours under NO_COLOR"
screen_e | grep -q $'\e\[7m' || fail "no reverse video under NO_COLOR (the selection must still show)"
keys q; wait_exit 5
ok "NO_COLOR"
