/* SPDX-License-Identifier: MIT */
/* dacguard: dacguard.conf and its drop-ins. Each buffer is applied to a copy and the copy
 * kept only when the buffer had no error, so a bad file can never leave a limit half-set. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <spa/utils/json.h>

#include "conf.h"
#include "json-read.h"
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
	cfg->hide_raw_sink = true;
	snprintf(cfg->default_headphone, sizeof(cfg->default_headphone), "%s",
		 DG_HEADPHONE_DEFAULT);
}

struct parser {
	struct dg_json_ctx ctx;
	bool trusted;
	const struct dg_headphone_db *hp;
};

static int check_headphone(struct parser *p, const char *key, const char *at, const char *id)
{
	if (p->hp && !dg_headphone_db_find_entry(p->hp, id))
		return dg_json_error(&p->ctx, at, key, "unknown headphone \"%s\"", id);
	return 0;
}

/* A bare true or false, nothing else (no "true", no 1). */
static int parse_bool(struct parser *p, const char *key, const char *val, int len, bool *out)
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
		return dg_json_error(&p->ctx, val, key, "expected true or false, got %s",
				     *val == '{' ? "an object" : "an array");
	return dg_json_error(&p->ctx, val, key, "expected true or false, got %s%.*s%s",
			     *val == '"' ? "a string " : "\"", len > 32 ? 32 : len, val,
			     *val == '"' ? "" : "\"");
}

/* A list of application.process.binary names: non-empty strings without '/'. */
static int parse_exempt(struct parser *p, struct spa_json *top, const char *key, const char *val,
			int len, struct dg_config *cfg)
{
	struct spa_json arr;
	char path[64];
	const char *v;
	int vlen, res;

	if ((res = dg_json_enter_array(&p->ctx, top, key, val, len, &arr)) < 0)
		return res;
	cfg->n_hide_raw_sink_exempt = 0;
	while ((res = dg_json_next_elem(&p->ctx, &arr, key, &v, &vlen)) > 0) {
		char *name = cfg->hide_raw_sink_exempt[cfg->n_hide_raw_sink_exempt];

		dg_json_path(path, sizeof(path), "%s[%zu]", key, cfg->n_hide_raw_sink_exempt);
		if (cfg->n_hide_raw_sink_exempt == DG_CONF_MAX_EXEMPT)
			return dg_json_error(&p->ctx, v, path, "more than %d names",
					     DG_CONF_MAX_EXEMPT);
		if ((res = dg_json_string(&p->ctx, path, v, vlen, name, DG_NAME_MAX)) < 0)
			return res;
		if (!name[0])
			return dg_json_error(&p->ctx, v, path, "empty name");
		if (strchr(name, '/'))
			return dg_json_error(&p->ctx, v, path,
					     "a binary name, not a path (application.process.binary)");
		cfg->n_hide_raw_sink_exempt++;
	}
	return res;
}

static int parse_output(struct parser *p, struct spa_json *it, const char *path, const char *val,
			int len, struct dg_conf_output *o)
{
	struct spa_json obj;
	char k[32], key[256];
	const char *at, *v;
	unsigned seen = 0;
	int vlen, res;

	if ((res = dg_json_enter_object(&p->ctx, it, path, val, len, &obj)) < 0)
		return res;
	while ((res = dg_json_next_key(&p->ctx, &obj, path, k, sizeof(k), &at)) > 0) {
		unsigned bit = strcmp(k, "headphone") == 0 ? 1 : strcmp(k, "ceiling-db") == 0 ? 2 : 0;

		dg_json_path(key, sizeof(key), "%s.%s", path, k);
		if ((res = dg_json_next_value(&p->ctx, &obj, key, at, &v, &vlen)) < 0)
			return res;
		if (!bit)
			return dg_json_error(&p->ctx, at, key, "unknown key (headphone, ceiling-db)");
		if (seen & bit)
			return dg_json_error(&p->ctx, at, key, "given twice");
		seen |= bit;
		if (bit == 1) {
			res = dg_json_string(&p->ctx, key, v, vlen, o->headphone,
					     sizeof(o->headphone));
			if (res == 0 && !o->headphone[0])
				res = dg_json_error(&p->ctx, v, key, "empty headphone id");
			if (res == 0)
				res = check_headphone(p, key, v, o->headphone);
		} else {
			res = dg_json_number(&p->ctx, key, v, vlen, CEILING_MIN, CEILING_MAX,
					     &o->ceiling_db);
		}
		if (res < 0)
			return res;
	}
	return res;
}

