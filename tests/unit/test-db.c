/* SPDX-License-Identifier: MIT */
/* Device database: exact values, the match rule, collection across dirs, all-or-nothing.
 * Bad files are in the tests/data/conf corpus (test-conf runs it). */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "db.h"
#include "tests/dg-test.h"

#define CORPUS DG_TEST_DATA_DIR "/conf"

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	DG_CHECK(f != NULL);
	if (!f)
		return;
	fputs(text, f);
	fclose(f);
}

static void load_good(struct dg_db *db)
{
	char *const files[] = { CORPUS "/good-devices.conf" };

	dg_db_init(db);
	DG_CHECK_INT(dg_db_load_files(db, files, 1, NULL), 0);
}

static void test_values(void)
{
	struct dg_db db;
	const struct dg_db_entry *e;
	const struct dg_output *o;
	struct dg_dac dac;

	load_good(&db);
	DG_CHECK_INT(db.n, 3);
	e = &db.entries[0];
	DG_CHECK_STR(e->vendor, "FiiO");
	DG_CHECK_STR(e->model, "BTR5");
	DG_CHECK_INT(e->match.vid, 0x2972);
	DG_CHECK_INT(e->match.pid, 0x0047);
	DG_CHECK(!e->match.any_pid);
	DG_CHECK_STR(e->match.product, "FiiO BTR5*");
	DG_CHECK_INT(e->line, 3);
	DG_CHECK_INT(e->n_outputs, 2);
	o = &e->outputs[0].out;
	DG_CHECK_STR(o->id, "se-3.5");
	DG_CHECK_INT(o->connector, DG_CONNECTOR_SE_3_5);
	DG_CHECK(!o->balanced);
	DG_CHECK_NEAR(o->vout_vrms, 1.0, 0.0);
	DG_CHECK_NEAR(o->zout_ohm, 0.3, 0.0);
	DG_CHECK_INT(o->n_power, 2);
	DG_CHECK_NEAR(o->power[1].mw, 240.0, 0.0);
	DG_CHECK_NEAR(o->power[1].ohm, 16.0, 0.0);
	DG_CHECK_NEAR(o->crosstalk_db, -70.0, 0.0);
	DG_CHECK(!o->estimated);
	DG_CHECK_STR(o->source, "test spec");
	o = &e->outputs[1].out;
	DG_CHECK(o->balanced);
	DG_CHECK(o->estimated);
	DG_CHECK_INT(e->outputs[1].estimated_mask, DG_ESTIMATED_VOUT);
	DG_CHECK(isnan(o->zout_ohm));
	DG_CHECK(isnan(o->crosstalk_db));
	DG_CHECK_STR(e->outputs[1].note, "balanced = 2x single-ended voltage (estimate)");
	DG_CHECK_STR(dg_db_entry_jack_output(e, "Speaker - Output Jack"), "se-3.5");
	DG_CHECK(dg_db_entry_jack_output(e, "Line - Output Jack") == NULL);
	DG_CHECK_STR(dg_db_entry_selector_output(e, "Output Select", "BAL"), "bal-2.5");
	DG_CHECK(dg_db_entry_selector_output(e, "Output Select", "XLR") == NULL);

	dg_db_entry_to_dac(e, &dac);
	DG_CHECK(dac.known);
	DG_CHECK_STR(dac.model, "BTR5");
	DG_CHECK_INT(dac.n_outputs, 2);
	DG_CHECK(dg_dac_find_output(&dac, "bal-2.5") != NULL);
	dg_db_free(&db);
}

static void test_match(void)
{
	struct dg_db db;
	const struct dg_db_entry *e;
	const char *later = "devices = [ { vendor = \"X\" model = \"later\" source = \"s\"\n"
			    "  match = { usb = \"2972:0047\" }\n"
			    "  outputs = [ { id = \"se-3.5\" source = \"s\" } ] } ]\n";

	load_good(&db);
	/* A product glob beats none, an exact PID beats "*". */
	e = dg_db_match(&db, 0x2972, 0x0047, "FiiO", "FiiO BTR5 2021");
	DG_CHECK(e && strcmp(e->model, "BTR5") == 0);
	e = dg_db_match(&db, 0x2972, 0x0047, "FiiO", "FiiO K3");
	DG_CHECK(e && strcmp(e->model, "any 2972:0047") == 0);
	e = dg_db_match(&db, 0x2972, 0x0047, NULL, NULL);
	DG_CHECK(e && strcmp(e->model, "any 2972:0047") == 0);
	e = dg_db_match(&db, 0x2972, 0x0048, NULL, "FiiO BTR5");
	DG_CHECK(e && strcmp(e->model, "any FiiO") == 0);
	DG_CHECK(dg_db_match(&db, 0x152a, 0x0047, NULL, "FiiO BTR5") == NULL);

	/* Among equals the one read last wins. */
	DG_CHECK_INT(dg_db_add_string(&db, "later", later, strlen(later), NULL), 0);
	e = dg_db_match(&db, 0x2972, 0x0047, NULL, "FiiO K3");
	DG_CHECK(e && strcmp(e->model, "later") == 0);
	e = dg_db_match(&db, 0x2972, 0x0047, NULL, "FiiO BTR5");
	DG_CHECK(e && strcmp(e->model, "BTR5") == 0);
	dg_db_free(&db);
}

