#!/bin/bash
# layers.sh — the tree's layers (docs/layout.md), checked from every
# #include of every source file:
#   base/ (1) <- runtimes/ (2) <- engine/ (3) <- tui/ (4) <- cli/ (5)
# and workloads/probe/, the static probe, beside them on base/'s three
# dependency-free headers alone (pidstat.h, frame.h, cowfiles.h). An include may point
# down or within its own layer, never up or across.
#
# Each quoted include is resolved as the compiler resolves it: the
# including file's own directory first, then the include path of its part
# of the tree (the layers' directories; for the probe, its own and base/).
# An include that points up or across, that two directories of the path
# could answer, or that names no file of the tree (but build-config.h,
# which configure generates) fails, named with file:line.
#
# A check that cannot fail proves nothing: the test first plants a bad
# include (runtimes/ including engine/'s engine.h) in a copy of the tree
# and requires the check to refuse it, then checks the tree itself.
# Outside the suite, `layers.sh DIR` checks the tree under DIR alone.
set -u
fail() { echo "FAIL: $*"; exit 1; }
skip() { echo "SKIP: $*"; exit 77; }
ok() { echo "ok: $*"; }
command -v python3 >/dev/null || skip "python3 is needed to resolve the includes"

# check ROOT: prints each bad include of the tree under ROOT; 1 when any.
check() {
	python3 - "$1" <<'PY'
import os, re, sys
root = sys.argv[1]
parts = {"base": "base", "runtimes": "runtimes", "engine": "engine", "tui": "tui", "cli": "cli",
         "workloads/probe": "probe"}
below = {"base": {"base"}, "runtimes": {"base", "runtimes"}, "engine": {"base", "runtimes", "engine"},
         "tui": {"base", "runtimes", "engine", "tui"}, "cli": {"base", "runtimes", "engine", "tui", "cli"},
         "probe": {"probe"}}
probe_may = {"base/pidstat.h", "base/frame.h", "base/cowfiles.h"}
inc = re.compile(r'^\s*#\s*include\s*"([^"]+)"')
bad = 0
for d in sorted(parts):
    for name in sorted(os.listdir(os.path.join(root, d))):
        if not name.endswith((".c", ".h")):
            continue
        f = os.path.join(d, name)
        me = parts[d]
        path = ["workloads/probe", "base"] if me == "probe" else ["base", "runtimes", "engine", "tui", "cli"]
        for no, text in enumerate(open(os.path.join(root, f), errors="replace"), 1):
            m = inc.match(text)
            if not m:
                continue
            want = m.group(1)
            own = os.path.normpath(os.path.join(d, want))
            if os.path.isfile(os.path.join(root, own)):
                hits = [own]
            else:
                hits = [os.path.normpath(os.path.join(p, want)) for p in path
                        if os.path.isfile(os.path.join(root, p, want))]
            if not hits:
                if want != "build-config.h":
                    print('%s:%d: includes "%s", which is no file of the tree' % (f, no, want))
                    bad += 1
                continue
            if len(hits) > 1:
                print('%s:%d: includes "%s", which %s could each answer' % (f, no, want, " and ".join(hits)))
                bad += 1
                continue
            target = hits[0]
            them = parts.get(os.path.dirname(target))
            if them in below[me] or (me == "probe" and target in probe_may):
                continue
            why = ("the probe may include base/pidstat.h, base/frame.h and base/cowfiles.h alone" if me == "probe" and them == "base"
                   else "an include may point down or within its layer, never up or across")
            print("%s:%d: %s/ includes %s (%s): %s" % (f, no, me, target, them + "/" if them else "outside the layers", why))
            bad += 1
sys.exit(1 if bad else 0)
PY
}

if [ $# -gt 0 ]; then
	check "$1"
	exit $?
fi
src=${top_srcdir:-.}

# The check must refuse a planted include that points up.
plant=$(mktemp -d "${TMPDIR:-/tmp}/isolab-layers.XXXXXX") || fail "mktemp"
trap 'rm -rf "$plant"' EXIT
(cd "$src" && cp -r --parents base runtimes engine tui cli workloads/probe "$plant/") || fail "cannot copy the tree"
sed -i '0,/^#include "util.h"/s//#include "engine.h"\n#include "util.h"/' "$plant/runtimes/native.c"
out=$(check "$plant")
n=$(grep -c . <<<"$out")
[ "$n" -eq 1 ] || fail "the planted include (runtimes/native.c including engine.h) gave $n findings: $out"
grep -q '^runtimes/native.c:[0-9]*: runtimes/ includes engine/engine.h (engine/)' <<<"$out" ||
	fail "the planted include was not reported as it should be: $out"
ok "a planted include that points up is refused: $out"

out=$(check "$src")
n=$(grep -c . <<<"$out")
[ "$n" -eq 0 ] || fail "$n includes point up or across:
$out"
ok "every include of base/ runtimes/ engine/ tui/ cli/ workloads/probe/ points down or within its layer"
