# workloads/probe/: isolab-probe, the static benchmark binary that runs
# inside every runtime, its man page and its tests. It links nothing from
# engine/ but the dependency-free pidstat columns (base/pidstat.c, which
# its guest sampler shares with the host's), so that it builds and runs alone.
bin_PROGRAMS += isolab-probe
PROBE_CORE = workloads/probe/hist.c workloads/probe/hist.h \
	workloads/probe/report.c workloads/probe/report.h
isolab_probe_SOURCES = workloads/probe/probe.c workloads/probe/probe.h \
	workloads/probe/runner.c workloads/probe/runner.h $(PROBE_CORE) \
	workloads/probe/cpu.c workloads/probe/mem.c workloads/probe/syscall.c \
	workloads/probe/ctxsw.c workloads/probe/fork.c workloads/probe/file.c workloads/probe/rewrite.c \
	workloads/probe/net.c workloads/probe/start.c \
	workloads/probe/mallocbomb.c workloads/probe/forkbomb.c \
	workloads/probe/agent.c base/frame.h base/pidstat.c base/pidstat.h base/cowfiles.h
# Static, so it runs in an empty rootfs; no sanitizers (they cannot link
# statically), hence per-target flags that replace AM_CFLAGS/AM_CPPFLAGS
# (which also keeps the rest of base/ out: pidstat.h and frame.h include
# libc's headers alone).
isolab_probe_CPPFLAGS = -I$(top_builddir) -I$(top_srcdir)/workloads/probe -I$(top_srcdir)/base
isolab_probe_CFLAGS = $(WARN_CFLAGS) -pthread
isolab_probe_LDFLAGS = -static -pthread
isolab_probe_LDADD = -lm

dist_man_MANS += man/isolab-probe.1

PROBE_UNIT_CPPFLAGS = -I$(top_srcdir)/workloads/probe -I$(top_builddir)
if HAVE_CHECK
check_PROGRAMS += tests/unit/test_hist tests/unit/test_report
TESTS += tests/unit/test_hist tests/unit/test_report
tests_unit_test_hist_SOURCES = tests/unit/test_hist.c $(PROBE_CORE)
tests_unit_test_hist_CPPFLAGS = $(PROBE_UNIT_CPPFLAGS)
tests_unit_test_hist_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_test_hist_LDADD = $(CHECK_LIBS) -lm
tests_unit_test_report_SOURCES = tests/unit/test_report.c $(PROBE_CORE)
tests_unit_test_report_CPPFLAGS = $(PROBE_UNIT_CPPFLAGS)
tests_unit_test_report_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_test_report_LDADD = $(CHECK_LIBS) -lm
endif

# Integration tests run the built probe; probe-lib.sh is their shared checker.
TESTS += tests/integration/probe-run.sh tests/integration/probe-net.sh \
	tests/integration/probe-errors.sh tests/integration/probe-signal.sh \
	tests/integration/probe-static.sh tests/integration/probe-man.sh
EXTRA_DIST += tests/integration/probe-lib.sh \
	tests/integration/probe-run.sh tests/integration/probe-net.sh \
	tests/integration/probe-errors.sh tests/integration/probe-signal.sh \
	tests/integration/probe-static.sh tests/integration/probe-man.sh \
	bench/probe-vs-reference bench/README.md
