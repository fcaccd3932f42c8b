/* SPDX-License-Identifier: MIT */
/* A test ALSA control device, "ctl.NAME { type dgtest state FILE }": a read-only
 * "Speaker - Output Jack" (iface CARD, as snd-usb-audio names a UAC2 connector
 * control) and an "Output Select" enumeration (SE/BAL/LINE/OFF), both read from FILE
 * ("jack=0|1", "select=ITEM" lines). The test rewrites FILE (rename into place);
 * inotify makes the poll fd readable and changed elements are queued as events,
 * so a subscriber sees them the way it sees a real card's. */
#include <alsa/asoundlib.h>
#include <alsa/control_external.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

enum { KEY_JACK = 0, KEY_SELECT, N_KEYS };

static const char *const select_items[] = {"SE", "BAL", "LINE", "OFF"};
#define N_ITEMS (sizeof(select_items) / sizeof(select_items[0]))

struct dgtest {
	snd_ctl_ext_t ext;
	char state[PATH_MAX];
	char base[NAME_MAX + 1];
	long jack;
	unsigned int select;
	unsigned int pending; /* bit per key */
};

static void load_state(struct dgtest *t)
{
	char line[128];
	long jack = 0;
	unsigned int select = 0;
	FILE *f = fopen(t->state, "re");

	if (f) {
		while (fgets(line, sizeof(line), f)) {
			line[strcspn(line, "\n")] = '\0';
			if (strncmp(line, "jack=", 5) == 0)
				jack = atol(line + 5) ? 1 : 0;
			else if (strncmp(line, "select=", 7) == 0)
				for (unsigned int i = 0; i < N_ITEMS; i++)
					if (strcmp(line + 7, select_items[i]) == 0)
						select = i;
		}
		fclose(f);
	}
	if (jack != t->jack)
		t->pending |= 1u << KEY_JACK;
	if (select != t->select)
		t->pending |= 1u << KEY_SELECT;
	t->jack = jack;
	t->select = select;
}

static void dgtest_close(snd_ctl_ext_t *ext)
{
	struct dgtest *t = ext->private_data;

	if (ext->poll_fd >= 0)
		close(ext->poll_fd);
	free(t);
}

static int dgtest_elem_count(snd_ctl_ext_t *ext)
{
	return N_KEYS;
}

static int dgtest_elem_list(snd_ctl_ext_t *ext, unsigned int offset, snd_ctl_elem_id_t *id)
{
	snd_ctl_elem_id_set_interface(id, offset == KEY_JACK ? SND_CTL_ELEM_IFACE_CARD
							     : SND_CTL_ELEM_IFACE_MIXER);
	snd_ctl_elem_id_set_name(id,
				 offset == KEY_JACK ? "Speaker - Output Jack" : "Output Select");
	return 0;
}

static snd_ctl_ext_key_t dgtest_find_elem(snd_ctl_ext_t *ext, const snd_ctl_elem_id_t *id)
{
	unsigned int numid = snd_ctl_elem_id_get_numid(id);
	const char *name = snd_ctl_elem_id_get_name(id);

	if (numid > 0 && numid <= N_KEYS)
		return numid - 1;
	if (strcmp(name, "Speaker - Output Jack") == 0)
		return KEY_JACK;
	if (strcmp(name, "Output Select") == 0)
		return KEY_SELECT;
	return SND_CTL_EXT_KEY_NOT_FOUND;
}

static int dgtest_get_attribute(snd_ctl_ext_t *ext, snd_ctl_ext_key_t key, int *type,
				unsigned int *acc, unsigned int *count)
{
	*type = key == KEY_JACK ? SND_CTL_ELEM_TYPE_BOOLEAN : SND_CTL_ELEM_TYPE_ENUMERATED;
	*acc = key == KEY_JACK ? SND_CTL_EXT_ACCESS_READ : SND_CTL_EXT_ACCESS_READWRITE;
	*count = 1;
	return 0;
}

static int dgtest_get_integer_info(snd_ctl_ext_t *ext, snd_ctl_ext_key_t key, long *imin,
				   long *imax, long *istep)
{
	*imin = 0;
	*imax = 1;
	*istep = 1;
	return 0;
}

static int dgtest_get_enumerated_info(snd_ctl_ext_t *ext, snd_ctl_ext_key_t key,
				      unsigned int *items)
{
	*items = N_ITEMS;
	return 0;
}

static int dgtest_get_enumerated_name(snd_ctl_ext_t *ext, snd_ctl_ext_key_t key, unsigned int item,
				      char *name, size_t name_max_len)
{
	if (item >= N_ITEMS)
		return -EINVAL;
	snprintf(name, name_max_len, "%s", select_items[item]);
	return 0;
}

static int dgtest_read_integer(snd_ctl_ext_t *ext, snd_ctl_ext_key_t key, long *value)
{
	struct dgtest *t = ext->private_data;

	*value = t->jack;
	return 0;
}

