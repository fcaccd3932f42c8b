/* SPDX-License-Identifier: MIT */
/* dacguard: the device database, devices/NN-vendor.conf. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <spa/utils/json.h>

#include "db.h"
#include "json-read.h"
#include "load-swap.h"

static const char *const estimated_keys[] = { "vout-vrms", "zout-ohm", "power", "crosstalk-db" };

#define N_ESTIMATED (sizeof(estimated_keys) / sizeof(estimated_keys[0]))

void dg_db_init(struct dg_db *db)
{
	memset(db, 0, sizeof(*db));
}

void dg_db_free(struct dg_db *db)
{
	free(db->entries);
	dg_db_init(db);
}

static int db_push(struct dg_db *db, const struct dg_db_entry *e)
{
	if (db->n == db->alloc) {
		size_t alloc = db->alloc ? db->alloc * 2 : 16;
		struct dg_db_entry *n = realloc(db->entries, alloc * sizeof(*n));

		if (!n)
			return -ENOMEM;
		db->entries = n;
		db->alloc = alloc;
	}
	db->entries[db->n++] = *e;
	return 0;
}

/* Rejects a key seen before in the same object: a typo'd copy must not silently win. */
static int once(struct dg_json_ctx *ctx, unsigned *seen, unsigned bit, const char *at,
		const char *key)
{
	if (*seen & bit)
		return dg_json_error(ctx, at, key, "given twice");
	*seen |= bit;
	return 0;
}

static int parse_rating(struct dg_json_ctx *ctx, struct spa_json *arr, const char *path,
			const char *val, int len, struct dg_power_rating *r)
{
	struct spa_json obj;
	char k[32], key[256];
	const char *at, *v;
	unsigned seen = 0;
	int vlen, res;

	if ((res = dg_json_enter_object(ctx, arr, path, val, len, &obj)) < 0)
		return res;
	while ((res = dg_json_next_key(ctx, &obj, path, k, sizeof(k), &at)) > 0) {
		dg_json_path(key, sizeof(key), "%s.%s", path, k);
		if ((res = dg_json_next_value(ctx, &obj, key, at, &v, &vlen)) < 0)
			return res;
		if (strcmp(k, "mw") == 0) {
			if ((res = once(ctx, &seen, 1, at, key)) == 0)
				res = dg_json_number(ctx, key, v, vlen, 1e-3, 1e6, &r->mw);
		} else if (strcmp(k, "ohm") == 0) {
			if ((res = once(ctx, &seen, 2, at, key)) == 0)
				res = dg_json_number(ctx, key, v, vlen, 1e-3, 1e6, &r->ohm);
		} else {
			res = dg_json_error(ctx, at, key, "unknown key (mw, ohm)");
		}
		if (res < 0)
			return res;
	}
	if (res < 0)
		return res;
	if (seen != 3)
		return dg_json_error(ctx, val, path, "a rating needs both mw and ohm");
	return 0;
}

static int parse_power(struct dg_json_ctx *ctx, struct spa_json *it, const char *key,
		       const char *val, int len, struct dg_output *o)
{
	struct spa_json arr;
	char path[256];
	const char *v;
	int vlen, res;

	if ((res = dg_json_enter_array(ctx, it, key, val, len, &arr)) < 0)
		return res;
	while ((res = dg_json_next_elem(ctx, &arr, key, &v, &vlen)) > 0) {
		if (o->n_power == DG_MAX_RATINGS)
			return dg_json_error(ctx, v, key, "more than %d ratings", DG_MAX_RATINGS);
		dg_json_path(path, sizeof(path), "%s[%zu]", key, o->n_power);
		if ((res = parse_rating(ctx, &arr, path, v, vlen, &o->power[o->n_power])) < 0)
			return res;
		o->n_power++;
	}
	if (res == 0 && o->n_power == 0)
		return dg_json_error(ctx, val, key, "empty list");
	return res;
}

/* "estimated" names keys; they are checked against the object once it is read. */
struct estimated_ref {
	unsigned bit;
	const char *at;
};

