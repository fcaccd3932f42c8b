/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "mode.h"

#include <alsa/asoundlib.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct dg_mode_ctl {
	snd_ctl_t *handle;
	char name[64];
};

/* alsa-lib prints its own line for a card that cannot be opened; the caller
 * reports the failure once, in its own words, so that line is only noise. */
static void quiet_alsa_error(const char *file, int line, const char *function, int err,
			     const char *fmt, ...)
{
}

int dg_mode_ctl_open(const char *name, struct dg_mode_ctl **out)
{
	struct dg_mode_ctl *ctl;
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

void dg_mode_ctl_close(struct dg_mode_ctl *ctl)
{
	if (!ctl)
		return;
	snd_ctl_close(ctl->handle);
	free(ctl);
}

const char *dg_mode_ctl_name(const struct dg_mode_ctl *ctl)
{
	return ctl->name;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && strcmp(s + a - b, suffix) == 0;
}

static int read_elem(snd_ctl_t *h, snd_ctl_elem_id_t *id, struct dg_ctl_state *state)
{
	snd_ctl_elem_info_t *info;
	snd_ctl_elem_value_t *val;
	const char *name = snd_ctl_elem_id_get_name(id);
	snd_ctl_elem_type_t type;
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
	if (type == SND_CTL_ELEM_TYPE_BOOLEAN &&
	    snd_ctl_elem_id_get_interface(id) == SND_CTL_ELEM_IFACE_CARD &&
	    ends_with(name, " Jack")) {
		struct dg_ctl_jack *j;

		if (state->n_jacks >= DG_CTL_MAX_JACKS)
			return 0;
		snd_ctl_elem_value_set_id(val, id);
		r = snd_ctl_elem_read(h, val);
		if (r < 0)
			return r;
		j = &state->jacks[state->n_jacks++];
		snprintf(j->name, sizeof(j->name), "%s", name);
		j->plugged = snd_ctl_elem_value_get_boolean(val, 0);
	} else if (type == SND_CTL_ELEM_TYPE_ENUMERATED) {
		struct dg_ctl_enum *e;
		unsigned int item;

		if (state->n_enums >= DG_CTL_MAX_ENUMS)
			return 0;
		snd_ctl_elem_value_set_id(val, id);
		r = snd_ctl_elem_read(h, val);
		if (r < 0)
			return r;
		item = snd_ctl_elem_value_get_enumerated(val, 0);
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

int dg_mode_ctl_read(struct dg_mode_ctl *ctl, struct dg_ctl_state *state)
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

int dg_mode_ctl_pollfds(struct dg_mode_ctl *ctl, struct pollfd *pfds, int max)
{
	int n = snd_ctl_poll_descriptors_count(ctl->handle);

	if (n < 0)
		return n;
	if (n > max)
		return -ENOSPC;
	return snd_ctl_poll_descriptors(ctl->handle, pfds, (unsigned int) n);
}

int dg_mode_ctl_dispatch(struct dg_mode_ctl *ctl, struct pollfd *pfds, int n)
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

static bool output_is_balanced(const char *id)
{
	return dg_connector_is_balanced(dg_connector_from_id(id));
}

static void set_result(struct dg_mode_result *res, enum dg_mode_source source, const char *output,
		       const char *control, const char *item)
{
	res->mode = output_is_balanced(output) ? DG_MODE_BALANCED : DG_MODE_SINGLE_ENDED;
	res->source = source;
	snprintf(res->output, sizeof(res->output), "%s", output);
	if (item)
		snprintf(res->detail, sizeof(res->detail), "%s=%s", control, item);
	else
		snprintf(res->detail, sizeof(res->detail), "%s", control);
}

static bool jack_plugged(const struct dg_ctl_state *state, const char *control)
{
	for (size_t i = 0; i < state->n_jacks; i++)
		if (strcmp(state->jacks[i].name, control) == 0)
			return state->jacks[i].plugged;
	return false;
}

void dg_mode_resolve(const struct dg_ctl_state *state, const struct dg_mode_map *map,
		     enum dg_mode config_mode, struct dg_mode_result *res)
{
	memset(res, 0, sizeof(*res));
	res->mode = DG_MODE_UNKNOWN;
	res->source = DG_MODE_SOURCE_ASSUMED;

	if (state && map) {
		const struct dg_mode_jack_map *found = NULL;

		/* A balanced plug wins: with both plugged the louder stage may be live. */
		for (size_t i = 0; i < map->n_jacks; i++) {
			const struct dg_mode_jack_map *j = &map->jacks[i];

			if (!j->control || !j->output || !jack_plugged(state, j->control))
				continue;
			if (!found ||
			    (output_is_balanced(j->output) && !output_is_balanced(found->output)))
				found = j;
		}
		if (found) {
			set_result(res, DG_MODE_SOURCE_JACK, found->output, found->control, NULL);
			return;
		}
		for (size_t i = 0; i < map->n_selectors; i++) {
			const struct dg_mode_selector_map *s = &map->selectors[i];

			for (size_t e = 0; e < state->n_enums; e++) {
				if (!s->control || strcmp(state->enums[e].name, s->control) != 0)
					continue;
				for (size_t k = 0; k < s->n_items; k++) {
					if (s->items[k] && s->outputs[k] &&
					    strcmp(s->items[k], state->enums[e].item) == 0) {
						set_result(res, DG_MODE_SOURCE_SELECTOR,
							   s->outputs[k], s->control, s->items[k]);
						return;
					}
				}
			}
		}
	}
	if (config_mode != DG_MODE_UNKNOWN) {
		res->mode = config_mode;
		res->source = DG_MODE_SOURCE_CONFIG;
	}
}
