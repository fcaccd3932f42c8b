/* SPDX-License-Identifier: MIT */
/* dacguard: objects read against a table of their keys (lib/json-fields.h). */
#include <string.h>

#include <spa/utils/json.h>

#include "json-fields.h"

int dg_json_bool(struct dg_json_ctx *ctx, const char *key, const char *val, int len, bool *out)
{
	if (spa_json_is_true(val, len)) {
		*out = true;
		return 0;
	}
	if (spa_json_is_false(val, len)) {
		*out = false;
		return 0;
	}
	if (*val == '{' || *val == '[')
		return dg_json_error(ctx, val, key, "expected true or false, got %s",
				     *val == '{' ? "an object" : "an array");
	return dg_json_error(ctx, val, key, "expected true or false, got %s%.*s%s",
			     *val == '"' ? "a string " : "\"", len > 32 ? 32 : len, val,
			     *val == '"' ? "" : "\"");
}

static int read_typed(const struct dg_json_field *f, const struct dg_json_value *v, char *dst)
{
	switch (f->kind) {
	case DG_JSON_NUMBER:
		return dg_json_number(v->ctx, v->key, v->val, v->len, f->min, f->max,
				      (double *)dst);
	case DG_JSON_BOOL:
		return dg_json_bool(v->ctx, v->key, v->val, v->len, (bool *)dst);
	default: {
		int res = dg_json_string(v->ctx, v->key, v->val, v->len, dst, f->size);

		if (res == 0 && f->empty && !*dst)
			return dg_json_error(v->ctx, v->val, v->key, "%s", f->empty);
		return res;
	}
	}
}

static int read_elem(const struct dg_json_value *elem, const struct dg_json_list *l, size_t i,
		     char *record, void *aux)
{
	char *slot = record + l->array + i * l->stride;
	unsigned seen;

	if (!l->object)
		return l->read(elem, i, record, aux);
	memset(slot, 0, l->stride);
	return dg_json_read_object(elem->ctx, elem->obj, elem->key, elem->val, elem->len,
				   l->object, slot, aux, &seen);
}

static int read_list(const struct dg_json_value *v, const struct dg_json_list *l, char *record,
		     void *aux)
{
	size_t *n = (size_t *)(record + l->count);
	struct spa_json arr;
	char path[256];
	struct dg_json_value elem = { .ctx = v->ctx, .obj = &arr, .key = path };
	int res;

	if ((res = dg_json_enter_array(v->ctx, v->obj, v->key, v->val, v->len, &arr)) < 0)
		return res;
	if (l->replace)
		*n = 0;
	while ((res = dg_json_next_elem(v->ctx, &arr, v->key, &elem.val, &elem.len)) > 0) {
		dg_json_path(path, sizeof(path), "%s[%zu]", v->key, *n);
		if (*n == l->max)
			return dg_json_error(v->ctx, elem.val, l->count_at_elem ? path : v->key,
					     "more than %zu %s", l->max, l->what);
		if ((res = read_elem(&elem, l, *n, record, aux)) < 0)
			return res;
		(*n)++;
	}
	if (res == 0 && *n == 0 && l->empty)
		return dg_json_error(v->ctx, v->val, v->key, "%s", l->empty);
	return res;
}

static int read_field(const struct dg_json_field *f, const struct dg_json_value *v, void *record,
		      void *aux)
{
	char *dst = (char *)record + f->offset;
	int res;

	if (f->kind == DG_JSON_CUSTOM)
		return f->read(v, dst, aux);
	if (f->kind == DG_JSON_LIST)
		return read_list(v, f->list, dst, aux);
	if ((res = read_typed(f, v, dst)) < 0)
		return res;
	return f->check ? f->check(v, dst, aux) : 0;
}

int dg_json_read_fields(struct dg_json_ctx *ctx, struct spa_json *obj, const char *path,
			const struct dg_json_object *o, void *record, void *aux, unsigned *seen)
{
	char k[64], key[256];
	struct dg_json_value v = { .ctx = ctx, .obj = obj, .key = *path ? key : k };
	const char *at;
	int res;

	*seen = 0;
	while ((res = dg_json_next_key(ctx, obj, path, k, o->key_size, &at)) > 0) {
		size_t i;

		if (*path)
			dg_json_path(key, sizeof(key), "%s.%s", path, k);
		if ((res = dg_json_next_value(ctx, obj, v.key, at, &v.val, &v.len)) < 0)
			return res;
		for (i = 0; o->fields[i].name; i++)
			if (strcmp(k, o->fields[i].name) == 0)
				break;
		if (!o->fields[i].name)
			return dg_json_error(ctx, at, v.key, "%s", o->unknown);
		if (!o->repeat && (*seen & 1u << i))
			return dg_json_error(ctx, at, v.key, "given twice");
		*seen |= 1u << i;
		if ((res = read_field(&o->fields[i], &v, record, aux)) < 0)
			return res;
	}
	return res;
}

int dg_json_read_object(struct dg_json_ctx *ctx, struct spa_json *it, const char *path,
			const char *val, int len, const struct dg_json_object *o, void *record,
			void *aux, unsigned *seen)
{
	struct spa_json obj;
	int res;

	*seen = 0;
	if ((res = dg_json_enter_object(ctx, it, path, val, len, &obj)) < 0 ||
	    (res = dg_json_read_fields(ctx, &obj, path, o, record, aux, seen)) < 0)
		return res;
	for (size_t i = 0; o->fields[i].name; i++)
		if (o->fields[i].missing && !(*seen & 1u << i))
			return dg_json_error(ctx, val, path, "%s", o->fields[i].missing);
	return 0;
}
