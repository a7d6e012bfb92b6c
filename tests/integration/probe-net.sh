#!/bin/sh
# net-server and net-client on the loopback, both modes, IPv4 and IPv6.
. "${top_srcdir:-.}/tests/integration/probe-lib.sh"

# pair NAME LISTEN CONNECT_HOST MODE: runs a --once server on an ephemeral
# port, waits for its ready line, and runs a client against it.
pair() {
	name=$1
	"$PROBE" net-server --listen "$2" --once >"$tmp/$name-srv.out" 2>"$tmp/$name-srv.err" &
	srv=$!
	i=0
	while ! grep -q 'kind=ready' "$tmp/$name-srv.out" 2>/dev/null; do
		i=$((i + 1))
		[ $i -lt 100 ] || { kill $srv; cat "$tmp/$name-srv.err"; fail "$name: server never ready"; }
		sleep 0.05
	done
	port=$(sed -n 's/.* port=\([0-9]*\).*/\1/p' "$tmp/$name-srv.out")
	[ -n "$port" ] && [ "$port" -gt 0 ] || fail "$name: no port on the ready line"
	run_probe "$name-cli" net-client --connect "$3:$port" --mode "$4" --time 1
	wait $srv || fail "$name: server exited $?"
	probe_check "$tmp/$name-cli.out" net-client || { cat "$tmp/$name-cli.out"; fail "$name: client output"; }
	# The server may see an interval before the client connects: idle
	# intervals are legitimate there, the summary must still count bytes.
	probe_check "$tmp/$name-srv.out" net-server 1 0 || { cat "$tmp/$name-srv.out"; fail "$name: server output"; }
	[ "$(summary_value "$tmp/$name-srv.out" clients)" = 1 ] || fail "$name: server saw no client"
	echo "ok: $name"
}

pair v4stream 127.0.0.1:0 127.0.0.1 stream
sent=$(summary_value "$tmp/v4stream-cli.out" bytes)
got=$(summary_value "$tmp/v4stream-srv.out" bytes)
acked=$(summary_value "$tmp/v4stream-cli.out" server_bytes)
[ "$sent" = "$got" ] && [ "$sent" = "$acked" ] || fail "stream: sent $sent, server got $got, acked $acked"
pair v4rr 127.0.0.1:0 127.0.0.1 rr
grep -q 'kind=summary .* us_per_rr=[0-9]*\.[0-9][0-9] ' "$tmp/v4rr-cli.out" || fail "rr: no us_per_rr"

if "$PROBE" net-server --listen '[::1]:0' --time 0.1 >/dev/null 2>&1; then
	pair v6rr '[::1]:0' '[::1]' rr
else
	echo "IPv6 loopback unavailable here: IPv6 pair not run"
fi
exit 0
