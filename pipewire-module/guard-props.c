/* SPDX-License-Identifier: MIT */
/* dacguard module: the sink node's Props, the pw-cli set-param surface
 * (libpipewire-module-dacguard(7)): what it publishes, and how a write is checked and
 * applied. Writes are read whole before anything is applied; a refused value changes
 * nothing; no write takes the ceiling above the hard ceiling. */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <spa/param/props.h>
#include <spa/pod/builder.h>
#include <spa/pod/iter.h>
#include <spa/pod/parser.h>
#include <spa/utils/string.h>

#include "dacguard-module.h"
#include "props-write.h"

#define PW_LOG_TOPIC_DEFAULT dg_mod_topic


/* How a value is kept in struct guard, and so how it is published. */
enum prop_kind {
	PROP_DOUBLE, /* double, published as a Float */
	PROP_FLOAT,
	PROP_STRING, /* a char array */
	PROP_MODE,   /* enum dg_mode, published by name */
	PROP_BOOL,   /* int32_t */
	PROP_INT,    /* int32_t */
};

struct prop_desc {
	const char *key;
	enum prop_kind kind;
	size_t offset; /* of the value in struct guard */
	bool writable;
	const char *description;
};

#define AT(member) offsetof(struct guard, member)

static const struct prop_desc prop_descs[] = {
    {"dacguard.ceiling-db", PROP_DOUBLE, AT(state.ceiling_db), true, "Gain ceiling (dBFS)"},
    {"dacguard.hard-ceiling-db", PROP_DOUBLE, AT(state.hard_ceiling_db), false,
     "Hard ceiling (dBFS, read-only)"},
    {"dacguard.output", PROP_STRING, AT(state.output), true, "Output in use (id)"},
    /* a string, not a choice: a choice's values must all have one size (spa/pod/pod.h),
     * which strings do not, and a malformed one breaks every reader of the node's params */
    {"dacguard.mode", PROP_MODE, AT(state.mode), true,
     "Output mode: single-ended, balanced or unknown"},
    {"dacguard.headphone", PROP_STRING, AT(headphone), true, "Headphone profile"},
    {"dacguard.output-ceilings", PROP_STRING, AT(table_json), true,
     "Ceiling per output (JSON object: output id -> dBFS)"},
    {"dacguard.hard-ceilings", PROP_STRING, AT(hard_json), true,
     "Hard limit per output (JSON object: output id -> dBFS; writes only lower it)"},
    {"dacguard.output-reported", PROP_STRING, AT(state.reported), true,
     "Output the hardware reports in use (id, \"\" for none)"},
    {"dacguard.peak-db", PROP_FLOAT, AT(published.peak_db), false, "Output peak (dBFS, read-only)"},
    {"dacguard.gain-reduction-db", PROP_FLOAT, AT(published.gain_reduction_db), false,
     "Limiter gain reduction (dB, read-only)"},
    {"dacguard.correlation", PROP_FLOAT, AT(published.correlation), false,
     "L/R correlation (read-only)"},
    {"dacguard.imbalance-db", PROP_FLOAT, AT(published.imbalance_db), false,
     "L/R imbalance (dB, read-only)"},
    {"dacguard.crosstalk-db", PROP_FLOAT, AT(published.crosstalk_db), false,
     "Crosstalk estimate (dB, read-only)"},
    {"dacguard.polarity-inverted", PROP_BOOL, AT(published.polarity_inverted), false,
     "Polarity inverted (read-only)"},
    {"dacguard.dead-channel", PROP_INT, AT(published.dead_channel), false,
     "Dead channel: -1 none, 0 L, 1 R (read-only)"},
};

size_t guard_n_prop_infos(void)
{
	return SPA_N_ELEMENTS(prop_descs);
}

static const struct prop_desc *find_prop(const char *key)
{
	for (size_t i = 0; i < SPA_N_ELEMENTS(prop_descs); i++)
		if (spa_streq(prop_descs[i].key, key))
			return &prop_descs[i];
	return NULL;
}

