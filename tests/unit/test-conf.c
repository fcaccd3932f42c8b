/* SPDX-License-Identifier: MIT */
/* dacguard.conf loader, and the whole tests/data/conf corpus: every bad-*.conf starts with
 * "# expect LINE:COL KEY: MESSAGE" (KEY "-" for none) and must fail with exactly that, on
 * every libspa version; every good-*.conf loads. The bad files' errors are printed, so
 * runs against different libspa versions can be compared. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "db.h"
#include "headphones.h"
#include "metadata-value.h"
#include "tests/dg-test.h"

#define CORPUS DG_TEST_DATA_DIR "/conf"

struct capture {
	unsigned n_errors, n_warnings;
	int line, col;
	char key[256];
	char msg[512];
};

static void capture_fn(void *user, const struct dg_diag *d)
{
	struct capture *c = user;

	if (d->severity == DG_SEVERITY_WARNING) {
		c->n_warnings++;
		return;
	}
	if (c->n_errors++ == 0) {
		c->line = d->line;
		c->col = d->col;
		snprintf(c->key, sizeof(c->key), "%s", d->key ? d->key : "");
		snprintf(c->msg, sizeof(c->msg), "%s", d->msg);
	}
}

static struct dg_errors sink(struct capture *c)
{
	memset(c, 0, sizeof(*c));
	return (struct dg_errors){ .fn = capture_fn, .user = c };
}

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	DG_CHECK(f != NULL);
	if (!f)
		return;
	fputs(text, f);
	fclose(f);
}

static void make_dir(const char *dir, const char *name)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	DG_CHECK(mkdir(path, 0755) == 0);
}

/* Loads one corpus buffer with the loader its name asks for. */
static int load_any(const char *name, const char *data, size_t len, struct dg_errors *errors)
{
	int res;

	if (strncmp(name, "bad-db-", 7) == 0 || strstr(name, "devices")) {
		struct dg_db db;

		dg_db_init(&db);
		res = dg_db_add_string(&db, name, data, len, errors);
		dg_db_free(&db);
	} else if (strncmp(name, "bad-hp-", 7) == 0 || strstr(name, "headphones")) {
		struct dg_headphone_db hp;

		dg_headphone_db_init(&hp);
		res = dg_headphone_db_add_string(&hp, name, data, len, errors);
		dg_headphone_db_free(&hp);
	} else {
		struct dg_config cfg;

		dg_config_defaults(&cfg);
		res = dg_config_load_string(&cfg, name, data, len, true, NULL, errors);
	}
	return res;
}

/* "# expect L:C KEY: MESSAGE" on the first line of data. */
static bool parse_expect(const char *data, struct capture *want)
{
	char rest[768], *sep;

	memset(want, 0, sizeof(*want));
	if (sscanf(data, "# expect %d:%d %767[^\n]", &want->line, &want->col, rest) != 3 ||
	    !(sep = strstr(rest, ": ")))
		return false;
	*sep = '\0';
	snprintf(want->key, sizeof(want->key), "%.255s", strcmp(rest, "-") == 0 ? "" : rest);
	snprintf(want->msg, sizeof(want->msg), "%.511s", sep + 2);
	return true;
}

static void check_bad(const char *name, const char *data, int res, const struct capture *c)
{
	struct capture want;

	printf("%s:%d:%d: %s%s%s\n", name, c->line, c->col, c->key, *c->key ? ": " : "", c->msg);
	DG_CHECK_INT(res, -EINVAL);
	DG_CHECK_INT(c->n_errors, 1);
	if (!parse_expect(data, &want)) {
		fprintf(stderr, "%s: no '# expect L:C KEY: MESSAGE' line\n", name);
		DG_CHECK(!"corpus file without expectation");
		return;
	}
	if (c->line != want.line || c->col != want.col || strcmp(c->key, want.key) != 0 ||
	    strcmp(c->msg, want.msg) != 0)
		fprintf(stderr, "%s: got %d:%d '%s' (%s), expected %d:%d '%s' (%s)\n", name,
			c->line, c->col, c->key, c->msg, want.line, want.col, want.key, want.msg);
	DG_CHECK_INT(c->line, want.line);
	DG_CHECK_INT(c->col, want.col);
	DG_CHECK_STR(c->key, want.key);
	DG_CHECK_STR(c->msg, want.msg);
}