static int parse_outputs(struct parser *p, struct spa_json *it, const char *path, const char *val,
			 int len, struct dg_conf_device *dev)
{
	struct spa_json obj;
	char id[DG_ID_MAX + 8], key[256];
	const char *at, *v;
	int vlen, res;

	if ((res = dg_json_enter_object(&p->ctx, it, path, val, len, &obj)) < 0)
		return res;
	while ((res = dg_json_next_key(&p->ctx, &obj, path, id, sizeof(id), &at)) > 0) {
		struct dg_conf_output *o = &dev->outputs[dev->n_outputs];

		dg_json_path(key, sizeof(key), "%s.\"%s\"", path, id);
		if (dg_connector_from_id(id) == DG_CONNECTOR_UNKNOWN)
			return dg_json_error(&p->ctx, at, key, "unknown output id");
		if (dg_conf_device_find_output(dev, id))
			return dg_json_error(&p->ctx, at, key, "given twice");
		if (dev->n_outputs == DG_MAX_OUTPUTS)
			return dg_json_error(&p->ctx, at, key, "too many outputs");
		if ((res = dg_json_next_value(&p->ctx, &obj, key, at, &v, &vlen)) < 0)
			return res;
		memset(o, 0, sizeof(*o));
		/* A known connector id: short. */
		memcpy(o->id, id, strlen(id) + 1);
		o->ceiling_db = NAN;
		if ((res = parse_output(p, &obj, key, v, vlen, o)) < 0)
			return res;
		dev->n_outputs++;
	}
	return res;
}

static int parse_device(struct parser *p, struct spa_json *arr, const char *path, const char *val,
			int len, struct dg_conf_device *dev)
{
	struct spa_json obj;
	char k[32], key[256], mode[32];
	const char *at, *v;
	unsigned seen = 0;
	int vlen, res;

	memset(dev, 0, sizeof(*dev));
	if ((res = dg_json_enter_object(&p->ctx, arr, path, val, len, &obj)) < 0)
		return res;
	while ((res = dg_json_next_key(&p->ctx, &obj, path, k, sizeof(k), &at)) > 0) {
		unsigned bit = strcmp(k, "match") == 0           ? 1
			       : strcmp(k, "mode") == 0          ? 2
			       : strcmp(k, "outputs") == 0       ? 4
			       : strcmp(k, "hide-raw-sink") == 0 ? 8
								 : 0;

		dg_json_path(key, sizeof(key), "%s.%s", path, k);
		if ((res = dg_json_next_value(&p->ctx, &obj, key, at, &v, &vlen)) < 0)
			return res;
		if (!bit)
			return dg_json_error(&p->ctx, at, key,
					     "unknown key (match, mode, outputs, hide-raw-sink)");
		if (seen & bit)
			return dg_json_error(&p->ctx, at, key, "given twice");
		seen |= bit;
		if (bit == 1) {
			res = dg_json_match(&p->ctx, &obj, key, v, vlen, &dev->match);
		} else if (bit == 2) {
			res = dg_json_string(&p->ctx, key, v, vlen, mode, sizeof(mode));
			if (res == 0 && dg_mode_from_string(mode, &dev->mode) < 0)
				res = dg_json_error(&p->ctx, v, key,
						    "expected single-ended, balanced or unknown, "
						    "got \"%s\"", mode);
			dev->has_mode = res == 0;
		} else if (bit == 4) {
			res = parse_outputs(p, &obj, key, v, vlen, dev);
		} else {
			res = parse_bool(p, key, v, vlen, &dev->hide_raw_sink);
			dev->has_hide_raw_sink = res == 0;
		}
		if (res < 0)
			return res;
	}
	if (res < 0)
		return res;
	if (!(seen & 1))
		return dg_json_error(&p->ctx, val, path, "missing match");
	return 0;
}

