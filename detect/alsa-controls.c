/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "alsa-controls.h"

#include <alsa/asoundlib.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct dg_alsa_controls {
	snd_ctl_t *handle;
	char name[64];
};

/* alsa-lib prints its own line for a card that cannot be opened; the caller
 * reports the failure once, in its own words, so that line is only noise. */
static void quiet_alsa_error(const char *file, int line, const char *function, int err,
			     const char *fmt, ...)
{
}

int dg_alsa_controls_open(const char *name, struct dg_alsa_controls **out)
{
	struct dg_alsa_controls *ctl;
	int r;

	*out = NULL;
	ctl = calloc(1, sizeof(*ctl));
	if (!ctl)
		return -ENOMEM;
	snprintf(ctl->name, sizeof(ctl->name), "%s", name);
	snd_lib_error_set_handler(quiet_alsa_error);
	r = snd_ctl_open(&ctl->handle, name, SND_CTL_NONBLOCK);
	snd_lib_error_set_handler(NULL);
	if (r < 0) {
		free(ctl);
		return r;
	}
	r = snd_ctl_subscribe_events(ctl->handle, 1);
	if (r < 0) {
		snd_ctl_close(ctl->handle);
		free(ctl);
		return r;
	}
	*out = ctl;
	return 0;
}

void dg_alsa_controls_close(struct dg_alsa_controls *ctl)
{
	if (!ctl)
		return;
	snd_ctl_close(ctl->handle);
	free(ctl);
}

const char *dg_alsa_controls_name(const struct dg_alsa_controls *ctl)
{
	return ctl->name;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && strcmp(s + a - b, suffix) == 0;
}

static int read_elem(snd_ctl_t *h, snd_ctl_elem_id_t *id, struct dg_controls *state)
{
	snd_ctl_elem_info_t *info;
	snd_ctl_elem_value_t *val;
	const char *name = snd_ctl_elem_id_get_name(id);
	snd_ctl_elem_type_t type;
	bool jack;
	int r;

	snd_ctl_elem_info_alloca(&info);
	snd_ctl_elem_value_alloca(&val);
	snd_ctl_elem_info_set_id(info, id);
	r = snd_ctl_elem_info(h, info);
	if (r < 0)
		return r;
	if (!snd_ctl_elem_info_is_readable(info))
		return 0;
	type = snd_ctl_elem_info_get_type(info);
	/* what a mode is read from: jack-detect switches and enumerated selectors */
	jack = type == SND_CTL_ELEM_TYPE_BOOLEAN &&
	       snd_ctl_elem_id_get_interface(id) == SND_CTL_ELEM_IFACE_CARD &&
	       ends_with(name, " Jack");
	if (!jack && type != SND_CTL_ELEM_TYPE_ENUMERATED)
		return 0;
	if (jack ? state->n_jacks >= DG_CONTROLS_MAX_JACKS : state->n_enums >= DG_CONTROLS_MAX_ENUMS)
		return 0;
	snd_ctl_elem_value_set_id(val, id);
	r = snd_ctl_elem_read(h, val);
	if (r < 0)
		return r;
	if (jack) {
		struct dg_control_jack *j = &state->jacks[state->n_jacks++];

		snprintf(j->name, sizeof(j->name), "%s", name);
		j->plugged = snd_ctl_elem_value_get_boolean(val, 0);
	} else {
		unsigned int item = snd_ctl_elem_value_get_enumerated(val, 0);
		struct dg_control_enum *e;

		if (item >= snd_ctl_elem_info_get_items(info))
			return 0;
		snd_ctl_elem_info_set_item(info, item);
		r = snd_ctl_elem_info(h, info);
		if (r < 0)
			return r;
		e = &state->enums[state->n_enums++];
		snprintf(e->name, sizeof(e->name), "%s", name);
		snprintf(e->item, sizeof(e->item), "%s", snd_ctl_elem_info_get_item_name(info));
	}
	return 0;
}

int dg_alsa_controls_read(struct dg_alsa_controls *ctl, struct dg_controls *state)
{
	snd_ctl_elem_list_t *list;
	snd_ctl_elem_id_t *id;
	unsigned int count;
	int r;

	memset(state, 0, sizeof(*state));
	snd_ctl_elem_list_alloca(&list);
	snd_ctl_elem_id_alloca(&id);
	r = snd_ctl_elem_list(ctl->handle, list);
	if (r < 0)
		return r;
	count = snd_ctl_elem_list_get_count(list);
	if (count == 0)
		return 0;
	r = snd_ctl_elem_list_alloc_space(list, count);
	if (r < 0)
		return r;
	r = snd_ctl_elem_list(ctl->handle, list);
	if (r < 0)
		goto out;
	for (unsigned int i = 0; i < snd_ctl_elem_list_get_used(list); i++) {
		snd_ctl_elem_list_get_id(list, i, id);
		r = read_elem(ctl->handle, id, state);
		/* an element that vanished between list and read is not an error */
		if (r == -ENOENT)
			r = 0;
		if (r < 0)
			goto out;
	}
out:
	snd_ctl_elem_list_free_space(list);
	return r;
}

int dg_alsa_controls_pollfds(struct dg_alsa_controls *ctl, struct pollfd *pfds, int max)
{
	int n = snd_ctl_poll_descriptors_count(ctl->handle);

	if (n < 0)
		return n;
	if (n > max)
		return -ENOSPC;
	return snd_ctl_poll_descriptors(ctl->handle, pfds, (unsigned int) n);
}

int dg_alsa_controls_dispatch(struct dg_alsa_controls *ctl, struct pollfd *pfds, int n)
{
	snd_ctl_event_t *ev;
	unsigned short revents = 0;
	int r, changed = 0;

	r = snd_ctl_poll_descriptors_revents(ctl->handle, pfds, (unsigned int) n, &revents);
	if (r < 0)
		return r;
	if (revents & (POLLERR | POLLHUP | POLLNVAL))
		return -ENODEV;
	if (!(revents & POLLIN))
		return 0;
	snd_ctl_event_alloca(&ev);
	for (;;) {
		r = snd_ctl_read(ctl->handle, ev);
		if (r == -EAGAIN || r == 0)
			break;
		if (r < 0)
			return r;
		if (snd_ctl_event_get_type(ev) == SND_CTL_EVENT_ELEM)
			changed = 1;
	}
	return changed;
}
