/* SPDX-License-Identifier: MIT */
/* Test helpers over *.umockdev recordings: the raw `descriptors` attribute of a USB device
 * (the `H: descriptors=HEX` line), so tests can feed real devices to the parsers without
 * a testbed; and a recording's device blocks in the order a testbed should add them. */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* Reads the descriptors of the device whose `P:` line is syspath; syspath NULL picks the first
 * device that is not a hub (bDeviceClass 0x09), i.e. the recorded DAC rather than its root hub.
 * Returns the number of bytes stored in buf, or a negative errno: -ENOENT no such device or no
 * descriptors line, -EBADMSG bad hex, -ENOSPC more than cap bytes, or the fopen() error. */
long dg_umockdev_read_descriptors(const char *path, const char *syspath, uint8_t *buf, size_t cap);

/* Splits the text of a recording, in place, into its device blocks (separated by a blank
 * line) and stores at most max of them in blocks, parents first: the file lists children
 * first and umockdev emits "add" for each block as it creates it, while the kernel adds
 * parents first. Returns how many it stored. */
size_t dg_umockdev_blocks_parents_first(char *data, char **blocks, size_t max);
