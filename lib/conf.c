/* SPDX-License-Identifier: MIT */
/* dacguard: dacguard.conf and its drop-ins. Each buffer is applied to a copy and the copy
 * kept only when the buffer had no error, so a bad file can never leave a limit half-set. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <spa/utils/json.h>

#include "conf.h"
#include "json-fields.h"
#include "load-swap.h"

#define SPL_MIN      40.0
#define SPL_MAX      130.0
#define CEILING_MIN  -120.0
#define CEILING_MAX  0.0

void dg_config_defaults(struct dg_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->max_spl_db = 85.0;
	cfg->fallback_ceiling_db = -30.0;
	cfg->hard_ceiling_db = 0.0;
	cfg->hard_max_spl_db = 100.0;
	cfg->hard_fallback_ceiling_db = -30.0;
	cfg->hide_raw_sink = true;
	snprintf(cfg->default_headphone, sizeof(cfg->default_headphone), "%s",
		 DG_HEADPHONE_DEFAULT);
}

struct parser {
	struct dg_json_ctx ctx;
	bool trusted;
	const struct dg_headphone_db *hp;
};

static int check_headphone(const struct dg_json_value *v, void *id, void *parser)
{
	struct parser *p = parser;

	if (p->hp && !dg_headphone_db_find_entry(p->hp, id))
		return dg_json_error(v->ctx, v->val, v->key, "unknown headphone \"%s\"",
				     (const char *)id);
	return 0;
}

/* application.process.binary names: non-empty strings without '/'. */
static int parse_exempt_name(const struct dg_json_value *elem, size_t i, void *config, void *aux)
{
	char *name = ((struct dg_config *)config)->hide_raw_sink_exempt[i];
	int res = dg_json_string(elem->ctx, elem->key, elem->val, elem->len, name, DG_NAME_MAX);

	if (res < 0)
		return res;
	if (!name[0])
		return dg_json_error(elem->ctx, elem->val, elem->key, "empty name");
	if (strchr(name, '/'))
		return dg_json_error(elem->ctx, elem->val, elem->key,
				     "a binary name, not a path (application.process.binary)");
	return 0;
}

/* A later file's list replaces an earlier one's. */
static const struct dg_json_list exempt_list = {
	.what = "names",
	.max = DG_CONF_MAX_EXEMPT,
	.count = offsetof(struct dg_config, n_hide_raw_sink_exempt),
	.replace = true,
	.count_at_elem = true,
	.read = parse_exempt_name,
};

static const struct dg_json_field output_fields[] = {
	{ "headphone", DG_JSON_STRING, offsetof(struct dg_conf_output, headphone), DG_NAME_MAX,
	  .empty = "empty headphone id", .check = check_headphone },
	{ "ceiling-db", DG_JSON_NUMBER, offsetof(struct dg_conf_output, ceiling_db),
	  .min = CEILING_MIN, .max = CEILING_MAX },
	{ NULL },
};

static const struct dg_json_object output_object = {
	.fields = output_fields,
	.key_size = 32,
	.unknown = "unknown key (headphone, ceiling-db)",
};

static int parse_outputs(const struct dg_json_value *jv, void *dst, void *p)
{
	struct dg_json_ctx *ctx = jv->ctx;
	struct dg_conf_device *dev = dst;
	struct spa_json obj;
	char id[DG_ID_MAX + 8], key[256];
	const char *at, *v;
	unsigned seen;
	int vlen, res;

	if ((res = dg_json_enter_object(ctx, jv->obj, jv->key, jv->val, jv->len, &obj)) < 0)
		return res;
	while ((res = dg_json_next_key(ctx, &obj, jv->key, id, sizeof(id), &at)) > 0) {
		struct dg_conf_output *o = &dev->outputs[dev->n_outputs];

		dg_json_path(key, sizeof(key), "%s.\"%s\"", jv->key, id);
		if (dg_connector_from_id(id) == DG_CONNECTOR_UNKNOWN)
			return dg_json_error(ctx, at, key, "unknown output id");
		if (dg_conf_device_find_output(dev, id))
			return dg_json_error(ctx, at, key, "given twice");
		if (dev->n_outputs == DG_MAX_OUTPUTS)
			return dg_json_error(ctx, at, key, "too many outputs");
		if ((res = dg_json_next_value(ctx, &obj, key, at, &v, &vlen)) < 0)
			return res;
		memset(o, 0, sizeof(*o));
		/* A known connector id: short. */
		memcpy(o->id, id, strlen(id) + 1);
		o->ceiling_db = NAN;
		res = dg_json_read_object(ctx, &obj, key, v, vlen, &output_object, o, p, &seen);
		if (res < 0)
			return res;
		dev->n_outputs++;
	}
	return res;
}

