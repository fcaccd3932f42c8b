/* SPDX-License-Identifier: MIT */
/* dacguardctl measure: the expectation and the report (see measure-report.h). */
#include "config.h"

#include "measure-report.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "diag.h"
#include "json-out.h"
#include "paths.h"

/* The database is only consulted: what is wrong in it is db validate's to say. */
static void ignore_diag(void *user, const struct dg_diag *d)
{
}

static void best_figure(double *best, double v)
{
	if (!isnan(v) && (isnan(*best) || v < *best))
		*best = v;
}

/* "0x1234" or "1234", as PipeWire's device.vendor.id and device.product.id hold them. */
static bool usb_id(const char *s, uint16_t *id)
{
	char *end = NULL;
	unsigned long v;

	if (!s[0])
		return false;
	v = strtoul(s, &end, 16);
	if (*end || v > 0xffff)
		return false;
	*id = (uint16_t) v;
	return true;
}

static void worst_reading(const struct dg_measure_run *run, struct measure_expectation *e)
{
	e->worst = -INFINITY;
	for (size_t i = 0; i < run->n_segs; i++) {
		const struct dg_measure_segment *s = &run->segs[i];

		if (s->done && s->r.crosstalk_db > e->worst) {
			e->worst = s->r.crosstalk_db;
			e->worst_is_bound = s->r.status == DG_MEASURE_BELOW_FLOOR;
		}
	}
}

static void database_figures(const struct measure_target *t, struct measure_expectation *e)
{
	struct dg_errors errors = { .fn = ignore_diag };
	struct dg_paths paths;
	struct dg_db db;
	const struct dg_db_entry *entry;
	uint16_t vid, pid;

	if (!usb_id(t->vendor_id, &vid) || !usb_id(t->product_id, &pid))
		return;
	dg_db_init(&db);
	if (dg_paths_init(&paths) == 0 && dg_db_load(&db, &paths, &errors) == 0 &&
	    (entry = dg_db_match(&db, vid, pid, t->vendor_name, t->product_name))) {
		snprintf(e->device_buf, sizeof(e->device_buf), "%s %s", entry->vendor,
			 entry->model);
		e->device = e->device_buf;
		for (size_t i = 0; i < entry->n_outputs; i++) {
			const struct dg_output *o = &entry->outputs[i].out;

			best_figure(o->balanced ? &e->bal_figure : &e->se_figure, o->crosstalk_db);
			if (e->output && strcmp(o->id, e->output) == 0) {
				e->db_figure = o->crosstalk_db;
				if (strcmp(e->mode, "unknown") == 0)
					e->mode = o->balanced ? "balanced" : "single-ended";
			}
		}
	}
	dg_db_free(&db);
}

void measure_expect(const struct measure_target *t, const struct dg_measure_run *run,
		    struct measure_expectation *e)
{
	memset(e, 0, sizeof(*e));
	e->db_figure = e->se_figure = e->bal_figure = NAN;
	worst_reading(run, e);
	e->mode = t->guard_mode[0] ? t->guard_mode : "unknown";
	if (t->guard_output[0] && strcmp(t->guard_output, "unknown") != 0)
		e->output = t->guard_output;
	database_figures(t, e);

	if (isnan(e->db_figure) || !isfinite(e->worst))
		e->verdict = "unknown";
	else if (e->worst <= e->db_figure + MEASURE_DB_TOLERANCE_DB)
		e->verdict = "meets";
	else
		e->verdict = e->worst_is_bound ? "floor-above-figure" : "worse";

	e->rule_verdict = "unknown";
	if (strcmp(e->mode, "balanced") == 0 && !isnan(e->se_figure) && isfinite(e->worst)) {
		if (e->worst < e->se_figure)
			e->rule_verdict = "beats";
		else
			e->rule_verdict = e->worst_is_bound ? "unknown" : "does-not-beat";
	}
}

static const char *or_null(const char *s)
{
	return s && s[0] ? s : NULL;
}

static void json_segment(struct dg_json_out *j, const struct dg_measure_segment *s)
{
	dg_json_out_object(j, NULL);
	dg_json_out_number(j, "frequency_hz", s->freq);
	dg_json_out_string(j, "direction", dg_measure_direction(s->active));
	dg_json_out_string(j, "status", dg_measure_status_to_string(s->r.status));
	dg_json_out_number(j, "crosstalk_db",
			   s->r.status == DG_MEASURE_OK ? s->r.crosstalk_db : NAN);
	dg_json_out_number(j, "below_db",
			   s->r.status == DG_MEASURE_BELOW_FLOOR ? s->r.crosstalk_db : NAN);
	dg_json_out_number(j, "gain_db", s->r.gain_db);
	dg_json_out_number(j, "snr_db", s->r.snr_db);
	dg_json_out_number(j, "driven_dbfs", s->r.active_dbfs);
	dg_json_out_number(j, "idle_dbfs", s->r.idle_dbfs);
	dg_json_out_number(j, "idle_floor_dbfs", s->r.idle_floor_dbfs);
	dg_json_out_int(j, "frames", (long long) s->r.frames);
	dg_json_out_int(j, "captures", (long long) s->tries);
	dg_json_out_end(j);
}

