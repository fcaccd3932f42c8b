/* SPDX-License-Identifier: MIT */
/* dacguardctl db list|validate, dacguardctl headphones: the device database and the
 * headphone profiles as dacguardd would load them. `db validate` doubles as a test of
 * the shipped files (libinput's `quirks validate` pattern). */
#include "config.h"

#include <errno.h>
#include <libgen.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd-args.h"
#include "cmd.h"
#include "conf.h"
#include "db.h"
#include "headphones.h"
#include "json-out.h"
#include "log.h"

static const char *const estimated_names[] = { "vout-vrms", "zout-ohm", "power", "crosstalk-db" };

static void db_usage(void)
{
	puts("Usage: dacguardctl db list [--json]\n"
	     "       dacguardctl db validate [DIR|FILE...]\n\n"
	     "validate without arguments checks the configured directories; a DIR named\n"
	     "devices/ or headphones/ holds files of that kind, any other DIR is a\n"
	     "configuration root (dacguard.conf, dacguard.conf.d/, devices/, headphones/).");
}

static void headphones_usage(void)
{
	puts("Usage: dacguardctl headphones [--json]");
}

/* --json alone: 0 with *json set, 1 after --help, 2 on a usage error (reported). */
static void print_figure(const char *label, double v, const char *unit)
{
	if (isfinite(v))
		printf(" %s %g%s", label, v, unit);
}

static void list_text(const struct dg_db *db)
{
	for (size_t i = 0; i < db->n; i++) {
		const struct dg_db_entry *e = &db->entries[i];
		char match[256];

		dg_match_format(&e->match, match, sizeof(match));
		printf("%s %s\n  match: %s\n", e->vendor, e->model, match);
		for (size_t j = 0; j < e->n_outputs; j++) {
			const struct dg_db_output *d = &e->outputs[j];
			const struct dg_output *o = &d->out;

			printf("  %-10s", o->id);
			if (!isfinite(o->vout_vrms))
				printf(" ratings unknown (fallback ceiling)");
			print_figure("vout", o->vout_vrms, " Vrms");
			print_figure("zout", o->zout_ohm, " ohm");
			for (size_t k = 0; k < o->n_power; k++)
				printf(" %gmW@%gohm", o->power[k].mw, o->power[k].ohm);
			print_figure("crosstalk", o->crosstalk_db, " dB");
			if (d->estimated_mask)
				printf(" (estimated)");
			putchar('\n');
		}
	}
}

static void list_json(const struct dg_db *db)
{
	struct dg_json_out j;

	dg_json_out_init(&j, stdout, true);
	dg_json_out_array(&j, NULL);
	for (size_t i = 0; i < db->n; i++) {
		const struct dg_db_entry *e = &db->entries[i];
		char usb[16];

		dg_json_out_object(&j, NULL);
		dg_json_out_string(&j, "vendor", e->vendor);
		dg_json_out_string(&j, "model", e->model);
		dg_json_out_object(&j, "match");
		if (e->match.any_pid)
			snprintf(usb, sizeof(usb), "%04x:*", e->match.vid);
		else
			snprintf(usb, sizeof(usb), "%04x:%04x", e->match.vid, e->match.pid);
		dg_json_out_string(&j, "usb", usb);
		if (e->match.product[0]) {
			dg_json_out_string(&j, "product", e->match.product);
		}
		if (e->match.manufacturer[0]) {
			dg_json_out_string(&j, "manufacturer", e->match.manufacturer);
		}
		dg_json_out_end(&j);
		dg_json_out_string(&j, "source", e->source);
		dg_json_out_string(&j, "file", e->file);
		dg_json_out_int(&j, "line", e->line);
		dg_json_out_object(&j, "jacks");
		for (size_t k = 0; k < e->n_jacks; k++) {
			dg_json_out_string(&j, e->jacks[k].name, e->jacks[k].output);
		}
		dg_json_out_end(&j);
		dg_json_out_array(&j, "selectors");
		for (size_t k = 0; k < e->n_selectors; k++) {
			const struct dg_db_selector *s = &e->selectors[k];

			dg_json_out_object(&j, NULL);
			dg_json_out_string(&j, "control", s->control);
			dg_json_out_object(&j, "items");
			for (size_t m = 0; m < s->n_items; m++) {
				dg_json_out_string(&j, s->items[m].name, s->items[m].output);
			}
			dg_json_out_end(&j);
			dg_json_out_end(&j);
		}
		dg_json_out_end(&j);
		dg_json_out_array(&j, "outputs");
		for (size_t k = 0; k < e->n_outputs; k++) {
			const struct dg_db_output *d = &e->outputs[k];
			const struct dg_output *o = &d->out;

			dg_json_out_object(&j, NULL);
			dg_json_out_string(&j, "id", o->id);
			dg_json_out_bool(&j, "balanced", o->balanced);
			dg_json_out_number(&j, "vout-vrms", o->vout_vrms);
			dg_json_out_number(&j, "zout-ohm", o->zout_ohm);
			dg_json_out_array(&j, "power");
			for (size_t m = 0; m < o->n_power; m++) {
				dg_json_out_object(&j, NULL);
				dg_json_out_number(&j, "mw", o->power[m].mw);
				dg_json_out_number(&j, "ohm", o->power[m].ohm);
				dg_json_out_end(&j);
			}
			dg_json_out_end(&j);
			dg_json_out_number(&j, "crosstalk-db", o->crosstalk_db);
			dg_json_out_array(&j, "estimated");
			for (size_t m = 0; m < 4; m++)
				if (d->estimated_mask & (1u << m))
					dg_json_out_string(&j, NULL, estimated_names[m]);
			dg_json_out_end(&j);
			dg_json_out_string(&j, "source", o->source);
			if (d->note[0]) {
				dg_json_out_string(&j, "note", d->note);
			}
			dg_json_out_end(&j);
		}
		dg_json_out_end(&j);
		dg_json_out_end(&j);
	}
	dg_json_out_end(&j);
	dg_json_out_finish(&j);
}