static int parse_estimated(struct dg_json_ctx *ctx, struct spa_json *it, const char *key,
			   const char *val, int len, struct estimated_ref *refs, size_t *n_refs)
{
	struct spa_json arr;
	char name[32];
	const char *v;
	int vlen, res;

	if ((res = dg_json_enter_array(ctx, it, key, val, len, &arr)) < 0)
		return res;
	while ((res = dg_json_next_elem(ctx, &arr, key, &v, &vlen)) > 0) {
		size_t i;

		if ((res = dg_json_string(ctx, key, v, vlen, name, sizeof(name))) < 0)
			return res;
		for (i = 0; i < N_ESTIMATED; i++)
			if (strcmp(name, estimated_keys[i]) == 0)
				break;
		if (i == N_ESTIMATED)
			return dg_json_error(ctx, v, key,
					     "\"%s\" is not a figure (vout-vrms, zout-ohm, power, "
					     "crosstalk-db)", name);
		if (*n_refs == N_ESTIMATED)
			return dg_json_error(ctx, v, key, "\"%s\" listed twice", name);
		for (size_t j = 0; j < *n_refs; j++)
			if (refs[j].bit == 1u << i)
				return dg_json_error(ctx, v, key, "\"%s\" listed twice", name);
		refs[*n_refs].bit = 1u << i;
		refs[*n_refs].at = v;
		(*n_refs)++;
	}
	return res;
}

enum {
	OUT_ID = 1 << 0,
	OUT_VOUT = 1 << 1,
	OUT_ZOUT = 1 << 2,
	OUT_POWER = 1 << 3,
	OUT_CROSSTALK = 1 << 4,
	OUT_SOURCE = 1 << 5,
	OUT_ESTIMATED = 1 << 6,
	OUT_NOTE = 1 << 7,
};

/* Maps an estimated bit to the seen bit of its key. */
static unsigned figure_seen_bit(unsigned est)
{
	switch (est) {
	case DG_ESTIMATED_VOUT:
		return OUT_VOUT;
	case DG_ESTIMATED_ZOUT:
		return OUT_ZOUT;
	case DG_ESTIMATED_POWER:
		return OUT_POWER;
	default:
		return OUT_CROSSTALK;
	}
}

static int parse_output(struct dg_json_ctx *ctx, struct spa_json *arr, const char *path,
			const char *val, int len, struct dg_db_output *d)
{
	struct dg_output *o = &d->out;
	struct estimated_ref refs[N_ESTIMATED];
	size_t n_refs = 0;
	struct spa_json obj;
	char k[32], key[256], id[DG_ID_MAX];
	const char *at, *v;
	unsigned seen = 0;
	int vlen, res;

	memset(d, 0, sizeof(*d));
	dg_output_init(o, "");
	if ((res = dg_json_enter_object(ctx, arr, path, val, len, &obj)) < 0)
		return res;
	while ((res = dg_json_next_key(ctx, &obj, path, k, sizeof(k), &at)) > 0) {
		dg_json_path(key, sizeof(key), "%s.%s", path, k);
		if ((res = dg_json_next_value(ctx, &obj, key, at, &v, &vlen)) < 0)
			return res;
		if (strcmp(k, "id") == 0) {
			if ((res = once(ctx, &seen, OUT_ID, at, key)) < 0 ||
			    (res = dg_json_string(ctx, key, v, vlen, id, sizeof(id))) < 0)
				return res;
			if (dg_connector_from_id(id) == DG_CONNECTOR_UNKNOWN)
				return dg_json_error(ctx, v, key,
						     "unknown output id \"%s\" (se-3.5 se-6.35 "
						     "bal-2.5 bal-4.4 bal-xlr4 bal-xlr3x2 line-rca "
						     "line-xlr)", id);
		} else if (strcmp(k, "vout-vrms") == 0) {
			if ((res = once(ctx, &seen, OUT_VOUT, at, key)) == 0)
				res = dg_json_number(ctx, key, v, vlen, 0.0, 50.0, &o->vout_vrms);
			if (res == 0 && o->vout_vrms <= 0.0)
				res = dg_json_error(ctx, v, key, "must be above 0");
		} else if (strcmp(k, "zout-ohm") == 0) {
			if ((res = once(ctx, &seen, OUT_ZOUT, at, key)) == 0)
				res = dg_json_number(ctx, key, v, vlen, 0.0, 1000.0, &o->zout_ohm);
		} else if (strcmp(k, "power") == 0) {
			if ((res = once(ctx, &seen, OUT_POWER, at, key)) == 0)
				res = parse_power(ctx, &obj, key, v, vlen, o);
		} else if (strcmp(k, "crosstalk-db") == 0) {
			if ((res = once(ctx, &seen, OUT_CROSSTALK, at, key)) == 0)
				res = dg_json_number(ctx, key, v, vlen, -200.0, 0.0,
						     &o->crosstalk_db);
		} else if (strcmp(k, "source") == 0) {
			if ((res = once(ctx, &seen, OUT_SOURCE, at, key)) == 0)
				res = dg_json_string(ctx, key, v, vlen, o->source,
						     sizeof(o->source));
			if (res == 0 && !o->source[0])
				res = dg_json_error(ctx, v, key, "empty source");
		} else if (strcmp(k, "estimated") == 0) {
			if ((res = once(ctx, &seen, OUT_ESTIMATED, at, key)) == 0)
				res = parse_estimated(ctx, &obj, key, v, vlen, refs, &n_refs);
		} else if (strcmp(k, "note") == 0) {
			if ((res = once(ctx, &seen, OUT_NOTE, at, key)) == 0)
				res = dg_json_string(ctx, key, v, vlen, d->note, sizeof(d->note));
		} else {
			res = dg_json_error(ctx, at, key, "unknown key");
		}
		if (res < 0)
			return res;
	}
	if (res < 0)
		return res;
	if (!(seen & OUT_ID))
		return dg_json_error(ctx, val, path, "missing id");
	if (!(seen & OUT_SOURCE))
		return dg_json_error(ctx, val, path, "missing source (every figure needs one)");
	for (size_t i = 0; i < n_refs; i++) {
		if (!(seen & figure_seen_bit(refs[i].bit)))
			return dg_json_error(ctx, refs[i].at, path,
					     "estimated names a figure the output does not give");
		d->estimated_mask |= refs[i].bit;
	}
	snprintf(o->id, sizeof(o->id), "%s", id);
	o->connector = dg_connector_from_id(id);
	o->balanced = dg_connector_is_balanced(o->connector);
	o->estimated = d->estimated_mask != 0;
	return 0;
}

