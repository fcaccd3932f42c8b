/* SPDX-License-Identifier: MIT */
/* dacguard's policy, the part the guard runs too: the one rule that picks a ceiling
 * from the ceiling of each output, the limits, and what a write of the guard's Props
 * leads to. Pure; reached from any client through the module, so fuzzed
 * (tests/fuzz/fuzz-table.c). */
#include "policy.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "guard.h"

static bool of_kind(enum dg_mode mode, const char *id)
{
	return dg_connector_is_balanced(dg_connector_from_id(id)) == (mode == DG_MODE_BALANCED);
}

double dg_policy_select(const struct dg_ceiling_table *t, const char *output, enum dg_mode mode,
			const char **chosen)
{
	const char *lowest_id = NULL, *kind_id = NULL;
	double lowest = INFINITY, lowest_kind = INFINITY;
	const struct dg_ceiling_entry *found;

	if (chosen)
		*chosen = NULL;
	if (t->n == 0)
		return NAN;
	for (size_t i = 0; i < t->n; i++) {
		const struct dg_ceiling_entry *e = &t->entries[i];

		if (e->ceiling_db < lowest) {
			lowest = e->ceiling_db;
			lowest_id = e->id;
		}
		if (mode != DG_MODE_UNKNOWN && of_kind(mode, e->id) && e->ceiling_db < lowest_kind) {
			lowest_kind = e->ceiling_db;
			kind_id = e->id;
		}
	}
	if (kind_id == NULL) {
		lowest_kind = lowest;
		kind_id = lowest_id;
	}
	found = dg_ceiling_table_find(t, output);
	if (output == NULL || dg_connector_from_id(output) == DG_CONNECTOR_UNKNOWN) {
		/* no output named: the worst case of the mode */
		if (chosen)
			*chosen = mode == DG_MODE_UNKNOWN ? lowest_id : kind_id;
		return mode == DG_MODE_UNKNOWN ? lowest : lowest_kind;
	}
	if (found == NULL) {
		/* an output the device does not have: the lowest it has, fail-safe */
		if (chosen)
			*chosen = lowest_id;
		return lowest;
	}
	if (mode != DG_MODE_UNKNOWN && !of_kind(mode, output) && lowest_kind < found->ceiling_db) {
		/* output and mode disagree: the lower of the two */
		if (chosen)
			*chosen = kind_id;
		return lowest_kind;
	}
	if (chosen)
		*chosen = found->id;
	return found->ceiling_db;
}

enum dg_mode dg_policy_mode_of(const char *output)
{
	enum dg_connector c = dg_connector_from_id(output);

	if (c == DG_CONNECTOR_UNKNOWN)
		return DG_MODE_UNKNOWN;
	return dg_connector_is_balanced(c) ? DG_MODE_BALANCED : DG_MODE_SINGLE_ENDED;
}

double dg_policy_hard_ceiling(double configured_db)
{
	return configured_db < 0.0 ? configured_db : 0.0;
}

double dg_policy_clamp(double ceiling_db, double hard_ceiling_db)
{
	if (!(ceiling_db >= DG_GUARD_MIN_CEILING_DB))
		return DG_GUARD_MIN_CEILING_DB;
	return ceiling_db > hard_ceiling_db ? hard_ceiling_db : ceiling_db;
}

double dg_policy_hard_for(const struct dg_guard_state *s)
{
	double hard = s->hard_ceiling_db, t;

	if (s->hard_table.n > 0) {
		t = dg_policy_select(&s->hard_table, s->output, s->mode, NULL);
		if (!(t >= hard))
			hard = t; /* NAN too: cannot happen with n > 0, but never the higher */
	}
	return hard;
}

void dg_policy_hard_table_lower(struct dg_ceiling_table *cur, const struct dg_ceiling_table *w)
{
	struct dg_ceiling_table next = *cur;
	double v, was;

	for (size_t i = 0; i < w->n; i++) {
		const struct dg_ceiling_entry *e = &w->entries[i];

		v = e->ceiling_db;
		if (cur->n > 0) {
			/* what cur gave this output, before any of w applied */
			was = dg_policy_select(cur, e->id, dg_policy_mode_of(e->id), NULL);
			if (!(v <= was))
				v = was;
		}
		if (dg_ceiling_table_set(&next, e->id, v) < 0)
			return; /* full or a bad id: keep cur whole, never half of w */
	}
	*cur = next;
}

void dg_policy_guard_write(const struct dg_guard_state *cur, const struct dg_guard_write *w,
			   struct dg_guard_state *next, unsigned *why)
{
	double target = w->has_ceiling ? w->ceiling_db : cur->ceiling_db, t, hard;

	*next = *cur;
	*why = 0;
	if (w->has_output)
		snprintf(next->output, sizeof(next->output), "%s", w->output);
	if (w->has_mode)
		next->mode = w->mode;
	if (w->has_table)
		next->table = w->table;
	if (w->has_reported)
		snprintf(next->reported, sizeof(next->reported), "%s", w->reported);
	if (w->has_hard_table)
		dg_policy_hard_table_lower(&next->hard_table, &w->hard_table);
	if (next->table.n > 0 && (w->has_ceiling || w->has_output || w->has_mode || w->has_table ||
				  w->has_reported)) {
		/* output and mode tell one story with the ceiling */
		if (w->has_output && !w->has_mode && dg_policy_mode_of(next->output) != DG_MODE_UNKNOWN)
			next->mode = dg_policy_mode_of(next->output);
		else if (w->has_mode && !w->has_output)
			snprintf(next->output, sizeof(next->output), "unknown");
		t = dg_policy_select(&next->table, next->output, next->mode, NULL);
		if (w->has_output || w->has_mode) {
			target = w->has_ceiling && w->ceiling_db < t ? w->ceiling_db : t;
		} else if (target > t) {
			*why |= DG_GUARD_ABOVE_TABLE;
			target = t;
		}
		if (next->reported[0]) {
			/* the hardware's word on the output in use outranks any claim */
			t = dg_policy_select(&next->table, next->reported,
					     dg_policy_mode_of(next->reported), NULL);
			if (target > t) {
				*why |= DG_GUARD_ABOVE_REPORTED;
				target = t;
			}
		}
	}
	hard = dg_policy_hard_for(next);
	if (target > hard)
		*why |= DG_GUARD_ABOVE_HARD;
	else if (!(target >= DG_GUARD_MIN_CEILING_DB))
		*why |= DG_GUARD_BELOW_MIN;
	next->ceiling_db = dg_policy_clamp(target, hard);
}
