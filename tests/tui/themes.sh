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

# A theme libconfig alone would exit() on (the fuzzer's NUL @include): t
# says why and passes over it, the interface keeps running and quits
# cleanly; the same bytes as --theme or as a -c configuration stop isolab
# before the interface starts, with the file:line and exit 2.
nul=$top_srcdir/tests/data/config/include-nul.conf
tui_stop
mkdir -p "$test_state/xdg/isolab/themes"
cp "$nul" "$test_state/xdg/isolab/themes/broken.theme"
tui_start 100 30
wait_for 'Runtimes' 10
keys t; wait_for 'theme: light' 3
keys t; wait_for 'theme: mono' 3
keys t; wait_for 'theme: default' 3   # broken.theme comes between mono and default
keys 5
wait_for 'error +theme: .*broken.theme:2: a NUL byte' 3
keys q; wait_exit 5
exited_ok || fail "quitting after a broken theme: exit $exit_status"
tui_stop
ok "t passes over a theme with a NUL byte, says why, and quits cleanly"

# A shell in the pane keeps the status: tmux under load cannot always tell it.
for how in "--theme broken" "-c $nul"; do
	rm -f "$test_state/rc"
	tm new-session -d -s t -x 250 -y 30 "env TERM=xterm-256color LANG=C.UTF-8 \
		ISOLAB_DATADIR='$ISOLAB_DATADIR' XDG_CONFIG_HOME='$test_state/xdg' \
		'$ISOLAB' --state-dir '$test_state' $how; echo \$? >'$test_state/rc'; sleep 30" ||
		fail "tmux cannot start a session"
	for ((i = 0; i < 50; i++)); do [ -s "$test_state/rc" ] && break; sleep 0.1; done
	[ "$(cat "$test_state/rc" 2>/dev/null)" = 2 ] || fail "$how: exit '$(cat "$test_state/rc" 2>/dev/null)', expected 2"
	wait_for 'isolab: .*:2: a NUL byte: a configuration file is text' 3
	tui_stop
done
rm -rf "$test_state/xdg/isolab/themes"
ok "--theme and -c with a NUL byte: file:line, exit 2, before the interface starts"
