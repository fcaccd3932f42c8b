/* SPDX-License-Identifier: MIT */
/* dacguard: the device database, devices/NN-vendor.conf. */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <spa/utils/json.h>

#include "db.h"
#include "json-fields.h"
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

DG_ENTRY_ARRAY_STATE(db_state, struct dg_db, dg_db_init, dg_db_free, NULL);

#define RATING_NEEDS "a rating needs both mw and ohm"

static const struct dg_json_field rating_fields[] = {
	{ "mw", DG_JSON_NUMBER, offsetof(struct dg_power_rating, mw), .min = 1e-3, .max = 1e6,
	  .missing = RATING_NEEDS },
	{ "ohm", DG_JSON_NUMBER, offsetof(struct dg_power_rating, ohm), .min = 1e-3, .max = 1e6,
	  .missing = RATING_NEEDS },
	{ NULL },
};

static const struct dg_json_object rating_object = {
	.fields = rating_fields,
	.key_size = 32,
	.unknown = "unknown key (mw, ohm)",
};

static const struct dg_json_list power_list = {
	.what = "ratings",
	.max = DG_MAX_RATINGS,
	.count = offsetof(struct dg_output, n_power),
	.empty = "empty list",
	.object = &rating_object,
	.array = offsetof(struct dg_output, power),
	.stride = sizeof(struct dg_power_rating),
};

/* "estimated" names keys; they are checked against the object once it is read. */
struct estimated_refs {
	struct {
		unsigned bit;
		const char *at;
	} r[N_ESTIMATED];
	size_t n;
};

static int parse_estimated(const struct dg_json_value *jv, void *dst, void *aux)
{
	struct dg_json_ctx *ctx = jv->ctx;
	const char *key = jv->key;
	struct estimated_refs *refs = aux;
	struct spa_json arr;
	char name[32];
	const char *v;
	int vlen, res;

	if ((res = dg_json_enter_array(ctx, jv->obj, key, jv->val, jv->len, &arr)) < 0)
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
		if (refs->n == N_ESTIMATED)
			return dg_json_error(ctx, v, key, "\"%s\" listed twice", name);
		for (size_t j = 0; j < refs->n; j++)
			if (refs->r[j].bit == 1u << i)
				return dg_json_error(ctx, v, key, "\"%s\" listed twice", name);
		refs->r[refs->n].bit = 1u << i;
		refs->r[refs->n].at = v;
		refs->n++;
	}
	return res;
}

static int check_output_id(const struct dg_json_value *v, void *dst, void *aux)
{
	const char *id = dst;

	if (dg_connector_from_id(id) == DG_CONNECTOR_UNKNOWN)
		return dg_json_error(v->ctx, v->val, v->key,
				     "unknown output id \"%s\" (se-3.5 se-6.35 bal-2.5 bal-4.4 "
				     "bal-xlr4 bal-xlr3x2 line-rca line-xlr)", id);
	return 0;
}

static int check_positive(const struct dg_json_value *v, void *dst, void *aux)
{
	if (*(const double *)dst <= 0.0)
		return dg_json_error(v->ctx, v->val, v->key, "must be above 0");
	return 0;
}

#define OUT_FIELD(m) offsetof(struct dg_db_output, out.m)

/* Field indexes, named for figure_seen_bit(). */
enum { OUT_ID, OUT_VOUT, OUT_ZOUT, OUT_POWER, OUT_CROSSTALK };

static const struct dg_json_field output_fields[] = {
	[OUT_ID] = { "id", DG_JSON_STRING, OUT_FIELD(id), DG_ID_MAX, .check = check_output_id,
		     .missing = "missing id" },
	[OUT_VOUT] = { "vout-vrms", DG_JSON_NUMBER, OUT_FIELD(vout_vrms), .min = 0.0, .max = 50.0,
		       .check = check_positive },
	[OUT_ZOUT] = { "zout-ohm", DG_JSON_NUMBER, OUT_FIELD(zout_ohm), .min = 0.0,
		       .max = 1000.0 },
	[OUT_POWER] = { "power", DG_JSON_LIST, offsetof(struct dg_db_output, out),
			.list = &power_list },
	[OUT_CROSSTALK] = { "crosstalk-db", DG_JSON_NUMBER, OUT_FIELD(crosstalk_db),
			    .min = -200.0, .max = 0.0 },
	{ "source", DG_JSON_STRING, OUT_FIELD(source), DG_SOURCE_MAX, .empty = "empty source",
	  .missing = "missing source (every figure needs one)" },
	{ "estimated", .read = parse_estimated },
	{ "note", DG_JSON_STRING, offsetof(struct dg_db_output, note), DG_SOURCE_MAX },
	{ NULL },
};

