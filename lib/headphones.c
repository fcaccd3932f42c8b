/* SPDX-License-Identifier: MIT */
/* dacguard: headphone profiles, headphones/NN-name.conf. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <spa/utils/json.h>

#include "headphones.h"
#include "json-fields.h"
#include "load-swap.h"
#include "words.h"

#define DG_SENSITIVITY_MIN 40.0
#define DG_SENSITIVITY_MAX 160.0

static const char *const confidence_names[] = {
	[DG_CONFIDENCE_LOW] = "low",
	[DG_CONFIDENCE_MEDIUM] = "medium",
	[DG_CONFIDENCE_HIGH] = "high",
	[DG_CONFIDENCE_MEASURED] = "measured",
};

const char *dg_confidence_to_string(enum dg_confidence c)
{
	return dg_word(DG_WORDS(confidence_names), (unsigned)c, "low");
}

int dg_parse_sensitivity(const char *s, struct dg_headphone *hp)
{
	char num[32];
	size_t n;
	char *end;
	double v;

	if (!s)
		return -EINVAL;
	n = strspn(s, "+-0123456789.");
	if (n == 0 || n >= sizeof(num))
		return -EINVAL;
	memcpy(num, s, n);
	num[n] = '\0';
	v = strtod(num, &end);
	if (end != num + n || !isfinite(v) || v < DG_SENSITIVITY_MIN || v > DG_SENSITIVITY_MAX)
		return -EINVAL;
	s += n;
	if (*s == ' ')
		s++;
	if (strcasecmp(s, "dB/V") == 0)
		hp->sensitivity_per_volt = true;
	else if (strcasecmp(s, "dB/mW") == 0)
		hp->sensitivity_per_volt = false;
	else
		return -EINVAL;
	hp->sensitivity_db = v;
	return 0;
}

void dg_headphone_db_init(struct dg_headphone_db *db)
{
	memset(db, 0, sizeof(*db));
}

void dg_headphone_db_free(struct dg_headphone_db *db)
{
	free(db->entries);
	dg_headphone_db_init(db);
}

/* A later file's profile of the same id replaces the earlier one. */
static bool same_id(const void *a, const void *b)
{
	const struct dg_headphone_entry *x = a, *y = b;

	return strcmp(x->hp.id, y->hp.id) == 0;
}

DG_ENTRY_ARRAY_STATE(hp_state, struct dg_headphone_db, dg_headphone_db_init,
		     dg_headphone_db_free, same_id);

static int check_id(const struct dg_json_value *v, void *id, void *aux)
{
	const char *s = id;

	if (!*s)
		goto bad;
	for (; *s; s++)
		if (!(islower((unsigned char)*s) || isdigit((unsigned char)*s) || *s == '-'))
			goto bad;
	return 0;
bad:
	return dg_json_error(v->ctx, v->val, v->key, "\"%s\" is not an id ([a-z0-9-]+)",
			     (const char *)id);
}

static int parse_sensitivity(const struct dg_json_value *v, void *hp, void *aux)
{
	char buf[64];
	int res = dg_json_string(v->ctx, v->key, v->val, v->len, buf, sizeof(buf));

	if (res == 0 && dg_parse_sensitivity(buf, hp) < 0)
		return dg_json_error(v->ctx, v->val, v->key,
				     "expected \"<number>dB/V\" or \"<number>dB/mW\" (%g .. %g), "
				     "got \"%s\"", DG_SENSITIVITY_MIN, DG_SENSITIVITY_MAX, buf);
	return res;
}

static int parse_confidence(const struct dg_json_value *v, void *confidence, void *aux)
{
	char buf[64];
	int i, res = dg_json_string(v->ctx, v->key, v->val, v->len, buf, sizeof(buf));

	if (res < 0)
		return res;
	if ((i = dg_word_index(DG_WORDS(confidence_names), buf)) < 0)
		return dg_json_error(v->ctx, v->val, v->key,
				     "expected high, medium, low or measured, got \"%s\"", buf);
	*(enum dg_confidence *)confidence = (enum dg_confidence)i;
	return 0;
}

#define ENTRY_FIELD(m) offsetof(struct dg_headphone_entry, m)