static void json_expectation(struct dg_json_out *j, const struct measure_expectation *e)
{
	dg_json_out_object(j, "expectation");
	dg_json_out_string(j, "device", e->device);
	dg_json_out_string(j, "output", e->output);
	dg_json_out_string(j, "mode", e->mode);
	dg_json_out_number(j, "database_crosstalk_db", e->db_figure);
	dg_json_out_number(j, "worst_crosstalk_db", e->worst);
	dg_json_out_bool(j, "worst_is_bound", e->worst_is_bound);
	dg_json_out_string(j, "verdict", e->verdict);
	dg_json_out_string(j, "rule", "a balanced output should beat single-ended");
	dg_json_out_number(j, "single_ended_db", e->se_figure);
	dg_json_out_number(j, "balanced_db", e->bal_figure);
	dg_json_out_string(j, "rule_verdict", e->rule_verdict);
	dg_json_out_end(j);
}

void measure_print_json(const struct measure_target *t, const struct dg_measure_run *run,
			const struct measure_expectation *e, const char *error)
{
	struct dg_json_out j;

	dg_json_out_init(&j, stdout, false);
	dg_json_out_object(&j, NULL);
	dg_json_out_string(&j, "sink", or_null(t->sink));
	dg_json_out_string(&j, "guard", or_null(t->guard));
	dg_json_out_string(&j, "played_into", or_null(t->play_target));
	dg_json_out_string(&j, "captured_from", or_null(t->capture_target));
	dg_json_out_bool(&j, "monitor", t->capture_monitor);
	dg_json_out_int(&j, "rate", run->rate);
	dg_json_out_number(&j, "level_dbfs", run->level_dbfs);
	dg_json_out_array(&j, "measurements");
	for (size_t i = 0; i < run->n_segs; i++)
		if (run->segs[i].done)
			json_segment(&j, &run->segs[i]);
	dg_json_out_end(&j);
	if (e)
		json_expectation(&j, e);
	dg_json_out_string(&j, "error", or_null(error));
	dg_json_out_end(&j);
	dg_json_out_finish(&j);
}

static void print_segment(const struct dg_measure_segment *s)
{
	printf("%8g Hz  %s  ", s->freq, dg_measure_direction(s->active));
	if (s->r.status == DG_MEASURE_OK)
		printf("crosstalk %7.1f dB", s->r.crosstalk_db);
	else if (s->r.status == DG_MEASURE_BELOW_FLOOR)
		printf("below the measurement floor, < %.1f dB", s->r.crosstalk_db);
	else
		printf("%s", dg_measure_status_to_string(s->r.status));
	printf("  (gain %.1f dB)\n", s->r.gain_db);
}

static void print_expectation(const struct measure_expectation *e)
{
	printf("expectation:   output %s, mode %s", e->output ? e->output : "unknown", e->mode);
	if (e->device)
		printf(", %s", e->device);
	putchar('\n');
	if (!isnan(e->db_figure))
		printf("               database: crosstalk %.1f dB; measured worst %s%.1f dB: %s\n",
		       e->db_figure, e->worst_is_bound ? "< " : "", e->worst,
		       strcmp(e->verdict, "meets") == 0 ? "meets it" :
		       strcmp(e->verdict, "worse") == 0 ? "worse than the database" :
							  "the floor is above the figure");
	else
		printf("               database: no crosstalk figure for this output\n");
	printf("               a balanced output should beat single-ended");
	if (strcmp(e->rule_verdict, "beats") == 0)
		printf(": it beats the single-ended %.1f dB\n", e->se_figure);
	else if (strcmp(e->rule_verdict, "does-not-beat") == 0)
		printf(": it does NOT beat the single-ended %.1f dB\n", e->se_figure);
	else
		putchar('\n');
}

void measure_print_human(const struct measure_target *t, const struct dg_measure_run *run,
			 const struct measure_expectation *e)
{
	if (!t->sink[0])
		return;
	if (t->guard[0])
		printf("played into:   %s (the guard of %s)\n", t->guard, t->sink);
	else
		printf("played into:   %s (no dacguard guard)\n", t->sink);
	if (t->capture_target[0])
		printf("captured from: %s%s\n", t->capture_monitor ? "the monitor of " : "",
		       t->capture_target);
	printf("stimulus:      %.1f dBFS sine at %u Hz, one channel at a time\n", run->level_dbfs,
	       run->rate);
	for (size_t i = 0; i < run->n_segs; i++)
		if (run->segs[i].done)
			print_segment(&run->segs[i]);
	if (e)
		print_expectation(e);
}
