/* SPDX-License-Identifier: MIT */
/* dacguard: level math. How loud an output drives a headphone at 0 dBFS, and the
 * gain ceiling that keeps it under a maximum SPL. Formulas in doc/level-math.md. */
#pragma once

#include "model.h"

/* What set the ceiling. */
enum dg_limit {
	DG_LIMIT_FULL_SCALE = 0, /* "full-scale": the output cannot exceed the max SPL; ceiling 0 dB */
	DG_LIMIT_VOLTAGE,        /* "voltage": max SPL, with the load voltage from Vout and Zout */
	DG_LIMIT_POWER,          /* "power": max SPL, with the load voltage capped by a power rating */
	DG_LIMIT_FALLBACK,       /* "fallback": ratings unknown, the configured fallback ceiling */
	DG_LIMIT_HARD,           /* "hard": the administrator's limit (dacguard.hard-*) */
	DG_LIMIT_REPORTED,       /* "reported": a user's claimed output, held to the one the
				  * hardware reports */
};

struct dg_level {
	double sensitivity_db_per_v;  /* headphone sensitivity in dB SPL/V */
	double v_load;                /* Vrms across the headphone at 0 dBFS */
	double spl_at_0dbfs;          /* dB SPL at 0 dBFS */
	double ceiling_db;            /* dBFS, <= 0 */
	enum dg_limit limited_by;
};

const char *dg_limit_to_string(enum dg_limit l);

/* S_V = S_mW + 10*log10(1000/Z); returns NAN for a non-positive impedance. */
double dg_sensitivity_db_per_v(const struct dg_headphone *hp);

/* Voltage across a load of z ohm at full scale: the Vout/Zout divider, capped by
 * sqrt(P*Z) for the rating at that load (ratings at other loads are not used).
 * Sets *limited_by to DG_LIMIT_VOLTAGE or DG_LIMIT_POWER. NAN if Vout is unknown. */
double dg_output_voltage_at_load(const struct dg_output *out, double z, enum dg_limit *limited_by);

/* The full computation. Returns 0, or -EINVAL when the output's voltage or the
 * headphone is unusable; then *level holds the fallback ceiling (DG_LIMIT_FALLBACK). */
int dg_level_compute(const struct dg_output *out, const struct dg_headphone *hp,
		     double max_spl_db, double fallback_ceiling_db, struct dg_level *level);
