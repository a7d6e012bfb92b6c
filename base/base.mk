# base/: the helpers every layer above builds on, knowing no driver and no
# thread; the first part of the convenience library libisolab.a (base/,
# runtimes/ and engine/), which the program and the tests link, so that
# unit tests never need a terminal. Nothing here includes curses.
# Each module keeps its own block below: sources, then its unit test.
noinst_LIBRARIES += libisolab.a
AM_CPPFLAGS += $(LIBCONFIG_CFLAGS) $(PCRE2_CFLAGS) $(JANSSON_CFLAGS) $(LIBARCHIVE_CFLAGS)
# What a program linking the engine needs.
ISOLAB_LIBS = libisolab.a $(LIBCONFIG_LIBS) $(PCRE2_LIBS) $(JANSSON_LIBS) $(LIBARCHIVE_LIBS) -lm
UNIT_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
UNIT_LIBS = $(ISOLAB_LIBS) $(CHECK_LIBS)
EXTRA_DIST += tests/unit/unit.h tests/unit/journal-fixture.h

libisolab_a_SOURCES = base/util.c base/util.h base/exec.c base/exec.h

## subst: ${name} in argv, files and phases, never through a shell
libisolab_a_SOURCES += base/subst.c base/subst.h
if HAVE_CHECK
check_PROGRAMS += tests/unit/test_subst
TESTS += tests/unit/test_subst
tests_unit_test_subst_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_subst_LDADD = $(UNIT_LIBS)
endif

## config: base/conffile.c (libconfig files read without trusting them),
## base/config.c, schema, default data files
libisolab_a_SOURCES += base/conffile.c base/conffile.h base/config.c base/config.h
runtimesdir = $(pkgdatadir)/runtimes
dist_runtimes_DATA = runtimes/native.conf
experimentsdir = $(pkgdatadir)/experiments
dist_experiments_DATA = experiments/default.conf experiments/first-look.conf
dist_man_MANS += man/isolab.conf.5
if HAVE_CHECK
check_PROGRAMS += tests/unit/test_conffile tests/unit/test_config
TESTS += tests/unit/test_conffile tests/unit/test_config
tests_unit_test_conffile_SOURCES = tests/unit/test_conffile.c
tests_unit_test_conffile_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_conffile_LDADD = $(UNIT_LIBS)
tests_unit_test_config_SOURCES = tests/unit/test_config.c
tests_unit_test_config_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_config_LDADD = $(UNIT_LIBS)
endif
TESTS += tests/integration/man-isolab-conf.sh
EXTRA_DIST += tests/integration/man-isolab-conf.sh \
	tests/data/config/good.conf tests/data/config/override.conf \
	tests/data/config/bad-syntax.conf tests/data/config/bad-runtime-key.conf \
	tests/data/config/bad-workload-key.conf tests/data/config/bad-metric-key.conf \
	tests/data/config/bad-limits-key.conf tests/data/config/bad-type.conf \
	tests/data/config/bad-range.conf tests/data/config/bad-enum.conf \
	tests/data/config/bad-required.conf tests/data/config/bad-param.conf \
	tests/data/config/bad-pattern.conf tests/data/config/bad-group.conf \
	tests/data/config/bad-unknown-workload.conf tests/data/config/bad-many.conf \
	tests/data/config/include-nul.conf

## metrics: base/metrics.c (pcre2), workloads/*.conf
libisolab_a_SOURCES += base/metrics.c base/metrics.h
workloadsdir = $(pkgdatadir)/workloads
dist_workloads_DATA = workloads/probe.conf workloads/sysbench.conf \
	workloads/fio.conf workloads/iperf3.conf
if HAVE_CHECK
check_PROGRAMS += tests/unit/test_metrics
TESTS += tests/unit/test_metrics
tests_unit_test_metrics_SOURCES = tests/unit/test_metrics.c
tests_unit_test_metrics_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_metrics_LDADD = $(UNIT_LIBS)
endif
# Real output of each tool, captured for 3 s (see tests/unit/test_metrics.c).
EXTRA_DIST += tests/data/outputs/sysbench-cpu.txt \
	tests/data/outputs/sysbench-memory.txt tests/data/outputs/sysbench-threads.txt \
	tests/data/outputs/sysbench-fileio.txt tests/data/outputs/fio-randrw.txt \
	tests/data/outputs/iperf3-client.txt tests/data/outputs/iperf3-server.txt \
	tests/data/outputs/probe-cpu.txt tests/data/outputs/probe-mem.txt \
	tests/data/outputs/probe-syscall.txt tests/data/outputs/probe-ctxsw.txt \
	tests/data/outputs/probe-fork.txt tests/data/outputs/probe-fork-exec.txt \
	tests/data/outputs/probe-file.txt tests/data/outputs/probe-start.txt \
	tests/data/outputs/probe-net-stream-client.txt \
	tests/data/outputs/probe-net-stream-server.txt \
	tests/data/outputs/probe-net-rr-client.txt tests/data/outputs/probe-net-rr-server.txt \
	tests/data/outputs/probe-mallocbomb.txt tests/data/outputs/probe-forkbomb.txt \
	tests/data/outputs/probe-rewrite.txt

