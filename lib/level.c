/* SPDX-License-Identifier: MIT */
/* dacguard: level math (doc/level-math.md). Every doubt resolves to the louder
 * reading, so the ceiling that comes out is never higher than the truth. */
#include <errno.h>
#include <math.h>

#include "level.h"
#include "words.h"

/* Used when the caller's own fallback is unusable: the shipped default. */
#define DG_LEVEL_LAST_RESORT_CEILING_DB -30.0

/* A power rating speaks for a load only within this relative distance. */
#define DG_RATING_LOAD_TOLERANCE 0.01

static const char *const limit_names[] = {
	[DG_LIMIT_FULL_SCALE] = "full-scale",
	[DG_LIMIT_VOLTAGE] = "voltage",
	[DG_LIMIT_POWER] = "power",
	[DG_LIMIT_FALLBACK] = "fallback",
	[DG_LIMIT_HARD] = "hard",
	[DG_LIMIT_REPORTED] = "reported",
};

const char *dg_limit_to_string(enum dg_limit l)
{
	return dg_word(DG_WORDS(limit_names), (size_t) l, "unknown");
}

static bool positive(double x)
{
	return isfinite(x) && x > 0.0;
}

double dg_sensitivity_db_per_v(const struct dg_headphone *hp)
{
	if (!hp || !positive(hp->impedance_ohm) || !isfinite(hp->sensitivity_db))
		return NAN;
	if (hp->sensitivity_per_volt)
		return hp->sensitivity_db;
	/* 1 mW into Z takes sqrt(Z/1000) V; referring to 1 V adds 10*log10(1000/Z). */
	return hp->sensitivity_db + 10.0 * log10(1000.0 / hp->impedance_ohm);
}

/* The highest voltage any rating at this load allows, or NAN if none applies. */
static double rated_voltage_at_load(const struct dg_output *out, double z)
{
	size_t n = out->n_power < DG_MAX_RATINGS ? out->n_power : DG_MAX_RATINGS;
	double best = NAN;

	for (size_t i = 0; i < n; i++) {
		const struct dg_power_rating *r = &out->power[i];
		double v;

		if (!positive(r->mw) || !positive(r->ohm))
			continue;
		if (fabs(r->ohm - z) > DG_RATING_LOAD_TOLERANCE * z)
			continue;
		/* Of the two nearly equal loads take the larger: the louder voltage. */
		v = sqrt(r->mw / 1000.0 * fmax(r->ohm, z));
		if (isnan(best) || v > best)
			best = v;
	}
	return best;
}

double dg_output_voltage_at_load(const struct dg_output *out, double z, enum dg_limit *limited_by)
{
	double zout, v, v_rated;

	if (!out || !positive(out->vout_vrms) || !positive(z))
		return NAN;

	/* An unknown (or nonsensical) output impedance is taken as 0: no divider, the loud case. */
	zout = out->zout_ohm;
	if (!isfinite(zout) || zout < 0.0)
		zout = 0.0;

	v = out->vout_vrms * z / (z + zout);
	if (limited_by)
		*limited_by = DG_LIMIT_VOLTAGE;

	v_rated = rated_voltage_at_load(out, z);
	if (!isnan(v_rated) && v_rated < v) {
		v = v_rated;
		if (limited_by)
			*limited_by = DG_LIMIT_POWER;
	}
	return v;
}

static void set_fallback(struct dg_level *level, double fallback_ceiling_db)
{
	if (!isfinite(fallback_ceiling_db))
		fallback_ceiling_db = DG_LEVEL_LAST_RESORT_CEILING_DB;
	level->v_load = NAN;
	level->spl_at_0dbfs = NAN;
	level->ceiling_db = fmin(0.0, fallback_ceiling_db);
	level->limited_by = DG_LIMIT_FALLBACK;
}

int dg_level_compute(const struct dg_output *out, const struct dg_headphone *hp,
		     double max_spl_db, double fallback_ceiling_db, struct dg_level *level)
{
	enum dg_limit limited_by = DG_LIMIT_VOLTAGE;
	double s_v, v;

	if (!level)
		return -EINVAL;

	s_v = dg_sensitivity_db_per_v(hp);
	level->sensitivity_db_per_v = s_v;
	if (isnan(s_v) || !isfinite(max_spl_db)) {
		set_fallback(level, fallback_ceiling_db);
		return -EINVAL;
	}

	v = dg_output_voltage_at_load(out, hp->impedance_ohm, &limited_by);
	if (isnan(v)) {
		set_fallback(level, fallback_ceiling_db);
		return -EINVAL;
	}

	level->v_load = v;
	level->spl_at_0dbfs = s_v + 20.0 * log10(v);
	level->ceiling_db = max_spl_db - level->spl_at_0dbfs;
	level->limited_by = limited_by;
	if (!(level->ceiling_db < 0.0)) {
		level->ceiling_db = 0.0;
		level->limited_by = DG_LIMIT_FULL_SCALE;
	}
	return 0;
}
