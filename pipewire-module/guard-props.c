/* SPDX-License-Identifier: MIT */
/* dacguard module: the sink node's Props, the pw-cli set-param surface
 * (libpipewire-module-dacguard(7)): what it publishes, and how a write is checked and
 * applied. Writes are read whole before anything is applied; a refused value changes
 * nothing; no write takes the ceiling above the hard ceiling. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <spa/param/props.h>
#include <spa/pod/builder.h>
#include <spa/pod/iter.h>
#include <spa/pod/parser.h>
#include <spa/utils/json.h>
#include <spa/utils/string.h>

#include "dacguard-module.h"

#define PW_LOG_TOPIC_DEFAULT dg_mod_topic


enum prop_kind { PROP_FLOAT, PROP_STRING, PROP_BOOL, PROP_INT };

struct prop_desc {
	const char *key;
	enum prop_kind kind;
	bool writable;
	const char *description;
};

static const struct prop_desc prop_descs[] = {
    {"dacguard.ceiling-db", PROP_FLOAT, true, "Gain ceiling (dBFS)"},
    {"dacguard.hard-ceiling-db", PROP_FLOAT, false, "Hard ceiling (dBFS, read-only)"},
    {"dacguard.output", PROP_STRING, true, "Output in use (id)"},
    /* a string, not a choice: a choice's values must all have one size (spa/pod/pod.h),
     * which strings do not, and a malformed one breaks every reader of the node's params */
    {"dacguard.mode", PROP_STRING, true, "Output mode: single-ended, balanced or unknown"},
    {"dacguard.headphone", PROP_STRING, true, "Headphone profile"},
    {"dacguard.output-ceilings", PROP_STRING, true,
     "Ceiling per output (JSON object: output id -> dBFS)"},
    {"dacguard.peak-db", PROP_FLOAT, false, "Output peak (dBFS, read-only)"},
    {"dacguard.gain-reduction-db", PROP_FLOAT, false, "Limiter gain reduction (dB, read-only)"},
    {"dacguard.correlation", PROP_FLOAT, false, "L/R correlation (read-only)"},
    {"dacguard.imbalance-db", PROP_FLOAT, false, "L/R imbalance (dB, read-only)"},
    {"dacguard.crosstalk-db", PROP_FLOAT, false, "Crosstalk estimate (dB, read-only)"},
    {"dacguard.polarity-inverted", PROP_BOOL, false, "Polarity inverted (read-only)"},
    {"dacguard.dead-channel", PROP_INT, false, "Dead channel: -1 none, 0 L, 1 R (read-only)"},
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

static struct spa_pod *build_prop_info(struct guard *g, struct spa_pod_builder *b,
				       const struct prop_desc *p)
{
	struct spa_pod_frame f[2];

	spa_pod_builder_push_object(b, &f[0], SPA_TYPE_OBJECT_PropInfo, SPA_PARAM_PropInfo);
	spa_pod_builder_add(b, SPA_PROP_INFO_name, SPA_POD_String(p->key),
			    SPA_PROP_INFO_description, SPA_POD_String(p->description), 0);
	spa_pod_builder_prop(b, SPA_PROP_INFO_type, 0);
	if (spa_streq(p->key, "dacguard.ceiling-db")) {
		spa_pod_builder_push_choice(b, &f[1], SPA_CHOICE_Range, 0);
		spa_pod_builder_float(b, g->ceiling_db);
		spa_pod_builder_float(b, MIN_CEILING_DB);
		spa_pod_builder_float(b, g->hard_ceiling_db);
		spa_pod_builder_pop(b, &f[1]);
	} else if (spa_streq(p->key, "dacguard.output-ceilings")) {
		spa_pod_builder_string(b, g->table_json);
	} else {
		switch (p->kind) {
		case PROP_FLOAT:
			spa_pod_builder_float(b, 0.0f);
			break;
		case PROP_STRING:
			spa_pod_builder_string(b, "");
			break;
		case PROP_BOOL:
			spa_pod_builder_bool(b, false);
			break;
		case PROP_INT:
			spa_pod_builder_push_choice(b, &f[1], SPA_CHOICE_Range, 0);
			spa_pod_builder_int(b, -1);
			spa_pod_builder_int(b, -1);
			spa_pod_builder_int(b, 1);
			spa_pod_builder_pop(b, &f[1]);
			break;
		}
	}
	spa_pod_builder_prop(b, SPA_PROP_INFO_params, 0);
	spa_pod_builder_bool(b, true);
	return spa_pod_builder_pop(b, &f[0]);
}

