# runtimes/: the driver API, the registry and one file per driver. They are
# part of the engine library, so tests can drive them without a terminal.
libisolab_a_SOURCES += runtimes/runtime.h runtimes/registry.c runtimes/native.c
libisolab_a_SOURCES += runtimes/rootfs.c runtimes/rootfs.h runtimes/sandbox.c
dist_runtimes_DATA += runtimes/sandbox.conf
## containers: the oci and docker drivers (runc, crun, gVisor, Docker, Podman)
libisolab_a_SOURCES += runtimes/container.c runtimes/container.h runtimes/oci.c \
	runtimes/docker.c
dist_runtimes_DATA += runtimes/oci.conf runtimes/docker.conf
TESTS += tests/integration/oci-run.sh tests/integration/oci-limits.sh \
	tests/integration/leak-oci.sh tests/integration/docker-run.sh \
	tests/integration/leak-docker.sh
EXTRA_DIST += tests/integration/runtimes-lib.sh tests/integration/oci-run.sh \
	tests/integration/oci-limits.sh tests/integration/leak-oci.sh \
	tests/integration/docker-run.sh tests/integration/leak-docker.sh
## lxc: the lxc driver and its default runtime
libisolab_a_SOURCES += runtimes/lxc.c
dist_runtimes_DATA += runtimes/lxc.conf
TESTS += tests/integration/lxc-run.sh tests/integration/lxc-limits.sh tests/integration/leak-lxc.sh
EXTRA_DIST += tests/integration/lxc-run.sh tests/integration/lxc-limits.sh tests/integration/leak-lxc.sh
## fingerprint: the isolation fingerprint of each instance
libisolab_a_SOURCES += runtimes/fingerprint.c runtimes/fingerprint.h
if HAVE_CHECK
check_PROGRAMS += tests/unit/test_fingerprint
TESTS += tests/unit/test_fingerprint
tests_unit_test_fingerprint_SOURCES = tests/unit/test_fingerprint.c
tests_unit_test_fingerprint_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_fingerprint_LDADD = $(UNIT_LIBS)
endif
TESTS += tests/integration/fingerprint.sh
EXTRA_DIST += tests/integration/fingerprint.sh
## startup: bench/startup, start-up time through isolab beside the bare runtime CLIs
EXTRA_DIST += bench/startup