static int parse_mode(const struct dg_json_value *v, void *device, void *aux)
{
	struct dg_conf_device *dev = device;
	char s[32];
	int res = dg_json_string(v->ctx, v->key, v->val, v->len, s, sizeof(s));

	if (res == 0 && dg_mode_from_string(s, &dev->mode) < 0)
		return dg_json_error(v->ctx, v->val, v->key,
				     "expected single-ended, balanced or unknown, got \"%s\"", s);
	dev->has_mode = res == 0;
	return res;
}

static int parse_hide_raw_sink(const struct dg_json_value *v, void *device, void *aux)
{
	struct dg_conf_device *dev = device;
	int res = dg_json_bool(v->ctx, v->key, v->val, v->len, &dev->hide_raw_sink);

	dev->has_hide_raw_sink = res == 0;
	return res;
}

static const struct dg_json_field device_fields[] = {
	{ "match", .offset = offsetof(struct dg_conf_device, match), .read = dg_json_match_field,
	  .missing = "missing match" },
	{ "mode", .read = parse_mode },
	{ "outputs", .read = parse_outputs },
	{ "hide-raw-sink", .read = parse_hide_raw_sink },
	{ NULL },
};

static const struct dg_json_object device_object = {
	.fields = device_fields,
	.key_size = 32,
	.unknown = "unknown key (match, mode, outputs, hide-raw-sink)",
};

/* Appended across files. */
static const struct dg_json_list device_list = {
	.what = "devices",
	.max = DG_CONF_MAX_DEVICES,
	.count = offsetof(struct dg_config, n_devices),
	.object = &device_object,
	.array = offsetof(struct dg_config, devices),
	.stride = sizeof(struct dg_conf_device),
};

/* A limit of root's: set by root's files, only lowered by a user's. */
static int root_limit(const struct dg_json_value *v, struct parser *p, double min, double max,
		      const char *what, double *limit)
{
	double d;
	int res = dg_json_number(v->ctx, v->key, v->val, v->len, min, max, &d);

	if (res < 0)
		return res;
	if (p->trusted || d <= *limit)
		*limit = d;
	else
		dg_json_warning(v->ctx, v->val, v->key,
				"a user file may only lower the %s (%g); %g ignored", what, *limit,
				d);
	return 0;
}

static int parse_hard_ceiling(const struct dg_json_value *v, void *dst, void *parser)
{
	struct dg_config *cfg = dst;

	return root_limit(v, parser, CEILING_MIN, CEILING_MAX, "hard ceiling",
			  &cfg->hard_ceiling_db);
}

static int parse_hard_max_spl(const struct dg_json_value *v, void *dst, void *parser)
{
	struct dg_config *cfg = dst;

	return root_limit(v, parser, SPL_MIN, SPL_MAX, "hard limit in dB SPL",
			  &cfg->hard_max_spl_db);
}

/* Anyone's for the comfort ceiling of an output without ratings; root's value is
 * also that output's hard limit, which a user's file may only lower. */
static int parse_fallback(const struct dg_json_value *v, void *dst, void *parser)
{
	struct parser *p = parser;
	struct dg_config *cfg = dst;
	double d;
	int res = dg_json_number(v->ctx, v->key, v->val, v->len, CEILING_MIN, CEILING_MAX, &d);

	if (res < 0)
		return res;
	cfg->fallback_ceiling_db = d;
	if (p->trusted || d < cfg->hard_fallback_ceiling_db)
		cfg->hard_fallback_ceiling_db = d;
	else if (d > cfg->hard_fallback_ceiling_db)
		dg_json_warning(v->ctx, v->val, v->key,
				"above the administrator's fallback ceiling (%g dB), which stays "
				"the hard limit of outputs without ratings",
				cfg->hard_fallback_ceiling_db);
	return 0;
}

#define CONFIG_FIELD(m) offsetof(struct dg_config, m)

static const struct dg_json_field top_fields[] = {
	{ "dacguard.max-spl-db", DG_JSON_NUMBER, CONFIG_FIELD(max_spl_db), .min = SPL_MIN,
	  .max = SPL_MAX },
	{ "dacguard.fallback-ceiling-db", .read = parse_fallback },
	{ "dacguard.hard-ceiling-db", .read = parse_hard_ceiling },
	{ "dacguard.hard-max-spl-db", .read = parse_hard_max_spl },
	{ "dacguard.default-headphone", DG_JSON_STRING, CONFIG_FIELD(default_headphone),
	  DG_NAME_MAX, .empty = "empty headphone id", .check = check_headphone },
	{ "dacguard.devices", DG_JSON_LIST, .list = &device_list },
	{ "dacguard.hide-raw-sink", DG_JSON_BOOL, CONFIG_FIELD(hide_raw_sink) },
	{ "dacguard.hide-raw-sink-exempt", DG_JSON_LIST, .list = &exempt_list },
	{ NULL },
};

