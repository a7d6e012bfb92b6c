# runtimes/: the driver API, the registry and one file per driver. They are
# part of the engine library, so tests can drive them without a terminal.
libisolab_a_SOURCES += runtimes/runtime.h runtimes/registry.c runtimes/native.c
libisolab_a_SOURCES += runtimes/cache.c runtimes/cache.h runtimes/rootfs.c runtimes/rootfs.h base/cowfiles.h runtimes/sandbox.c
dist_runtimes_DATA += runtimes/sandbox.conf
## containers: the oci and docker drivers (runc, crun, gVisor, Docker, Podman)
libisolab_a_SOURCES += runtimes/container.c runtimes/container.h runtimes/oci.c \
	runtimes/docker.c
dist_runtimes_DATA += runtimes/oci.conf runtimes/docker.conf
TESTS += tests/integration/oci-run.sh tests/integration/oci-limits.sh \
	tests/integration/leak-oci.sh tests/integration/docker-run.sh \
	tests/integration/leak-docker.sh tests/integration/io-weight.sh
EXTRA_DIST += tests/integration/runtimes-lib.sh tests/integration/oci-run.sh \
	tests/integration/oci-limits.sh tests/integration/leak-oci.sh \
	tests/integration/docker-run.sh tests/integration/leak-docker.sh tests/integration/io-weight.sh
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
## vms: the qemu, firecracker and kata drivers, the guest kernel, initramfs and KVM probe
libisolab_a_SOURCES += runtimes/vm.c runtimes/vm.h runtimes/qemu.c runtimes/kvm.c runtimes/kvm.h \
	runtimes/guestkernel.c runtimes/guestkernel.h runtimes/initramfs.c runtimes/initramfs.h
dist_runtimes_DATA += runtimes/qemu.conf
if HAVE_CHECK
check_PROGRAMS += tests/unit/test_agent_framing tests/unit/test_initramfs
TESTS += tests/unit/test_agent_framing tests/unit/test_initramfs
tests_unit_test_agent_framing_SOURCES = tests/unit/test_agent_framing.c
tests_unit_test_agent_framing_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_agent_framing_LDADD = $(UNIT_LIBS)
tests_unit_test_initramfs_SOURCES = tests/unit/test_initramfs.c
tests_unit_test_initramfs_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_initramfs_LDADD = $(UNIT_LIBS)
endif
# Integration: boots real VMs (root; fetches a guest kernel into the cache
# when the host has none), the KVM probe's bounded verdict on each kind of
# host (no KVM, KVM whose guests hang, KVM that works: qemu-sim plays the
# ones this machine is not; ISOLAB_TEST_KVM=KIND runs every VM test so),
# and a SIGKILLed VM run reaped by `isolab cleanup`.
TESTS += tests/integration/vm-run.sh tests/integration/vm-kvm.sh tests/integration/vm-leak.sh \
	tests/integration/vm-containers.sh
EXTRA_DIST += tests/integration/vm-lib.sh tests/integration/qemu-sim tests/integration/vm-run.sh \
	tests/integration/vm-kvm.sh tests/integration/vm-leak.sh tests/integration/vm-containers.sh
## hold: a member ready before its group waits held, by the runtime's own
## pause where SIGSTOP cannot hold it (gVisor, QEMU)
TESTS += tests/integration/hold.sh
EXTRA_DIST += tests/integration/hold.sh
## vms (firecracker, kata, VM networking): the firecracker driver with its
## HTTP-over-unix-socket client and vmlinux extraction, the kata driver
libisolab_a_SOURCES += runtimes/httpunix.c runtimes/httpunix.h runtimes/vmlinux.c runtimes/vmlinux.h \
	runtimes/firecracker.c runtimes/firecracker.h runtimes/kata.c
dist_runtimes_DATA += runtimes/firecracker.conf runtimes/kata.conf
if HAVE_CHECK
check_PROGRAMS += tests/unit/test_httpunix tests/unit/test_firecracker
TESTS += tests/unit/test_httpunix tests/unit/test_firecracker
tests_unit_test_httpunix_SOURCES = tests/unit/test_httpunix.c tests/unit/fakehttp.h
tests_unit_test_httpunix_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_httpunix_LDADD = $(UNIT_LIBS)
tests_unit_test_firecracker_SOURCES = tests/unit/test_firecracker.c tests/unit/fakehttp.h
tests_unit_test_firecracker_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_firecracker_LDADD = $(UNIT_LIBS)
endif
# Integration: Firecracker and Kata as far as this machine allows (each
# says what it did not run and why), net-rr over qemu-microvm's user-mode
# network under TCG.
TESTS += tests/integration/vm-firecracker.sh tests/integration/vm-kata.sh tests/integration/vm-net.sh \
	tests/integration/vm-vhost.sh
EXTRA_DIST += tests/integration/vm-firecracker.sh tests/integration/vm-kata.sh tests/integration/vm-net.sh \
	tests/integration/vm-vhost.sh \
	bench/startup-vm
# vmlinux.c reads xz kernels through libarchive, whose xz filter needs
# liblzma in the static isolab-agent (libarchive's .pc names only -larchive).
ISOLAB_LIBS += -llzma
