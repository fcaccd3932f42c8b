/* SPDX-License-Identifier: MIT */
/* dacguard: headphone profiles, headphones/NN-name.conf (doc/formats.md). */
#pragma once

#include "diag.h"
#include "paths.h"
#include "model.h"

#define DG_HEADPHONE_DEFAULT "generic-iem-sensitive"

enum dg_confidence {
	DG_CONFIDENCE_LOW = 0,
	DG_CONFIDENCE_MEDIUM,
	DG_CONFIDENCE_HIGH,
	DG_CONFIDENCE_MEASURED,
};

struct dg_headphone_entry {
	struct dg_headphone hp;
	char type[DG_NAME_MAX];
	enum dg_confidence confidence;
	char source[DG_SOURCE_MAX];
	char note[DG_SOURCE_MAX];
};

struct dg_headphone_db {
	struct dg_headphone_entry *entries; /* one realloc'd array */
	size_t n;
	size_t alloc;
};

const char *dg_confidence_to_string(enum dg_confidence c);

/* "97dB/V", "108 dB/V", "94dB/mW" (unit case-insensitive): sets hp->sensitivity_db and
 * hp->sensitivity_per_volt. Returns 0 or -EINVAL for anything else. */
int dg_parse_sensitivity(const char *s, struct dg_headphone *hp);

void dg_headphone_db_init(struct dg_headphone_db *db);
void dg_headphone_db_free(struct dg_headphone_db *db);

/* Loads headphones/NN-name.conf from paths. All-or-nothing: on error db is untouched and
 * -EINVAL returned (every problem reported to errors). */
int dg_headphone_db_load(struct dg_headphone_db *db, const struct dg_paths *paths,
			 struct dg_errors *errors);
/* Same for an explicit list of files, read in the order given. */
int dg_headphone_db_load_files(struct dg_headphone_db *db, char *const *files, size_t n_files,
			       struct dg_errors *errors);
/* Adds the profiles of one buffer to db (a same id from an earlier buffer is replaced).
 * On error db is untouched. name is used in messages. */
int dg_headphone_db_add_string(struct dg_headphone_db *db, const char *name, const char *data,
			       size_t len, struct dg_errors *errors);

/* By id (exact) or by name (case-insensitive). */
const struct dg_headphone_entry *dg_headphone_db_find_entry(const struct dg_headphone_db *db,
							    const char *id_or_name);
const struct dg_headphone *dg_headphone_db_find(const struct dg_headphone_db *db,
						const char *id_or_name);
