/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "policy.h"

#include "guard.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

void dg_policy_mode_map(const struct dg_db_entry *entry, struct dg_mode_map *map)
{
	memset(map, 0, sizeof(*map));
	if (!entry)
		return;
	for (size_t i = 0; i < entry->n_jacks && i < DG_MAX_JACKS; i++) {
		map->jacks[i].control = entry->jacks[i].name;
		map->jacks[i].output = entry->jacks[i].output;
		map->n_jacks++;
	}
	for (size_t i = 0; i < entry->n_selectors && i < DG_MAX_SELECTORS; i++) {
		const struct dg_db_selector *s = &entry->selectors[i];
		struct dg_mode_selector_map *m = &map->selectors[map->n_selectors++];

		m->control = s->control;
		for (size_t k = 0; k < s->n_items && k < DG_MAX_SELECTOR_VALUES; k++) {
			m->items[k] = s->items[k].name;
			m->outputs[k] = s->items[k].output;
			m->n_items++;
		}
	}
}

void dg_policy_generic_dac(const char *manufacturer, const char *product, struct dg_dac *dac)
{
	memset(dac, 0, sizeof(*dac));
	snprintf(dac->vendor, sizeof(dac->vendor), "%s", manufacturer ? manufacturer : "");
	snprintf(dac->model, sizeof(dac->model), "%s", product ? product : "");
	dac->known = false;
}

/* Which outputs may be the one in use (dacguardctl list shows the others as "not in
 * use"): the one the mode names, else those of its kind, else all. */
static bool is_candidate(const struct dg_output *o, const struct dg_mode_result *mode,
			 const struct dg_dac *dac)
{
	bool any_bal = false, any_se = false;

	if (mode->mode == DG_MODE_UNKNOWN)
		return true;
	if (mode->output[0] && dg_dac_find_output(dac, mode->output))
		return strcmp(o->id, mode->output) == 0;
	for (size_t i = 0; i < dac->n_outputs; i++) {
		if (dac->outputs[i].balanced)
			any_bal = true;
		else
			any_se = true;
	}
	/* A mode the device has no output for says nothing: keep the worst case. */
	if (mode->mode == DG_MODE_BALANCED)
		return any_bal ? o->balanced : true;
	return any_se ? !o->balanced : true;
}

/* The loudest headphone class (headphones/00-generic.conf: ids "generic-*") stands in
 * for a headphone nobody assigned, so an unassigned output gets the lowest hard limit
 * any class gives it. Without classes: the shipped worst case itself, 135 dB/V at 12
 * ohm (generic-iem-sensitive, whose file gives its sources). */
static double hard_of_class(const struct dg_config *cfg, const struct dg_headphone_db *hp,
			    const struct dg_output *o)
{
	static const struct dg_headphone worst = {
		.id = "generic-iem-sensitive",
		.impedance_ohm = 12.0,
		.sensitivity_db = 135.0,
		.sensitivity_per_volt = true,
	};
	struct dg_level l;
	double lowest = INFINITY;
	bool any = false;

	for (size_t i = 0; hp && i < hp->n; i++) {
		if (strncmp(hp->entries[i].hp.id, "generic-", strlen("generic-")) != 0)
			continue;
		any = true;
		dg_level_compute(o, &hp->entries[i].hp, cfg->hard_max_spl_db,
				 cfg->hard_fallback_ceiling_db, &l);
		if (l.ceiling_db < lowest)
			lowest = l.ceiling_db;
	}
	if (!any) {
		dg_level_compute(o, &worst, cfg->hard_max_spl_db, cfg->hard_fallback_ceiling_db, &l);
		lowest = l.ceiling_db;
	}
	return lowest;
}

/* The administrator's limit for an output: dacguard.hard-max-spl-db with its ratings
 * and the headphone assigned to it, under the hard ceiling; root's fallback for an
 * output without ratings. */
static double hard_limit(const struct dg_config *cfg, const struct dg_headphone_db *hp,
			 const struct dg_conf_output *co, const struct dg_output *o)
{
	const struct dg_headphone *h = NULL;
	struct dg_level l;
	double hard;

	if (co && co->headphone[0] && hp)
		h = dg_headphone_db_find(hp, co->headphone);
	if (h) {
		dg_level_compute(o, h, cfg->hard_max_spl_db, cfg->hard_fallback_ceiling_db, &l);
		hard = l.ceiling_db;
	} else {
		hard = hard_of_class(cfg, hp, o);
	}
	if (!(hard <= cfg->hard_ceiling_db))
		hard = cfg->hard_ceiling_db;
	return hard;
}