/* A listing (db list, headphones): one option, --json; the files loaded from where they
 * are looked for, then printed as text or JSON. */
struct listing {
	const char *cmd;
	void (*usage)(void);
	int (*load)(const struct dg_paths *paths, struct dg_errors *errors, void *data);
	void (*print)(const void *data, bool json);
	void (*free)(void *data);
};

static int run_listing(const struct listing *l, void *data, int argc, char **argv)
{
	const struct cmd_options options = { .cmd = l->cmd, .json = true, .usage = l->usage };
	struct dg_errors errors = { .fn = cmd_log_diag };
	struct dg_paths paths;
	uint32_t given;
	int res = cmd_parse_options(&options, argc, argv, NULL, &given);

	if (res != 0)
		return res == 1 ? 0 : res;
	dg_paths_init(&paths);
	if (l->load(&paths, &errors, data) < 0)
		return 1;
	l->print(data, given & CMD_JSON);
	l->free(data);
	return 0;
}

static int db_load(const struct dg_paths *paths, struct dg_errors *errors, void *data)
{
	dg_db_init(data);
	return dg_db_load(data, paths, errors);
}

static void db_print(const void *data, bool json)
{
	if (json)
		list_json(data);
	else
		list_text(data);
}

static void db_free(void *data)
{
	dg_db_free(data);
}

static int db_list(int argc, char **argv)
{
	static const struct listing l = {
		.cmd = "db list", .usage = db_usage, .load = db_load, .print = db_print,
		.free = db_free,
	};
	struct dg_db db;

	return run_listing(&l, &db, argc, argv);
}

/* What `db validate` checks, gathered from its arguments. */
struct targets {
	char **devices, **headphones, **configs;
	size_t n_devices, n_headphones, n_configs;
};

static int push(char ***list, size_t *n, const char *path)
{
	char **l = realloc(*list, (*n + 1) * sizeof(*l));

	if (!l)
		return -ENOMEM;
	*list = l;
	if (!(l[*n] = strdup(path)))
		return -ENOMEM;
	(*n)++;
	return 0;
}

static int push_all(char ***list, size_t *n, char **files, size_t n_files)
{
	int res = 0;

	for (size_t i = 0; i < n_files && res == 0; i++)
		res = push(list, n, files[i]);
	return res;
}

static bool is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static const char *base_of(const char *path, char *buf, size_t size)
{
	snprintf(buf, size, "%s", path);
	for (size_t n = strlen(buf); n > 1 && buf[n - 1] == '/'; n--)
		buf[n - 1] = '\0';
	return basename(buf);
}