/* Where a jack or selector names an output, so a missing one can be reported there. */
struct output_ref {
	const char *id;
	const char *at;
	const char *key;
};

#define MAX_REFS (DG_MAX_JACKS + DG_MAX_SELECTORS * DG_MAX_SELECTOR_VALUES)

struct refs {
	struct output_ref r[MAX_REFS];
	char keys[MAX_REFS][256];   /* as long as the key paths built for them */
	size_t n;
};

static int parse_output_id(struct dg_json_ctx *ctx, const char *key, const char *v, int vlen,
			   char *out, struct refs *refs)
{
	int res = dg_json_string(ctx, key, v, vlen, out, DG_ID_MAX);

	if (res < 0)
		return res;
	if (dg_connector_from_id(out) == DG_CONNECTOR_UNKNOWN)
		return dg_json_error(ctx, v, key, "unknown output id \"%s\"", out);
	snprintf(refs->keys[refs->n], sizeof(refs->keys[0]), "%s", key);
	refs->r[refs->n] = (struct output_ref){ .id = out, .at = v, .key = refs->keys[refs->n] };
	refs->n++;
	return 0;
}

/* An object of name = output id pairs: jack controls or selector items. */
static int parse_output_map(struct dg_json_ctx *ctx, struct spa_json *it, const char *path,
			    const char *val, int len, struct dg_db_name_output *map, size_t *n,
			    size_t max, const char *what, struct refs *refs)
{
	struct spa_json obj;
	char key[256];
	const char *at, *v;
	int vlen, res;

	if ((res = dg_json_enter_object(ctx, it, path, val, len, &obj)) < 0)
		return res;
	for (;;) {
		char name[DG_NAME_MAX];
		struct dg_db_name_output *m;

		if ((res = dg_json_next_key(ctx, &obj, path, name, sizeof(name), &at)) <= 0)
			return res;
		dg_json_path(key, sizeof(key), "%s.\"%s\"", path, name);
		if (*n == max)
			return dg_json_error(ctx, at, key, "more than %zu %s", max, what);
		for (size_t i = 0; i < *n; i++)
			if (strcmp(map[i].name, name) == 0)
				return dg_json_error(ctx, at, key, "given twice");
		m = &map[*n];
		memcpy(m->name, name, sizeof(name));
		if ((res = dg_json_next_value(ctx, &obj, key, at, &v, &vlen)) < 0 ||
		    (res = parse_output_id(ctx, key, v, vlen, m->output, refs)) < 0)
			return res;
		(*n)++;
	}
}