## sampler: base/sampler.c
libisolab_a_SOURCES += base/sampler.c base/sampler.h base/pidstat.c base/pidstat.h
if HAVE_CHECK
check_PROGRAMS += tests/unit/test_sampler tests/unit/test_sampler_io
TESTS += tests/unit/test_sampler tests/unit/test_sampler_io
tests_unit_test_sampler_SOURCES = tests/unit/test_sampler.c
tests_unit_test_sampler_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_sampler_LDADD = $(UNIT_LIBS)
# The same file's cases that need what a machine may lack (here the
# kernel's per-task I/O accounting): a program of their own that exits 77
# with the reason where it cannot run, so they count as skipped, not passed.
tests_unit_test_sampler_io_SOURCES = tests/unit/test_sampler.c
tests_unit_test_sampler_io_CFLAGS = $(UNIT_CFLAGS) -DIO_CASES
tests_unit_test_sampler_io_LDADD = $(UNIT_LIBS)
endif
# bench/sampler-cost drives bench/sampler-cost-run against pidstat.
noinst_PROGRAMS += bench/sampler-cost-run
bench_sampler_cost_run_SOURCES = bench/sampler-cost-run.c
bench_sampler_cost_run_LDADD = $(ISOLAB_LIBS)
EXTRA_DIST += bench/sampler-cost bench/report-build

## journal: base/stats.c, base/journal.c, base/report.c (base/samplerec.c: samples read without jansson)
libisolab_a_SOURCES += base/stats.c base/stats.h \
	base/journal.c base/journal.h base/report.c base/report.h base/tidy.c base/tidy.h \
	base/samplerec.c base/samplerec.h
if HAVE_CHECK
check_PROGRAMS += tests/unit/test_stats tests/unit/test_journal tests/unit/test_journal_full tests/unit/test_results \
	tests/unit/test_cost tests/unit/test_samplerec
TESTS += tests/unit/test_stats tests/unit/test_journal tests/unit/test_journal_full tests/unit/test_results \
	tests/unit/test_cost tests/unit/test_samplerec
tests_unit_test_samplerec_SOURCES = tests/unit/test_samplerec.c
tests_unit_test_samplerec_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_samplerec_LDADD = $(UNIT_LIBS)
# A full disk (a tmpfs in a mount namespace): root or user namespaces, else 77.
tests_unit_test_journal_full_SOURCES = tests/unit/test_journal.c
tests_unit_test_journal_full_CFLAGS = $(UNIT_CFLAGS) -DFULL_DISK_CASES
tests_unit_test_journal_full_LDADD = $(UNIT_LIBS)
tests_unit_test_stats_SOURCES = tests/unit/test_stats.c
tests_unit_test_stats_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_stats_LDADD = $(UNIT_LIBS)
tests_unit_test_journal_SOURCES = tests/unit/test_journal.c
tests_unit_test_journal_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_journal_LDADD = $(UNIT_LIBS)
tests_unit_test_results_SOURCES = tests/unit/test_results.c
tests_unit_test_results_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_results_LDADD = $(UNIT_LIBS)
tests_unit_test_cost_SOURCES = tests/unit/test_cost.c
tests_unit_test_cost_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_cost_LDADD = $(UNIT_LIBS)
endif
EXTRA_DIST += tests/data/journal/cut/journal.jsonl \
	tests/data/journal/garbage/journal.jsonl \
	tests/data/journal/report/env.json tests/data/journal/report/journal.jsonl \
	tests/data/journal/attrib/env.json tests/data/journal/attrib/journal.jsonl \
	tests/data/journal/gap/env.json tests/data/journal/gap/journal.jsonl \
	tests/data/journal/churn/env.json tests/data/journal/churn/journal.jsonl \
	tests/data/journal/short/env.json tests/data/journal/short/journal.jsonl

## containers-core: cgroups, the resource journal, bridge networking
libisolab_a_SOURCES += base/cgroup.c base/cgroup.h base/resources.c base/resources.h \
	base/netns.c base/netns.h
if HAVE_CHECK
check_PROGRAMS += tests/unit/test_cgroup tests/unit/test_cgroup_root tests/unit/test_resources \
	tests/unit/test_resources_root
TESTS += tests/unit/test_cgroup tests/unit/test_cgroup_root tests/unit/test_resources \
	tests/unit/test_resources_root
