/* SPDX-License-Identifier: MIT */
#include "output-mode.h"

#include <stdio.h>
#include <string.h>

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

static bool jack_plugged(const struct dg_controls *state, const char *control)
{
	for (size_t i = 0; i < state->n_jacks; i++)
		if (strcmp(state->jacks[i].name, control) == 0)
			return state->jacks[i].plugged;
	return false;
}

void dg_mode_resolve(const struct dg_controls *state, const struct dg_mode_map *map,
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