static void test_corpus(void)
{
	struct dirent **names;
	int n, n_bad = 0, n_good = 0;

	/* sorted, so the printed errors of two runs can be compared line by line */
	n = scandir(CORPUS, &names, NULL, alphasort);
	DG_CHECK(n > 0);
	for (int i = 0; i < n; i++) {
		const char *name = names[i]->d_name;
		char path[PATH_MAX];
		struct capture c;
		struct dg_errors errors = sink(&c);
		char *data;
		size_t len;
		int res;

		snprintf(path, sizeof(path), "%s/%s", CORPUS, name);
		if (name[0] == '.' || dg_read_file(path, &data, &len) < 0) {
			DG_CHECK(name[0] == '.' || !"corpus file unreadable");
			free(names[i]);
			continue;
		}
		res = load_any(name, data, len, &errors);
		if (strncmp(name, "good-", 5) == 0) {
			n_good++;
			if (res != 0 || c.n_errors)
				fprintf(stderr, "%s: %d:%d: %s: %s\n", name, c.line, c.col, c.key,
					c.msg);
			DG_CHECK_INT(res, 0);
			DG_CHECK_INT(c.n_errors, 0);
		} else if (strncmp(name, "bad-", 4) == 0) {
			n_bad++;
			check_bad(name, data, res, &c);
		}
		free(data);
		free(names[i]);
	}
	free(names);
	DG_CHECK(n_bad >= 70);
	DG_CHECK(n_good >= 6);
}

static void test_messages(void)
{
	struct capture c;
	struct dg_errors errors = sink(&c);
	struct dg_config cfg;
	struct dg_diag d = { .file = "/etc/dacguard/dacguard.conf", .line = 12, .col = 27,
			     .key = "dacguard.max-spl-db", .msg = "expected a number, got \"loud\"" };
	char buf[256];
	const char *s = "dacguard.devices = [ { match = { usb = \"2972:004F\" } } ]";

	dg_diag_format(&d, buf, sizeof(buf));
	DG_CHECK_STR(buf, "/etc/dacguard/dacguard.conf:12:27: dacguard.max-spl-db: "
			  "expected a number, got \"loud\"");
	dg_config_defaults(&cfg);
	dg_config_load_string(&cfg, "t", s, strlen(s), true, NULL, &errors);
	DG_CHECK(strstr(c.msg, "use lowercase hex") != NULL);

	errors = sink(&c);
	s = "dacguard.max-spl-db = loud";
	dg_config_load_string(&cfg, "t", s, strlen(s), true, NULL, &errors);
	DG_CHECK_STR(c.msg, "expected a number, got \"loud\"");
}

static void test_nul(void)
{
	static const char s[] = "dacguard.max-spl-db = 80\n\0dacguard.max-spl-db = 90\n";
	struct capture c;
	struct dg_errors errors = sink(&c);
	struct dg_config cfg;

	dg_config_defaults(&cfg);
	DG_CHECK_INT(dg_config_load_string(&cfg, "t", s, sizeof(s) - 1, true, NULL, &errors),
		     -EINVAL);
	DG_CHECK_INT(c.line, 2);
	DG_CHECK_INT(c.col, 1);
	DG_CHECK(strstr(c.msg, "NUL") != NULL);
	DG_CHECK_NEAR(cfg.max_spl_db, 85.0, 0.0);
}

/* What the corpus cannot hold (its files start with their expectation): a byte order
 * mark; and what no schema lets a parse reach: brackets nested deeper than the syntax
 * check follows. And what strings decode to. */