/* A config root (dacguard.conf, dacguard.conf.d/, devices/, headphones/). */
static int add_root(struct targets *t, const struct dg_paths *paths)
{
	char **files;
	size_t n;
	int res;

	for (size_t d = 0; d < paths->n; d++) {
		char path[PATH_MAX + 16];
		struct stat st;

		snprintf(path, sizeof(path), "%s/dacguard.conf", paths->dirs[d]);
		/* lstat: a symbolic link to nothing is an error to report, not no file */
		if (lstat(path, &st) == 0 && (res = push(&t->configs, &t->n_configs, path)) < 0)
			return res;
	}
	if ((res = dg_collect_files(paths, "dacguard.conf.d", ".conf", &files, &n)) < 0)
		return res;
	res = push_all(&t->configs, &t->n_configs, files, n);
	dg_file_list_free(files, n);
	if (res < 0 || (res = dg_collect_files(paths, "devices", ".conf", &files, &n)) < 0)
		return res;
	res = push_all(&t->devices, &t->n_devices, files, n);
	dg_file_list_free(files, n);
	if (res < 0 || (res = dg_collect_files(paths, "headphones", ".conf", &files, &n)) < 0)
		return res;
	res = push_all(&t->headphones, &t->n_headphones, files, n);
	dg_file_list_free(files, n);
	return res;
}

/* The kind of a file or a directory of files follows its directory's name, as installed. */
static int add_arg(struct targets *t, const char *arg)
{
	char buf[PATH_MAX], parent[PATH_MAX];
	const char *base = base_of(arg, buf, sizeof(buf));
	struct dg_paths one;
	char **files;
	size_t n;
	int res;

	if (is_dir(arg)) {
		char ***list = &t->devices;
		size_t *count = &t->n_devices;

		if (strcmp(base, "headphones") == 0) {
			list = &t->headphones;
			count = &t->n_headphones;
		} else if (strcmp(base, "dacguard.conf.d") == 0) {
			list = &t->configs;
			count = &t->n_configs;
		} else if (strcmp(base, "devices") != 0) {
			dg_paths_init_dir(&one, arg, true);
			return add_root(t, &one);
		}
		/* dirname(), not "<arg>/..", so errors name the files as the user gave them. */
		snprintf(parent, sizeof(parent), "%s", arg);
		for (size_t len = strlen(parent); len > 1 && parent[len - 1] == '/'; len--)
			parent[len - 1] = '\0';
		dg_paths_init_dir(&one, dirname(parent), true);
		if ((res = dg_collect_files(&one, base, ".conf", &files, &n)) < 0)
			return res;
		res = push_all(list, count, files, n);
		dg_file_list_free(files, n);
		return res;
	}
	snprintf(parent, sizeof(parent), "%s", arg);
	base = basename(dirname(parent));
	if (strcmp(base_of(arg, buf, sizeof(buf)), "dacguard.conf") == 0 ||
	    strcmp(base, "dacguard.conf.d") == 0)
		return push(&t->configs, &t->n_configs, arg);
	if (strcmp(base, "headphones") == 0)
		return push(&t->headphones, &t->n_headphones, arg);
	return push(&t->devices, &t->n_devices, arg);
}

static void targets_free(struct targets *t)
{
	dg_file_list_free(t->devices, t->n_devices);
	dg_file_list_free(t->headphones, t->n_headphones);
	dg_file_list_free(t->configs, t->n_configs);
}

