/* SPDX-License-Identifier: MIT */
/* dacguardd: from a card's identity, its output mode and the configuration to a gain
 * ceiling per output and the one that applies now. Pure: no udev, no ALSA. */
#pragma once

#include <stdbool.h>

#include "conf.h"
#include "db.h"
#include "headphones.h"
#include "level.h"
#include "output-mode.h"
#include "model.h"

struct dg_output_decision {
	char id[DG_ID_MAX];
	char headphone[DG_NAME_MAX]; /* the profile used; "" when none was found */
	struct dg_level level;	     /* ceiling_db includes the config's and the hard ceiling */
	bool candidate;		     /* may be the live output in the current mode */
};

struct dg_decision {
	struct dg_dac dac;
	struct dg_mode_result mode;
	struct dg_output_decision outputs[DG_MAX_OUTPUTS];
	size_t n_outputs;
	/* What applies now: the lowest ceiling among the candidates (fail-safe). */
	double ceiling_db;
	enum dg_limit limited_by;
	char output[DG_ID_MAX]; /* the output that set it; "" for an unknown device */
	bool descriptors_ok;	/* false: descriptors unreadable or malformed */
};

/* Builds the mode map of a database entry (its strings stay owned by the entry). */
void dg_policy_mode_map(const struct dg_db_entry *entry, struct dg_mode_map *map);

/* A record for a device the database does not know: names only, outputs unknown. */
void dg_policy_generic_dac(const char *manufacturer, const char *product, struct dg_dac *dac);

/* The decision. dev_conf may be NULL (no user settings for the device); hp may be NULL
 * (then every output falls back). descriptors_ok = false caps the ceiling at the
 * fallback: a device that does not describe itself properly is not trusted further. */
void dg_policy_decide(const struct dg_config *cfg, const struct dg_headphone_db *hp,
		      const struct dg_conf_device *dev_conf, const struct dg_dac *dac,
		      const struct dg_mode_result *mode, bool descriptors_ok,
		      struct dg_decision *out);
