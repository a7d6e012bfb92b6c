# tests/integration/: tests that drive the real programs.
TESTS += tests/integration/run-native.sh tests/integration/cli-errors.sh
EXTRA_DIST += tests/integration/lib.sh tests/integration/run-native.sh \
	tests/integration/cli-errors.sh
TESTS += tests/integration/man-isolab.sh
EXTRA_DIST += tests/integration/man-isolab.sh
TESTS += tests/integration/bad-input.sh tests/integration/sweep.sh
EXTRA_DIST += tests/integration/bad-input.sh tests/integration/sweep.sh tests/integration/journal_procs.py
# A workload's setup runs from the loop: sampled, cancellable, waited for.
TESTS += tests/integration/setup-phase.sh
EXTRA_DIST += tests/integration/setup-phase.sh
# The agent checks the options a client sends as config check does here.
TESTS += tests/integration/agent-options.sh
EXTRA_DIST += tests/integration/agent-options.sh
# The Debian package: built (cached by a hash of the source), lintian-clean,
# installed, run from /usr/bin and removed.
TESTS += tests/integration/deb.sh
EXTRA_DIST += tests/integration/deb.sh debian/changelog debian/control debian/copyright \
	debian/docs debian/isolab.lintian-overrides debian/rules debian/source/format
# What ./quickstart runs headless (experiments/first-look.conf), at test size,
# from the build tree without ISOLAB_DATADIR.
TESTS += tests/integration/first-look.sh
EXTRA_DIST += tests/integration/first-look.sh
# The layers of the tree, from every #include (docs/layout.md).
TESTS += tests/integration/layers.sh
EXTRA_DIST += tests/integration/layers.sh