static void build_value(const struct guard *g, struct spa_pod_builder *b, const struct prop_desc *p)
{
	const void *v = (const char *) g + p->offset;

	switch (p->kind) {
	case PROP_DOUBLE:
		spa_pod_builder_float(b, (float) *(const double *) v);
		break;
	case PROP_FLOAT:
		spa_pod_builder_float(b, *(const float *) v);
		break;
	case PROP_STRING:
		spa_pod_builder_string(b, v);
		break;
	case PROP_MODE:
		spa_pod_builder_string(b, dg_mode_to_string(*(const enum dg_mode *) v));
		break;
	case PROP_BOOL:
		spa_pod_builder_bool(b, *(const int32_t *) v != 0);
		break;
	case PROP_INT:
		spa_pod_builder_int(b, *(const int32_t *) v);
		break;
	}
}

/* The type of a Prop is given by a default value: the ceiling a range up to the hard
 * ceiling, the table as it stands, the others an empty value of their type. */
static void build_prop_type(struct guard *g, struct spa_pod_builder *b, const struct prop_desc *p)
{
	struct spa_pod_frame f;

	if (spa_streq(p->key, "dacguard.ceiling-db")) {
		spa_pod_builder_push_choice(b, &f, SPA_CHOICE_Range, 0);
		spa_pod_builder_float(b, g->state.ceiling_db);
		spa_pod_builder_float(b, MIN_CEILING_DB);
		spa_pod_builder_float(b, dg_policy_hard_for(&g->state));
		spa_pod_builder_pop(b, &f);
		return;
	}
	if (spa_streq(p->key, "dacguard.output-ceilings") ||
	    spa_streq(p->key, "dacguard.hard-ceilings")) {
		build_value(g, b, p);
		return;
	}
	switch (p->kind) {
	case PROP_DOUBLE:
	case PROP_FLOAT:
		spa_pod_builder_float(b, 0.0f);
		break;
	case PROP_STRING:
	case PROP_MODE:
		spa_pod_builder_string(b, "");
		break;
	case PROP_BOOL:
		spa_pod_builder_bool(b, false);
		break;
	case PROP_INT:
		spa_pod_builder_push_choice(b, &f, SPA_CHOICE_Range, 0);
		spa_pod_builder_int(b, -1);
		spa_pod_builder_int(b, -1);
		spa_pod_builder_int(b, 1);
		spa_pod_builder_pop(b, &f);
		break;
	}
}

struct spa_pod *guard_build_prop_info(struct guard *g, struct spa_pod_builder *b, size_t i)
{
	const struct prop_desc *p = &prop_descs[i];
	struct spa_pod_frame f;

	spa_pod_builder_push_object(b, &f, SPA_TYPE_OBJECT_PropInfo, SPA_PARAM_PropInfo);
	spa_pod_builder_add(b, SPA_PROP_INFO_name, SPA_POD_String(p->key),
			    SPA_PROP_INFO_description, SPA_POD_String(p->description), 0);
	spa_pod_builder_prop(b, SPA_PROP_INFO_type, 0);
	build_prop_type(g, b, p);
	spa_pod_builder_prop(b, SPA_PROP_INFO_params, 0);
	spa_pod_builder_bool(b, true);
	return spa_pod_builder_pop(b, &f);
}

struct spa_pod *guard_build_props(struct guard *g, struct spa_pod_builder *b)
{
	struct spa_pod_frame f[2];

	spa_pod_builder_push_object(b, &f[0], SPA_TYPE_OBJECT_Props, SPA_PARAM_Props);
	spa_pod_builder_prop(b, SPA_PROP_params, 0);
	spa_pod_builder_push_struct(b, &f[1]);
	for (size_t i = 0; i < SPA_N_ELEMENTS(prop_descs); i++) {
		spa_pod_builder_string(b, prop_descs[i].key);
		build_value(g, b, &prop_descs[i]);
	}
	spa_pod_builder_pop(b, &f[1]);
	return spa_pod_builder_pop(b, &f[0]);
}

static enum dg_props_key classify_key(void *data, const char *key)
{
	const struct prop_desc *p = find_prop(key);

