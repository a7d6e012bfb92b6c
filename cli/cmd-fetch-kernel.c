/*
 * cmd-fetch-kernel.c — `isolab fetch-kernel`: puts a guest kernel for the
 * VM runtimes into isolab's cache when the host has no /boot/vmlinuz-*.
 *
 * It downloads the distribution's kernel package with `apt-get download`
 * and unpacks it with `dpkg-deb -x` into the cache: nothing is installed,
 * the host's kernel, boot loader and package database stay as they are.
 */
#include "cmd.h"
#include "guestkernel.h"
#include "util.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static void fetch_usage(FILE *fp)
{
	fprintf(fp, "usage: isolab fetch-kernel [--quiet]\n\n"
	    "Downloads Debian's kernel package (linux-image-amd64's versioned package) and unpacks\n"
	    "it into isolab's cache for the qemu runtimes; installs nothing on the host.\n\n"
	    "  -q, --quiet   print only the kernel's path\n");
}

static int cmd_fetch_kernel_exec(const struct globals *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int quiet = 0, c;
	while ((c = getopt_long(argc, argv, "qh", opts, NULL)) != -1) {
		switch (c) {
		case 'q': quiet = 1; break;
		case 'h': fetch_usage(stdout); return 0;
		default: fetch_usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		cli_error("fetch-kernel: unexpected argument '%s' (try 'isolab fetch-kernel --help')", argv[optind]);
		return 2;
	}
	char *log = NULL, *cause = NULL;
	char *path = guestkernel_fetch(&log, &cause);
	if (log && !quiet)
		fputs(log, stdout);
	free(log);
	if (!path) {
		cli_error("fetch-kernel: %s", cause);
		free(cause);
		return 1;
	}
	printf("%s\n", path);
	free(path);
	return 0;
}

const struct cmd_entry cmd_fetch_kernel_entry = {
	.name = "fetch-kernel",
	.usage = "[--quiet]",
	.summary = "download a guest kernel for the VM runtimes into the cache",
	.exec = cmd_fetch_kernel_exec,
};
