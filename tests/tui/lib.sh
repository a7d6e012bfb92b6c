# lib.sh — helpers for the tmux-driven TUI tests (sourced, not run).
# Each test runs the real isolab in a detached tmux server of its own, sends
# keys and asserts on capture-pane. The pane stays after isolab exits
# (remain-on-exit) so its exit status can be checked.
. "$top_srcdir/tests/integration/lib.sh"

command -v tmux >/dev/null 2>&1 || skip "tmux is not installed"
[ -x "$ISOLAB" ] || fail "no isolab at $ISOLAB"

tui_sock="isolab-tui-$$"
tui_conf="$test_state/tmux.conf"
printf 'set -g remain-on-exit on\nset -g status off\nset -g history-limit 0\n' >"$tui_conf"
tm() { tmux -L "$tui_sock" -f "$tui_conf" "$@"; }
trap 'tm kill-server 2>/dev/null; rm -rf "${cleanup_dirs[@]}"' EXIT

# tui_start COLS ROWS [isolab args...]: starts isolab in a pane of that size.
tui_start() {
	local cols=$1 rows=$2; shift 2
	local cmd="exec env TERM=xterm-256color LANG=${TUI_LANG:-C.UTF-8} LC_ALL=${TUI_LANG:-C.UTF-8}"
	cmd="$cmd ISOLAB_DATADIR='$ISOLAB_DATADIR' ISOLAB_PROBE='$ISOLAB_PROBE' NO_COLOR= XDG_CONFIG_HOME='$test_state/xdg'"
	cmd="$cmd ${TUI_PREFIX:-}'$ISOLAB' --state-dir '$test_state' $*"
	tm new-session -d -s t -x "$cols" -y "$rows" "$cmd" || fail "tmux cannot start a session"
	tm set-option -w -t t remain-on-exit on
	isolab_pid=$(tm display -p -t t '#{pane_pid}')
}

# Stops the tmux server and waits until it is gone, so the next
# tui_start gets a fresh one.
tui_stop() {
	local spid i
	spid=$(tm display -p '#{pid}' 2>/dev/null)
	tm kill-server 2>/dev/null
	for ((i = 0; i < 50; i++)); do
		[ -n "$spid" ] && kill -0 "$spid" 2>/dev/null || return 0
		sleep 0.1
	done
}

screen() { tm capture-pane -p -t t; }
screen_e() { tm capture-pane -p -e -t t; }
keys() { tm send-keys -t t "$@"; }

# wait_for PATTERN [SECONDS]: until the screen matches the extended regex.
wait_for() {
	local pat=$1 secs=${2:-10} i
	for ((i = 0; i < secs * 10; i++)); do
		screen | grep -Eq -- "$pat" && return 0
		sleep 0.1
	done
	echo "---- screen ----"; screen; echo "----------------"
	fail "timed out after ${secs}s waiting for /$pat/"
}

# wait_gone PATTERN [SECONDS]
wait_gone() {
	local pat=$1 secs=${2:-10} i
	for ((i = 0; i < secs * 10; i++)); do
		screen | grep -Eq -- "$pat" || return 0
		sleep 0.1
	done
	echo "---- screen ----"; screen; echo "----------------"
	fail "timed out after ${secs}s waiting for /$pat/ to go"
}