static void test_syntax(void)
{
	struct capture c;
	struct dg_errors errors = sink(&c);
	struct dg_config cfg;
	char deep[128];
	const char *s;
	int n;

	dg_config_defaults(&cfg);
	s = "\xef\xbb\xbf" "dacguard.max-spl-db = 80\n";
	DG_CHECK_INT(dg_config_load_string(&cfg, "t", s, strlen(s), true, NULL, &errors), -EINVAL);
	DG_CHECK_INT(c.line, 1);
	DG_CHECK_INT(c.col, 1);
	DG_CHECK_STR(c.msg, "UTF-8 byte order mark (save the file without it)");

	errors = sink(&c);
	n = snprintf(deep, sizeof(deep), "dacguard.devices = ");
	memset(deep + n, '[', 40);
	deep[n + 40] = '\0';
	DG_CHECK_INT(dg_config_load_string(&cfg, "t", deep, strlen(deep), true, NULL, &errors),
		     -EINVAL);
	DG_CHECK_INT(c.n_errors, 1);

	/* Escapes decode the same on every libspa version, surrogate pairs above U+1FFFF too. */
	errors = sink(&c);
	s = "dacguard.default-headphone = \"\\ud840\\udc00\\ud83d\\ude00\\u00e9\\t\\\"\\/\"";
	DG_CHECK_INT(dg_config_load_string(&cfg, "t", s, strlen(s), true, NULL, &errors), 0);
	DG_CHECK_STR(cfg.default_headphone, "\xf0\xa0\x80\x80\xf0\x9f\x98\x80\xc3\xa9\t\"/");
	s = "dacguard.default-headphone = \"\\u0041\\u0062c\"";
	DG_CHECK_INT(dg_config_load_string(&cfg, "t", s, strlen(s), true, NULL, &errors), 0);
	DG_CHECK_STR(cfg.default_headphone, "Abc");
}

static void test_defaults(void)
{
	struct dg_config cfg;

	dg_config_defaults(&cfg);
	DG_CHECK_NEAR(cfg.max_spl_db, 85.0, 0.0);
	DG_CHECK_NEAR(cfg.fallback_ceiling_db, -30.0, 0.0);
	DG_CHECK_NEAR(cfg.hard_ceiling_db, 0.0, 0.0);
	DG_CHECK_STR(cfg.default_headphone, "generic-iem-sensitive");
	DG_CHECK_INT(cfg.n_devices, 0);
	DG_CHECK(cfg.hide_raw_sink);
	DG_CHECK_INT(cfg.n_hide_raw_sink_exempt, 0);
	DG_CHECK(dg_config_hide_raw_sink(&cfg, NULL));

	/* An empty file, or one of comments, changes nothing. */
	DG_CHECK_INT(dg_config_load_string(&cfg, "t", "# nothing\n", 10, false, NULL, NULL), 0);
	DG_CHECK_INT(dg_config_load_string(&cfg, "t", "# nothing", 9, false, NULL, NULL), 0);
	DG_CHECK_INT(dg_config_load_string(&cfg, "t", "", 0, false, NULL, NULL), 0);
	DG_CHECK_NEAR(cfg.max_spl_db, 85.0, 0.0);
}