static int parse_items(struct dg_json_ctx *ctx, struct spa_json *it, const char *path,
		       const char *val, int len, struct dg_db_selector *s, struct refs *refs)
{
	int res = parse_output_map(ctx, it, path, val, len, s->items, &s->n_items,
				   DG_MAX_SELECTOR_VALUES, "items", refs);

	if (res == 0 && s->n_items == 0)
		return dg_json_error(ctx, val, path, "no items");
	return res;
}

static int parse_selector(struct dg_json_ctx *ctx, struct spa_json *arr, const char *path,
			  const char *val, int len, struct dg_db_selector *s, struct refs *refs)
{
	struct spa_json obj;
	char k[32], key[256];
	const char *at, *v;
	unsigned seen = 0;
	int vlen, res;

	memset(s, 0, sizeof(*s));
	if ((res = dg_json_enter_object(ctx, arr, path, val, len, &obj)) < 0)
		return res;
	while ((res = dg_json_next_key(ctx, &obj, path, k, sizeof(k), &at)) > 0) {
		dg_json_path(key, sizeof(key), "%s.%s", path, k);
		if ((res = dg_json_next_value(ctx, &obj, key, at, &v, &vlen)) < 0)
			return res;
		if (strcmp(k, "control") == 0) {
			if ((res = once(ctx, &seen, 1, at, key)) == 0)
				res = dg_json_string(ctx, key, v, vlen, s->control,
						     sizeof(s->control));
			if (res == 0 && !s->control[0])
				res = dg_json_error(ctx, v, key, "empty control name");
		} else if (strcmp(k, "items") == 0) {
			if ((res = once(ctx, &seen, 2, at, key)) == 0)
				res = parse_items(ctx, &obj, key, v, vlen, s, refs);
		} else {
			res = dg_json_error(ctx, at, key, "unknown key (control, items)");
		}
		if (res < 0)
			return res;
	}
	if (res < 0)
		return res;
	if (seen != 3)
		return dg_json_error(ctx, val, path, "a selector needs control and items");
	return 0;
}

static int parse_selectors(struct dg_json_ctx *ctx, struct spa_json *it, const char *key,
			   const char *val, int len, struct dg_db_entry *e, struct refs *refs)
{
	struct spa_json arr;
	char path[256];
	const char *v;
	int vlen, res;

	if ((res = dg_json_enter_array(ctx, it, key, val, len, &arr)) < 0)
		return res;
	while ((res = dg_json_next_elem(ctx, &arr, key, &v, &vlen)) > 0) {
		if (e->n_selectors == DG_MAX_SELECTORS)
			return dg_json_error(ctx, v, key, "more than %d selectors",
					     DG_MAX_SELECTORS);
		dg_json_path(path, sizeof(path), "%s[%zu]", key, e->n_selectors);
		res = parse_selector(ctx, &arr, path, v, vlen, &e->selectors[e->n_selectors],
				     refs);
		if (res < 0)
			return res;
		e->n_selectors++;
	}
	return res;
}

static int parse_outputs(struct dg_json_ctx *ctx, struct spa_json *it, const char *key,
			 const char *val, int len, struct dg_db_entry *e)
{
	struct spa_json arr;
	char path[256];
	const char *v;
	int vlen, res;

	if ((res = dg_json_enter_array(ctx, it, key, val, len, &arr)) < 0)
		return res;
	while ((res = dg_json_next_elem(ctx, &arr, key, &v, &vlen)) > 0) {
		struct dg_db_output *o = &e->outputs[e->n_outputs];

		if (e->n_outputs == DG_MAX_OUTPUTS)
			return dg_json_error(ctx, v, key, "more than %d outputs", DG_MAX_OUTPUTS);
		dg_json_path(path, sizeof(path), "%s[%zu]", key, e->n_outputs);
		if ((res = parse_output(ctx, &arr, path, v, vlen, o)) < 0)
			return res;
		for (size_t i = 0; i < e->n_outputs; i++)
			if (strcmp(e->outputs[i].out.id, o->out.id) == 0)
				return dg_json_error(ctx, v, path, "duplicate output id \"%s\"",
						     o->out.id);
		e->n_outputs++;
	}
	if (res == 0 && e->n_outputs == 0)
		return dg_json_error(ctx, val, key, "a device needs at least one output");
	return res;
}

