# tests/fuzz/: libFuzzer targets (clang, ASan, UBSan), built only with
# `configure CC=clang --enable-fuzzing`, which instruments the whole build;
# keep that in a build directory of its own (quickstart uses build-fuzz/).
# Each target has a seed corpus (corpus/<name>/) and a dictionary
# (<name>.dict). tests/fuzz/fuzz-gate.sh runs them as CI's regression gate,
# bench/fuzz-smoke for longer; neither writes into the seed corpus.
if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_config tests/fuzz/fuzz_metrics tests/fuzz/fuzz_journal
FUZZ_LINK_FLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_config_SOURCES = tests/fuzz/fuzz_config.c
tests_fuzz_fuzz_config_LDFLAGS = $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_config_LDADD = $(ISOLAB_LIBS)
tests_fuzz_fuzz_metrics_SOURCES = tests/fuzz/fuzz_metrics.c
tests_fuzz_fuzz_metrics_LDFLAGS = $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_metrics_LDADD = $(ISOLAB_LIBS)
tests_fuzz_fuzz_journal_SOURCES = tests/fuzz/fuzz_journal.c
tests_fuzz_fuzz_journal_LDFLAGS = $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_journal_LDADD = $(ISOLAB_LIBS)
# the probe agent's framing (base/frame.h, header-only)
noinst_PROGRAMS += tests/fuzz/fuzz_frame
tests_fuzz_fuzz_frame_SOURCES = tests/fuzz/fuzz_frame.c
tests_fuzz_fuzz_frame_LDFLAGS = $(FUZZ_LINK_FLAGS)
# remote: the agent protocol decoder (base/agentproto.c)
noinst_PROGRAMS += tests/fuzz/fuzz_agentproto
tests_fuzz_fuzz_agentproto_SOURCES = tests/fuzz/fuzz_agentproto.c
tests_fuzz_fuzz_agentproto_LDFLAGS = $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_agentproto_LDADD = $(ISOLAB_LIBS)
# The targets added with the gate of 100,000 inputs each (default sources,
# tests/fuzz/<name>.c): the configuration text against libconfig itself
# (base/conffile.c), the workload ${name} substitution (subst_vars), the
# initramfs writer's path handling (runtimes/initramfs.c), RUNTIME@HOST
# names and the remote command's quoting (runtimes/remote.c, engine/ssh.c).
noinst_PROGRAMS += tests/fuzz/fuzz_conffile tests/fuzz/fuzz_subst tests/fuzz/fuzz_initramfs \
	tests/fuzz/fuzz_remote
tests_fuzz_fuzz_conffile_LDFLAGS = $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_subst_LDFLAGS = $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_initramfs_LDFLAGS = $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_remote_LDFLAGS = $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_conffile_LDADD = $(ISOLAB_LIBS)
tests_fuzz_fuzz_subst_LDADD = $(ISOLAB_LIBS)
tests_fuzz_fuzz_initramfs_LDADD = $(ISOLAB_LIBS)
tests_fuzz_fuzz_remote_LDADD = $(ISOLAB_LIBS)
endif
EXTRA_DIST += tests/fuzz/fuzz_remote.c tests/fuzz/fuzz_remote.dict
EXTRA_DIST += tests/fuzz/fuzz_initramfs.c tests/fuzz/fuzz_initramfs.dict
EXTRA_DIST += tests/fuzz/fuzz_conffile.c tests/fuzz/fuzz_conffile.dict \
	tests/fuzz/fuzz_subst.c tests/fuzz/fuzz_subst.dict tests/fuzz/regress
EXTRA_DIST += tests/fuzz/fuzz_agentproto.c tests/fuzz/fuzz_agentproto.dict \
	tests/fuzz/fuzz_frame.c tests/fuzz/fuzz_frame.dict
EXTRA_DIST += tests/fuzz/fuzz_config.c tests/fuzz/fuzz_metrics.c tests/fuzz/fuzz_journal.c \
	tests/fuzz/fuzz_config.dict tests/fuzz/fuzz_metrics.dict tests/fuzz/fuzz_journal.dict \
	tests/fuzz/corpus tests/fuzz/lsan.supp tests/fuzz/fuzz-gate.sh bench/fuzz-smoke
