/*
 * firecracker.h — the Firecracker API requests the firecracker driver
 * makes, exposed so a test can check them against a fake API server
 * (Firecracker itself needs KVM, which the test machines lack).
 * Errors follow the contract in util.h; a request Firecracker refuses is
 * an error whose cause carries Firecracker's fault_message.
 */
#ifndef ISOLAB_FIRECRACKER_H
#define ISOLAB_FIRECRACKER_H

struct fc_boot {
	const char *kernel;      /* ELF vmlinux */
	const char *initrd;      /* the isolab initramfs */
	const char *boot_args;   /* the kernel command line */
	const char *disk;        /* scratch disk image, or NULL for none */
	const char *tap;         /* a tap device in Firecracker's network namespace for eth0, or NULL */
	unsigned vcpus;
	unsigned mem_mib;
};

/* The pre-boot requests, in order: PUT /machine-config, PUT /boot-source,
 * PUT /drives/scratch (when b->disk), PUT /network-interfaces/eth0 (when
 * b->tap), each answered within timeout_ms. */
int firecracker_configure(const char *api_sock, const struct fc_boot *b, int timeout_ms, char **cause);
/* PUT /actions {"action_type": "InstanceStart"}: boots the guest. */
int firecracker_start(const char *api_sock, int timeout_ms, char **cause);

#endif
