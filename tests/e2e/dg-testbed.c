/* SPDX-License-Identifier: MIT */
/* dg-testbed: a umockdev testbed driven from a shell test. Run under umockdev-wrapper;
 * prints "UMOCKDEV_DIR=<dir>" (start any process with that variable and the umockdev
 * preload, e.g. `UMOCKDEV_DIR=<dir> umockdev-wrapper dacguardd`, and it sees the testbed
 * and its uevents), then reads commands from stdin, one a line, answering "ok" or
 * "error ...":
 *   hotplug FILE            add a recorded device, parents first, as the kernel does
 *   uevent SYSPATH ACTION   emit a uevent
 *   remove SYSPATH          emit "remove" and delete the device
 * It exits (removing the testbed) at end of input. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <umockdev.h>

#include "umockdev-util.h"

static UMockdevTestbed *tb;

static int hotplug(const char *path)
{
	char *data = NULL, *blocks[64];
	size_t n;
	GError *err = NULL;

	if (!g_file_get_contents(path, &data, NULL, &err)) {
		printf("error %s\n", err->message);
		return -1;
	}
	n = dg_umockdev_blocks_parents_first(data, blocks, 64);
	for (size_t i = 0; i < n; i++) {
		if (!umockdev_testbed_add_from_string(tb, blocks[i], &err)) {
			printf("error %s: %s\n", path, err->message);
			g_free(data);
			return -1;
		}
	}
	g_free(data);
	return 0;
}

int main(void)
{
	char line[4096];

	/* umockdev_in_mock_environment() only answers once a testbed exists */
	if (!getenv("LD_PRELOAD") || !strstr(getenv("LD_PRELOAD"), "umockdev-preload")) {
		fprintf(stderr, "dg-testbed: run under umockdev-wrapper\n");
		return 77;
	}
	tb = umockdev_testbed_new();
	printf("UMOCKDEV_DIR=%s\n", umockdev_testbed_get_root_dir(tb));
	fflush(stdout);
	while (fgets(line, sizeof(line), stdin)) {
		char *cmd = strtok(line, " \n"), *arg1 = strtok(NULL, " \n"),
		     *arg2 = strtok(NULL, " \n");

		if (cmd == NULL)
			continue;
		if (strcmp(cmd, "hotplug") == 0 && arg1) {
			if (hotplug(arg1) == 0)
				puts("ok");
		} else if (strcmp(cmd, "uevent") == 0 && arg1 && arg2) {
			umockdev_testbed_uevent(tb, arg1, arg2);
			puts("ok");
		} else if (strcmp(cmd, "remove") == 0 && arg1) {
			umockdev_testbed_uevent(tb, arg1, "remove");
			umockdev_testbed_remove_device(tb, arg1);
			puts("ok");
		} else {
			printf("error unknown command %s\n", cmd);
		}
		fflush(stdout);
	}
	g_object_unref(tb);
	return 0;
}