static const struct dg_json_object output_object = {
	.fields = output_fields,
	.key_size = 32,
	.unknown = "unknown key",
};

/* The seen bit of the key an estimated bit names. */
static unsigned figure_seen_bit(unsigned est)
{
	switch (est) {
	case DG_ESTIMATED_VOUT:
		return 1u << OUT_VOUT;
	case DG_ESTIMATED_ZOUT:
		return 1u << OUT_ZOUT;
	case DG_ESTIMATED_POWER:
		return 1u << OUT_POWER;
	default:
		return 1u << OUT_CROSSTALK;
	}
}

static int parse_output(struct dg_json_ctx *ctx, struct spa_json *arr, const char *path,
			const char *val, int len, struct dg_db_output *d)
{
	struct dg_output *o = &d->out;
	struct estimated_refs refs = { .n = 0 };
	unsigned seen;
	int res;

	memset(d, 0, sizeof(*d));
	dg_output_init(o, "");
	res = dg_json_read_object(ctx, arr, path, val, len, &output_object, d, &refs, &seen);
	if (res < 0)
		return res;
	for (size_t i = 0; i < refs.n; i++) {
		if (!(seen & figure_seen_bit(refs.r[i].bit)))
			return dg_json_error(ctx, refs.r[i].at, path,
					     "estimated names a figure the output does not give");
		d->estimated_mask |= refs.r[i].bit;
	}
	o->connector = dg_connector_from_id(o->id);
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
static int parse_output_map(const struct dg_json_value *jv, struct dg_db_name_output *map,
			    size_t *n, size_t max, const char *what, struct refs *refs)
{
	struct dg_json_ctx *ctx = jv->ctx;
	const char *path = jv->key;
	struct spa_json obj;
	char key[256];
	const char *at, *v;
	int vlen, res;

	if ((res = dg_json_enter_object(ctx, jv->obj, path, jv->val, jv->len, &obj)) < 0)
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
		snprintf(m->name, sizeof(m->name), "%s", name);
		if ((res = dg_json_next_value(ctx, &obj, key, at, &v, &vlen)) < 0 ||
		    (res = parse_output_id(ctx, key, v, vlen, m->output, refs)) < 0)
			return res;
		(*n)++;
	}
}

static int parse_jacks(const struct dg_json_value *v, void *dst, void *refs)
{
	struct dg_db_entry *e = dst;

	return parse_output_map(v, e->jacks, &e->n_jacks, DG_MAX_JACKS, "jacks", refs);
}

static int parse_items(const struct dg_json_value *v, void *dst, void *refs)
{
	struct dg_db_selector *s = dst;
	int res = parse_output_map(v, s->items, &s->n_items, DG_MAX_SELECTOR_VALUES, "items",
				   refs);

	if (res == 0 && s->n_items == 0)
		return dg_json_error(v->ctx, v->val, v->key, "no items");
	return res;
}

#define SELECTOR_NEEDS "a selector needs control and items"

static const struct dg_json_field selector_fields[] = {
	{ "control", DG_JSON_STRING, offsetof(struct dg_db_selector, control), DG_NAME_MAX,
	  .empty = "empty control name", .missing = SELECTOR_NEEDS },
	{ "items", .read = parse_items, .missing = SELECTOR_NEEDS },
	{ NULL },
};

static const struct dg_json_object selector_object = {
	.fields = selector_fields,
	.key_size = 32,
	.unknown = "unknown key (control, items)",
};