static const struct dg_json_object top_object = {
	.fields = top_fields,
	.key_size = 64,
	.unknown = "unknown key",
};

static int parse_buffer(struct parser *p, struct dg_config *cfg)
{
	struct spa_json top;
	unsigned seen;

	dg_json_start(&p->ctx, &top);
	return dg_json_read_fields(&p->ctx, &top, "", &top_object, cfg, p, &seen);
}

static void init(void *cfg)
{
	dg_config_defaults(cfg);
}

/* A plain struct: copied as it is, nothing to free. */
static const struct dg_state_type state_type = { .size = sizeof(struct dg_config), .init = init };

static int fill_string(void *cfg, void *parser)
{
	return parse_buffer(parser, cfg);
}

int dg_config_load_string(struct dg_config *cfg, const char *name, const char *data, size_t len,
			  bool trusted, const struct dg_headphone_db *hp, struct dg_errors *errors)
{
	struct parser p = {
		.ctx = { .file = name, .data = data, .len = len, .errors = errors },
		.trusted = trusted,
		.hp = hp,
	};

	return dg_state_replace(&state_type, cfg, true, fill_string, &p);
}

static int load_file(struct dg_config *cfg, const char *path, bool trusted, bool must_exist,
		     const struct dg_headphone_db *hp, struct dg_errors *errors)
{
	char *data;
	size_t len;
	int res = dg_read_file(path, &data, &len);

	if (res == -ENOENT && !must_exist)
		return 0;
	if (res < 0)
		return dg_diag_file_error(errors, path, "cannot read: %s",
					  dg_read_strerror(res));
	/* A file of its own transaction too: a bad one leaves nothing half-set for the next. */
	res = dg_config_load_string(cfg, path, data, len, trusted, hp, errors);
	free(data);
	return res;
}

struct load {
	const struct dg_paths *paths;
	const struct dg_headphone_db *hp;
	struct dg_errors *errors;
};

static int fill_dirs(void *cfg, void *arg)
{
	const struct load *l = arg;
	const struct dg_paths *paths = l->paths;
	int res = 0;

	/* Every file is read, so one run reports the errors of all of them. */
	for (size_t d = 0; d < paths->n; d++) {
		struct dg_paths one;
		char path[PATH_MAX + 16], **files;
		size_t n;
		int r;

		snprintf(path, sizeof(path), "%s/dacguard.conf", paths->dirs[d]);
		r = load_file(cfg, path, paths->trusted[d], false, l->hp, l->errors);
		if (r < 0 && res == 0)
			res = r;
		dg_paths_init_dir(&one, paths->dirs[d], paths->trusted[d]);
		if ((r = dg_collect_files(&one, "dacguard.conf.d", ".conf", &files, &n)) < 0) {
			res = r;
			break;
		}
		for (size_t i = 0; i < n; i++) {
			r = load_file(cfg, files[i], paths->trusted[d], true, l->hp, l->errors);
			if (r < 0 && res == 0)
				res = r;
		}
		dg_file_list_free(files, n);
	}
	return res == -ENOMEM ? res : res < 0 ? -EINVAL : 0;
}

int dg_config_load(struct dg_config *cfg, const struct dg_paths *paths,
		   const struct dg_headphone_db *hp, struct dg_errors *errors)
{
	struct load l = { .paths = paths, .hp = hp, .errors = errors };

	return dg_state_replace(&state_type, cfg, false, fill_dirs, &l);
}

const struct dg_conf_device *dg_config_find_device(const struct dg_config *cfg, uint16_t vid,
						   uint16_t pid, const char *manufacturer,
						   const char *product)
{
	if (!cfg)
		return NULL;
	return dg_match_best(cfg->devices, cfg->n_devices, sizeof(*cfg->devices),
			     offsetof(struct dg_conf_device, match), vid, pid, manufacturer,
			     product);
}

const struct dg_conf_output *dg_conf_device_find_output(const struct dg_conf_device *dev,
							 const char *id)
{
	for (size_t i = 0; dev && id && i < dev->n_outputs; i++)
		if (strcmp(dev->outputs[i].id, id) == 0)
			return &dev->outputs[i];
	return NULL;
}

bool dg_config_hide_raw_sink(const struct dg_config *cfg, const struct dg_conf_device *dev)
{
	if (dev && dev->has_hide_raw_sink)
		return dev->hide_raw_sink;
	return cfg ? cfg->hide_raw_sink : true;
}
