/* SPDX-License-Identifier: MIT */
/* dacguardd: which output is in use, from the card's ALSA controls (jack and
 * selector controls), the user's configuration, or else the worst case. */
#pragma once

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>

#include "model.h"

#define DG_CTL_NAME_MAX	 64 /* SNDRV_CTL_ELEM_ID_NAME_MAXLEN is 44 */
#define DG_CTL_MAX_JACKS 16
#define DG_CTL_MAX_ENUMS 32

/* What the control device says right now. */
struct dg_ctl_jack {
	char name[DG_CTL_NAME_MAX]; /* "Speaker - Output Jack" */
	bool plugged;
};

struct dg_ctl_enum {
	char name[DG_CTL_NAME_MAX];
	char item[DG_CTL_NAME_MAX]; /* name of the current item (first channel) */
};

struct dg_ctl_state {
	struct dg_ctl_jack jacks[DG_CTL_MAX_JACKS];
	size_t n_jacks;
	struct dg_ctl_enum enums[DG_CTL_MAX_ENUMS];
	size_t n_enums;
};

struct dg_mode_ctl;

/* Opens a control device ("hw:1", or any ctl name alsa-lib resolves) non-blocking
 * and subscribes to its events. Returns 0 or a negative errno. */
int dg_mode_ctl_open(const char *name, struct dg_mode_ctl **out);
void dg_mode_ctl_close(struct dg_mode_ctl *ctl);
const char *dg_mode_ctl_name(const struct dg_mode_ctl *ctl);

/* Reads every jack control (iface CARD, boolean, name ending " Jack") and every
 * enumerated control. Returns 0 or a negative errno. */
int dg_mode_ctl_read(struct dg_mode_ctl *ctl, struct dg_ctl_state *state);

/* The descriptors to poll for ctl events; returns their count (<= max) or a negative errno. */
int dg_mode_ctl_pollfds(struct dg_mode_ctl *ctl, struct pollfd *pfds, int max);

/* Call when one of its pollfds is ready (pfds as returned by poll). Drains the
 * event queue. Returns 1 if any element was added, removed or changed, 0 if not,
 * -ENODEV when the device went away, or another negative errno. */
int dg_mode_ctl_dispatch(struct dg_mode_ctl *ctl, struct pollfd *pfds, int n);

/* How a database entry maps controls to outputs (see doc/formats.md: jacks, selectors). */
struct dg_mode_jack_map {
	const char *control;
	const char *output;
};

struct dg_mode_selector_map {
	const char *control;
	const char *items[DG_MAX_SELECTOR_VALUES];
	const char *outputs[DG_MAX_SELECTOR_VALUES];
	size_t n_items;
};

struct dg_mode_map {
	struct dg_mode_jack_map jacks[DG_MAX_JACKS];
	size_t n_jacks;
	struct dg_mode_selector_map selectors[DG_MAX_SELECTORS];
	size_t n_selectors;
};

struct dg_mode_result {
	enum dg_mode mode;
	enum dg_mode_source source;
	char output[DG_ID_MAX];		  /* the output named by a jack or selector, else "" */
	char detail[2 * DG_CTL_NAME_MAX]; /* the control (and item) that decided, else "" */
};

/* Decides the mode: a plugged jack (a balanced one wins), then a selector, then
 * config_mode (DG_MODE_UNKNOWN if the user set none), else unknown/assumed.
 * state and map may be NULL. */
void dg_mode_resolve(const struct dg_ctl_state *state, const struct dg_mode_map *map,
		     enum dg_mode config_mode, struct dg_mode_result *res);
