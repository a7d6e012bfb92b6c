# engine/: the engine thread and its loop, the plan, one instance's life,
# the executors and the agent: the library's third layer, on runtimes/ and
# base/. Nothing here includes curses.
libisolab_a_SOURCES += engine/engine.c engine/engine.h engine/events.c engine/events.h \
	engine/instance.c engine/instance.h engine/window.c engine/window.h

## reports people look at: engine/plot.c (cairo charts), engine/figures.c
## (a run's charts), engine/html.c (the self-contained page),
## engine/compare.c (run against run)
# Only programs that draw link cairo: the static agent never pulls these in.
AM_CPPFLAGS += $(CAIRO_CFLAGS)
libisolab_a_SOURCES += engine/plot.c engine/plot.h engine/figures.c engine/figures.h \
	engine/html.c engine/html.h engine/compare.c engine/compare.h
if HAVE_CHECK
check_PROGRAMS += tests/unit/test_charts tests/unit/test_compare
TESTS += tests/unit/test_charts tests/unit/test_compare
tests_unit_test_charts_SOURCES = tests/unit/test_charts.c
tests_unit_test_charts_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_charts_LDADD = $(UNIT_LIBS) $(CAIRO_LIBS)
tests_unit_test_compare_SOURCES = tests/unit/test_compare.c
tests_unit_test_compare_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_compare_LDADD = $(UNIT_LIBS)
endif
# Integration: the charts in Chromium and poppler; two runs compared. png-stats
# measures the pictures those tools draw.
check_PROGRAMS += tests/integration/png-stats
tests_integration_png_stats_SOURCES = tests/integration/png-stats.c
tests_integration_png_stats_LDADD = $(CAIRO_LIBS)
TESTS += tests/integration/report-charts.sh tests/integration/report-compare.sh
EXTRA_DIST += tests/integration/report-charts.sh tests/integration/report-compare.sh \
	tests/data/journal/compare-a/env.json tests/data/journal/compare-a/journal.jsonl \
	tests/data/journal/compare-b/env.json tests/data/journal/compare-b/journal.jsonl docs/startup.png

## instance: one instance's life, for the engine thread and the agent
# bench/density: N idle sandbox instances watched at 1 Hz (the engine's
# "tick" records); bench/monitor-overhead: the probe through isolab vs bare.
EXTRA_DIST += bench/density bench/monitor-overhead
## plan: an experiment's groups by kind, runtimes resolved to executors
libisolab_a_SOURCES += engine/plan.c engine/plan.h
# Their unit tests (each from tests/unit/NAME.c).
if HAVE_CHECK
check_PROGRAMS += tests/unit/test_instance tests/unit/test_plan
TESTS += tests/unit/test_instance tests/unit/test_plan
tests_unit_test_instance_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_instance_LDADD = $(UNIT_LIBS)
tests_unit_test_plan_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_plan_LDADD = $(UNIT_LIBS)
endif

## executors: local and remote (engine/ssh.c over libssh), `isolab agent`
AM_CPPFLAGS += $(LIBSSH_CFLAGS)
ISOLAB_LIBS += $(LIBSSH_LIBS)
libisolab_a_SOURCES += engine/executor.c engine/executor.h engine/executor-local.c \
	engine/executor-remote.c engine/ssh.c engine/ssh.h \
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
check_PROGRAMS += tests/unit/test_remote
TESTS += tests/unit/test_remote
tests_unit_test_remote_SOURCES = tests/unit/test_remote.c
tests_unit_test_remote_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_remote_LDADD = $(UNIT_LIBS)
endif
# Integration: a private sshd on 127.0.0.1 (openssh-server), root only.
TESTS += tests/integration/ssh-run.sh tests/integration/ssh-hostkey.sh \
	tests/integration/ssh-disconnect.sh
EXTRA_DIST += docs/agent-protocol.md tests/integration/ssh-lib.sh tests/integration/ssh-run.sh \
	tests/integration/ssh-hostkey.sh tests/integration/ssh-disconnect.sh

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