enum {
	E_VENDOR = 1 << 0,
	E_MODEL = 1 << 1,
	E_MATCH = 1 << 2,
	E_SOURCE = 1 << 3,
	E_JACKS = 1 << 4,
	E_SELECTORS = 1 << 5,
	E_OUTPUTS = 1 << 6,
	E_NOTE = 1 << 7,
};

static int parse_entry(struct dg_json_ctx *ctx, struct spa_json *arr, const char *path,
		       const char *val, int len, struct dg_db_entry *e, struct refs *refs)
{
	struct spa_json obj;
	char k[32], key[256], note[DG_SOURCE_MAX];
	const char *at, *v;
	unsigned seen = 0;
	int vlen, res;

	if ((res = dg_json_enter_object(ctx, arr, path, val, len, &obj)) < 0)
		return res;
	while ((res = dg_json_next_key(ctx, &obj, path, k, sizeof(k), &at)) > 0) {
		dg_json_path(key, sizeof(key), "%s.%s", path, k);
		if ((res = dg_json_next_value(ctx, &obj, key, at, &v, &vlen)) < 0)
			return res;
		if (strcmp(k, "vendor") == 0 || strcmp(k, "model") == 0) {
			char *dst = k[0] == 'v' ? e->vendor : e->model;

			if ((res = once(ctx, &seen, k[0] == 'v' ? E_VENDOR : E_MODEL, at, key)) == 0)
				res = dg_json_string(ctx, key, v, vlen, dst, DG_NAME_MAX);
			if (res == 0 && !*dst)
				res = dg_json_error(ctx, v, key, "empty name");
		} else if (strcmp(k, "match") == 0) {
			if ((res = once(ctx, &seen, E_MATCH, at, key)) == 0)
				res = dg_json_match(ctx, &obj, key, v, vlen, &e->match);
		} else if (strcmp(k, "source") == 0) {
			if ((res = once(ctx, &seen, E_SOURCE, at, key)) == 0)
				res = dg_json_string(ctx, key, v, vlen, e->source,
						     sizeof(e->source));
			if (res == 0 && !e->source[0])
				res = dg_json_error(ctx, v, key, "empty source");
		} else if (strcmp(k, "jacks") == 0) {
			if ((res = once(ctx, &seen, E_JACKS, at, key)) == 0)
				res = parse_output_map(ctx, &obj, key, v, vlen, e->jacks, &e->n_jacks,
						       DG_MAX_JACKS, "jacks", refs);
		} else if (strcmp(k, "selectors") == 0) {
			if ((res = once(ctx, &seen, E_SELECTORS, at, key)) == 0)
				res = parse_selectors(ctx, &obj, key, v, vlen, e, refs);
		} else if (strcmp(k, "outputs") == 0) {
			if ((res = once(ctx, &seen, E_OUTPUTS, at, key)) == 0)
				res = parse_outputs(ctx, &obj, key, v, vlen, e);
		} else if (strcmp(k, "note") == 0) {
			if ((res = once(ctx, &seen, E_NOTE, at, key)) == 0)
				res = dg_json_string(ctx, key, v, vlen, note, sizeof(note));
		} else {
			res = dg_json_error(ctx, at, key, "unknown key");
		}
		if (res < 0)
			return res;
	}
	if (res < 0)
		return res;
	if (!(seen & E_VENDOR))
		return dg_json_error(ctx, val, path, "missing vendor");
	if (!(seen & E_MODEL))
		return dg_json_error(ctx, val, path, "missing model");
	if (!(seen & E_MATCH))
		return dg_json_error(ctx, val, path, "missing match");
	if (!(seen & E_SOURCE))
		return dg_json_error(ctx, val, path, "missing source (where the match comes from)");
	if (!(seen & E_OUTPUTS))
		return dg_json_error(ctx, val, path, "missing outputs");
	for (size_t i = 0; i < refs->n; i++) {
		size_t j;

		for (j = 0; j < e->n_outputs; j++)
			if (strcmp(e->outputs[j].out.id, refs->r[i].id) == 0)
				break;
		if (j == e->n_outputs)
			return dg_json_error(ctx, refs->r[i].at, refs->r[i].key,
					     "names output \"%s\", which the device does not have",
					     refs->r[i].id);
	}
	return 0;
}