static int parse_devices(struct parser *p, struct spa_json *top, const char *key, const char *val,
			 int len, struct dg_config *cfg)
{
	struct spa_json arr;
	char path[64];
	const char *v;
	int vlen, res;

	if ((res = dg_json_enter_array(&p->ctx, top, key, val, len, &arr)) < 0)
		return res;
	while ((res = dg_json_next_elem(&p->ctx, &arr, key, &v, &vlen)) > 0) {
		if (cfg->n_devices == DG_CONF_MAX_DEVICES)
			return dg_json_error(&p->ctx, v, key, "more than %d devices",
					     DG_CONF_MAX_DEVICES);
		dg_json_path(path, sizeof(path), "%s[%zu]", key, cfg->n_devices);
		res = parse_device(p, &arr, path, v, vlen, &cfg->devices[cfg->n_devices]);
		if (res < 0)
			return res;
		cfg->n_devices++;
	}
	return res;
}

static const char *const top_keys[] = {
	"dacguard.max-spl-db",
	"dacguard.fallback-ceiling-db",
	"dacguard.hard-ceiling-db",
	"dacguard.default-headphone",
	"dacguard.devices",
	"dacguard.hide-raw-sink",
	"dacguard.hide-raw-sink-exempt",
};

static int parse_buffer(struct parser *p, struct dg_config *cfg)
{
	struct spa_json top;
	char k[64];
	const char *at, *v;
	unsigned seen = 0;
	int vlen, res;

	dg_json_start(&p->ctx, &top);
	while ((res = dg_json_next_key(&p->ctx, &top, "", k, sizeof(k), &at)) > 0) {
		size_t i, n = sizeof(top_keys) / sizeof(top_keys[0]);
		double d;

		if ((res = dg_json_next_value(&p->ctx, &top, k, at, &v, &vlen)) < 0)
			return res;
		for (i = 0; i < n; i++)
			if (strcmp(k, top_keys[i]) == 0)
				break;
		if (i == n)
			return dg_json_error(&p->ctx, at, k, "unknown key");
		if (seen & (1u << i))
			return dg_json_error(&p->ctx, at, k, "given twice");
		seen |= 1u << i;
		switch (i) {
		case 0:
			res = dg_json_number(&p->ctx, k, v, vlen, SPL_MIN, SPL_MAX,
					     &cfg->max_spl_db);
			break;
		case 1:
			res = dg_json_number(&p->ctx, k, v, vlen, CEILING_MIN, CEILING_MAX,
					     &cfg->fallback_ceiling_db);
			break;
		case 2:
			res = dg_json_number(&p->ctx, k, v, vlen, CEILING_MIN, CEILING_MAX, &d);
			if (res < 0)
				break;
			/* The hard ceiling is root's: a user's file may only lower it. */
			if (p->trusted || d <= cfg->hard_ceiling_db)
				cfg->hard_ceiling_db = d;
			else
				dg_json_warning(&p->ctx, v, k,
						"a user file may only lower the hard ceiling "
						"(%g dB); %g ignored",
						cfg->hard_ceiling_db, d);
			break;
		case 3:
			res = dg_json_string(&p->ctx, k, v, vlen, cfg->default_headphone,
					     sizeof(cfg->default_headphone));
			if (res == 0 && !cfg->default_headphone[0])
				res = dg_json_error(&p->ctx, v, k, "empty headphone id");
			if (res == 0)
				res = check_headphone(p, k, v, cfg->default_headphone);
			break;
		case 4:
			res = parse_devices(p, &top, k, v, vlen, cfg);
			break;
		case 5:
			res = parse_bool(p, k, v, vlen, &cfg->hide_raw_sink);
			break;
		default:
			res = parse_exempt(p, &top, k, v, vlen, cfg);
			break;
		}
		if (res < 0)
			return res;
	}
	return res;
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
		return dg_diag_file_error(errors, path, "cannot read: %s", strerror(-res));
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
	const struct dg_conf_device *best = NULL;
	int best_score = -1;

	for (size_t i = 0; cfg && i < cfg->n_devices; i++) {
		const struct dg_conf_device *dev = &cfg->devices[i];
		int score;

		if (!dg_match_device(&dev->match, vid, pid, manufacturer, product))
			continue;
		score = dg_match_specificity(&dev->match);
		if (score >= best_score) {
			best = dev;
			best_score = score;
		}
	}
	return best;
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
