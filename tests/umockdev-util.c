/* SPDX-License-Identifier: MIT */
/* Reads the `H: descriptors=HEX` attribute of a device in a umockdev record, and splits a
 * record into its device blocks. */
#include "umockdev-util.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static long decode(const char *hex, uint8_t *buf, size_t cap)
{
	size_t n = 0;

	while (*hex && *hex != '\n' && *hex != '\r') {
		int hi = hexval(hex[0]);
		int lo = hi < 0 ? -1 : hexval(hex[1]);
		if (lo < 0)
			return -EBADMSG;
		if (n >= cap)
			return -ENOSPC;
		buf[n++] = (uint8_t) (hi << 4 | lo);
		hex += 2;
	}
	return (long) n;
}

long dg_umockdev_read_descriptors(const char *path, const char *syspath, uint8_t *buf, size_t cap)
{
	static const char key[] = "H: descriptors=";
	FILE *f = fopen(path, "re");
	char *line = NULL, *cur = NULL;
	size_t sz = 0;
	long res = -ENOENT;

	if (!f)
		return -errno;
	while (getline(&line, &sz, f) > 0) {
		if (strncmp(line, "P: ", 3) == 0) {
			free(cur);
			cur = strdup(line + 3);
			if (cur)
				cur[strcspn(cur, "\r\n")] = '\0';
			continue;
		}
		if (strncmp(line, key, sizeof(key) - 1) != 0)
			continue;
		if (syspath) {
			if (!cur || strcmp(cur, syspath) != 0)
				continue;
			res = decode(line + sizeof(key) - 1, buf, cap);
			break;
		}
		long n = decode(line + sizeof(key) - 1, buf, cap);
		if (n < 0) {
			res = n;
			break;
		}
		/* skip hubs: a recording also holds the root hub the DAC hangs off */
		if (n >= 5 && buf[4] == 0x09)
			continue;
		res = n;
		break;
	}
	free(cur);
	free(line);
	fclose(f);
	return res;
}

size_t dg_umockdev_blocks_parents_first(char *data, char **blocks, size_t max)
{
	size_t n = 0;

	for (char *b = data; b && *b && n < max;) {
		char *end = strstr(b, "\n\n");

		if (end)
			*end = '\0';
		blocks[n++] = b;
		b = end ? end + 2 : NULL;
	}
	for (size_t i = 0; i < n / 2; i++) {
		char *t = blocks[i];

		blocks[i] = blocks[n - 1 - i];
		blocks[n - 1 - i] = t;
	}
	return n;
}