static void test_good_values(void)
{
	struct dg_headphone_db hp;
	struct dg_config cfg;
	struct capture c;
	struct dg_errors errors = sink(&c);
	const struct dg_conf_device *dev;
	const struct dg_conf_output *o;
	char *data;
	size_t len;

	dg_headphone_db_init(&hp);
	DG_CHECK(dg_read_file(CORPUS "/good-headphones.conf", &data, &len) == 0);
	DG_CHECK_INT(dg_headphone_db_add_string(&hp, "hp", data, len, &errors), 0);
	free(data);
	DG_CHECK(dg_read_file(CORPUS "/good-dacguard.conf", &data, &len) == 0);
	dg_config_defaults(&cfg);
	DG_CHECK_INT(dg_config_load_string(&cfg, "good", data, len, true, &hp, &errors), 0);
	DG_CHECK_INT(c.n_errors, 0);
	DG_CHECK_NEAR(cfg.max_spl_db, 80.5, 0.0);
	DG_CHECK_NEAR(cfg.fallback_ceiling_db, -36.0, 0.0);
	DG_CHECK_NEAR(cfg.hard_ceiling_db, -3.0, 0.0);
	DG_CHECK_INT(cfg.n_devices, 2);

	dev = dg_config_find_device(&cfg, 0x2972, 0x0047, "FiiO", "FiiO BTR5 2021");
	DG_CHECK(dev == &cfg.devices[0]);
	if (dev) {
		DG_CHECK(dev->has_mode);
		DG_CHECK_INT(dev->mode, DG_MODE_BALANCED);
		DG_CHECK_INT(dev->n_outputs, 2);
		o = dg_conf_device_find_output(dev, "se-3.5");
		DG_CHECK(o != NULL);
		if (o) {
			DG_CHECK_STR(o->headphone, "sennheiser-hd600");
			DG_CHECK_NEAR(o->ceiling_db, -12.0, 0.0);
		}
		o = dg_conf_device_find_output(dev, "bal-2.5");
		DG_CHECK(o && isnan(o->ceiling_db));
	}
	/* Product glob does not match: no device settings. */
	DG_CHECK(dg_config_find_device(&cfg, 0x2972, 0x0047, "FiiO", "FiiO K3") == NULL);
	dev = dg_config_find_device(&cfg, 0x152a, 0x8750, "Topping", "D50s");
	DG_CHECK(dev == &cfg.devices[1]);
	if (dev)
		DG_CHECK_INT(dev->mode, DG_MODE_SINGLE_ENDED);
	DG_CHECK(dg_config_find_device(&cfg, 0x152a, 0x8750, "Thesycon", "D50s") == NULL);
	free(data);

	/* With profiles given, a headphone id must exist; the error names it. */
	errors = sink(&c);
	data = "dacguard.default-headphone = \"no-such-phone\"";
	DG_CHECK_INT(dg_config_load_string(&cfg, "t", data, strlen(data), true, &hp, &errors),
		     -EINVAL);
	DG_CHECK_INT(c.col, 30);
	DG_CHECK(strstr(c.msg, "unknown headphone") != NULL);
	DG_CHECK_STR(cfg.default_headphone, "generic-iem-sensitive");
	dg_headphone_db_free(&hp);
}

/* Three directories as dg_paths_init() builds them: datadir, /etc, the user's. */
static void make_tree(char *root, struct dg_paths *p)
{
	static const char *const names[] = { "data", "etc", "user" };

	DG_CHECK(mkdtemp(root) != NULL);
	memset(p, 0, sizeof(*p));
	for (size_t i = 0; i < 3; i++) {
		make_dir(root, names[i]);
		snprintf(p->dirs[i], sizeof(p->dirs[i]), "%s/%s", root, names[i]);
		p->trusted[i] = i < 2;
		make_dir(p->dirs[i], "dacguard.conf.d");
	}
	p->n = 3;
}

