/* SPDX-License-Identifier: MIT */
#include "props-write.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <spa/pod/iter.h>

#include "props-params.h"

struct reader {
	const struct dg_props_write_ops *ops;
	void *data;
	struct dg_props_write *out;
};

static void refuse(struct reader *r, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void refuse(struct reader *r, const char *key, const char *fmt, ...)
{
	char why[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	r->ops->warn(r->data, key, why);
}

/* A string value fit for a label: short enough, printable. */
static int get_string(struct reader *r, const char *key, const struct spa_pod *pod, size_t size,
		      const char **s)
{
	if (spa_pod_get_string(pod, s) < 0) {
		refuse(r, key, "refusing a value that is not a string");
		return -EINVAL;
	}
	if (strlen(*s) >= size) {
		refuse(r, key, "refusing a value longer than %zu bytes", size - 1);
		return -EINVAL;
	}
	for (const char *c = *s; *c; c++) {
		if ((unsigned char) *c < 0x20 || *c == 0x7f) {
			refuse(r, key, "refusing a value with control characters");
			return -EINVAL;
		}
	}
	return 0;
}

static void read_ceiling(struct reader *r, const char *key, const struct spa_pod *value)
{
	struct dg_guard_write *w = &r->out->w;
	double v;

	if (dg_props_pod_number(value, &v) < 0) {
		refuse(r, key, "refusing a value that is not a number");
		return;
	}
	if (!isfinite(v)) {
		refuse(r, key, "refusing non-finite value");
		return;
	}
	/* given twice: the lower one */
	w->ceiling_db = w->has_ceiling && w->ceiling_db < v ? w->ceiling_db : v;
	w->has_ceiling = true;
}

static int read_pair(void *data, const char *key, const struct spa_pod *value)
{
	struct reader *r = data;
	struct dg_guard_write *w = &r->out->w;
	char err[160];
	const char *s;

	if (strncmp(key, "dacguard.", strlen("dacguard.")) != 0)
		return 0;
	switch (r->ops->classify(r->data, key)) {
	case DG_PROPS_KEY_UNKNOWN:
		refuse(r, key, "unknown key, ignored");
		return 0;
	case DG_PROPS_KEY_READ_ONLY:
		refuse(r, key, "read-only, write ignored");
		return 0;
	case DG_PROPS_KEY_WRITABLE:
		break;
	}
	if (strcmp(key, "dacguard.ceiling-db") == 0) {
		read_ceiling(r, key, value);
	} else if (strcmp(key, "dacguard.output") == 0) {
		if (get_string(r, key, value, sizeof(w->output), &s) < 0)
			return 0;
		if (strcmp(s, "unknown") != 0 && dg_connector_from_id(s) == DG_CONNECTOR_UNKNOWN) {
			refuse(r, key, "unknown output id '%s'", s);
			return 0;
		}
		snprintf(w->output, sizeof(w->output), "%s", s);
		w->has_output = true;
	} else if (strcmp(key, "dacguard.mode") == 0) {
		if (get_string(r, key, value, DG_ID_MAX, &s) < 0)
			return 0;
		if (dg_mode_from_string(s, &w->mode) < 0) {
			refuse(r, key, "unknown mode '%s'", s);
			return 0;
		}
		w->has_mode = true;
	} else if (strcmp(key, "dacguard.output-ceilings") == 0) {
		if (get_string(r, key, value, DG_CEILING_TABLE_TEXT_MAX, &s) < 0)
			return 0;
		if (dg_ceiling_table_parse(s, &w->table, err, sizeof(err)) < 0) {
			refuse(r, key, "refusing %s", err);
			return 0;
		}
		w->has_table = true;
	} else if (strcmp(key, "dacguard.hard-ceilings") == 0) {
		/* only ever lowers what the guard holds: lib/policy's */
		if (get_string(r, key, value, DG_CEILING_TABLE_TEXT_MAX, &s) < 0)
			return 0;
		if (dg_ceiling_table_parse(s, &w->hard_table, err, sizeof(err)) < 0) {
			refuse(r, key, "refusing %s", err);
			return 0;
		}
		w->has_hard_table = true;
	} else if (strcmp(key, "dacguard.output-reported") == 0) {
		if (get_string(r, key, value, sizeof(w->reported), &s) < 0)
			return 0;
		if (s[0] && dg_connector_from_id(s) == DG_CONNECTOR_UNKNOWN) {
			refuse(r, key, "unknown output id '%s'", s);
			return 0;
		}
		snprintf(w->reported, sizeof(w->reported), "%s", s);
		w->has_reported = true;
	} else if (strcmp(key, "dacguard.headphone") == 0) {
		if (get_string(r, key, value, sizeof(r->out->headphone), &s) < 0)
			return 0;
		snprintf(r->out->headphone, sizeof(r->out->headphone), "%s", s);
		r->out->has_headphone = true;
	} else {
		/* writable for the guard, but no reader here: say so rather than drop it */
		refuse(r, key, "unknown key, ignored");
	}
	return 0;
}

int dg_props_write_read(const struct spa_pod *param, const struct dg_props_write_ops *ops,
			void *data, struct dg_props_write *out)
{
	struct reader r = {.ops = ops, .data = data, .out = out};

	memset(out, 0, sizeof(*out));
	return dg_props_params_foreach(param, read_pair, &r);
}
