# engine/: the convenience library linked by the program and the tests, so
# that unit tests never need a terminal. Nothing here includes curses.
# Each module keeps its own block below: sources, then its unit test.
noinst_LIBRARIES += libisolab.a
AM_CPPFLAGS += $(LIBCONFIG_CFLAGS) $(PCRE2_CFLAGS) $(JANSSON_CFLAGS) $(LIBARCHIVE_CFLAGS)
# What a program linking the engine needs.
ISOLAB_LIBS = libisolab.a $(LIBCONFIG_LIBS) $(PCRE2_LIBS) $(JANSSON_LIBS) $(LIBARCHIVE_LIBS) -lm
UNIT_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
UNIT_LIBS = $(ISOLAB_LIBS) $(CHECK_LIBS)

libisolab_a_SOURCES = engine/util.c engine/util.h \
	engine/exec.c engine/exec.h engine/engine.c engine/engine.h engine/events.c engine/events.h \
	engine/instance.c engine/instance.h

## instance: one instance's life, for the engine thread and the agent
# bench/density: N idle sandbox instances watched at 1 Hz (the engine's
# "tick" records); bench/monitor-overhead: the probe through isolab vs bare.
EXTRA_DIST += bench/density bench/monitor-overhead
if HAVE_CHECK
check_PROGRAMS += tests/unit/test_instance
TESTS += tests/unit/test_instance
tests_unit_test_instance_SOURCES = tests/unit/test_instance.c
tests_unit_test_instance_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_instance_LDADD = $(UNIT_LIBS)
endif

## plan: an experiment's groups by kind, runtimes resolved to executors
libisolab_a_SOURCES += engine/plan.c engine/plan.h
if HAVE_CHECK
check_PROGRAMS += tests/unit/test_plan
TESTS += tests/unit/test_plan
tests_unit_test_plan_SOURCES = tests/unit/test_plan.c
tests_unit_test_plan_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_plan_LDADD = $(UNIT_LIBS)
endif

## subst: ${name} in argv, files and phases, never through a shell
libisolab_a_SOURCES += engine/subst.c engine/subst.h
if HAVE_CHECK
check_PROGRAMS += tests/unit/test_subst
TESTS += tests/unit/test_subst
tests_unit_test_subst_SOURCES = tests/unit/test_subst.c
tests_unit_test_subst_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_subst_LDADD = $(UNIT_LIBS)
endif

## config: engine/config.c, schema, default data files
libisolab_a_SOURCES += engine/config.c engine/config.h
runtimesdir = $(pkgdatadir)/runtimes
dist_runtimes_DATA = runtimes/native.conf
experimentsdir = $(pkgdatadir)/experiments
dist_experiments_DATA = experiments/default.conf
dist_man_MANS += man/isolab.conf.5
if HAVE_CHECK
check_PROGRAMS += tests/unit/test_config
TESTS += tests/unit/test_config
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
	tests/data/config/bad-unknown-workload.conf tests/data/config/bad-many.conf

## metrics: engine/metrics.c (pcre2), workloads/*.conf
libisolab_a_SOURCES += engine/metrics.c engine/metrics.h
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
	tests/data/outputs/probe-mallocbomb.txt tests/data/outputs/probe-forkbomb.txt

## sampler: engine/sampler.c
libisolab_a_SOURCES += engine/sampler.c engine/sampler.h engine/pidstat.c engine/pidstat.h
if HAVE_CHECK
check_PROGRAMS += tests/unit/test_sampler
TESTS += tests/unit/test_sampler
tests_unit_test_sampler_SOURCES = tests/unit/test_sampler.c
tests_unit_test_sampler_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_sampler_LDADD = $(UNIT_LIBS)
endif
# bench/sampler-cost drives bench/sampler-cost-run against pidstat.
noinst_PROGRAMS += bench/sampler-cost-run
bench_sampler_cost_run_SOURCES = bench/sampler-cost-run.c
bench_sampler_cost_run_LDADD = $(ISOLAB_LIBS)
EXTRA_DIST += bench/sampler-cost

## journal: engine/stats.c, engine/journal.c, engine/report.c
libisolab_a_SOURCES += engine/stats.c engine/stats.h \
	engine/journal.c engine/journal.h engine/report.c engine/report.h
if HAVE_CHECK
check_PROGRAMS += tests/unit/test_stats tests/unit/test_journal tests/unit/test_results
TESTS += tests/unit/test_stats tests/unit/test_journal tests/unit/test_results
tests_unit_test_stats_SOURCES = tests/unit/test_stats.c
tests_unit_test_stats_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_stats_LDADD = $(UNIT_LIBS)
tests_unit_test_journal_SOURCES = tests/unit/test_journal.c
tests_unit_test_journal_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_journal_LDADD = $(UNIT_LIBS)
tests_unit_test_results_SOURCES = tests/unit/test_results.c
tests_unit_test_results_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_results_LDADD = $(UNIT_LIBS)
endif
EXTRA_DIST += tests/data/journal/cut/journal.jsonl \
	tests/data/journal/garbage/journal.jsonl \
	tests/data/journal/report/env.json tests/data/journal/report/journal.jsonl