static void test_override_order(void)
{
	char root[] = "/tmp/dg-test-conf-XXXXXX";
	struct dg_paths p;
	struct dg_config cfg, saved;
	struct capture c;
	struct dg_errors errors;
	char cmd[PATH_MAX + 16];

	make_tree(root, &p);
	write_file(p.dirs[0], "dacguard.conf",
		   "dacguard.max-spl-db = 85\ndacguard.hard-ceiling-db = -6\n");
	/* strverscmp: 9-b before 10-a, so 10-a is read last. */
	write_file(p.dirs[0], "dacguard.conf.d/10-a.conf", "dacguard.max-spl-db = 84\n");
	write_file(p.dirs[0], "dacguard.conf.d/9-b.conf", "dacguard.max-spl-db = 83\n");
	write_file(p.dirs[0], "dacguard.conf.d/README", "not a .conf: ignored {{{\n");
	write_file(p.dirs[1], "dacguard.conf", "dacguard.fallback-ceiling-db = -40\n");
	dg_config_defaults(&cfg);
	errors = sink(&c);
	DG_CHECK_INT(dg_config_load(&cfg, &p, NULL, &errors), 0);
	DG_CHECK_NEAR(cfg.max_spl_db, 84.0, 0.0);
	DG_CHECK_NEAR(cfg.fallback_ceiling_db, -40.0, 0.0);
	DG_CHECK_NEAR(cfg.hard_ceiling_db, -6.0, 0.0);

	/* The user's file overrides, but cannot raise the hard ceiling: a warning. */
	write_file(p.dirs[2], "dacguard.conf",
		   "dacguard.max-spl-db = 80\ndacguard.hard-ceiling-db = -1\n");
	errors = sink(&c);
	DG_CHECK_INT(dg_config_load(&cfg, &p, NULL, &errors), 0);
	DG_CHECK_NEAR(cfg.max_spl_db, 80.0, 0.0);
	DG_CHECK_NEAR(cfg.hard_ceiling_db, -6.0, 0.0);
	DG_CHECK_INT(c.n_warnings, 1);
	DG_CHECK_INT(c.n_errors, 0);

	/* ... nor from a drop-in of its own; it may lower it. */
	write_file(p.dirs[2], "dacguard.conf.d/50-lower.conf", "dacguard.hard-ceiling-db = -10\n");
	DG_CHECK_INT(dg_config_load(&cfg, &p, NULL, &errors), 0);
	DG_CHECK_NEAR(cfg.hard_ceiling_db, -10.0, 0.0);
	write_file(p.dirs[2], "dacguard.conf.d/60-raise.conf", "dacguard.hard-ceiling-db = 0\n");
	DG_CHECK_INT(dg_config_load(&cfg, &p, NULL, &errors), 0);
	DG_CHECK_NEAR(cfg.hard_ceiling_db, -10.0, 0.0);

	/* /etc may raise what datadir set. */
	write_file(p.dirs[1], "dacguard.conf.d/10-raise.conf", "dacguard.hard-ceiling-db = -2\n");
	unlink(strcat(strcpy(cmd, p.dirs[2]), "/dacguard.conf.d/50-lower.conf"));
	errors = sink(&c);
	DG_CHECK_INT(dg_config_load(&cfg, &p, NULL, &errors), 0);
	DG_CHECK_NEAR(cfg.hard_ceiling_db, -2.0, 0.0);

	/* The hard limit in dB SPL and root's fallback follow the same rule: the user's
	 * file lowers them, never raises them; its fallback is its own comfort value. */
	DG_CHECK_NEAR(cfg.hard_max_spl_db, 100.0, 0.0);
	DG_CHECK_NEAR(cfg.hard_fallback_ceiling_db, -40.0, 0.0);
	write_file(p.dirs[2], "dacguard.conf.d/61-spl.conf",
		   "dacguard.hard-max-spl-db = 120\ndacguard.fallback-ceiling-db = -12\n");
	errors = sink(&c);
	DG_CHECK_INT(dg_config_load(&cfg, &p, NULL, &errors), 0);
	DG_CHECK_NEAR(cfg.hard_max_spl_db, 100.0, 0.0);
	DG_CHECK_NEAR(cfg.fallback_ceiling_db, -12.0, 0.0);
	DG_CHECK_NEAR(cfg.hard_fallback_ceiling_db, -40.0, 0.0);
	DG_CHECK_INT(c.n_warnings, 4); /* the user dacguard.conf, 60-raise, both of 61-spl */
	write_file(p.dirs[2], "dacguard.conf.d/61-spl.conf",
		   "dacguard.hard-max-spl-db = 90\ndacguard.fallback-ceiling-db = -50\n");
	DG_CHECK_INT(dg_config_load(&cfg, &p, NULL, &errors), 0);
	DG_CHECK_NEAR(cfg.hard_max_spl_db, 90.0, 0.0);
	DG_CHECK_NEAR(cfg.hard_fallback_ceiling_db, -50.0, 0.0);
	write_file(p.dirs[1], "dacguard.conf.d/11-spl.conf", "dacguard.hard-max-spl-db = 110\n");
	unlink(strcat(strcpy(cmd, p.dirs[2]), "/dacguard.conf.d/61-spl.conf"));
	DG_CHECK_INT(dg_config_load(&cfg, &p, NULL, &errors), 0);
	DG_CHECK_NEAR(cfg.hard_max_spl_db, 110.0, 0.0);
	unlink(strcat(strcpy(cmd, p.dirs[1]), "/dacguard.conf.d/11-spl.conf"));

	/* A bad file: -EINVAL, the last good state stays whole. */
	saved = cfg;
	write_file(p.dirs[2], "dacguard.conf.d/70-bad.conf",
		   "dacguard.max-spl-db = 120\ndacguard.fallback-ceiling-db = 0\n"
		   "dacguard.devices = [ { match = { usb = \"2972:0047\" } } ]\nbogus = 1\n");
	errors = sink(&c);
	DG_CHECK_INT(dg_config_load(&cfg, &p, NULL, &errors), -EINVAL);
	DG_CHECK_INT(c.n_errors, 1);
	DG_CHECK_INT(c.line, 4);
	DG_CHECK_STR(c.key, "bogus");
	DG_CHECK(memcmp(&saved, &cfg, sizeof(cfg)) == 0);

	/* The same through dg_config_load_string: nothing of the bad buffer is applied. */
	{
		const char *s = "dacguard.max-spl-db = 120\ndacguard.hard-ceiling-db = -50\nx = 1\n";

		DG_CHECK_INT(dg_config_load_string(&cfg, "t", s, strlen(s), true, NULL, &errors),
			     -EINVAL);
		DG_CHECK(memcmp(&saved, &cfg, sizeof(cfg)) == 0);
	}

	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	DG_CHECK_INT(system(cmd), 0);
}