struct spa_pod *guard_build_prop_info(struct guard *g, struct spa_pod_builder *b, size_t i)
{
	return build_prop_info(g, b, &prop_descs[i]);
}

struct spa_pod *guard_build_props(struct guard *g, struct spa_pod_builder *b)
{
	const struct meters *m = &g->published;
	struct spa_pod_frame f[2];

	spa_pod_builder_push_object(b, &f[0], SPA_TYPE_OBJECT_Props, SPA_PARAM_Props);
	spa_pod_builder_prop(b, SPA_PROP_params, 0);
	spa_pod_builder_push_struct(b, &f[1]);
	spa_pod_builder_string(b, "dacguard.ceiling-db");
	spa_pod_builder_float(b, g->ceiling_db);
	spa_pod_builder_string(b, "dacguard.hard-ceiling-db");
	spa_pod_builder_float(b, g->hard_ceiling_db);
	spa_pod_builder_string(b, "dacguard.output");
	spa_pod_builder_string(b, g->output);
	spa_pod_builder_string(b, "dacguard.mode");
	spa_pod_builder_string(b, g->mode);
	spa_pod_builder_string(b, "dacguard.headphone");
	spa_pod_builder_string(b, g->headphone);
	spa_pod_builder_string(b, "dacguard.output-ceilings");
	spa_pod_builder_string(b, g->table_json);
	spa_pod_builder_string(b, "dacguard.peak-db");
	spa_pod_builder_float(b, m->peak_db);
	spa_pod_builder_string(b, "dacguard.gain-reduction-db");
	spa_pod_builder_float(b, m->gain_reduction_db);
	spa_pod_builder_string(b, "dacguard.correlation");
	spa_pod_builder_float(b, m->correlation);
	spa_pod_builder_string(b, "dacguard.imbalance-db");
	spa_pod_builder_float(b, m->imbalance_db);
	spa_pod_builder_string(b, "dacguard.crosstalk-db");
	spa_pod_builder_float(b, m->crosstalk_db);
	spa_pod_builder_string(b, "dacguard.polarity-inverted");
	spa_pod_builder_bool(b, m->polarity_inverted != 0);
	spa_pod_builder_string(b, "dacguard.dead-channel");
	spa_pod_builder_int(b, m->dead_channel);
	spa_pod_builder_pop(b, &f[1]);
	return spa_pod_builder_pop(b, &f[0]);
}

static int pod_get_number(const struct spa_pod *pod, double *v)
{
	float f;
	double d;
	int32_t i;
	int64_t l;

	if (spa_pod_get_float(pod, &f) >= 0)
		*v = f;
	else if (spa_pod_get_double(pod, &d) >= 0)
		*v = d;
	else if (spa_pod_get_int(pod, &i) >= 0)
		*v = i;
	else if (spa_pod_get_long(pod, &l) >= 0)
		*v = (double) l;
	else
		return -EINVAL;
	return 0;
}

/* Clamps v to MIN_CEILING_DB .. hard ceiling and hands it to the data thread.
 * Returns 1 when the ceiling changed, 0 when not. */
int guard_apply_ceiling(struct guard *g, double v, const char *key)
{
	if (v > g->hard_ceiling_db) {
		pw_log_warn("%s: %s: %.2f dB is above the hard ceiling, clamped to %.2f dB",
			    g->node_name, key, v, g->hard_ceiling_db);
		v = g->hard_ceiling_db;
	}
	if (v < MIN_CEILING_DB) {
		pw_log_warn("%s: %s: %.2f dB is below %.0f dB, clamped", g->node_name, key, v,
			    MIN_CEILING_DB);
		v = MIN_CEILING_DB;
	}
	if (v == g->ceiling_db)
		return 0;
	pw_log_info("%s: ceiling %.2f -> %.2f dB", g->node_name, g->ceiling_db, v);
	g->ceiling_db = v;
	dsp_set_ceiling(g, v);
	return 1;
}


