/* SPDX-License-Identifier: MIT */
/* dacguard: the ceiling of each output of a device, as dacguardd hands it to a guard
 * (Props dacguard.output-ceilings, see libpipewire-module-dacguard(7)) so that the guard
 * can answer a switch of output by itself. Parsed from any client, so strict and fuzzed
 * (tests/fuzz/fuzz-table.c). */
#pragma once

#include <stddef.h>

#include "model.h"

struct dg_ceiling_entry {
	char id[DG_ID_MAX];
	double ceiling_db;
};

struct dg_ceiling_table {
	struct dg_ceiling_entry entries[DG_MAX_OUTPUTS];
	size_t n; /* 0: no table */
};

/* Room for DG_MAX_OUTPUTS ids with the longest finite float (39 digits) and the braces. */
#define DG_CEILING_TABLE_JSON_MAX 1024
/* Longer text is refused before it is read. */
#define DG_CEILING_TABLE_TEXT_MAX 4096

/* A JSON (or SPA-JSON) object of known output ids to finite numbers, each id once, at
 * most DG_MAX_OUTPUTS; "" or "{}" is the empty table. Anything else is refused whole:
 * -EINVAL with the reason in err, a phrase to follow "refusing " (t is then empty). */
int dg_ceiling_table_parse(const char *text, struct dg_ceiling_table *t, char *err,
			   size_t err_size);

/* Adds or replaces id's ceiling; -EINVAL for an id that is not an output id, -ENOSPC
 * when full. */
int dg_ceiling_table_set(struct dg_ceiling_table *t, const char *id, double ceiling_db);

const struct dg_ceiling_entry *dg_ceiling_table_find(const struct dg_ceiling_table *t,
						     const char *id);

/* { "se-3.5": -23.070, "bal-2.5": -29.090 }: each ceiling rounded down to 0.001 dB, so
 * that writing a table out never raises a limit; "" for the empty table. */
void dg_ceiling_table_format(const struct dg_ceiling_table *t, char *buf, size_t size);
