/* SPDX-License-Identifier: MIT */
/* dacguardd: find USB sound cards through libudev and read what identifies them. */
#pragma once

#include <libudev.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"

/* Beyond any real device's descriptors (a few KiB); a longer file is refused. */
#define DG_DESCRIPTORS_MAX 65536

/* A USB sound card as udev and sysfs show it. */
struct dg_card {
	char syspath[PATH_MAX];	    /* the card device: .../sound/cardN */
	char usb_syspath[PATH_MAX]; /* its usb_device parent */
	int number;		    /* N of cardN */
	uint16_t vendor_id;
	uint16_t product_id;
	char manufacturer[DG_NAME_MAX];
	char product[DG_NAME_MAX];
	uint8_t config_value; /* bConfigurationValue; 0 = unknown (parse the first) */
	uint8_t *descriptors; /* raw bytes of <usb_syspath>/descriptors; NULL if unreadable */
	size_t descriptors_len;
	int descriptors_err; /* 0, or negative errno from reading them */
};

/* True for a sound card device (sysname cardN), whatever its bus. */
bool dg_detect_is_card(struct udev_device *dev);

/* A card counts once udev has processed its "change" event (systemd's
 * 78-sound-card.rules sets SOUND_INITIALIZED=1 then); before that its
 * controls may still be missing. */
bool dg_detect_is_initialized(struct udev_device *dev);

/* Fills card from a sound card device. Returns 0, -ENODEV when the card has no
 * USB parent or the USB ids are unreadable. A descriptors read error is not
 * fatal: it is kept in card->descriptors_err (the decision then fails safe). */
int dg_detect_read_card(struct udev_device *dev, struct dg_card *card);
void dg_card_clear(struct dg_card *card);

/* Reads a whole sysfs binary attribute (udev_device_get_sysattr_value stops at
 * the first NUL). Returns the length, or a negative errno. *out is malloc'd. */
ssize_t dg_detect_read_binary(const char *path, uint8_t **out, size_t max);

typedef void (*dg_detect_card_fn)(struct udev_device *dev, void *data);

/* Calls fn for every sound card device present now. Returns the number of cards
 * or a negative errno. */
int dg_detect_enumerate(struct udev *udev, dg_detect_card_fn fn, void *data);

/* A monitor on subsystem "sound" (udev events, i.e. after rules ran), receiving. */
struct udev_monitor *dg_detect_monitor_new(struct udev *udev);