static int db_validate(int argc, char **argv)
{
	struct targets t = { 0 };
	/* no sink: the diagnostics are the answer here, printed bare as a compiler prints
	 * them ("file:line:col: ..."), so editors and CI logs can point at the place */
	struct dg_errors errors = { 0 };
	struct dg_headphone_db hp;
	struct dg_config *cfg = NULL;
	struct dg_db db;
	int res = 0;

	for (int i = 1; i < argc && res == 0; i++) {
		if (argv[i][0] == '-') {
			targets_free(&t);
			return cmd_usage_error("db validate", "unknown option '%s'", argv[i]);
		}
		if (access(argv[i], R_OK) < 0) {
			targets_free(&t);
			return cmd_usage_error("db validate", "cannot read '%s': %s", argv[i],
					       strerror(errno));
		}
		res = add_arg(&t, argv[i]);
	}
	if (argc < 2) {
		struct dg_paths paths;

		dg_paths_init(&paths);
		res = add_root(&t, &paths);
	}
	if (res < 0) {
		dg_error("db validate: %s", strerror(-res));
		targets_free(&t);
		return 1;
	}
	/* A missing database is not a valid one: dacguardd would run on fallbacks alone. */
	if (t.n_devices + t.n_headphones + t.n_configs == 0) {
		dg_error("db validate: no dacguard.conf, devices/*.conf or headphones/*.conf "
			 "found%s",
			 argc < 2 ? " in the configured directories (see dacguardctl(1), FILES)"
				  : "");
		targets_free(&t);
		return 1;
	}
	for (size_t i = 0; i < t.n_devices; i++)
		dg_debug("device file %s", t.devices[i]);
	for (size_t i = 0; i < t.n_headphones; i++)
		dg_debug("headphone file %s", t.headphones[i]);
	for (size_t i = 0; i < t.n_configs; i++)
		dg_debug("config file %s", t.configs[i]);
	dg_db_init(&db);
	dg_headphone_db_init(&hp);
	dg_db_load_files(&db, t.devices, t.n_devices, &errors);
	/* Configs are checked against the profiles only when some were given. */
	if (dg_headphone_db_load_files(&hp, t.headphones, t.n_headphones, &errors) == 0 &&
	    t.n_configs > 0 && (cfg = malloc(sizeof(*cfg)))) {
		dg_config_defaults(cfg);
		for (size_t i = 0; i < t.n_configs; i++) {
			char *data;
			size_t len;
			int r = dg_read_file(t.configs[i], &data, &len);

			if (r < 0) {
				dg_diag_file_error(&errors, t.configs[i], "cannot read: %s",
						   dg_read_strerror(r));
				continue;
			}
			dg_config_load_string(cfg, t.configs[i], data, len, true,
					      t.n_headphones ? &hp : NULL, &errors);
			free(data);
		}
		free(cfg);
	}
	if (errors.n_errors == 0)
		printf("%zu device files (%zu entries), %zu headphone files (%zu profiles), "
		       "%zu config files: valid\n",
		       t.n_devices, db.n, t.n_headphones, hp.n, t.n_configs);
	else
		fprintf(stderr, "%u error(s)\n", errors.n_errors);
	dg_db_free(&db);
	dg_headphone_db_free(&hp);
	targets_free(&t);
	return errors.n_errors ? 1 : 0;
}

int cmd_db(int argc, char **argv)
{
	if (argc < 2)
		return cmd_usage_error("db", "missing subcommand (list, validate)");
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		db_usage();
		return 0;
	}
	if (strcmp(argv[1], "list") == 0)
		return db_list(argc - 1, argv + 1);
	if (strcmp(argv[1], "validate") == 0)
		return db_validate(argc - 1, argv + 1);
	return cmd_usage_error("db", "unknown subcommand '%s'", argv[1]);
}

static int headphones_load(const struct dg_paths *paths, struct dg_errors *errors, void *data)
{
	dg_headphone_db_init(data);
	return dg_headphone_db_load(data, paths, errors);
}

static void headphones_print(const void *data, bool json)
{
	const struct dg_headphone_db *hp = data;
	struct dg_json_out j;

	dg_json_out_init(&j, stdout, true);
	if (json)
		dg_json_out_array(&j, NULL);
	for (size_t i = 0; i < hp->n; i++) {
		const struct dg_headphone_entry *e = &hp->entries[i];
		const char *unit = e->hp.sensitivity_per_volt ? "dB/V" : "dB/mW";

		if (!json) {
			printf("%-28s %-32s %6g ohm %6g %-5s %s\n", e->hp.id, e->hp.name,
			       e->hp.impedance_ohm, e->hp.sensitivity_db, unit,
			       dg_confidence_to_string(e->confidence));
			continue;
		}
		dg_json_out_object(&j, NULL);
		dg_json_out_string(&j, "id", e->hp.id);
		dg_json_out_string(&j, "name", e->hp.name);
		dg_json_out_string(&j, "type", e->type);
		dg_json_out_number(&j, "impedance-ohm", e->hp.impedance_ohm);
		dg_json_out_number(&j, "sensitivity-db", e->hp.sensitivity_db);
		dg_json_out_string(&j, "sensitivity-unit", unit);
		dg_json_out_string(&j, "confidence", dg_confidence_to_string(e->confidence));
		dg_json_out_string(&j, "source", e->source);
		if (e->note[0])
			dg_json_out_string(&j, "note", e->note);
		dg_json_out_end(&j);
	}
	if (json) {
		dg_json_out_end(&j);
		dg_json_out_finish(&j);
	}
}

static void headphones_free(void *data)
{
	dg_headphone_db_free(data);
}

int cmd_headphones(int argc, char **argv)
{
	static const struct listing l = {
		.cmd = "headphones", .usage = headphones_usage, .load = headphones_load,
		.print = headphones_print, .free = headphones_free,
	};
	struct dg_headphone_db hp;

	return run_listing(&l, &hp, argc, argv);
}
