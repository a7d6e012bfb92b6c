# tests/integration/: tests that drive the real programs.
TESTS += tests/integration/run-native.sh tests/integration/cli-errors.sh
EXTRA_DIST += tests/integration/lib.sh tests/integration/run-native.sh \
	tests/integration/cli-errors.sh
TESTS += tests/integration/man-isolab.sh
EXTRA_DIST += tests/integration/man-isolab.sh
TESTS += tests/integration/bad-input.sh
EXTRA_DIST += tests/integration/bad-input.sh
# The layers of the tree, from every #include (docs/layout.md).
TESTS += tests/integration/layers.sh
EXTRA_DIST += tests/integration/layers.sh
