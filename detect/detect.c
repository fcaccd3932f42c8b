/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "detect.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

bool dg_detect_is_card(struct udev_device *dev)
{
	const char *subsys = udev_device_get_subsystem(dev);
	const char *name = udev_device_get_sysname(dev);
	const char *p;

	if (!subsys || strcmp(subsys, "sound") != 0 || !name || strncmp(name, "card", 4) != 0)
		return false;
	p = name + 4;
	if (*p == '\0')
		return false;
	for (; *p; p++)
		if (*p < '0' || *p > '9')
			return false;
	return true;
}

bool dg_detect_is_initialized(struct udev_device *dev)
{
	const char *v = udev_device_get_property_value(dev, "SOUND_INITIALIZED");

	return v && strcmp(v, "1") == 0;
}

/* sysfs text attributes end in a newline; strings may carry trailing blanks. */
static void copy_attr(char *dst, size_t size, const char *src)
{
	size_t n;

	dst[0] = '\0';
	if (!src)
		return;
	n = strlen(src);
	while (n > 0 && (src[n - 1] == '\n' || src[n - 1] == ' '))
		n--;
	if (n >= size)
		n = size - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

static int parse_hex16(const char *s, uint16_t *v)
{
	char *end;
	unsigned long x;

	if (!s)
		return -ENOENT;
	errno = 0;
	x = strtoul(s, &end, 16);
	while (*end == '\n' || *end == ' ')
		end++;
	if (errno || end == s || *end != '\0' || x > 0xffff)
		return -EINVAL;
	*v = (uint16_t) x;
	return 0;
}

ssize_t dg_detect_read_binary(const char *path, uint8_t **out, size_t max)
{
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0;
	int fd, r = 0;

	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
		ssize_t n;

		if (len == cap) {
			uint8_t *nb;

			if (cap >= max) {
				r = -EFBIG;
				break;
			}
			cap = cap ? cap * 2 : 1024;
			nb = realloc(buf, cap);
			if (!nb) {
				r = -ENOMEM;
				break;
			}
			buf = nb;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			break;
		}
		if (n == 0)
			break;
		len += (size_t) n;
	}
	close(fd);
	if (r < 0) {
		free(buf);
		return r;
	}
	*out = buf;
	return (ssize_t) len;
}

void dg_card_clear(struct dg_card *card)
{
	free(card->descriptors);
	memset(card, 0, sizeof(*card));
}

int dg_detect_read_card(struct udev_device *dev, struct dg_card *card)
{
	struct udev_device *usb;
	const char *sysnum, *syspath, *config;
	char path[PATH_MAX + 16];
	ssize_t n;
	int r;

	memset(card, 0, sizeof(*card));
	if (!dg_detect_is_card(dev))
		return -ENODEV;
	syspath = udev_device_get_syspath(dev);
	snprintf(card->syspath, sizeof(card->syspath), "%s", syspath ? syspath : "");
	sysnum = udev_device_get_sysnum(dev);
	card->number = sysnum ? atoi(sysnum) : -1;

	/* owned by dev: not unref'd */
	usb = udev_device_get_parent_with_subsystem_devtype(dev, "usb", "usb_device");
	if (!usb)
		return -ENODEV;
	snprintf(card->usb_syspath, sizeof(card->usb_syspath), "%s", udev_device_get_syspath(usb));
	r = parse_hex16(udev_device_get_sysattr_value(usb, "idVendor"), &card->vendor_id);
	if (r == 0)
		r = parse_hex16(udev_device_get_sysattr_value(usb, "idProduct"), &card->product_id);
	if (r < 0)
		return -ENODEV;
	copy_attr(card->manufacturer, sizeof(card->manufacturer),
		  udev_device_get_sysattr_value(usb, "manufacturer"));
	copy_attr(card->product, sizeof(card->product),
		  udev_device_get_sysattr_value(usb, "product"));

	config = udev_device_get_sysattr_value(usb, "bConfigurationValue");
	if (config)
		card->config_value = (uint8_t) atoi(config);

	snprintf(path, sizeof(path), "%s/descriptors", card->usb_syspath);
	n = dg_detect_read_binary(path, &card->descriptors, DG_DESCRIPTORS_MAX);
	if (n < 0)
		card->descriptors_err = (int) n;
	else
		card->descriptors_len = (size_t) n;
	return 0;
}

int dg_detect_enumerate(struct udev *udev, dg_detect_card_fn fn, void *data)
{
	struct udev_enumerate *e;
	struct udev_list_entry *entry;
	int r, count = 0;

	e = udev_enumerate_new(udev);
	if (!e)
		return -ENOMEM;
	r = udev_enumerate_add_match_subsystem(e, "sound");
	if (r == 0)
		r = udev_enumerate_scan_devices(e);
	if (r < 0) {
		udev_enumerate_unref(e);
		return r;
	}
	udev_list_entry_foreach(entry, udev_enumerate_get_list_entry(e))
	{
		struct udev_device *dev;

		dev = udev_device_new_from_syspath(udev, udev_list_entry_get_name(entry));
		if (!dev)
			continue;
		if (dg_detect_is_card(dev)) {
			fn(dev, data);
			count++;
		}
		udev_device_unref(dev);
	}
	udev_enumerate_unref(e);
	return count;
}

struct udev_monitor *dg_detect_monitor_new(struct udev *udev)
{
	struct udev_monitor *mon = udev_monitor_new_from_netlink(udev, "udev");

	if (!mon)
		return NULL;
	if (udev_monitor_filter_add_match_subsystem_devtype(mon, "sound", NULL) < 0 ||
	    udev_monitor_enable_receiving(mon) < 0) {
		udev_monitor_unref(mon);
		return NULL;
	}
	return mon;
}
