/* SPDX-License-Identifier: MIT */
/* dacguard: the device database, devices/NN-vendor.conf (doc/formats.md). */
#pragma once

#include "diag.h"
#include "paths.h"
#include "usb-match.h"
#include "model.h"

/* Which figures of an output are estimates ("estimated = [ ... ]"). */
enum dg_estimated {
	DG_ESTIMATED_VOUT = 1 << 0,      /* "vout-vrms" */
	DG_ESTIMATED_ZOUT = 1 << 1,      /* "zout-ohm" */
	DG_ESTIMATED_POWER = 1 << 2,     /* "power" */
	DG_ESTIMATED_CROSSTALK = 1 << 3, /* "crosstalk-db" */
};

struct dg_db_output {
	struct dg_output out;            /* out.estimated is set when mask != 0 */
	unsigned estimated_mask;         /* enum dg_estimated */
	char note[DG_SOURCE_MAX];
};

/* An ALSA jack control that tells an output is plugged. */
/* A name the device reports (a jack control, a selector item) and the output it means. */
struct dg_db_name_output {
	char name[DG_NAME_MAX];
	char output[DG_ID_MAX];
};

/* A vendor ALSA enumerated control whose items name outputs. */
struct dg_db_selector {
	char control[DG_NAME_MAX];
	struct dg_db_name_output items[DG_MAX_SELECTOR_VALUES];
	size_t n_items;
};

struct dg_db_entry {
	char vendor[DG_NAME_MAX];
	char model[DG_NAME_MAX];
	struct dg_match match;
	char source[DG_SOURCE_MAX];
	struct dg_db_name_output jacks[DG_MAX_JACKS];   /* name: the jack control */
	size_t n_jacks;
	struct dg_db_selector selectors[DG_MAX_SELECTORS];
	size_t n_selectors;
	struct dg_db_output outputs[DG_MAX_OUTPUTS];
	size_t n_outputs;
	char file[PATH_MAX];             /* where it was read, for messages */
	int line;
};

struct dg_db {
	struct dg_db_entry *entries;     /* in reading order; one realloc'd array */
	size_t n;
	size_t alloc;
};

void dg_db_init(struct dg_db *db);
void dg_db_free(struct dg_db *db);

/* Loads devices/NN-vendor.conf from paths. All-or-nothing: on error db is untouched and -EINVAL
 * returned (every problem reported to errors). */
int dg_db_load(struct dg_db *db, const struct dg_paths *paths, struct dg_errors *errors);
/* Same for an explicit list of files, read in the order given. */
int dg_db_load_files(struct dg_db *db, char *const *files, size_t n_files,
		     struct dg_errors *errors);
/* Appends the entries of one buffer to db; on error db is untouched. */
int dg_db_add_string(struct dg_db *db, const char *name, const char *data, size_t len,
		     struct dg_errors *errors);

/* The entry for a device: every given match key must match; the most specific wins
 * (dg_match_specificity), among equals the one read last. NULL when none matches. */
const struct dg_db_entry *dg_db_match(const struct dg_db *db, uint16_t vid, uint16_t pid,
				      const char *manufacturer, const char *product);

/* Fills a struct dg_dac (known = true) from an entry. */
void dg_db_entry_to_dac(const struct dg_db_entry *entry, struct dg_dac *out);

/* The output a jack control / selector item names, or NULL. */
const char *dg_db_entry_jack_output(const struct dg_db_entry *entry, const char *control);
const char *dg_db_entry_selector_output(const struct dg_db_entry *entry, const char *control,
					const char *item);