static void table_to_json(const struct ceiling_table *t, char *buf, size_t size)
{
	size_t len = 0;

	if (t->n == 0) {
		buf[0] = '\0';
		return;
	}
	len += snprintf(buf, size, "{");
	for (uint32_t i = 0; i < t->n && len < size; i++)
		len += snprintf(buf + len, size - len, "%s \"%s\": %.3f", i ? "," : "",
				t->entries[i].id, t->entries[i].ceiling_db);
	if (len < size)
		snprintf(buf + len, size - len, " }");
}

/* Strict: an object of known output ids to finite numbers, each id once, at most
 * DG_MAX_OUTPUTS; "" or {} clears the table. Anything else is refused whole. */
static int table_parse(struct guard *g, const char *key, const char *str,
		       struct ceiling_table *t)
{
	struct spa_json it[2];
	const char *value;
	int len;

	spa_zero(*t);
	spa_json_init(&it[0], str, strlen(str));
	if ((len = spa_json_next(&it[0], &value)) == 0)
		return 0;
	if (len < 0 || !spa_json_is_object(value, len)) {
		pw_log_warn("%s: %s: refusing a table that is not a JSON object", g->node_name,
			    key);
		return -EINVAL;
	}
	spa_json_enter(&it[0], &it[1]);
	while ((len = spa_json_next(&it[1], &value)) > 0) {
		struct ceiling_entry *e = &t->entries[t->n];
		char id[DG_ID_MAX];
		float f;

		if (spa_json_is_container(value, len) ||
		    spa_json_parse_stringn(value, len, id, sizeof(id)) <= 0 ||
		    dg_connector_from_id(id) == DG_CONNECTOR_UNKNOWN) {
			pw_log_warn("%s: %s: refusing the table: '%.*s' is not an output id",
				    g->node_name, key, SPA_MIN(len, 32), value);
			return -EINVAL;
		}
		for (uint32_t i = 0; i < t->n; i++) {
			if (spa_streq(t->entries[i].id, id)) {
				pw_log_warn("%s: %s: refusing the table: '%s' given twice",
					    g->node_name, key, id);
				return -EINVAL;
			}
		}
		if (t->n == DG_MAX_OUTPUTS) {
			pw_log_warn("%s: %s: refusing the table: more than %d outputs",
				    g->node_name, key, DG_MAX_OUTPUTS);
			return -EINVAL;
		}
		if ((len = spa_json_next(&it[1], &value)) <= 0 ||
		    spa_json_parse_float(value, len, &f) <= 0 || !isfinite(f)) {
			pw_log_warn("%s: %s: refusing the table: '%s' is not a finite number",
				    g->node_name, key, id);
			return -EINVAL;
		}
		snprintf(e->id, sizeof(e->id), "%s", id);
		e->ceiling_db = f;
		t->n++;
	}
	if (len < 0 || spa_json_next(&it[0], &value) != 0) {
		pw_log_warn("%s: %s: refusing the table: not valid JSON", g->node_name, key);
		return -EINVAL;
	}
	return 0;
}

static bool mode_is_kind(enum dg_mode mode, const char *id)
{
	return dg_connector_is_balanced(dg_connector_from_id(id)) == (mode == DG_MODE_BALANCED);
}

/* The table's ceiling for an output in a mode. An output in the table: its ceiling; an
 * output not in it: the lowest in the table; no output ("unknown"): the lowest of the
 * mode's kind (balanced: bal-* and line-xlr; single-ended: se-* and line-rca), the
 * lowest of all for an unknown mode or a kind the table lacks. An output whose kind
 * disagrees with a given mode gets the lower of the two. NAN without a table. */
static double table_ceiling(const struct ceiling_table *t, const char *output,
			    enum dg_mode mode)
{
	double lowest = INFINITY, lowest_kind = INFINITY, found = NAN;

	if (t->n == 0)
		return NAN;
	for (uint32_t i = 0; i < t->n; i++) {
		const struct ceiling_entry *e = &t->entries[i];

		lowest = SPA_MIN(lowest, e->ceiling_db);
		if (mode != DG_MODE_UNKNOWN && mode_is_kind(mode, e->id))
			lowest_kind = SPA_MIN(lowest_kind, e->ceiling_db);
		if (spa_streq(e->id, output))
			found = e->ceiling_db;
	}
	if (lowest_kind == INFINITY)
		lowest_kind = lowest;
	if (dg_connector_from_id(output) == DG_CONNECTOR_UNKNOWN)
		return mode == DG_MODE_UNKNOWN ? lowest : lowest_kind;
	if (isnan(found))
		return lowest;
	if (mode != DG_MODE_UNKNOWN && !mode_is_kind(mode, output))
		return SPA_MIN(found, lowest_kind);
	return found;
}

