/* SPDX-License-Identifier: MIT */
/* dacguardd: the detected cards on the PipeWire side, and which sink nodes are theirs:
 * by bus path (udev ID_PATH), else ALSA card number, with a serial that disagrees as a
 * veto. */
#include <stdlib.h>
#include <string.h>

#include <libudev.h>

#include "pw-state.h"

struct card *find_card(struct dg_pw_apply *a, const char *syspath)
{
	struct card *c;

	spa_list_for_each(c, &a->cards, link)
		if (spa_streq(c->syspath, syspath))
			return c;
	return NULL;
}

static struct obj *node_device(struct dg_pw_apply *a, const struct obj *n)
{
	const char *s = obj_prop(n, PW_KEY_DEVICE_ID);
	struct obj *d;

	if (s == NULL)
		return NULL;
	d = find_obj(a, (uint32_t)strtoul(s, NULL, 10));
	return d && d->kind == OBJ_DEVICE ? d : NULL;
}

/* The node's, else its device's, value of the first key present. */
static const char *sink_prop(struct dg_pw_apply *a, const struct obj *n, const char *const *keys)
{
	const struct obj *d = node_device(a, n);

	for (const char *const *k = keys; *k; k++) {
		const char *v = obj_prop(n, *k);

		if (v == NULL && d)
			v = obj_prop(d, *k);
		if (v && *v)
			return v;
	}
	return NULL;
}

static int sink_card_number(struct dg_pw_apply *a, const struct obj *n)
{
	static const char *const card_keys[] = { "api.alsa.card", "alsa.card", "api.alsa.pcm.card",
						 NULL };
	static const char *const path_keys[] = { "api.alsa.path", NULL };
	const char *v = sink_prop(a, n, card_keys), *colon;
	char *end;
	long l;

	if (v == NULL && (v = sink_prop(a, n, path_keys)) != NULL) {
		/* "hw:1", "front:1", "hw:1,0" */
		if ((colon = strrchr(v, ':')) == NULL)
			return -1;
		v = colon + 1;
	}
	if (v == NULL)
		return -1;
	l = strtol(v, &end, 10);
	if (end == v || (*end != '\0' && *end != ','))
		return -1;
	return (int)l;
}

/* A sink belongs to the card when its bus path (ID_PATH) is the card's; without a bus
 * path, when its ALSA card number is; a serial that disagrees vetoes. */
bool sink_matches(struct dg_pw_apply *a, const struct card *c, const struct obj *n)
{
	static const char *const bus_keys[] = { "device.bus-path", "api.alsa.path.bus", NULL };
	static const char *const serial_keys[] = { "device.serial", NULL };
	const char *bp, *serial;
	int number;

	if (n->props == NULL)
		return false;
	serial = sink_prop(a, n, serial_keys);
	if (serial && (c->serial[0] || c->serial_short[0]) && !spa_streq(serial, c->serial) &&
	    !spa_streq(serial, c->serial_short))
		return false;
	bp = sink_prop(a, n, bus_keys);
	if (bp && c->id_path[0])
		return spa_streq(bp, c->id_path);
	number = sink_card_number(a, n);
	if (number >= 0)
		return number == c->number;
	if (c->serial[0]) {
		char needle[300];

		snprintf(needle, sizeof(needle), "usb-%s-", c->serial);
		return strstr(n->name, needle) != NULL;
	}
	return false;
}

struct card *find_card_for_guard(struct dg_pw_apply *a, const struct obj *g)
{
	const char *sink_name = g->name + strlen(GUARD_PREFIX);
	struct obj *s = find_node(a, OBJ_SINK, sink_name);
	struct card *c;

	if (s == NULL)
		return NULL;
	spa_list_for_each(c, &a->cards, link)
		if (sink_matches(a, c, s))
			return c;
	return NULL;
}

void read_udev_ids(struct dg_pw_apply *a, struct card *c)
{
	struct udev_device *dev;
	const char *v;

	if (a->udev == NULL)
		return;
	dev = udev_device_new_from_syspath(a->udev, c->syspath);
	if (dev == NULL)
		return;
	if ((v = udev_device_get_property_value(dev, "ID_PATH")))
		snprintf(c->id_path, sizeof(c->id_path), "%s", v);
	if ((v = udev_device_get_property_value(dev, "ID_SERIAL")))
		snprintf(c->serial, sizeof(c->serial), "%s", v);
	if ((v = udev_device_get_property_value(dev, "ID_SERIAL_SHORT")))
		snprintf(c->serial_short, sizeof(c->serial_short), "%s", v);
	udev_device_unref(dev);
}