static int parse_list(struct dg_json_ctx *ctx, struct spa_json *top, const char *val, int len,
		      void *data)
{
	struct dg_db *out = data;
	struct spa_json arr;
	struct dg_db_entry *e;
	struct refs *refs;
	char path[64];
	const char *v;
	int vlen, res;

	if ((res = dg_json_enter_array(ctx, top, "devices", val, len, &arr)) < 0)
		return res;
	/* Entries are ~20 KiB: keep them off the stack. */
	e = malloc(sizeof(*e));
	refs = malloc(sizeof(*refs));
	if (!e || !refs) {
		res = -ENOMEM;
		goto out;
	}
	for (int i = 0;; i++) {
		dg_json_path(path, sizeof(path), "devices[%d]", i);
		if ((res = dg_json_next_elem(ctx, &arr, "devices", &v, &vlen)) <= 0)
			break;
		memset(e, 0, sizeof(*e));
		refs->n = 0;
		snprintf(e->file, sizeof(e->file), "%s", ctx->file ? ctx->file : "<string>");
		dg_json_position(ctx, v, &e->line, &(int){ 0 });
		if ((res = parse_entry(ctx, &arr, path, v, vlen, e, refs)) < 0 ||
		    (res = db_push(out, e)) < 0)
			break;
	}
out:
	free(e);
	free(refs);
	return res;
}

DG_ENTRY_ARRAY_STATE(state_type, struct dg_db, dg_db_init, dg_db_free, db_push);

static const struct dg_list_loader loader = {
	.type = &state_type,
	.key = "devices",
	.parse = parse_list,
};

int dg_db_add_string(struct dg_db *db, const char *name, const char *data, size_t len,
		     struct dg_errors *errors)
{
	return dg_list_add_string(&loader, db, name, data, len, errors);
}

int dg_db_load_files(struct dg_db *db, char *const *files, size_t n_files,
		     struct dg_errors *errors)
{
	return dg_list_load_files(&loader, db, files, n_files, errors);
}

int dg_db_load(struct dg_db *db, const struct dg_paths *paths, struct dg_errors *errors)
{
	return dg_list_load(&loader, db, paths, "devices", errors);
}

const struct dg_db_entry *dg_db_match(const struct dg_db *db, uint16_t vid, uint16_t pid,
				      const char *manufacturer, const char *product)
{
	const struct dg_db_entry *best = NULL;
	int best_score = -1;

	if (!db)
		return NULL;
	for (size_t i = 0; i < db->n; i++) {
		const struct dg_db_entry *e = &db->entries[i];
		int score;

		if (!dg_match_device(&e->match, vid, pid, manufacturer, product))
			continue;
		/* >= : among equals the one read last wins. */
		score = dg_match_specificity(&e->match);
		if (score >= best_score) {
			best = e;
			best_score = score;
		}
	}
	return best;
}

void dg_db_entry_to_dac(const struct dg_db_entry *entry, struct dg_dac *out)
{
	memset(out, 0, sizeof(*out));
	snprintf(out->vendor, sizeof(out->vendor), "%s", entry->vendor);
	snprintf(out->model, sizeof(out->model), "%s", entry->model);
	out->known = true;
	for (size_t i = 0; i < entry->n_outputs && i < DG_MAX_OUTPUTS; i++)
		out->outputs[out->n_outputs++] = entry->outputs[i].out;
}

const char *dg_db_entry_jack_output(const struct dg_db_entry *entry, const char *control)
{
	for (size_t i = 0; entry && control && i < entry->n_jacks; i++)
		if (strcmp(entry->jacks[i].name, control) == 0)
			return entry->jacks[i].output;
	return NULL;
}

const char *dg_db_entry_selector_output(const struct dg_db_entry *entry, const char *control,
					const char *item)
{
	for (size_t i = 0; entry && control && item && i < entry->n_selectors; i++) {
		const struct dg_db_selector *s = &entry->selectors[i];

		if (strcmp(s->control, control) != 0)
			continue;
		for (size_t j = 0; j < s->n_items; j++)
			if (strcmp(s->items[j].name, item) == 0)
				return s->items[j].output;
	}
	return NULL;
}
