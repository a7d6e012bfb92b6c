/*
 * kvm.h — is KVM usable for isolab's VMs here?
 *
 * /dev/kvm opening is not enough: on a nested host it can open, create a
 * VM and then hang the guest forever. So the verdict comes from a bounded
 * boot probe: QEMU boots the guest kernel with the agent's initramfs under
 * KVM and must print the agent's exit frame within the timeout. The
 * verdict is cached per (QEMU version, guest kernel, host kernel) under
 * <cache>/kvm/, so the probe costs its time once.
 * Errors follow the contract in util.h.
 */
#ifndef ISOLAB_KVM_H
#define ISOLAB_KVM_H

enum kvm_verdict {
	KVM_UNKNOWN = 0,   /* not probed yet with this QEMU and kernel */
	KVM_USABLE,
	KVM_UNUSABLE,      /* /dev/kvm missing or unopenable, or the boot probe failed */
};

/* Cheap: the KVM device, then the cached verdict for this QEMU version and guest
 * kernel. *why (may be NULL) gets a malloc'd reason for UNUSABLE/UNKNOWN. */
enum kvm_verdict kvm_cached(const char *qemu_version, const char *kernel, char **why);
/* The boot probe (runs QEMU with -accel kvm for at most timeout_ms, then
 * kills it), caching its verdict. *why as above; *elapsed_ms (may be NULL)
 * gets how long it took. Never fails: an error is an UNUSABLE verdict. */
enum kvm_verdict kvm_probe(const char *qemu, const char *qemu_version, const char *kernel, const char *initrd,
    int timeout_ms, char **why, double *elapsed_ms);
/* The KVM device: $ISOLAB_KVM_DEVICE, else /dev/kvm. Static storage. */
const char *kvm_device(void);
/* The vhost-net device a VM's tap is given vhost=on by when it opens:
 * $ISOLAB_VHOST_DEVICE (the tests' stand-in, as for KVM's), else
 * /dev/vhost-net. Static storage. */
const char *vhost_device(void);
/* The version of the QEMU at path (NULL: qemu-system-x86_64 from PATH),
 * "7.2.22" from "QEMU emulator version 7.2.22 (Debian ...)": the key of the
 * verdicts. Malloc'd, or NULL when it does not run. */
char *kvm_qemu_version(const char *path);
/* "KVM" or "emulated (TCG)", for versions and reports. */
const char *kvm_accel_label(int kvm);

#endif
