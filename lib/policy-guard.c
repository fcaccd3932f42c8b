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

void dg_policy_guard_write(const struct dg_guard_state *cur, const struct dg_guard_write *w,
			   struct dg_guard_state *next, unsigned *why)
{
	double target = w->has_ceiling ? w->ceiling_db : cur->ceiling_db, t;

	*next = *cur;
	*why = 0;
	if (w->has_output)
		snprintf(next->output, sizeof(next->output), "%s", w->output);
	if (w->has_mode)
		next->mode = w->mode;
	if (w->has_table)
		next->table = w->table;
	if (next->table.n > 0 && (w->has_ceiling || w->has_output || w->has_mode || w->has_table)) {
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
	}
	if (target > cur->hard_ceiling_db)
		*why |= DG_GUARD_ABOVE_HARD;
	else if (!(target >= DG_GUARD_MIN_CEILING_DB))
		*why |= DG_GUARD_BELOW_MIN;
	next->ceiling_db = dg_policy_clamp(target, cur->hard_ceiling_db);
}