static int dgtest_read_enumerated(snd_ctl_ext_t *ext, snd_ctl_ext_key_t key, unsigned int *items)
{
	struct dgtest *t = ext->private_data;

	*items = t->select;
	return 0;
}

static int dgtest_write_enumerated(snd_ctl_ext_t *ext, snd_ctl_ext_key_t key, unsigned int *items)
{
	struct dgtest *t = ext->private_data;

	if (items[0] >= N_ITEMS)
		return -EINVAL;
	if (items[0] == t->select)
		return 0;
	t->select = items[0];
	return 1;
}

static void dgtest_subscribe_events(snd_ctl_ext_t *ext, int subscribe)
{
}

static int dgtest_read_event(snd_ctl_ext_t *ext, snd_ctl_elem_id_t *id, unsigned int *event_mask)
{
	struct dgtest *t = ext->private_data;
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	bool relevant = false;
	ssize_t n;

	while ((n = read(ext->poll_fd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const struct inotify_event *) p;

			if (ev->len > 0 && strcmp(ev->name, t->base) == 0)
				relevant = true;
			p += sizeof(*ev) + ev->len;
		}
	}
	if (relevant)
		load_state(t);
	for (unsigned int key = 0; key < N_KEYS; key++) {
		if (!(t->pending & (1u << key)))
			continue;
		t->pending &= ~(1u << key);
		snd_ctl_elem_id_set_numid(id, key + 1);
		dgtest_elem_list(ext, key, id);
		*event_mask = SND_CTL_EVENT_MASK_VALUE;
		return 1;
	}
	return -EAGAIN;
}

static const snd_ctl_ext_callback_t dgtest_callback = {
    .close = dgtest_close,
    .elem_count = dgtest_elem_count,
    .elem_list = dgtest_elem_list,
    .find_elem = dgtest_find_elem,
    .get_attribute = dgtest_get_attribute,
    .get_integer_info = dgtest_get_integer_info,
    .get_enumerated_info = dgtest_get_enumerated_info,
    .get_enumerated_name = dgtest_get_enumerated_name,
    .read_integer = dgtest_read_integer,
    .read_enumerated = dgtest_read_enumerated,
    .write_enumerated = dgtest_write_enumerated,
    .subscribe_events = dgtest_subscribe_events,
    .read_event = dgtest_read_event,
};

SND_CTL_PLUGIN_DEFINE_FUNC(dgtest);

SND_CTL_PLUGIN_DEFINE_FUNC(dgtest)
{
	snd_config_iterator_t i, next;
	const char *state = NULL;
	struct dgtest *t;
	char dir[PATH_MAX];
	int err;

	snd_config_for_each(i, next, conf)
	{
		snd_config_t *n = snd_config_iterator_entry(i);
		const char *id;

		if (snd_config_get_id(n, &id) < 0)
			continue;
		if (strcmp(id, "comment") == 0 || strcmp(id, "type") == 0 ||
		    strcmp(id, "hint") == 0)
			continue;
		if (strcmp(id, "state") == 0 && snd_config_get_string(n, &state) >= 0)
			continue;
		SNDERR("dgtest: unknown field %s", id);
		return -EINVAL;
	}
	if (!state) {
		SNDERR("dgtest: no state file");
		return -EINVAL;
	}
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	snprintf(t->state, sizeof(t->state), "%s", state);
	snprintf(dir, sizeof(dir), "%s", state);
	snprintf(t->base, sizeof(t->base), "%s", basename(dir));
	snprintf(dir, sizeof(dir), "%s", state);
	load_state(t);
	t->pending = 0;

	t->ext.version = SND_CTL_EXT_VERSION;
	t->ext.card_idx = 0;
	snprintf(t->ext.id, sizeof(t->ext.id), "dgtest");
	snprintf(t->ext.driver, sizeof(t->ext.driver), "dgtest");
	snprintf(t->ext.name, sizeof(t->ext.name), "dacguard test");
	snprintf(t->ext.longname, sizeof(t->ext.longname), "dacguard test control device");
	snprintf(t->ext.mixername, sizeof(t->ext.mixername), "dgtest");
	t->ext.callback = &dgtest_callback;
	t->ext.private_data = t;
	t->ext.poll_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (t->ext.poll_fd < 0 ||
	    inotify_add_watch(t->ext.poll_fd, dirname(dir), IN_CLOSE_WRITE | IN_MOVED_TO) < 0) {
		err = -errno;
		dgtest_close(&t->ext);
		return err;
	}
	err = snd_ctl_ext_create(&t->ext, name, mode);
	if (err < 0) {
		dgtest_close(&t->ext);
		return err;
	}
	*handlep = t->ext.handle;
	return 0;
}

SND_CTL_PLUGIN_SYMBOL(dgtest)
