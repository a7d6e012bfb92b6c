#!/bin/bash
# deb.sh — the Debian package: `dpkg-buildpackage -b -us -uc` builds
# isolab_*.deb from a copy of the source tree, lintian finds no error in
# it, and once installed, /usr/bin/isolab lists the runtimes and runs a
# short comparison from the installed data, probe and man pages. The test
# removes the package again.
#
# Building the package takes minutes, and the suite runs twice (normal and
# ASan builds): the .deb and lintian's verdict are cached under
# $ISOLAB_DEB_CACHE (/var/tmp/isolab-deb) by a hash of the source files,
# so the second pass, and any run on an unchanged tree, only installs,
# runs and removes. One lock serialises build, install and removal between
# test runs of different trees on the same machine.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/runtimes-lib.sh"

[ "$(id -u)" -eq 0 ] || skip "installing a package needs root"
need_pkgs dpkg-dev debhelper lintian || skip "cannot install dpkg-dev, debhelper and lintian"
if dpkg-query -W -f='${Status}' isolab 2>/dev/null | grep -q 'install ok installed'; then
	skip "an isolab package is installed on this machine already: not this test's to replace"
fi

cache=${ISOLAB_DEB_CACHE:-/var/tmp/isolab-deb}
mkdir -p "$cache" || fail "cannot create $cache"
exec 9>"$cache/lock"
flock -w 900 9 || fail "another test has held $cache/lock for 15 minutes"

# The files of the source tree: git's list when it is a checkout's top
# (tracked, and new files not ignored), else everything but build output
# (a dist tarball, which make distcheck may unpack inside a checkout).
src_files() {
	if [ "$(git -C "$top_srcdir" rev-parse --show-toplevel 2>/dev/null)" = "$(cd "$top_srcdir" && pwd -P)" ]; then
		git -C "$top_srcdir" ls-files -co --exclude-standard
	else
		(cd "$top_srcdir" && find . -type f ! -path './_build/*' ! -path './_inst/*' ! -path './build/*' \
			! -path './build-asan/*' ! -path './build-fuzz/*' ! -path './autom4te.cache/*' | sed 's|^\./||')
	fi | LC_ALL=C sort
}
hash=$(cd "$top_srcdir" && src_files | while IFS= read -r f; do [ -f "$f" ] && printf '%s\n' "$f"; done |
	tr '\n' '\0' | xargs -0 sha256sum | sha256sum | cut -c1-16)
dir="$cache/$hash"
t0=$(date +%s)
if [ -f "$dir/lintian.rc" ] && ls "$dir"/isolab_*.deb >/dev/null 2>&1; then
	echo "the package of this source tree ($hash) is built already: $dir"
else
	# One build directory, so that ccache (when it can be installed) finds
	# the previous tree's objects: most files are the same.
	work="$cache/src"
	rm -rf "$work" && mkdir -p "$work/isolab" || fail "cannot create $work"
	(cd "$top_srcdir" && src_files | while IFS= read -r f; do [ -f "$f" ] && printf '%s\n' "$f"; done |
		tar -cf - -T -) | tar -xf - -C "$work/isolab" || fail "cannot copy the source tree"
	chmod -R u+w "$work/isolab"
	path=$PATH
	need_pkgs ccache && [ -d /usr/lib/ccache ] && path=/usr/lib/ccache:$PATH
	echo "dpkg-buildpackage -b -us -uc (source $hash, PATH starting ${path%%:*})"
	if ! (cd "$work/isolab" && PATH=$path CCACHE_DIR="$cache/ccache" DEB_BUILD_PROFILES=nocheck \
		DEB_BUILD_OPTIONS="nocheck noddebs parallel=$(nproc)" dpkg-buildpackage -b -us -uc) >"$work/build.log" 2>&1; then
		tail -n 40 "$work/build.log"
		fail "dpkg-buildpackage failed (log above)"
	fi
	rc=0
	lintian --fail-on error "$work"/isolab_*.deb >"$work/lintian.out" 2>&1 || rc=$?
	echo "$rc" >"$work/lintian.rc"
	rm -rf "$dir" && mkdir "$dir" &&
		mv "$work"/isolab_*.deb "$work/build.log" "$work/lintian.out" "$work/lintian.rc" "$dir"/ ||
		fail "cannot move the package into $dir"
	rm -rf "$work"
	# Keep the three newest trees' packages.
	ls -1dt "$cache"/*/ | grep -v '/ccache/$' | tail -n +4 | xargs -r rm -rf
	echo "built in $(( $(date +%s) - t0 )) s"
fi
deb=$(ls "$dir"/isolab_*.deb)
cat "$dir/lintian.out"
[ "$(cat "$dir/lintian.rc")" = 0 ] || fail "lintian reports errors in $deb (above)"
ok "built $deb; lintian: no errors"

# What the package says it needs.
dpkg-deb -f "$deb" Depends | grep -q 'libconfig' || fail "Depends names no libconfig: $(dpkg-deb -f "$deb" Depends)"
for rt in runc crun runsc docker.io podman lxc qemu-system-x86; do
	dpkg-deb -f "$deb" Recommends | grep -qw -- "$rt" || fail "Recommends does not name $rt"
done

# dpkg ARGS, waiting up to 5 minutes while another program holds dpkg's
# lock (an apt-get of someone else's). The package's dependencies are the
# libraries isolab was just built with, so dpkg alone installs it.
dpkg_locked() {
	local i
	for i in $(seq 1 300); do
		dpkg "$@" >"$test_state/dpkg.out" 2>&1 && return 0
		grep -q 'lock' "$test_state/dpkg.out" || break
		sleep 1
	done
	cat "$test_state/dpkg.out"
	return 1
}

# Install it; whatever happens next, remove it again.
trap 'dpkg_locked --purge isolab; rm -rf "${cleanup_dirs[@]}"' EXIT
dpkg_locked --install "$deb" || fail "dpkg --install $deb failed"
ok "installed"

# From /usr/bin, with nothing pointing back at the source or build tree.
cd /
run_installed() { env -u ISOLAB_DATADIR -u ISOLAB_PROBE -u ISOLAB_AGENT -u ISOLAB /usr/bin/isolab "$@"; }
run_installed list runtimes >"$test_state/list.out" 2>&1 || { cat "$test_state/list.out"; fail "isolab list runtimes failed"; }
cat "$test_state/list.out"
grep -Eq '^native +native +available' "$test_state/list.out" || fail "native is not listed as available"
run_installed list experiments | grep -q '^first-look ' || fail "the installed data has no first-look"
man -w isolab 2>/dev/null | grep -q '^/usr/share/man/man1/isolab.1' || fail "man isolab is not installed"
run_installed --state-dir "$test_state" run -r native,sandbox -w cpu -n 1 -t 1 >"$test_state/run.out" 2>&1 ||
	{ cat "$test_state/run.out"; fail "a short run from /usr/bin/isolab failed"; }
cat "$test_state/run.out"
for rt in native sandbox; do
	grep -Eq "^$rt +cpu +rate " "$test_state/run.out" || fail "the report has no $rt cpu rate"
done
probe=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["probe"])' "$test_state/runs/latest/env.json")
[ "$probe" = /usr/bin/isolab-probe ] || fail "the run used the probe '$probe', not the installed one"
ok "isolab list runtimes and a short run from /usr/bin"

dpkg_locked --purge isolab || fail "dpkg --purge isolab failed"
[ ! -e /usr/bin/isolab ] && [ ! -d /usr/share/isolab ] || fail "purging the package left /usr/bin/isolab or /usr/share/isolab"
ok "removed"
echo "wall time: $(( $(date +%s) - t0 )) s"