# Real cgroups and network namespaces: root only, else 77 with the reason.
tests_unit_test_cgroup_root_SOURCES = tests/unit/test_cgroup.c
tests_unit_test_cgroup_root_CFLAGS = $(UNIT_CFLAGS) -DROOT_CASES
tests_unit_test_cgroup_root_LDADD = $(UNIT_LIBS)
tests_unit_test_resources_root_SOURCES = tests/unit/test_resources.c
tests_unit_test_resources_root_CFLAGS = $(UNIT_CFLAGS) -DROOT_CASES
tests_unit_test_resources_root_LDADD = $(UNIT_LIBS)
tests_unit_test_cgroup_SOURCES = tests/unit/test_cgroup.c
tests_unit_test_cgroup_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_cgroup_LDADD = $(UNIT_LIBS)
tests_unit_test_resources_SOURCES = tests/unit/test_resources.c
tests_unit_test_resources_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_resources_LDADD = $(UNIT_LIBS)
endif
# Integration: the sandbox runtime for real (root), its limits, and a
# SIGKILLed run reaped by `isolab cleanup`.
TESTS += tests/integration/report-tidy.sh
EXTRA_DIST += tests/integration/report-tidy.sh
TESTS += tests/integration/sandbox-run.sh tests/integration/sandbox-isolation.sh tests/integration/sandbox-bridge.sh \
	tests/integration/sandbox-limits.sh tests/integration/leak-sandbox.sh tests/integration/sandbox-v2.sh
# bench/kill-trials: SIGKILLs at random moments of each runtime's run, then
# `isolab cleanup`, and what is left by kind (README, Performance).
EXTRA_DIST += bench/kill-trials
EXTRA_DIST += tests/integration/sandbox-lib.sh tests/integration/sandbox-run.sh tests/integration/sandbox-bridge.sh \
	tests/integration/sandbox-isolation.sh tests/integration/sandbox-limits.sh \
	tests/integration/leak-sandbox.sh tests/integration/sandbox-v2.sh

## labs: base/lab.c (verdicts), experiments/labs.conf, workloads/neighbours.conf, `isolab lab`
libisolab_a_SOURCES += base/lab.c base/lab.h
dist_experiments_DATA += experiments/labs.conf experiments/kinds.conf
dist_workloads_DATA += workloads/neighbours.conf
if HAVE_CHECK
check_PROGRAMS += tests/unit/test_lab tests/unit/test_report_groups
TESTS += tests/unit/test_lab tests/unit/test_report_groups
tests_unit_test_lab_SOURCES = tests/unit/test_lab.c
tests_unit_test_lab_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_lab_LDADD = $(UNIT_LIBS)
tests_unit_test_report_groups_SOURCES = tests/unit/test_report_groups.c
tests_unit_test_report_groups_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_report_groups_LDADD = $(UNIT_LIBS)
endif
# Integration: each kind small on native, sandbox and runc; a fork bomb
# beside a target (host responsive, all reaped); the lab command.
# The labs' verdict tests assert what a lab measured on this machine; the
# ASan pass of `quickstart check` leaves them out (`make asan-tests`):
# instrumenting isolab changes none of those numbers, and the code they run
# is under ASan in test_lab, kinds.sh, lab-cli.sh and member-params.sh.
LAB_VERDICT_TESTS = tests/integration/lab-cpusets.sh tests/integration/lab-studies.sh \
	tests/integration/lab-vms.sh tests/integration/lab-neighbours.sh tests/integration/lab-footprint.sh \
	tests/integration/lab-postgres-scale.sh tests/integration/lab-overcommit.sh
TESTS += tests/integration/kinds.sh tests/integration/forkbomb.sh tests/integration/lab-cli.sh \
	tests/integration/member-params.sh $(LAB_VERDICT_TESTS)
EXTRA_DIST += tests/integration/kinds.sh tests/integration/forkbomb.sh tests/integration/lab-cli.sh tests/integration/lab-lib.sh \
	tests/integration/lab-cpusets.sh tests/integration/lab-studies.sh tests/integration/member-params.sh \
	tests/integration/lab-vms.sh tests/integration/lab-neighbours.sh tests/integration/lab-footprint.sh \
	tests/integration/lab-postgres-scale.sh tests/integration/lab-overcommit.sh

## agentproto: the agent protocol's framing and validation (docs/agent-protocol.md)
libisolab_a_SOURCES += base/agentproto.c base/agentproto.h
if HAVE_CHECK
check_PROGRAMS += tests/unit/test_agentproto
TESTS += tests/unit/test_agentproto
tests_unit_test_agentproto_SOURCES = tests/unit/test_agentproto.c
tests_unit_test_agentproto_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_agentproto_LDADD = $(UNIT_LIBS)
endif