static int set_string(struct guard *g, const char *key, const struct spa_pod *pod, char *dst,
		      size_t size)
{
	const char *s;
	enum dg_mode mode;

	if (spa_pod_get_string(pod, &s) < 0) {
		pw_log_warn("%s: %s: refusing a value that is not a string", g->node_name, key);
		return -EINVAL;
	}
	if (strlen(s) >= size) {
		pw_log_warn("%s: %s: refusing a value longer than %zu bytes", g->node_name, key,
			    size - 1);
		return -EINVAL;
	}
	for (const char *c = s; *c; c++) {
		if ((unsigned char) *c < 0x20 || *c == 0x7f) {
			pw_log_warn("%s: %s: refusing a value with control characters",
				    g->node_name, key);
			return -EINVAL;
		}
	}
	if (spa_streq(key, "dacguard.mode") && dg_mode_from_string(s, &mode) < 0) {
		pw_log_warn("%s: %s: unknown mode '%s'", g->node_name, key, s);
		return -EINVAL;
	}
	if (spa_streq(key, "dacguard.output") && !spa_streq(s, "unknown") &&
	    dg_connector_from_id(s) == DG_CONNECTOR_UNKNOWN) {
		pw_log_warn("%s: %s: unknown output id '%s'", g->node_name, key, s);
		return -EINVAL;
	}
	if (spa_streq(dst, s))
		return 0;
	pw_log_info("%s: %s '%s' -> '%s'", g->node_name, key, dst, s);
	snprintf(dst, size, "%s", s);
	return 1;
}

static int set_table(struct guard *g, const char *key, const struct spa_pod *pod)
{
	struct ceiling_table t;
	char json[TABLE_JSON_MAX];
	const char *s;
	int res;

	if (spa_pod_get_string(pod, &s) < 0) {
		pw_log_warn("%s: %s: refusing a value that is not a string", g->node_name, key);
		return -EINVAL;
	}
	if (strlen(s) >= 4096) {
		pw_log_warn("%s: %s: refusing a table longer than 4095 bytes", g->node_name, key);
		return -EINVAL;
	}
	if ((res = table_parse(g, key, s, &t)) < 0)
		return res;
	table_to_json(&t, json, sizeof(json));
	if (spa_streq(json, g->table_json))
		return 0;
	pw_log_info("%s: %s '%s' -> '%s'", g->node_name, key, g->table_json, json);
	g->table = t;
	memcpy(g->table_json, json, sizeof(json));
	return 1;
}

/* What one Props write held of ours (accepted keys only). */
struct props_write {
	bool ceiling, output, mode, table;
	double ceiling_db;
};

static int guard_set_param(struct guard *g, const char *key, const struct spa_pod *pod,
			   struct props_write *w)
{
	const struct prop_desc *p;
	double v;
	int res;

	/* Keys without our prefix belong to the adapter's converter: not ours to judge. */
	if (!spa_strstartswith(key, "dacguard."))
		return 0;
	if ((p = find_prop(key)) == NULL) {
		pw_log_warn("%s: %s: unknown key, ignored", g->node_name, key);
		return -ENOENT;
	}
	if (!p->writable) {
		pw_log_warn("%s: %s: read-only, write ignored", g->node_name, key);
		return -EPERM;
	}
	if (spa_streq(key, "dacguard.ceiling-db")) {
		if (pod_get_number(pod, &v) < 0) {
			pw_log_warn("%s: %s: refusing a value that is not a number", g->node_name,
				    key);
			return -EINVAL;
		}
		if (!isfinite(v)) {
			pw_log_warn("%s: %s: refusing non-finite value", g->node_name, key);
			return -EINVAL;
		}
		/* applied once the whole write is read: see guard_props_changed */
		/* given twice: the lower one */
		w->ceiling = true;
		w->ceiling_db = SPA_MIN(v, w->ceiling_db);
		return 0;
	}
	if (spa_streq(key, "dacguard.output")) {
		res = set_string(g, key, pod, g->output, sizeof(g->output));
		w->output |= res >= 0;
	} else if (spa_streq(key, "dacguard.mode")) {
		res = set_string(g, key, pod, g->mode, sizeof(g->mode));
		w->mode |= res >= 0;
	} else if (spa_streq(key, "dacguard.output-ceilings")) {
		res = set_table(g, key, pod);
		w->table |= res >= 0;
	} else {
		res = set_string(g, key, pod, g->headphone, sizeof(g->headphone));
	}
	return res;
}