# wait_exit [SECONDS]: until isolab has exited; sets exit_status (the
# number, "signal N", "zombie" when tmux has not reaped it, or "gone" when
# it was reaped but tmux has not noticed yet).
# exited_ok: the exit status is 0 (or unknown to tmux: see wait_exit).
exited_ok() { [ "$exit_status" = 0 ] || [ "$exit_status" = zombie ] || [ "$exit_status" = gone ]; }
wait_exit() {
	local secs=${1:-15} i
	for ((i = 0; i < secs * 10; i++)); do
		# tmux may see the pty close before it has reaped the process:
		# wait for the status (or the signal) too.
		if [ "$(tm display -p -t t '#{pane_dead}')" = 1 ]; then
			exit_status=$(tm display -p -t t '#{pane_dead_status}')
			local sig
			sig=$(tm display -p -t t '#{pane_dead_signal}')
			[ -n "$sig" ] && exit_status="signal $sig"
			[ -n "$exit_status" ] && return 0
		fi
		# Under load a tmux server has been seen to leave the exited
		# isolab a zombie for a long time: it has exited all the same,
		# but tmux cannot tell its status.
		if ((i >= 30)) && grep -q '^State:.*zombie' /proc/"$isolab_pid"/status 2>/dev/null; then
			exit_status=zombie
			return 0
		fi
		# Or reaped while the tmux server has not yet marked the pane dead
		# (seen under load, with nothing left holding the pty).
		if ((i >= 30)) && ! kill -0 "$isolab_pid" 2>/dev/null; then
			exit_status=gone
			return 0
		fi
		sleep 0.1
	done
	echo "---- screen ----"; screen; echo "----------------"
	if kill -0 "$isolab_pid" 2>/dev/null; then
		echo "isolab ($isolab_pid) is still running:"
		grep -H '' /proc/"$isolab_pid"/task/*/wchan 2>/dev/null
		grep -E '^(State|Threads)' /proc/"$isolab_pid"/status
	else
		local tty
		tty=$(tm display -p -t t '#{pane_tty}')
		echo "isolab has exited, yet the pane is alive; processes holding $tty:"
		for p in /proc/[0-9]*; do
			ls -l "$p/fd" 2>/dev/null | grep -q " $tty\$" && echo "  ${p#/proc/}: $(tr '\0' ' ' <"$p/cmdline")"
		done
	fi
	fail "isolab did not exit within ${secs}s"
}

# wait_frame COLS ROWS [SECONDS]: after a resize, until the program has
# drawn a whole frame of that size, then assert_frame. Until its SIGWINCH
# arrives (tmux sends it some 20 ms after resizing its own screen) the
# program may still draw at the old size, and the terminal wraps and
# scrolls that frame: its key bar can be on the last line while its top
# bar is gone. A redraw that never comes fails in assert_frame.
wait_frame() {
	local cols=$1 rows=$2 secs=${3:-3} i
	for ((i = 0; i < secs * 10; i++)); do
		frame_whole "$cols" "$rows" "$(screen)" && break
		sleep 0.1
	done
	assert_frame "$cols" "$rows"
}

# frame_whole COLS ROWS SCREEN: whether SCREEN is a whole frame of that
# size (what assert_frame asserts).
frame_whole() {
	local s=$3
	[ "$(printf '%s\n' "$s" | wc -l)" -eq "$2" ] &&
		printf '%s\n' "$s" | head -1 | grep -q '^ isolab  1 Setup' &&
		printf '%s\n' "$s" | tail -1 | grep -q 'F1Help' &&
		[ "$(printf '%s\n' "$s" | LC_ALL=C.UTF-8 wc -L)" -le "$1" ]
}

# The screen must be whole: the top bar on the first line, the key bar on
# the last, and no line wider than the terminal.
assert_frame() {
	local cols=$1 rows=$2 s
	s=$(screen)
	[ "$(printf '%s\n' "$s" | wc -l)" -eq "$rows" ] || fail "expected $rows lines: $s"
	printf '%s\n' "$s" | head -1 | grep -q '^ isolab  1 Setup' || fail "no top bar: $s"
	printf '%s\n' "$s" | tail -1 | grep -Eq 'F1Help|[A-Za-z]' || fail "no key bar: $s"
	local widest
	widest=$(printf '%s\n' "$s" | LC_ALL=C.UTF-8 wc -L)
	[ "$widest" -le "$cols" ] || fail "a line is $widest columns wide, more than $cols: $s"
}

# experiment NAME RUNTIMES WORKLOADS SECONDS: writes a test configuration
# (passed to tui_start with -c) holding one saved experiment of 1 repetition.
experiment() {
	cat >>"$test_state/test.conf" <<CONF
experiments = {
  $1 = { title = "tui test"; runtimes = [ $2 ]; workloads = [ $3 ]; repetitions = 1; duration = $4; };
};
CONF
}

# start_last_experiment: on the setup screen, loads the last saved
# experiment (the test's) and starts it.
start_last_experiment() {
	wait_for '\[x\] native' 10
	keys Tab Tab Tab End Enter
	wait_for "loaded experiment" 5
	keys s
	wait_for 'run [0-9a-f-]+ \[' 10
}

# cli_start ISOLAB-ARGS...: a headless command on a terminal of its own (a
# pane of 200x30), for what it asks there (/dev/tty); its output goes to
# $test_state/out and its exit status to $test_state/rc, kept by a shell
# (tmux may be slow to reap a process under load).
cli_start() {
	rm -f "$test_state/rc"
	tm new-session -d -s t -x 200 -y 30 \
		"'$ISOLAB' --state-dir '$test_state' $* >'$test_state/out' 2>&1; echo \$? >'$test_state/rc'; sleep 600" ||
		fail "tmux cannot start a session"
}
# cli_wait: until the command of cli_start has exited; sets exit_status.
cli_wait() {
	local i
	for ((i = 0; i < 600; i++)); do
		[ -s "$test_state/rc" ] && { exit_status=$(cat "$test_state/rc"); return 0; }
		sleep 0.1
	done
	fail "isolab did not exit within 60 s: $(screen)"
}
