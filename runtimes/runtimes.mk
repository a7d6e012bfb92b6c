# runtimes/: the driver API, the registry and one file per driver. They are
# part of the engine library, so tests can drive them without a terminal.
libisolab_a_SOURCES += runtimes/runtime.h runtimes/registry.c runtimes/native.c
libisolab_a_SOURCES += runtimes/rootfs.c runtimes/rootfs.h runtimes/sandbox.c
dist_runtimes_DATA += runtimes/sandbox.conf