	if (p == NULL)
		return DG_PROPS_KEY_UNKNOWN;
	return p->writable ? DG_PROPS_KEY_WRITABLE : DG_PROPS_KEY_READ_ONLY;
}

static void warn_key(void *data, const char *key, const char *why)
{
	struct guard *g = data;

	pw_log_warn("%s: %s: %s", g->node_name, key, why);
}

static const struct dg_props_write_ops write_ops = {
	.classify = classify_key,
	.warn = warn_key,
};

static bool set_label(struct guard *g, const char *key, char *dst, size_t size, const char *s)
{
	if (spa_streq(dst, s))
		return false;
	pw_log_info("%s: %s '%s' -> '%s'", g->node_name, key, dst, s);
	snprintf(dst, size, "%s", s);
	return true;
}

/* A write, whole: lib/policy decides what it leads to; this applies it. */
void guard_props_changed(struct guard *g, const struct spa_pod *param)
{
	struct dg_props_write pw;
	struct dg_guard_state next, *cur = &g->state;
	char json[DG_CEILING_TABLE_JSON_MAX];
	bool changed = false, info;
	unsigned why;

	if (dg_props_write_read(param, &write_ops, g, &pw) <= 0)
		return;
	if (pw.has_headphone)
		changed |= set_label(g, "dacguard.headphone", g->headphone, sizeof(g->headphone),
				     pw.headphone);
	dg_policy_guard_write(cur, &pw.w, &next, &why);
	if (why & DG_GUARD_ABOVE_TABLE)
		pw_log_warn("%s: %s: %.2f dB is above the ceiling of output '%s', lowered to "
			    "%.2f dB", g->node_name,
			    pw.w.has_ceiling ? "dacguard.ceiling-db" : "dacguard.output-ceilings",
			    pw.w.has_ceiling ? pw.w.ceiling_db : cur->ceiling_db, next.output,
			    next.ceiling_db);
	if (why & DG_GUARD_ABOVE_REPORTED)
		pw_log_warn("%s: output '%s' claimed while the hardware reports '%s': held at "
			    "its ceiling", g->node_name, next.output, next.reported);
	if (why & DG_GUARD_ABOVE_HARD)
		pw_log_warn("%s: dacguard.ceiling-db: above the hard limit, clamped to %.2f dB",
			    g->node_name, next.ceiling_db);
	if (why & DG_GUARD_BELOW_MIN)
		pw_log_warn("%s: dacguard.ceiling-db: below %.0f dB, clamped", g->node_name,
			    MIN_CEILING_DB);

	changed |= set_label(g, "dacguard.output", cur->output, sizeof(cur->output), next.output);
	if (next.mode != cur->mode) {
		pw_log_info("%s: dacguard.mode '%s' -> '%s'", g->node_name,
			    dg_mode_to_string(cur->mode), dg_mode_to_string(next.mode));
		changed = true;
	}
	/* PropInfo carries the table and the ceiling's range: publish it when they move */
	dg_ceiling_table_format(&next.table, json, sizeof(json));
	info = !spa_streq(json, g->table_json) || next.ceiling_db != cur->ceiling_db;
	changed |= set_label(g, "dacguard.output-ceilings", g->table_json, sizeof(g->table_json),
			     json);
	dg_ceiling_table_format(&next.hard_table, json, sizeof(json));
	info |= !spa_streq(json, g->hard_json);
	changed |= set_label(g, "dacguard.hard-ceilings", g->hard_json, sizeof(g->hard_json), json);
	changed |= set_label(g, "dacguard.output-reported", cur->reported, sizeof(cur->reported),
			     next.reported);
	if (next.ceiling_db != cur->ceiling_db) {
		pw_log_info("%s: ceiling %.2f -> %.2f dB", g->node_name, cur->ceiling_db,
			    next.ceiling_db);
		/* blocking: the next block the data thread processes has it */
		dsp_set_ceiling(g, next.ceiling_db);
		changed = true;
	}
	*cur = next;
	if (changed)
		guard_update_props(g, info);
}
