/* SPDX-License-Identifier: MIT */
#include "ceiling-table.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <spa/utils/json.h>

static int refuse(struct dg_ceiling_table *t, char *err, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int refuse(struct dg_ceiling_table *t, char *err, size_t size, const char *fmt, ...)
{
	va_list ap;

	t->n = 0;
	if (err && size) {
		va_start(ap, fmt);
		vsnprintf(err, size, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* A JSON number, all of the token, finite as the float Props carry it in. */
static int parse_number(const char *val, int len, double *out)
{
	char buf[64], *end;

	if (len <= 0 || len >= (int) sizeof(buf))
		return -EINVAL;
	memcpy(buf, val, (size_t) len);
	buf[len] = '\0';
	errno = 0;
	*out = strtod(buf, &end);
	if (end == buf || *end != '\0' || errno != 0 || !(fabs(*out) <= FLT_MAX))
		return -EINVAL;
	return 0;
}

/* Just after the bracket that closes text's first container (strings skipped), or NULL. */
static const char *object_end(const char *p)
{
	bool in_string = false;
	int depth = 0;

	for (; *p; p++) {
		if (in_string) {
			if (*p == '\\' && p[1])
				p++;
			else if (*p == '"')
				in_string = false;
		} else if (*p == '"') {
			in_string = true;
		} else if (*p == '{' || *p == '[') {
			depth++;
		} else if ((*p == '}' || *p == ']') && --depth <= 0) {
			return depth == 0 ? p + 1 : NULL;
		}
	}
	return NULL;
}

int dg_ceiling_table_parse(const char *text, struct dg_ceiling_table *t, char *err,
			   size_t err_size)
{
	struct spa_json it[2];
	const char *val;
	int len;

	memset(t, 0, sizeof(*t));
	if (text == NULL)
		return refuse(t, err, err_size, "a table that is not a JSON object");
	if (strlen(text) >= DG_CEILING_TABLE_TEXT_MAX)
		return refuse(t, err, err_size, "a table longer than %d bytes",
			      DG_CEILING_TABLE_TEXT_MAX - 1);
	spa_json_init(&it[0], text, strlen(text));
	if ((len = spa_json_next(&it[0], &val)) == 0)
		return 0;
	if (len < 0 || !spa_json_is_object(val, len))
		return refuse(t, err, err_size, "a table that is not a JSON object");
	spa_json_enter(&it[0], &it[1]);
	while ((len = spa_json_next(&it[1], &val)) > 0) {
		char id[DG_ID_MAX];
		double v;

		if (spa_json_is_container(val, len) ||
		    spa_json_parse_stringn(val, len, id, sizeof(id)) <= 0 ||
		    dg_connector_from_id(id) == DG_CONNECTOR_UNKNOWN)
			return refuse(t, err, err_size, "the table: '%.*s' is not an output id",
				      len < 32 ? len : 32, val);
		if (dg_ceiling_table_find(t, id) != NULL)
			return refuse(t, err, err_size, "the table: '%s' given twice", id);
		if (t->n == DG_MAX_OUTPUTS)
			return refuse(t, err, err_size, "the table: more than %d outputs",
				      DG_MAX_OUTPUTS);
		if ((len = spa_json_next(&it[1], &val)) <= 0 || parse_number(val, len, &v) < 0)
			return refuse(t, err, err_size, "the table: '%s' is not a finite number", id);
		snprintf(t->entries[t->n].id, sizeof(t->entries[t->n].id), "%s", id);
		t->entries[t->n].ceiling_db = v;
		t->n++;
	}
	if (len < 0 || spa_json_next(&it[0], &val) != 0)
		return refuse(t, err, err_size, "the table: not valid JSON");
	/* nothing after the object: spa_json does not see a stray closing bracket */
	if ((val = object_end(text)) == NULL || val[strspn(val, " \t\r\n,")] != '\0')
		return refuse(t, err, err_size, "the table: not valid JSON");
	return 0;
}

const struct dg_ceiling_entry *dg_ceiling_table_find(const struct dg_ceiling_table *t,
						     const char *id)
{
	for (size_t i = 0; id != NULL && i < t->n; i++)
		if (strcmp(t->entries[i].id, id) == 0)
			return &t->entries[i];
	return NULL;
}

int dg_ceiling_table_set(struct dg_ceiling_table *t, const char *id, double ceiling_db)
{
	struct dg_ceiling_entry *e = (struct dg_ceiling_entry *) dg_ceiling_table_find(t, id);

	if (dg_connector_from_id(id) == DG_CONNECTOR_UNKNOWN)
		return -EINVAL;
	if (e == NULL) {
		if (t->n == DG_MAX_OUTPUTS)
			return -ENOSPC;
		e = &t->entries[t->n++];
		snprintf(e->id, sizeof(e->id), "%s", id);
	}
	e->ceiling_db = ceiling_db;
	return 0;
}

/* v to 0.001 dB, never above v: floor(v * 1000) / 1000 can land one rounding above v,
 * and %.3f rounds to nearest, so what is printed is read back and stepped down once. */
static void format_ceiling(double v, char *s, size_t size)
{
	double down = floor(v * 1000.0) / 1000.0;

	snprintf(s, size, "%.3f", down);
	if (strtod(s, NULL) > v)
		snprintf(s, size, "%.3f", fmin(down - 0.001, nextafter(down, -INFINITY)));
}

void dg_ceiling_table_format(const struct dg_ceiling_table *t, char *buf, size_t size)
{
	size_t len;

	if (size == 0)
		return;
	buf[0] = '\0';
	if (t->n == 0)
		return;
	len = (size_t) snprintf(buf, size, "{");
	for (size_t i = 0; i < t->n && len < size; i++) {
		char num[64];

		format_ceiling(t->entries[i].ceiling_db, num, sizeof(num));
		len += (size_t) snprintf(buf + len, size - len, "%s \"%s\": %s", i ? "," : "",
					 t->entries[i].id, num);
	}
	if (len < size)
		len += (size_t) snprintf(buf + len, size - len, " }");
	/* cut short, it would not parse: no table rather than part of one */
	if (len >= size)
		buf[0] = '\0';
}