/* The first error of a load, where it is and what it says. */
struct first_error {
	unsigned n;
	int line, col;
	char key[256], msg[512];
};

static void first_error_fn(void *user, const struct dg_diag *d)
{
	struct first_error *f = user;

	if (d->severity != DG_SEVERITY_ERROR || f->n++ > 0)
		return;
	f->line = d->line;
	f->col = d->col;
	snprintf(f->key, sizeof(f->key), "%s", d->key);
	snprintf(f->msg, sizeof(f->msg), "%s", d->msg);
}

/* Adds text to a database holding good-devices.conf: refused with one error at line:col,
 * key, msg, and the database as it was. */
static void check_refused(const char *text, int line, int col, const char *key, const char *msg)
{
	struct first_error f = { 0 };
	struct dg_errors errors = { .fn = first_error_fn, .user = &f };
	struct dg_db db;

	load_good(&db);
	DG_CHECK_INT(dg_db_add_string(&db, "t.conf", text, strlen(text), &errors), -EINVAL);
	DG_CHECK_INT(f.n, 1);
	DG_CHECK_INT(f.line, line);
	DG_CHECK_INT(f.col, col);
	DG_CHECK_STR(f.key, key);
	DG_CHECK_STR(f.msg, msg);
	DG_CHECK_INT(db.n, 3);
	dg_db_free(&db);
}

/* Found by fuzz-db: two selectors on one control were both accepted, and the first
 * decided for the second (an item the second maps to bal-2.5 read as se-3.5). */
static void test_selector_control_twice(void)
{
	check_refused("devices = [ { vendor = V model = M source = s\n"
		      "  match = { usb = \"2972:0047\" }\n"
		      "  selectors = [ { control = Out items = { SE = se-3.5 } }\n"
		      "                { control = Out items = { SE = bal-2.5 } } ]\n"
		      "  outputs = [ { id = se-3.5 source = s } { id = bal-2.5 source = s } ]\n"
		      "} ]\n",
		      4, 17, "devices[0].selectors[1]", "duplicate control \"Out\"");
}

/* Leaves a pattern where the loader's frames will be. */
static __attribute__((noinline)) void dirty_stack(void)
{
	volatile char junk[64 * 1024];

	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (char)0xa5;
}

/* Found by fuzz-db (two reads of one text must give the same bytes): a jack's or a
 * selector item's name was copied whole from the parser's stack buffer, the bytes after
 * its NUL included. */
static void test_names_copied_clean(void)
{
	static const char text[] = "devices = [ { vendor = V model = M source = s\n"
				   "  match = { usb = \"2972:0047\" }\n"
				   "  jacks = { J = se-3.5 }\n"
				   "  selectors = [ { control = Out items = { SE = se-3.5 } } ]\n"
				   "  outputs = [ { id = se-3.5 source = s } ] } ]\n";
	struct dg_db db;
	size_t zero = 0;

	dg_db_init(&db);
	dirty_stack();
	DG_CHECK_INT(dg_db_add_string(&db, "t.conf", text, strlen(text), NULL), 0);
	DG_CHECK_INT(db.n, 1);
	if (db.n == 1) {
		const struct dg_db_entry *e = &db.entries[0];

		for (size_t i = 2; i < sizeof(e->jacks[0].name); i++)
			zero += e->jacks[0].name[i] == '\0';
		for (size_t i = 3; i < sizeof(e->selectors[0].items[0].name); i++)
			zero += e->selectors[0].items[0].name[i] == '\0';
		DG_CHECK_INT(zero, sizeof(e->jacks[0].name) - 2 +
					   sizeof(e->selectors[0].items[0].name) - 3);
	}
	dg_db_free(&db);
}

#define ENTRY_FMT                                                                        \
	"devices = [ { vendor = \"V\" model = \"%s\" source = \"s\"\n"                       \
	"  match = { usb = \"%s\" }\n"                                                       \
	"  outputs = [ { id = \"se-3.5\" source = \"s\" } ] } ]\n"

