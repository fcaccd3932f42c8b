/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the ceiling table any client may write (dacguard.output-ceilings)
 * and the policy the guard applies with it. What must hold for every input: a table is
 * refused with a reason or read whole; written out and read again it is the same table
 * with no ceiling raised; and no write, whatever its table, output, mode or ceiling,
 * takes the guard above its hard ceiling, or above the table's ceiling for the output
 * in force. The input's first line is the table, the next ones a write (output, mode,
 * ceiling). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ceiling-table.h"
#include "policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_roundtrip(const struct dg_ceiling_table *t)
{
	struct dg_ceiling_table again;
	char json[DG_CEILING_TABLE_JSON_MAX], err[160];

	dg_ceiling_table_format(t, json, sizeof(json));
	if (dg_ceiling_table_parse(json, &again, err, sizeof(err)) < 0 || again.n != t->n)
		abort();
	for (size_t i = 0; i < t->n; i++) {
		if (strcmp(again.entries[i].id, t->entries[i].id) != 0 ||
		    again.entries[i].ceiling_db > t->entries[i].ceiling_db)
			abort(); /* writing a table out never raises a limit */
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char text[DG_CEILING_TABLE_TEXT_MAX + 64], err[160], *line, *save = NULL;
	struct dg_guard_state cur = {.ceiling_db = -30.0, .hard_ceiling_db = -6.0,
				     .output = "unknown"};
	struct dg_guard_state next;
	struct dg_guard_write w = {0};
	unsigned why;
	double t;

	if (size >= sizeof(text))
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	line = strtok_r(text, "\n", &save);
	if (line == NULL)
		return 0;
	err[0] = '\0';
	if (dg_ceiling_table_parse(line, &w.table, err, sizeof(err)) < 0) {
		if (err[0] == '\0' || w.table.n != 0)
			abort(); /* a refusal explains itself and leaves no table */
		return 0;
	}
	check_roundtrip(&w.table);
	w.has_table = true;
	if ((line = strtok_r(NULL, "\n", &save)) != NULL && strlen(line) < DG_ID_MAX) {
		w.has_output = true;
		strcpy(w.output, line);
	}
	if ((line = strtok_r(NULL, "\n", &save)) != NULL)
		w.has_mode = dg_mode_from_string(line, &w.mode) == 0;
	if ((line = strtok_r(NULL, "\n", &save)) != NULL) {
		w.ceiling_db = strtod(line, NULL);
		w.has_ceiling = true;
	}
	dg_policy_guard_write(&cur, &w, &next, &why);
	if (!(next.ceiling_db <= cur.hard_ceiling_db) || isnan(next.ceiling_db))
		abort();
	t = dg_policy_select(&next.table, next.output, next.mode, NULL);
	if (next.table.n > 0 && !(next.ceiling_db <= t || next.ceiling_db <= -120.0))
		abort();
	/* and a second write on top, with nothing but a ceiling, cannot raise it past either */
	cur = next;
	w = (struct dg_guard_write){.has_ceiling = true, .ceiling_db = 1e30};
	dg_policy_guard_write(&cur, &w, &next, &why);
	if (!(next.ceiling_db <= cur.hard_ceiling_db) ||
	    (cur.table.n > 0 && !(next.ceiling_db <= t || next.ceiling_db <= -120.0)))
		abort();
	return 0;
}