static void test_paths(void)
{
	struct dg_paths p;

	setenv("DACGUARD_CONFIG_DIR", "/tmp/x", 1);
	dg_paths_init(&p);
	DG_CHECK_INT(p.n, 1);
	DG_CHECK_STR(p.dirs[0], "/tmp/x");
	DG_CHECK(!p.trusted[0]);
	unsetenv("DACGUARD_CONFIG_DIR");
	setenv("XDG_CONFIG_HOME", "/home/u/.cfg", 1);
	dg_paths_init(&p);
	DG_CHECK_INT(p.n, 3);
	DG_CHECK_STR(p.dirs[0], DG_DATADIR);
	DG_CHECK_STR(p.dirs[1], DG_SYSCONFDIR);
	DG_CHECK_STR(p.dirs[2], "/home/u/.cfg/dacguard");
	DG_CHECK(p.trusted[0] && p.trusted[1] && !p.trusted[2]);
	unsetenv("XDG_CONFIG_HOME");
	setenv("HOME", "/home/v", 1);
	dg_paths_init(&p);
	DG_CHECK_STR(p.dirs[2], "/home/v/.config/dacguard");
}

static void test_devices_append(void)
{
	struct dg_config cfg;
	const char *a = "dacguard.devices = [ { match = { usb = \"2972:*\" } mode = balanced } ]";
	const char *b = "dacguard.devices = [ { match = { usb = \"2972:*\" } mode = unknown } ]";

	dg_config_defaults(&cfg);
	DG_CHECK_INT(dg_config_load_string(&cfg, "a", a, strlen(a), false, NULL, NULL), 0);
	DG_CHECK_INT(dg_config_load_string(&cfg, "b", b, strlen(b), false, NULL, NULL), 0);
	DG_CHECK_INT(cfg.n_devices, 2);
	/* Among equals the later one wins. */
	DG_CHECK(dg_config_find_device(&cfg, 0x2972, 1, NULL, NULL) == &cfg.devices[1]);
}