void dg_policy_decide(const struct dg_config *cfg, const struct dg_headphone_db *hp,
		      const struct dg_conf_device *dev_conf, const struct dg_dac *dac,
		      const struct dg_mode_result *mode, bool descriptors_ok,
		      const char *user_output, struct dg_decision *out)
{
	const char *in_force = mode->output, *chosen = NULL;
	enum dg_mode in_mode = mode->mode;
	double now, reported;

	memset(out, 0, sizeof(*out));
	out->dac = *dac;
	out->mode = *mode;
	out->descriptors_ok = descriptors_ok;
	out->ceiling_db = cfg->fallback_ceiling_db;
	out->limited_by = DG_LIMIT_FALLBACK;

	for (size_t i = 0; i < dac->n_outputs && i < DG_MAX_OUTPUTS; i++) {
		const struct dg_output *o = &dac->outputs[i];
		struct dg_output_decision *d = &out->outputs[out->n_outputs++];
		const struct dg_conf_output *co =
		    dev_conf ? dg_conf_device_find_output(dev_conf, o->id) : NULL;
		const char *hp_id = co && co->headphone[0] ? co->headphone : cfg->default_headphone;
		const struct dg_headphone *h = hp ? dg_headphone_db_find(hp, hp_id) : NULL;

		snprintf(d->id, sizeof(d->id), "%s", o->id);
		if (h)
			snprintf(d->headphone, sizeof(d->headphone), "%s", h->id);
		dg_level_compute(o, h, cfg->max_spl_db, cfg->fallback_ceiling_db, &d->level);
		if (co && !isnan(co->ceiling_db) && co->ceiling_db < d->level.ceiling_db)
			d->level.ceiling_db = co->ceiling_db;
		/* the administrator's limit is above everything else */
		d->hard_ceiling_db = hard_limit(cfg, hp, co, o);
		if (d->hard_ceiling_db < d->level.ceiling_db) {
			d->level.ceiling_db = d->hard_ceiling_db;
			d->level.limited_by = DG_LIMIT_HARD;
		}
		dg_ceiling_table_set(&out->table, d->id, d->level.ceiling_db);
		dg_ceiling_table_set(&out->hard_table, d->id, d->hard_ceiling_db);
	}

	out->detected = *mode;
	reported = dg_policy_select(&out->table, mode->output, mode->mode, &chosen);
	snprintf(out->detected_output, sizeof(out->detected_output), "%s", chosen ? chosen : "");
	if ((mode->source == DG_MODE_SOURCE_JACK || mode->source == DG_MODE_SOURCE_SELECTOR) &&
	    mode->output[0] && dg_dac_find_output(dac, mode->output))
		snprintf(out->reported_output, sizeof(out->reported_output), "%s", mode->output);
	if (user_output && user_output[0]) {
		/* a user's word on the output in use: its kind is the mode */
		in_force = user_output;
		in_mode = dg_dac_find_output(dac, user_output) ? dg_policy_mode_of(user_output)
							       : DG_MODE_UNKNOWN;
		out->user_choice = true;
		out->mode.mode = in_mode;
		out->mode.source = DG_MODE_SOURCE_USER;
		snprintf(out->mode.output, sizeof(out->mode.output), "%s", user_output);
	}
	now = dg_policy_select(&out->table, in_force, in_mode, &chosen);
	for (size_t i = 0; i < out->n_outputs; i++) {
		const struct dg_output_decision *d = &out->outputs[i];

		out->outputs[i].candidate = is_candidate(&dac->outputs[i], &out->mode, dac);
		if (chosen == NULL || strcmp(d->id, chosen) != 0)
			continue;
		out->ceiling_db = now;
		out->limited_by = d->level.limited_by;
		snprintf(out->output, sizeof(out->output), "%s", d->id);
		snprintf(out->headphone, sizeof(out->headphone), "%s", d->headphone);
	}
	if (out->user_choice) {
		const struct dg_output_decision *d = NULL;

		for (size_t i = 0; i < out->n_outputs; i++)
			if (strcmp(out->outputs[i].id, user_output) == 0)
				d = &out->outputs[i];
		snprintf(out->output, sizeof(out->output), "%s", user_output);
		snprintf(out->headphone, sizeof(out->headphone), "%s", d ? d->headphone : "");
	}
	if (out->user_choice && out->reported_output[0] && reported < out->ceiling_db) {
		/* the hardware says which output is in use: a claim of another does not
		 * raise the ceiling past that one's */
		out->ceiling_db = reported;
		out->limited_by = DG_LIMIT_REPORTED;
	}
	if (!descriptors_ok && cfg->fallback_ceiling_db < out->ceiling_db) {
		out->ceiling_db = cfg->fallback_ceiling_db;
		out->limited_by = DG_LIMIT_FALLBACK;
	}
	out->ceiling_db = dg_policy_clamp(out->ceiling_db, cfg->hard_ceiling_db);
}

bool dg_policy_user_choice_stands(const struct dg_decision *before, const struct dg_decision *now)
{
	return before->detected.mode == now->detected.mode &&
	       strcmp(before->detected_output, now->detected_output) == 0;
}
