/* SPDX-License-Identifier: MIT */
/* dacguard: dacguard.conf and its drop-ins (doc/formats.md). */
#pragma once

#include "headphones.h"
#include "diag.h"
#include "paths.h"
#include "usb-match.h"
#include "model.h"

#define DG_CONF_MAX_DEVICES 32
#define DG_CONF_MAX_EXEMPT  16

struct dg_conf_output {
	char id[DG_ID_MAX];              /* output id, "bal-4.4" */
	char headphone[DG_NAME_MAX];     /* headphone id; "" = the default headphone */
	double ceiling_db;               /* NAN = none */
};

struct dg_conf_device {
	struct dg_match match;
	bool has_mode;
	enum dg_mode mode;
	struct dg_conf_output outputs[DG_MAX_OUTPUTS];
	size_t n_outputs;
	bool has_hide_raw_sink;
	bool hide_raw_sink;              /* overrides dacguard.hide-raw-sink for the device */
};

struct dg_config {
	double max_spl_db;
	double fallback_ceiling_db;
	double hard_ceiling_db;
	/* The administrator's limits (root's files only raise them): the loudest SPL any
	 * output may reach whatever a client writes, and the hard ceiling of an output
	 * without ratings (root's dacguard.fallback-ceiling-db). */
	double hard_max_spl_db;
	double hard_fallback_ceiling_db;
	char default_headphone[DG_NAME_MAX];
	/* Hide a known DAC's raw sink from ordinary PipeWire clients while its guard exists. */
	bool hide_raw_sink;
	/* application.process.binary names that still see it; a later file's list replaces */
	char hide_raw_sink_exempt[DG_CONF_MAX_EXEMPT][DG_NAME_MAX];
	size_t n_hide_raw_sink_exempt;
	/* Appended across files; dg_config_find_device() picks as the database does. */
	struct dg_conf_device devices[DG_CONF_MAX_DEVICES];
	size_t n_devices;
};

/* 85 dB SPL, -30 dBFS fallback, 0 dBFS hard ceiling, 100 dB SPL hard limit,
 * "generic-iem-sensitive", raw sinks hidden, no exemptions. */
void dg_config_defaults(struct dg_config *cfg);

/* Reads dacguard.conf and dacguard.conf.d/<name>.conf of every dir in paths, lowest priority
 * first, starting from the defaults. When hp is given, headphone ids must exist in it.
 * All-or-nothing: on any error *cfg is untouched and -EINVAL is returned. */
int dg_config_load(struct dg_config *cfg, const struct dg_paths *paths,
		   const struct dg_headphone_db *hp, struct dg_errors *errors);

/* Applies one buffer on top of *cfg (tests, fuzzing, the loader itself). trusted: the
 * buffer may set the hard ceiling (root's file); otherwise it may only lower it. On
 * error *cfg is untouched. */
int dg_config_load_string(struct dg_config *cfg, const char *name, const char *data, size_t len,
			  bool trusted, const struct dg_headphone_db *hp, struct dg_errors *errors);

/* The user's settings for a device, or NULL (same rule as dg_db_match()). */
const struct dg_conf_device *dg_config_find_device(const struct dg_config *cfg, uint16_t vid,
						   uint16_t pid, const char *manufacturer,
						   const char *product);
const struct dg_conf_output *dg_conf_device_find_output(const struct dg_conf_device *dev,
							 const char *id);

/* Whether the raw sink of the device (dev may be NULL) is to be hidden. */
bool dg_config_hide_raw_sink(const struct dg_config *cfg, const struct dg_conf_device *dev);