static void test_hide_raw_sink(void)
{
	struct capture c;
	struct dg_errors errors = sink(&c);
	struct dg_config cfg;
	const struct dg_conf_device *dev;
	char *data;
	size_t len;
	const char *s;

	DG_CHECK(dg_read_file(CORPUS "/good-hide-raw-sink.conf", &data, &len) == 0);
	dg_config_defaults(&cfg);
	DG_CHECK_INT(dg_config_load_string(&cfg, "good", data, len, false, NULL, &errors), 0);
	free(data);
	DG_CHECK(!cfg.hide_raw_sink);
	DG_CHECK_INT(cfg.n_hide_raw_sink_exempt, 3);
	DG_CHECK_STR(cfg.hide_raw_sink_exempt[0], "pw-record");
	DG_CHECK_STR(cfg.hide_raw_sink_exempt[1], "pw-dump");
	DG_CHECK_STR(cfg.hide_raw_sink_exempt[2], "qpwgraph");
	/* the device's own setting wins over the global one, either way */
	dev = dg_config_find_device(&cfg, 0x2972, 0x0047, "FiiO", "FiiO K3");
	DG_CHECK(dev && dev->has_hide_raw_sink && dev->hide_raw_sink);
	DG_CHECK(dg_config_hide_raw_sink(&cfg, dev));
	DG_CHECK(!dg_config_hide_raw_sink(&cfg, NULL));
	s = "dacguard.hide-raw-sink = true\n"
	    "dacguard.devices = [ { match = { usb = \"152a:*\" } hide-raw-sink = false } ]";
	DG_CHECK_INT(dg_config_load_string(&cfg, "t", s, strlen(s), false, NULL, &errors), 0);
	dev = dg_config_find_device(&cfg, 0x152a, 0x8750, "Topping", "D50s");
	DG_CHECK(dev && dev->has_hide_raw_sink && !dev->hide_raw_sink);
	DG_CHECK(!dg_config_hide_raw_sink(&cfg, dev));
	DG_CHECK(dg_config_hide_raw_sink(&cfg, dg_config_find_device(&cfg, 1, 2, NULL, NULL)));

	/* a later list replaces the earlier one; [] empties it */
	s = "dacguard.hide-raw-sink-exempt = [ pw-cat ]";
	DG_CHECK_INT(dg_config_load_string(&cfg, "t", s, strlen(s), false, NULL, &errors), 0);
	DG_CHECK_INT(cfg.n_hide_raw_sink_exempt, 1);
	DG_CHECK_STR(cfg.hide_raw_sink_exempt[0], "pw-cat");
	s = "dacguard.hide-raw-sink-exempt = [ ]";
	DG_CHECK_INT(dg_config_load_string(&cfg, "t", s, strlen(s), false, NULL, &errors), 0);
	DG_CHECK_INT(cfg.n_hide_raw_sink_exempt, 0);

	/* errors: the message says what is wanted; nothing of the buffer applies */
	s = "dacguard.hide-raw-sink-exempt = [ a ]\ndacguard.hide-raw-sink = yes";
	DG_CHECK_INT(dg_config_load_string(&cfg, "t", s, strlen(s), false, NULL, &errors),
		     -EINVAL);
	DG_CHECK_STR(c.msg, "expected true or false, got \"yes\"");
	DG_CHECK_INT(cfg.n_hide_raw_sink_exempt, 0);
	DG_CHECK(cfg.hide_raw_sink);
	errors = sink(&c);
	s = "dacguard.hide-raw-sink-exempt = [ a b c d e f g h i j k l m n o p q ]";
	DG_CHECK_INT(dg_config_load_string(&cfg, "t", s, strlen(s), false, NULL, &errors),
		     -EINVAL);
	DG_CHECK_STR(c.key, "dacguard.hide-raw-sink-exempt[16]");
	DG_CHECK(strstr(c.msg, "more than 16") != NULL);
	errors = sink(&c);
	s = "dacguard.hide-raw-sink = false dacguard.hide-raw-sink = true";
	DG_CHECK_INT(dg_config_load_string(&cfg, "t", s, strlen(s), false, NULL, &errors),
		     -EINVAL);
	DG_CHECK(strstr(c.msg, "given twice") != NULL);
}

/* the default sink's name as PipeWire's "default" metadata holds it */
static void test_metadata_name(void)
{
	char out[16];

	dg_json_object_string("{ \"name\": \"alsa_output.x\" }", "name", out, sizeof(out));
	DG_CHECK_STR(out, "alsa_output.x");
	dg_json_object_string("{ \"other\": { \"name\": \"a\" }, \"name\": \"b\" }", "name", out,
			      sizeof(out));
	DG_CHECK_STR(out, "b");
	strcpy(out, "stale");
	dg_json_object_string("{ \"name\": \"much-too-long-for-out\" }", "name", out, sizeof(out));
	DG_CHECK_STR(out, "");
	strcpy(out, "stale");
	dg_json_object_string(NULL, "name", out, sizeof(out));
	DG_CHECK_STR(out, "");
	strcpy(out, "stale");
	dg_json_object_string("\"name\"", "name", out, sizeof(out));
	DG_CHECK_STR(out, "");
	strcpy(out, "stale");
	dg_json_object_string("{ \"node\": \"x\" }", "name", out, sizeof(out));
	DG_CHECK_STR(out, "");
	/* an out of size 0 has no byte to write, not even the NUL (found by fuzz-metadata) */
	strcpy(out, "stale");
	dg_json_object_string("{ \"name\": \"b\" }", "name", out, 0);
	DG_CHECK_STR(out, "stale");
}

