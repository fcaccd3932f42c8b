/* SPDX-License-Identifier: MIT */
/* dacguard: headphone profiles, headphones/NN-name.conf. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <spa/utils/json.h>

#include "headphones.h"
#include "json-read.h"
#include "load-swap.h"

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
	if ((unsigned)c >= sizeof(confidence_names) / sizeof(confidence_names[0]))
		return "low";
	return confidence_names[c];
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

static int db_push(struct dg_headphone_db *db, const struct dg_headphone_entry *e)
{
	for (size_t i = 0; i < db->n; i++) {
		if (strcmp(db->entries[i].hp.id, e->hp.id) == 0) {
			db->entries[i] = *e;
			return 0;
		}
	}
	if (db->n == db->alloc) {
		size_t alloc = db->alloc ? db->alloc * 2 : 32;
		struct dg_headphone_entry *n = realloc(db->entries, alloc * sizeof(*n));

		if (!n)
			return -ENOMEM;
		db->entries = n;
		db->alloc = alloc;
	}
	db->entries[db->n++] = *e;
	return 0;
}

static bool valid_id(const char *id)
{
	if (!*id)
		return false;
	for (; *id; id++)
		if (!(islower((unsigned char)*id) || isdigit((unsigned char)*id) || *id == '-'))
			return false;
	return true;
}

enum { HAS_ID = 1, HAS_NAME = 2, HAS_IMPEDANCE = 4, HAS_SENS = 8, HAS_SOURCE = 16 };

static int parse_entry(struct dg_json_ctx *ctx, struct spa_json *arr, const char *path,
		       const char *val, int len, struct dg_headphone_entry *e)
{
	struct spa_json obj;
	char k[64], key[256], buf[64];
	const char *at, *v;
	unsigned seen = 0;
	int vlen, res;

	memset(e, 0, sizeof(*e));
	e->confidence = DG_CONFIDENCE_LOW;
	if ((res = dg_json_enter_object(ctx, arr, path, val, len, &obj)) < 0)
		return res;
	while ((res = dg_json_next_key(ctx, &obj, path, k, sizeof(k), &at)) > 0) {
		dg_json_path(key, sizeof(key), "%s.%s", path, k);
		if ((res = dg_json_next_value(ctx, &obj, key, at, &v, &vlen)) < 0)
			return res;
		if (strcmp(k, "id") == 0) {
			res = dg_json_string(ctx, key, v, vlen, e->hp.id, sizeof(e->hp.id));
			if (res == 0 && !valid_id(e->hp.id))
				res = dg_json_error(ctx, v, key, "\"%s\" is not an id ([a-z0-9-]+)",
						    e->hp.id);
			seen |= HAS_ID;
		} else if (strcmp(k, "name") == 0) {
			res = dg_json_string(ctx, key, v, vlen, e->hp.name, sizeof(e->hp.name));
			if (res == 0 && !e->hp.name[0])
				res = dg_json_error(ctx, v, key, "empty name");
			seen |= HAS_NAME;
		} else if (strcmp(k, "type") == 0) {
			res = dg_json_string(ctx, key, v, vlen, e->type, sizeof(e->type));
		} else if (strcmp(k, "impedance-ohm") == 0) {
			res = dg_json_number(ctx, key, v, vlen, 1.0, 100000.0, &e->hp.impedance_ohm);
			seen |= HAS_IMPEDANCE;
		} else if (strcmp(k, "sensitivity") == 0) {
			res = dg_json_string(ctx, key, v, vlen, buf, sizeof(buf));
			if (res == 0 && dg_parse_sensitivity(buf, &e->hp) < 0)
				res = dg_json_error(ctx, v, key,
						    "expected \"<number>dB/V\" or \"<number>dB/mW\" "
						    "(%g .. %g), got \"%s\"",
						    DG_SENSITIVITY_MIN, DG_SENSITIVITY_MAX, buf);
			seen |= HAS_SENS;
		} else if (strcmp(k, "confidence") == 0) {
			res = dg_json_string(ctx, key, v, vlen, buf, sizeof(buf));
			if (res == 0) {
				size_t i, n = sizeof(confidence_names) / sizeof(confidence_names[0]);

				for (i = 0; i < n; i++)
					if (strcmp(buf, confidence_names[i]) == 0)
						break;
				if (i == n)
					res = dg_json_error(ctx, v, key,
							    "expected high, medium, low or measured, "
							    "got \"%s\"", buf);
				else
					e->confidence = (enum dg_confidence)i;
			}
		} else if (strcmp(k, "source") == 0) {
			res = dg_json_string(ctx, key, v, vlen, e->source, sizeof(e->source));
			if (res == 0 && !e->source[0])
				res = dg_json_error(ctx, v, key, "empty source");
			seen |= HAS_SOURCE;
		} else if (strcmp(k, "note") == 0) {
			res = dg_json_string(ctx, key, v, vlen, e->note, sizeof(e->note));
		} else {
			res = dg_json_error(ctx, at, key, "unknown key");
		}
		if (res < 0)
			return res;
	}
	if (res < 0)
		return res;
	if (!(seen & HAS_ID))
		return dg_json_error(ctx, val, path, "missing id");
	if (!(seen & HAS_NAME))
		return dg_json_error(ctx, val, path, "missing name");
	if (!(seen & HAS_IMPEDANCE))
		return dg_json_error(ctx, val, path, "missing impedance-ohm");
	if (!(seen & HAS_SENS))
		return dg_json_error(ctx, val, path, "missing sensitivity");
	if (!(seen & HAS_SOURCE))
		return dg_json_error(ctx, val, path, "missing source (every figure needs one)");
	return 0;
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
		if ((res = db_push(out, &e)) < 0)
			return res;
	}
}

DG_ENTRY_ARRAY_STATE(state_type, struct dg_headphone_db, dg_headphone_db_init, dg_headphone_db_free, db_push);

static const struct dg_list_loader loader = {
	.type = &state_type,
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