/* A control is read once: with two selectors on it, the first would decide for both. */
static int parse_selector_elem(const struct dg_json_value *elem, size_t i, void *entry,
			       void *refs)
{
	struct dg_db_entry *e = entry;
	struct dg_db_selector *s = &e->selectors[i];
	unsigned seen;
	int res;

	memset(s, 0, sizeof(*s));
	res = dg_json_read_object(elem->ctx, elem->obj, elem->key, elem->val, elem->len,
				  &selector_object, s, refs, &seen);
	if (res < 0)
		return res;
	for (size_t j = 0; j < i; j++)
		if (strcmp(e->selectors[j].control, s->control) == 0)
			return dg_json_error(elem->ctx, elem->val, elem->key,
					     "duplicate control \"%s\"", s->control);
	return 0;
}

static const struct dg_json_list selector_list = {
	.what = "selectors",
	.max = DG_MAX_SELECTORS,
	.count = offsetof(struct dg_db_entry, n_selectors),
	.read = parse_selector_elem,
};

static int parse_output_elem(const struct dg_json_value *elem, size_t i, void *entry, void *aux)
{
	struct dg_db_entry *e = entry;
	struct dg_db_output *o = &e->outputs[i];
	int res = parse_output(elem->ctx, elem->obj, elem->key, elem->val, elem->len, o);

	if (res < 0)
		return res;
	for (size_t j = 0; j < i; j++)
		if (strcmp(e->outputs[j].out.id, o->out.id) == 0)
			return dg_json_error(elem->ctx, elem->val, elem->key,
					     "duplicate output id \"%s\"", o->out.id);
	return 0;
}

static const struct dg_json_list output_list = {
	.what = "outputs",
	.max = DG_MAX_OUTPUTS,
	.count = offsetof(struct dg_db_entry, n_outputs),
	.empty = "a device needs at least one output",
	.read = parse_output_elem,
};

/* Checked, not kept: the note is for people reading the file. */
static int parse_note(const struct dg_json_value *v, void *dst, void *aux)
{
	char note[DG_SOURCE_MAX];

	return dg_json_string(v->ctx, v->key, v->val, v->len, note, sizeof(note));
}

#define ENTRY_FIELD(m) offsetof(struct dg_db_entry, m)

static const struct dg_json_field entry_fields[] = {
	{ "vendor", DG_JSON_STRING, ENTRY_FIELD(vendor), DG_NAME_MAX, .empty = "empty name",
	  .missing = "missing vendor" },
	{ "model", DG_JSON_STRING, ENTRY_FIELD(model), DG_NAME_MAX, .empty = "empty name",
	  .missing = "missing model" },
	{ "match", .offset = ENTRY_FIELD(match), .read = dg_json_match_field,
	  .missing = "missing match" },
	{ "source", DG_JSON_STRING, ENTRY_FIELD(source), DG_SOURCE_MAX, .empty = "empty source",
	  .missing = "missing source (where the match comes from)" },
	{ "jacks", .read = parse_jacks },
	{ "selectors", DG_JSON_LIST, .list = &selector_list },
	{ "outputs", DG_JSON_LIST, .list = &output_list, .missing = "missing outputs" },
	{ "note", .read = parse_note },
	{ NULL },
};

static const struct dg_json_object entry_object = {
	.fields = entry_fields,
	.key_size = 32,
	.unknown = "unknown key",
};

static int parse_entry(struct dg_json_ctx *ctx, struct spa_json *arr, const char *path,
		       const char *val, int len, struct dg_db_entry *e, struct refs *refs)
{
	unsigned seen;
	int res = dg_json_read_object(ctx, arr, path, val, len, &entry_object, e, refs, &seen);

	if (res < 0)
		return res;
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
		    (res = db_state_push(out, e)) < 0)
			break;
	}
out:
	free(e);
	free(refs);
	return res;
}

static const struct dg_list_loader loader = {
	.type = &db_state,
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
	if (!db)
		return NULL;
	return dg_match_best(db->entries, db->n, sizeof(*db->entries),
			     offsetof(struct dg_db_entry, match), vid, pid, manufacturer, product);
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