static const struct dg_json_field entry_fields[] = {
	{ "id", DG_JSON_STRING, ENTRY_FIELD(hp.id), DG_NAME_MAX, .check = check_id,
	  .missing = "missing id" },
	{ "name", DG_JSON_STRING, ENTRY_FIELD(hp.name), DG_NAME_MAX, .empty = "empty name",
	  .missing = "missing name" },
	{ "type", DG_JSON_STRING, ENTRY_FIELD(type), DG_NAME_MAX },
	{ "impedance-ohm", DG_JSON_NUMBER, ENTRY_FIELD(hp.impedance_ohm), .min = 1.0,
	  .max = 100000.0, .missing = "missing impedance-ohm" },
	{ "sensitivity", .offset = ENTRY_FIELD(hp), .read = parse_sensitivity,
	  .missing = "missing sensitivity" },
	{ "confidence", .offset = ENTRY_FIELD(confidence), .read = parse_confidence },
	{ "source", DG_JSON_STRING, ENTRY_FIELD(source), DG_SOURCE_MAX, .empty = "empty source",
	  .missing = "missing source (every figure needs one)" },
	{ "note", DG_JSON_STRING, ENTRY_FIELD(note), DG_SOURCE_MAX },
	{ NULL },
};

/* A key given twice is an error, as everywhere in dacguard's files. */
static const struct dg_json_object entry_object = {
	.fields = entry_fields,
	.key_size = 64,
	.unknown = "unknown key",
};

static int parse_entry(struct dg_json_ctx *ctx, struct spa_json *arr, const char *path,
		       const char *val, int len, struct dg_headphone_entry *e)
{
	unsigned seen;

	memset(e, 0, sizeof(*e));
	e->confidence = DG_CONFIDENCE_LOW;
	return dg_json_read_object(ctx, arr, path, val, len, &entry_object, e, NULL, &seen);
}

static int parse_list(struct dg_json_ctx *ctx, struct spa_json *top, const char *val, int len,
		      void *data)
{
	struct dg_headphone_db *out = data;
	struct spa_json arr;
	struct dg_headphone_entry e;
	char path[64];
	size_t first = out->n;
	const char *v;
	int vlen, res;

	if ((res = dg_json_enter_array(ctx, top, "headphones", val, len, &arr)) < 0)
		return res;
	for (int i = 0;; i++) {
		dg_json_path(path, sizeof(path), "headphones[%d]", i);
		if ((res = dg_json_next_elem(ctx, &arr, "headphones", &v, &vlen)) <= 0)
			return res;
		if ((res = parse_entry(ctx, &arr, path, v, vlen, &e)) < 0)
			return res;
		for (size_t j = first; j < out->n; j++)
			if (strcmp(out->entries[j].hp.id, e.hp.id) == 0)
				return dg_json_error(ctx, v, path, "duplicate id \"%s\"", e.hp.id);
		if ((res = hp_state_push(out, &e)) < 0)
			return res;
	}
}

static const struct dg_list_loader loader = {
	.type = &hp_state,
	.key = "headphones",
	.parse = parse_list,
};

int dg_headphone_db_add_string(struct dg_headphone_db *db, const char *name, const char *data,
			       size_t len, struct dg_errors *errors)
{
	return dg_list_add_string(&loader, db, name, data, len, errors);
}

int dg_headphone_db_load_files(struct dg_headphone_db *db, char *const *files, size_t n_files,
			       struct dg_errors *errors)
{
	return dg_list_load_files(&loader, db, files, n_files, errors);
}

int dg_headphone_db_load(struct dg_headphone_db *db, const struct dg_paths *paths,
			 struct dg_errors *errors)
{
	return dg_list_load(&loader, db, paths, "headphones", errors);
}

const struct dg_headphone_entry *dg_headphone_db_find_entry(const struct dg_headphone_db *db,
							    const char *id_or_name)
{
	if (!db || !id_or_name)
		return NULL;
	for (size_t i = 0; i < db->n; i++)
		if (strcmp(db->entries[i].hp.id, id_or_name) == 0)
			return &db->entries[i];
	for (size_t i = 0; i < db->n; i++)
		if (strcasecmp(db->entries[i].hp.name, id_or_name) == 0)
			return &db->entries[i];
	return NULL;
}

const struct dg_headphone *dg_headphone_db_find(const struct dg_headphone_db *db,
						const char *id_or_name)
{
	const struct dg_headphone_entry *e = dg_headphone_db_find_entry(db, id_or_name);

	return e ? &e->hp : NULL;
}