/* A dacguard.conf that cannot be read, loaded while a good one is in force: an error that
 * names the file and says why, the good state untouched, and never a wait (a FIFO's open
 * would wait for a writer). */
static void check_unreadable(const struct dg_paths *p, const struct dg_config *good,
			     const char *why)
{
	struct dg_config cfg = *good;
	struct capture c;
	struct dg_errors errors = sink(&c);
	char want[PATH_MAX + 64];

	DG_CHECK_INT(dg_config_load(&cfg, p, NULL, &errors), -EINVAL);
	DG_CHECK_INT(c.n_errors, 1);
	DG_CHECK_INT(c.line, 0);
	snprintf(want, sizeof(want), "cannot read: %s", why);
	if (strncmp(c.msg, want, strlen(want)) != 0)
		fprintf(stderr, "got '%s', expected '%s...'\n", c.msg, want);
	DG_CHECK(strncmp(c.msg, want, strlen(want)) == 0);
	DG_CHECK(memcmp(&cfg, good, sizeof(cfg)) == 0);
}

static void test_unreadable(void)
{
	char root[] = "/tmp/dg-test-conf-XXXXXX", path[PATH_MAX], cmd[PATH_MAX + 16];
	struct dg_paths p;
	struct dg_config good;
	FILE *f;

	DG_CHECK(mkdtemp(root) != NULL);
	dg_paths_init_dir(&p, root, false);
	snprintf(path, sizeof(path), "%s/dacguard.conf", root);
	write_file(root, "dacguard.conf", "dacguard.max-spl-db = 80\n");
	dg_config_defaults(&good);
	DG_CHECK_INT(dg_config_load(&good, &p, NULL, NULL), 0);
	DG_CHECK_NEAR(good.max_spl_db, 80.0, 0.0);

	unlink(path);
	DG_CHECK(mkfifo(path, 0644) == 0);
	check_unreadable(&p, &good, "not a regular file");
	unlink(path);
	DG_CHECK(mkdir(path, 0755) == 0);
	check_unreadable(&p, &good, "a directory");
	rmdir(path);
	/* one byte over the limit, in a file otherwise good: not read at all */
	f = fopen(path, "w");
	DG_CHECK(f != NULL);
	if (f) {
		fputs("dacguard.max-spl-db = 90\n", f);
		for (long i = ftell(f); i <= DG_MAX_FILE_SIZE; i++)
			fputc(' ', f);
		fclose(f);
	}
	check_unreadable(&p, &good, "larger than 4 MiB");
	unlink(path);
	/* a symbolic link to nothing is not a missing file (which would mean the defaults) */
	DG_CHECK(symlink("no-such-file", path) == 0);
	check_unreadable(&p, &good, "a symbolic link to nothing");
	unlink(path);

	/* A drop-in that lowered a limit, in place of which a name appears that cannot be
	 * read: skipped as if deleted, it would raise the limit again. */
	write_file(root, "dacguard.conf", "dacguard.max-spl-db = 80\n");
	make_dir(root, "dacguard.conf.d");
	write_file(root, "dacguard.conf.d/50-quiet.conf", "dacguard.max-spl-db = 70\n");
	DG_CHECK_INT(dg_config_load(&good, &p, NULL, NULL), 0);
	DG_CHECK_NEAR(good.max_spl_db, 70.0, 0.0);
	snprintf(path, sizeof(path), "%s/dacguard.conf.d/50-quiet.conf", root);
	unlink(path);
	DG_CHECK(mkfifo(path, 0644) == 0);
	check_unreadable(&p, &good, "not a regular file");
	unlink(path);
	DG_CHECK(mkdir(path, 0755) == 0);
	check_unreadable(&p, &good, "a directory");
	rmdir(path);
	DG_CHECK(symlink("no-such-file", path) == 0);
	check_unreadable(&p, &good, "a symbolic link to nothing");

	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	DG_CHECK_INT(system(cmd), 0);
}

int main(void)
{
	test_corpus();
	test_messages();
	test_nul();
	test_syntax();
	test_defaults();
	test_good_values();
	test_override_order();
	test_paths();
	test_devices_append();
	test_hide_raw_sink();
	test_metadata_name();
	test_unreadable();
	return dg_test_done("test-conf");
}