static void test_dirs(void)
{
	static const struct {
		int dir;
		const char *name, *model, *usb;
	} files[] = {
		{ 0, "10-x.conf", "ten", "1234:*" },
		{ 1, "2-x.conf", "two", "1234:*" },
		{ 0, "30-v.conf", "shipped", "abcd:0001" },
		{ 1, "30-v.conf", "local", "abcd:0001" },
	};
	char root[] = "/tmp/dg-test-db-XXXXXX", path[PATH_MAX + 64], cmd[PATH_MAX];
	struct dg_paths p = { 0 };
	struct dg_db db;
	char text[512];
	struct dg_errors errors = { 0 };

	DG_CHECK(mkdtemp(root) != NULL);
	for (int i = 0; i < 2; i++) {
		snprintf(p.dirs[i], sizeof(p.dirs[i]), "%s/%d", root, i);
		mkdir(p.dirs[i], 0755);
		snprintf(path, sizeof(path), "%s/devices", p.dirs[i]);
		mkdir(path, 0755);
	}
	p.n = 2;
	/* 10-x read after 2-x (strverscmp); 1/devices/30-v.conf replaces 0/devices/30-v.conf. */
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(text, sizeof(text), ENTRY_FMT, files[i].model, files[i].usb);
		snprintf(path, sizeof(path), "%s/devices/%s", p.dirs[files[i].dir], files[i].name);
		write_file(path, text);
	}

	dg_db_init(&db);
	DG_CHECK_INT(dg_db_load(&db, &p, &errors), 0);
	DG_CHECK_INT(db.n, 3);
	if (db.n == 3) {
		DG_CHECK_STR(db.entries[0].model, "two");
		DG_CHECK_STR(db.entries[1].model, "ten");
		DG_CHECK_STR(db.entries[2].model, "local");
	}
	DG_CHECK_STR(dg_db_match(&db, 0x1234, 1, NULL, NULL)->model, "ten");

	/* A bad file: -EINVAL and the loaded database stays as it was. */
	snprintf(path, sizeof(path), "%s/devices/40-bad.conf", p.dirs[1]);
	write_file(path, "devices = [ { vendor = \"V\" } ]\n");
	DG_CHECK_INT(dg_db_load(&db, &p, &errors), -EINVAL);
	DG_CHECK_INT(errors.n_errors, 1);
	DG_CHECK_INT(db.n, 3);
	DG_CHECK_STR(dg_db_match(&db, 0xabcd, 1, NULL, NULL)->model, "local");
	DG_CHECK_INT(dg_db_add_string(&db, "bad", "devices = [ x ]", 15, &errors), -EINVAL);
	DG_CHECK_INT(db.n, 3);
	/* Not even the good entry before the bad one joins. */
	snprintf(text, sizeof(text),
		 "devices = [ { vendor = \"V\" model = \"good\" source = \"s\"\n"
		 "  match = { usb = \"1234:0001\" }\n"
		 "  outputs = [ { id = \"se-3.5\" source = \"s\" } ] }\n"
		 "  x ]\n");
	DG_CHECK_INT(dg_db_add_string(&db, "partly", text, strlen(text), &errors), -EINVAL);
	DG_CHECK_INT(db.n, 3);
	DG_CHECK_STR(dg_db_match(&db, 0x1234, 1, NULL, NULL)->model, "ten");

	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	DG_CHECK_INT(system(cmd), 0);
	dg_db_free(&db);
}

/* The file the first error names and its message, and how many there were. */
struct file_error {
	unsigned n;
	char file[PATH_MAX];
	char msg[512];
};

static void file_error_fn(void *user, const struct dg_diag *d)
{
	struct file_error *f = user;

	if (d->severity != DG_SEVERITY_ERROR || f->n++ > 0)
		return;
	snprintf(f->file, sizeof(f->file), "%s", d->file);
	snprintf(f->msg, sizeof(f->msg), "%s", d->msg);
}

/* A database file in place of which a name appears that cannot be read (a FIFO, a
 * directory, a symbolic link to nothing): an error naming it, and the database in force
 * stays. Skipped, the file's devices would turn unknown behind the user's back. */
