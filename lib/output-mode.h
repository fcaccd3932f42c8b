/* SPDX-License-Identifier: MIT */
/* dacguard: which output is in use, decided from what a card's controls say (jack and
 * selector controls), the user's configuration, or else the worst case. Pure: the
 * controls are read elsewhere (detect/alsa-controls.c). */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "model.h"

#define DG_CONTROL_NAME_MAX	 64 /* SNDRV_CTL_ELEM_ID_NAME_MAXLEN is 44 */
#define DG_CONTROLS_MAX_JACKS 16
#define DG_CONTROLS_MAX_ENUMS 32

/* What a card's control device says right now. */
struct dg_control_jack {
	char name[DG_CONTROL_NAME_MAX]; /* "Speaker - Output Jack" */
	bool plugged;
};

struct dg_control_enum {
	char name[DG_CONTROL_NAME_MAX];
	char item[DG_CONTROL_NAME_MAX]; /* name of the current item (first channel) */
};

struct dg_controls {
	struct dg_control_jack jacks[DG_CONTROLS_MAX_JACKS];
	size_t n_jacks;
	struct dg_control_enum enums[DG_CONTROLS_MAX_ENUMS];
	size_t n_enums;
};

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
	char detail[2 * DG_CONTROL_NAME_MAX]; /* the control (and item) that decided, else "" */
};

/* Decides the mode: a plugged jack (a balanced one wins), then a selector, then
 * config_mode (DG_MODE_UNKNOWN if the user set none), else unknown/assumed.
 * state and map may be NULL. */
void dg_mode_resolve(const struct dg_controls *state, const struct dg_mode_map *map,
		     enum dg_mode config_mode, struct dg_mode_result *res);
