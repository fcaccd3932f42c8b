/* SPDX-License-Identifier: MIT */
/* Test helper: the raw `descriptors` attribute of a USB device recorded in a *.umockdev file
 * (the `H: descriptors=HEX` line), so tests can feed real devices to the parsers without
 * a testbed. */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* Reads the descriptors of the device whose `P:` line is syspath; syspath NULL picks the first
 * device that is not a hub (bDeviceClass 0x09), i.e. the recorded DAC rather than its root hub.
 * Returns the number of bytes stored in buf, or a negative errno: -ENOENT no such device or no
 * descriptors line, -EBADMSG bad hex, -ENOSPC more than cap bytes, or the fopen() error. */
long dg_umockdev_read_descriptors(const char *path, const char *syspath, uint8_t *buf, size_t cap);