static void check_unreadable(const struct dg_paths *p, const char *path, const char *why)
{
	struct file_error f = { 0 };
	struct dg_errors errors = { .fn = file_error_fn, .user = &f };
	struct dg_db db;
	char want[128];

	dg_db_init(&db);
	DG_CHECK_INT(dg_db_load(&db, p, NULL), 0);
	DG_CHECK_INT(db.n, 2);
	if (strcmp(why, "fifo") == 0) {
		DG_CHECK(mkfifo(path, 0644) == 0);
		why = "not a regular file (a FIFO, a socket or a device)";
	} else if (strcmp(why, "dir") == 0) {
		DG_CHECK(mkdir(path, 0755) == 0);
		why = "a directory, not a file";
	} else {
		DG_CHECK(symlink("no-such-file", path) == 0);
		why = "a symbolic link to nothing";
	}
	DG_CHECK_INT(dg_db_load(&db, p, &errors), -EINVAL);
	DG_CHECK_INT(f.n, 1);
	DG_CHECK_STR(f.file, path);
	snprintf(want, sizeof(want), "cannot read: %s", why);
	DG_CHECK_STR(f.msg, want);
	DG_CHECK_INT(db.n, 2);
	DG_CHECK(dg_db_match(&db, 0x1234, 1, NULL, NULL) != NULL);
	dg_db_free(&db);
	DG_CHECK(remove(path) == 0);
}

static void test_unreadable(void)
{
	char root[] = "/tmp/dg-test-db-XXXXXX", path[PATH_MAX + 64], cmd[PATH_MAX];
	struct dg_paths p;
	char text[512];

	DG_CHECK(mkdtemp(root) != NULL);
	dg_paths_init_dir(&p, root, false);
	snprintf(path, sizeof(path), "%s/devices", root);
	mkdir(path, 0755);
	snprintf(text, sizeof(text), ENTRY_FMT, "one", "1234:0001");
	snprintf(path, sizeof(path), "%s/devices/10-one.conf", root);
	write_file(path, text);
	snprintf(text, sizeof(text), ENTRY_FMT, "two", "1234:0002");
	snprintf(path, sizeof(path), "%s/devices/20-two.conf", root);
	write_file(path, text);
	snprintf(path, sizeof(path), "%s/devices/30-three.conf", root);
	check_unreadable(&p, path, "fifo");
	check_unreadable(&p, path, "dir");
	check_unreadable(&p, path, "dangling");

	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	DG_CHECK_INT(system(cmd), 0);
}

/* Policy on the shipped files (libinput's quirks tests): what the loader alone does not
 * demand. Runs as `test-db-policy <conf dir>`. */
static void check_usb_lowercase(const char *path)
{
	char *data, *p;
	size_t len;

	DG_CHECK(dg_read_file(path, &data, &len) == 0);
	for (p = data; p && (p = strstr(p, "usb")); p += 3) {
		char *q = p + 3;

		while (*q == ' ' || *q == '=' || *q == ':' || *q == '\t')
			q++;
		if (*q != '"')
			continue;
		for (q++; *q && *q != '"'; q++)
			if (*q >= 'A' && *q <= 'F') {
				fprintf(stderr, "%s: uppercase hex in usb id\n", path);
				DG_CHECK(!"usb ids are lowercase");
				break;
			}
	}
	free(data);
}

static int policy(const char *dir)
{
	struct dg_paths p;
	struct dg_db db;
	char **files;
	size_t n;

	dg_paths_init_dir(&p, dir, true);
	DG_CHECK(dg_collect_files(&p, "devices", ".conf", &files, &n) == 0);
	DG_CHECK(n > 0);
	for (size_t i = 0; i < n; i++)
		check_usb_lowercase(files[i]);
	dg_file_list_free(files, n);

	dg_db_init(&db);
	DG_CHECK_INT(dg_db_load(&db, &p, NULL), 0);
	DG_CHECK(db.n > 0);
	for (size_t i = 0; i < db.n; i++) {
		const struct dg_db_entry *e = &db.entries[i];

		if (e->n_outputs == 0 || !e->source[0])
			fprintf(stderr, "%s:%d: %s %s: no outputs or no source\n", e->file, e->line,
				e->vendor, e->model);
		DG_CHECK(e->n_outputs > 0);
		DG_CHECK(e->source[0] != '\0');
		for (size_t j = 0; j < e->n_outputs; j++) {
			const struct dg_db_output *o = &e->outputs[j];

			if (!o->out.source[0] || (o->estimated_mask && !o->note[0]))
				fprintf(stderr, "%s:%d: %s %s %s: no source, or an estimate "
						"without a note\n",
					e->file, e->line, e->vendor, e->model, o->out.id);
			DG_CHECK(o->out.source[0] != '\0');
			/* An estimate must say how it was made. */
			DG_CHECK(!o->estimated_mask || o->note[0] != '\0');
		}
	}
	dg_db_free(&db);
	return dg_test_done("test-db-policy");
}

int main(int argc, char **argv)
{
	if (argc == 2)
		return policy(argv[1]);
	test_values();
	test_match();
	test_selector_control_twice();
	test_names_copied_clean();
	test_dirs();
	test_unreadable();
	return dg_test_done("test-db");
}