static int set_label(struct guard *g, const char *key, char *dst, size_t size, const char *s)
{
	if (spa_streq(dst, s))
		return 0;
	pw_log_info("%s: %s '%s' -> '%s'", g->node_name, key, dst, s);
	snprintf(dst, size, "%s", s);
	return 1;
}

/* The ceiling a whole Props write leads to. With a table, a write of the output or the
 * mode brings that output's (or mode's) ceiling from the table, lowered by a ceiling
 * given in the same write; any other write is bounded by the table's ceiling for the
 * output and mode in force. Returns 1 when anything changed. */
static int guard_finish_write(struct guard *g, struct props_write *w)
{
	enum dg_mode mode = DG_MODE_UNKNOWN;
	const char *key = "dacguard.ceiling-db";
	double target = g->ceiling_db, t;
	bool set = w->ceiling;
	int changed = 0;

	if (w->ceiling)
		target = w->ceiling_db;
	if (g->table.n > 0 && (w->ceiling || w->output || w->mode || w->table)) {
		enum dg_connector con = dg_connector_from_id(g->output);

		/* keep output and mode telling the same story as the ceiling */
		if (w->output && !w->mode && con != DG_CONNECTOR_UNKNOWN) {
			mode = dg_connector_is_balanced(con) ? DG_MODE_BALANCED
							     : DG_MODE_SINGLE_ENDED;
			changed |= set_label(g, "dacguard.mode", g->mode, sizeof(g->mode),
					     dg_mode_to_string(mode));
		} else if (w->mode && !w->output) {
			changed |= set_label(g, "dacguard.output", g->output, sizeof(g->output),
					     "unknown");
		}
		dg_mode_from_string(g->mode, &mode);
		t = table_ceiling(&g->table, g->output, mode);
		if (w->output || w->mode) {
			key = w->output ? "dacguard.output" : "dacguard.mode";
			target = w->ceiling ? SPA_MIN(target, t) : t;
		} else if (target > t) {
			pw_log_warn("%s: %s: %.2f dB is above the ceiling of output '%s' (%.2f dB), "
				    "lowered to it",
				    g->node_name, w->ceiling ? key : "dacguard.output-ceilings",
				    target, g->output, t);
			target = t;
		}
		set = true;
	}
	if (set && guard_apply_ceiling(g, target, key) > 0)
		changed = 1;
	return changed;
}

void guard_props_changed(struct guard *g, const struct spa_pod *param)
{
	const struct spa_pod_object *obj = (const struct spa_pod_object *) param;
	const struct spa_pod_prop *prop;
	struct props_write w = {.ceiling_db = INFINITY};
	bool changed = false;
	double old = g->ceiling_db;
	char old_table[TABLE_JSON_MAX];

	if (!spa_pod_is_object_type(param, SPA_TYPE_OBJECT_Props))
		return;
	memcpy(old_table, g->table_json, sizeof(old_table));

	SPA_POD_OBJECT_FOREACH(obj, prop)
	{
		struct spa_pod_parser prs;
		struct spa_pod_frame f;

		if (prop->key != SPA_PROP_params)
			continue;
		spa_pod_parser_pod(&prs, &prop->value);
		if (spa_pod_parser_push_struct(&prs, &f) < 0)
			continue;
		while (true) {
			const char *key;
			struct spa_pod *value;

			if (spa_pod_parser_get_string(&prs, &key) < 0)
				break;
			if (spa_pod_parser_get_pod(&prs, &value) < 0)
				break;
			if (guard_set_param(g, key, value, &w) > 0)
				changed = true;
		}
	}
	if (guard_finish_write(g, &w) > 0)
		changed = true;
	if (changed)
		guard_update_props(g, old != g->ceiling_db ||
					  !spa_streq(old_table, g->table_json));
}