## containers-core: cgroups, the resource journal, bridge networking
libisolab_a_SOURCES += engine/cgroup.c engine/cgroup.h engine/resources.c engine/resources.h \
	engine/netns.c engine/netns.h
if HAVE_CHECK
check_PROGRAMS += tests/unit/test_cgroup tests/unit/test_resources
TESTS += tests/unit/test_cgroup tests/unit/test_resources
tests_unit_test_cgroup_SOURCES = tests/unit/test_cgroup.c
tests_unit_test_cgroup_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_cgroup_LDADD = $(UNIT_LIBS)
tests_unit_test_resources_SOURCES = tests/unit/test_resources.c
tests_unit_test_resources_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_resources_LDADD = $(UNIT_LIBS)
endif
# Integration: the sandbox runtime for real (root), its limits, and a
# SIGKILLed run reaped by `isolab cleanup`.
TESTS += tests/integration/sandbox-run.sh tests/integration/sandbox-isolation.sh tests/integration/sandbox-bridge.sh \
	tests/integration/sandbox-limits.sh tests/integration/leak-sandbox.sh tests/integration/sandbox-v2.sh
EXTRA_DIST += tests/integration/sandbox-lib.sh tests/integration/sandbox-run.sh tests/integration/sandbox-bridge.sh \
	tests/integration/sandbox-isolation.sh tests/integration/sandbox-limits.sh \
	tests/integration/leak-sandbox.sh tests/integration/sandbox-v2.sh

## executors: local and remote (engine/ssh.c over libssh, engine/agentproto.c), `isolab agent`
AM_CPPFLAGS += $(LIBSSH_CFLAGS)
ISOLAB_LIBS += $(LIBSSH_LIBS)
libisolab_a_SOURCES += engine/executor.c engine/executor.h engine/executor-local.c \
	engine/executor-remote.c engine/ssh.c engine/ssh.h engine/agentproto.c engine/agentproto.h \
	engine/agent.c engine/agent.h
# The agent isolab uploads to hosts without isolab: static, and without
# libssh (it uses the local executor alone, so neither executor.o nor
# executor-remote.o, and so no libssh.a object, is pulled in).
pkglibexec_PROGRAMS = isolab-agent
isolab_agent_SOURCES = cli/agent-main.c cli/cmd-agent.c cli/cmd.h
isolab_agent_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/cli
isolab_agent_LDFLAGS = $(AM_LDFLAGS) $(AGENT_LDFLAGS)
isolab_agent_LDADD = $(ISOLAB_LIBS)
if HAVE_CHECK
check_PROGRAMS += tests/unit/test_agentproto
TESTS += tests/unit/test_agentproto
tests_unit_test_agentproto_SOURCES = tests/unit/test_agentproto.c
tests_unit_test_agentproto_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_agentproto_LDADD = $(UNIT_LIBS)
endif
# Integration: a private sshd on 127.0.0.1 (openssh-server), root only.
TESTS += tests/integration/ssh-run.sh tests/integration/ssh-hostkey.sh \
	tests/integration/ssh-disconnect.sh
EXTRA_DIST += docs/agent-protocol.md tests/integration/ssh-lib.sh tests/integration/ssh-run.sh \
	tests/integration/ssh-hostkey.sh tests/integration/ssh-disconnect.sh

## labs: engine/lab.c (verdicts), experiments/labs.conf, workloads/neighbours.conf, `isolab lab`
libisolab_a_SOURCES += engine/lab.c engine/lab.h
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
TESTS += tests/integration/kinds.sh tests/integration/forkbomb.sh tests/integration/lab-cli.sh
EXTRA_DIST += tests/integration/kinds.sh tests/integration/forkbomb.sh tests/integration/lab-cli.sh

## apps: nginx, MariaDB, Redis and PostgreSQL workloads (servers in the
## instance, load generators on the host)
dist_workloads_DATA += workloads/nginx.conf workloads/mariadb.conf \
	workloads/redis.conf workloads/postgresql.conf
dist_experiments_DATA += experiments/apps.conf
if HAVE_CHECK
check_PROGRAMS += tests/unit/test_apps
TESTS += tests/unit/test_apps
tests_unit_test_apps_SOURCES = tests/unit/test_apps.c
tests_unit_test_apps_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_apps_LDADD = $(UNIT_LIBS)
endif
# Real output of each server and load generator (see tests/unit/test_apps.c).
EXTRA_DIST += tests/data/outputs/nginx-server.txt tests/data/outputs/wrk-slices.txt \
	tests/data/outputs/mariadb-server.txt tests/data/outputs/sysbench-oltp.txt \
	tests/data/outputs/redis-server.txt tests/data/outputs/redis-benchmark-slices.txt \
	tests/data/outputs/postgresql-server.txt tests/data/outputs/pgbench.txt
# Integration: each application for 3 s on native, sandbox, runc and gVisor.
TESTS += tests/integration/app-run.sh tests/integration/app-leak.sh tests/integration/app-vm.sh
EXTRA_DIST += tests/integration/app-lib.sh tests/integration/app-run.sh tests/integration/app-leak.sh tests/integration/app-vm.sh
