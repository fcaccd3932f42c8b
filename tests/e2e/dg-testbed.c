/* SPDX-License-Identifier: MIT */
/* dg-testbed: a umockdev testbed driven from a shell test. Run under umockdev-wrapper;
 * prints "UMOCKDEV_DIR=<dir>" (start any process with that variable and the umockdev
 * preload, e.g. `UMOCKDEV_DIR=<dir> umockdev-wrapper dacguardd`, and it sees the testbed
 * and its uevents), then reads commands from stdin, one a line, answering "ok" or
 * "error ...":
 *   hotplug FILE            add a recorded device, parents first, as the kernel does;
 *                           the devices of FILE already in the testbed (the host
 *                           controller and the hub a DAC was unplugged from) are
 *                           kept, so a device removed can be plugged in again
 *   uevent SYSPATH ACTION   emit a uevent
 *   remove SYSPATH          unplug: emit "remove" for the device and every device
 *                           below it, children first, as the kernel does, and delete
 *                           them
 * It exits (removing the testbed) at end of input. */
#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <umockdev.h>
#include <unistd.h>

#include "umockdev-util.h"

static UMockdevTestbed *tb;
static char *sys_dir;
static char *root_dir;

/* the directory of a device's syspath ("/sys/devices/..." or "/devices/...") in the
 * testbed */
static void testbed_path(const char *syspath, char *out, size_t size)
{
	if (strncmp(syspath, "/sys/", 5) == 0)
		syspath += 4;
	snprintf(out, size, "%s%s", sys_dir, syspath);
}

/* a block of a recording is already in the testbed: umockdev aborts on adding it again */
static bool block_present(const char *block)
{
	char syspath[4096], dir[8192];
	struct stat st;

	if (strncmp(block, "P: ", 3) != 0)
		return false;
	snprintf(syspath, sizeof(syspath), "%.*s", (int) strcspn(block + 3, "\n"), block + 3);
	testbed_path(syspath, dir, sizeof(dir));
	return stat(dir, &st) == 0;
}

/* umockdev (0.17) keeps the PTY behind a removed device's node and aborts when the device
 * is added again: then the N: line is dropped from the block (node_out: its name) and
 * the node linked to that same PTY afterwards (relink_node) */
static bool take_kept_node(char *block, char *node_out, size_t size)
{
	for (char *l = block; *l;) {
		size_t len = strcspn(l, "\n");
		char *next = l + len + (l[len] == '\n'), dev[4096];

		if (strncmp(l, "N: ", 3) != 0 || memchr(l, '=', len)) {
			l = next;
			continue;
		}
		snprintf(node_out, size, "%.*s", (int) len - 3, l + 3);
		snprintf(dev, sizeof(dev), "/dev/%s", node_out);
		if (umockdev_testbed_get_dev_fd(tb, dev) < 0)
			return false;
		memmove(l, next, strlen(next) + 1);
		return true;
	}
	return false;
}

static int relink_node(const char *node)
{
	char dev[4096], path[8192], *dir;
	const char *pty;
	int res;

	snprintf(dev, sizeof(dev), "/dev/%s", node);
	pty = ptsname(umockdev_testbed_get_dev_fd(tb, dev));
	snprintf(path, sizeof(path), "%s%s", root_dir, dev);
	dir = g_path_get_dirname(path);
	res = pty && g_mkdir_with_parents(dir, 0755) == 0 && symlink(pty, path) == 0 ? 0 : -1;
	g_free(dir);
	if (res < 0)
		printf("error %s: cannot link it to its PTY again\n", dev);
	return res;
}

static int hotplug(const char *path)
{
	char *data = NULL, *blocks[64];
	size_t n, added = 0;
	GError *err = NULL;

	if (!g_file_get_contents(path, &data, NULL, &err)) {
		printf("error %s\n", err->message);
		return -1;
	}
	n = dg_umockdev_blocks_parents_first(data, blocks, 64);
	for (size_t i = 0; i < n; i++) {
		char node[4096];
		bool kept;

		if (block_present(blocks[i]))
			continue;
		kept = take_kept_node(blocks[i], node, sizeof(node));
		if (!umockdev_testbed_add_from_string(tb, blocks[i], &err)) {
			printf("error %s: %s\n", path, err->message);
			g_free(data);
			return -1;
		}
		if (kept && relink_node(node) < 0) {
			g_free(data);
			return -1;
		}
		added++;
	}
	g_free(data);
	if (added == 0) {
		printf("error %s: every device of it is plugged in already\n", path);
		return -1;
	}
	return 0;
}

static void unplug_device(const char *syspath, const char *dir);

/* unplugs the devices below dir (subdirectories with a "subsystem" link; others, such
 * as sound/ or power/, are searched on), children first */
static void unplug_below(const char *syspath, const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	while (d && (e = readdir(d))) {
		char sub_dir[8192], sub_sys[8192], link[8200];
		struct stat st;

		if (e->d_name[0] == '.')
			continue;
		snprintf(sub_dir, sizeof(sub_dir), "%s/%s", dir, e->d_name);
		if (lstat(sub_dir, &st) < 0 || !S_ISDIR(st.st_mode))
			continue;
		snprintf(sub_sys, sizeof(sub_sys), "%s/%s", syspath, e->d_name);
		snprintf(link, sizeof(link), "%s/subsystem", sub_dir);
		if (lstat(link, &st) == 0)
			unplug_device(sub_sys, sub_dir);
		else
			unplug_below(sub_sys, sub_dir);
	}
	if (d)
		closedir(d);
}

/* "remove" for the devices below it, then for it, each deleted after its uevent */
static void unplug_device(const char *syspath, const char *dir)
{
	unplug_below(syspath, dir);
	umockdev_testbed_uevent(tb, syspath, "remove");
	umockdev_testbed_remove_device(tb, syspath);
}

static int unplug(const char *syspath)
{
	char dir[8192];
	struct stat st;

	testbed_path(syspath, dir, sizeof(dir));
	if (stat(dir, &st) < 0) {
		printf("error %s: no such device\n", syspath);
		return -1;
	}
	unplug_device(syspath, dir);
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
	sys_dir = umockdev_testbed_get_sys_dir(tb);
	root_dir = umockdev_testbed_get_root_dir(tb);
	printf("UMOCKDEV_DIR=%s\n", root_dir);
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
			if (unplug(arg1) == 0)
				puts("ok");
		} else {
			printf("error unknown command %s\n", cmd);
		}
		fflush(stdout);
	}
	g_free(sys_dir);
	g_free(root_dir);
	g_object_unref(tb);
	return 0;
}
