/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the device database, devices/NN-vendor.conf (lib/db.c), which the
 * user's own config directory may hold. What must hold for every input, beyond not
 * crashing: a refusal comes with exactly one error, placed at file:line:col in the
 * buffer; a refused buffer leaves a database loaded before it byte for byte as it was; a
 * buffer reads the same alone or after another one; every accepted entry holds figures
 * within the ranges doc/formats.md gives, outputs that its jacks and selectors name, and
 * is found again by its own match. The input is copied to a buffer of its exact size,
 * without a NUL after it. */
#include <errno.h>
#include <fnmatch.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "fuzz-diag.h"
#include "fuzz-check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NAME "fuzz.conf"

/* Loaded first, so that a refusal can be seen to leave it alone. */
static const char base[] =
	"devices = [ {\n"
	"  vendor = \"FiiO\" model = \"BTR5\" source = \"base\"\n"
	"  match = { usb = \"2972:0047\" product = \"FiiO BTR5*\" }\n"
	"  jacks = { \"Headphone Jack\" = \"se-3.5\" }\n"
	"  selectors = [ { control = \"Output\" items = { SE = \"se-3.5\" BAL = \"bal-2.5\" } } ]\n"
	"  outputs = [ { id = \"se-3.5\" vout-vrms = 1.0 zout-ohm = 0.3\n"
	"                power = [ { mw = 80 ohm = 32 } ] crosstalk-db = -70 source = \"s\" }\n"
	"              { id = \"bal-2.5\" vout-vrms = 2.0 estimated = [ \"vout-vrms\" ]\n"
	"                source = \"s\" } ]\n"
	"} ]\n";

#define TERMINATED(s) (strnlen((s), sizeof(s)) < sizeof(s))

static int nan_or_within(double v, double min, double max)
{
	return isnan(v) || (v >= min && v <= max);
}

static int has_output(const struct dg_db_entry *e, const char *id)
{
	for (size_t i = 0; i < e->n_outputs; i++)
		if (strcmp(e->outputs[i].out.id, id) == 0)
			return 1;
	return 0;
}

static void check_output(const struct dg_db_output *d)
{
	const struct dg_output *o = &d->out;

	CHECK(TERMINATED(o->id) && TERMINATED(o->source) && TERMINATED(d->note));
	CHECK(o->connector != DG_CONNECTOR_UNKNOWN && o->connector == dg_connector_from_id(o->id));
	CHECK(o->balanced == dg_connector_is_balanced(o->connector));
	CHECK(o->source[0] != '\0');
	CHECK(nan_or_within(o->vout_vrms, 0.0, 50.0) && !(o->vout_vrms == 0.0));
	CHECK(nan_or_within(o->zout_ohm, 0.0, 1000.0));
	CHECK(nan_or_within(o->crosstalk_db, -200.0, 0.0));
	CHECK(o->n_power <= DG_MAX_RATINGS);
	for (size_t i = 0; i < o->n_power; i++)
		CHECK(o->power[i].mw >= 1e-3 && o->power[i].mw <= 1e6 &&
		      o->power[i].ohm >= 1e-3 && o->power[i].ohm <= 1e6);
	/* an estimate is of a figure the output gives */
	CHECK((d->estimated_mask & ~0xfu) == 0 && o->estimated == (d->estimated_mask != 0));
	CHECK(!(d->estimated_mask & DG_ESTIMATED_VOUT) || !isnan(o->vout_vrms));
	CHECK(!(d->estimated_mask & DG_ESTIMATED_ZOUT) || !isnan(o->zout_ohm));
	CHECK(!(d->estimated_mask & DG_ESTIMATED_POWER) || o->n_power > 0);
	CHECK(!(d->estimated_mask & DG_ESTIMATED_CROSSTALK) || !isnan(o->crosstalk_db));
}

/* A glob that matches its own text can stand for the string a device reports. */
static int self_matching(const char *glob)
{
	return glob[0] == '\0' || fnmatch(glob, glob, 0) == 0;
}

static void check_lookup(const struct dg_db *db, size_t i)
{
	const struct dg_db_entry *e = &db->entries[i], *r;
	const struct dg_match *m = &e->match;
	const char *product = m->product[0] ? m->product : NULL;
	const char *manufacturer = m->manufacturer[0] ? m->manufacturer : NULL;
	char shown[256];

	dg_match_format(m, shown, sizeof(shown));
	if (!self_matching(m->product) || !self_matching(m->manufacturer))
		return;
	r = dg_db_match(db, m->vid, m->pid, manufacturer, product);
	/* found, by this entry or by one as specific read later or a more specific one */
	CHECK(r != NULL);
	CHECK(dg_match_device(&r->match, m->vid, m->pid, manufacturer, product));
	CHECK(dg_match_specificity(&r->match) > dg_match_specificity(m) ||
	      (dg_match_specificity(&r->match) == dg_match_specificity(m) && r >= e));
}

static void check_entry(const struct dg_db *db, size_t i)
{
	const struct dg_db_entry *e = &db->entries[i];
	struct dg_dac dac;

	CHECK(TERMINATED(e->vendor) && TERMINATED(e->model) && TERMINATED(e->source));
	CHECK(TERMINATED(e->match.product) && TERMINATED(e->match.manufacturer));
	CHECK(e->vendor[0] && e->model[0] && e->source[0]);
	CHECK(strcmp(e->file, NAME) == 0 && e->line >= 1);
	CHECK(e->match.has_usb && (!e->match.any_pid || e->match.pid == 0));
	CHECK(e->n_outputs >= 1 && e->n_outputs <= DG_MAX_OUTPUTS);
	CHECK(e->n_jacks <= DG_MAX_JACKS && e->n_selectors <= DG_MAX_SELECTORS);
	for (size_t j = 0; j < e->n_outputs; j++) {
		check_output(&e->outputs[j]);
		for (size_t k = 0; k < j; k++)
			CHECK(strcmp(e->outputs[j].out.id, e->outputs[k].out.id) != 0);
	}
	/* every jack and selector item names an output of the device, and is read back */
	for (size_t j = 0; j < e->n_jacks; j++) {
		const char *out = dg_db_entry_jack_output(e, e->jacks[j].name);

		CHECK(TERMINATED(e->jacks[j].name) && has_output(e, e->jacks[j].output));
		CHECK(out != NULL && strcmp(out, e->jacks[j].output) == 0);
	}
	for (size_t j = 0; j < e->n_selectors; j++) {
		const struct dg_db_selector *s = &e->selectors[j];

		CHECK(TERMINATED(s->control) && s->control[0] != '\0');
		CHECK(s->n_items >= 1 && s->n_items <= DG_MAX_SELECTOR_VALUES);
		for (size_t k = 0; k < s->n_items; k++) {
			const char *out = dg_db_entry_selector_output(e, s->control,
								      s->items[k].name);

			CHECK(TERMINATED(s->items[k].name) && has_output(e, s->items[k].output));
			CHECK(out != NULL && strcmp(out, s->items[k].output) == 0);
		}
	}
	dg_db_entry_to_dac(e, &dac);
	CHECK(dac.known && dac.n_outputs == e->n_outputs);
	for (size_t j = 0; j < e->n_outputs; j++)
		CHECK(dg_dac_find_output(&dac, e->outputs[j].out.id) == &dac.outputs[j]);
	check_lookup(db, i);
}

static int add(struct dg_db *db, const char *buf, size_t size, struct fuzz_diag *c)
{
	struct dg_errors errors = { .fn = fuzz_diag_check, .user = c };
	int res;

	*c = (struct fuzz_diag){ .file = NAME, .data = buf, .len = size };
	res = dg_db_add_string(db, NAME, buf, size, &errors);
	fuzz_diag_check_result(c, &errors, res);
	return res;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dg_db alone, db, before;
	struct dg_db_entry *live;
	struct fuzz_diag c1, c2;
	char *buf = malloc(size ? size : 1);
	int res;

	CHECK(buf != NULL);
	memcpy(buf, data, size);

	/* the buffer alone */
	dg_db_init(&alone);
	res = add(&alone, buf, size, &c1);
	CHECK(res == 0 || (alone.n == 0 && alone.entries == NULL));
	for (size_t i = 0; i < alone.n; i++)
		check_entry(&alone, i);

	/* after a good file: read the same way, and all-or-nothing */
	dg_db_init(&db);
	CHECK(add(&db, base, sizeof(base) - 1, &c2) == 0 && db.n == 1);
	before = db;
	before.entries = malloc(db.n * sizeof(*db.entries));
	CHECK(before.entries != NULL);
	memcpy(before.entries, db.entries, db.n * sizeof(*db.entries));
	live = db.entries;

	CHECK(add(&db, buf, size, &c2) == res && strcmp(c1.first, c2.first) == 0);
	CHECK(res == 0 || (db.entries == live && db.alloc == before.alloc));
	CHECK(db.n == before.n + alone.n);
	CHECK(memcmp(db.entries, before.entries, before.n * sizeof(*db.entries)) == 0);
	if (alone.n)
		CHECK(memcmp(db.entries + before.n, alone.entries,
			     alone.n * sizeof(*db.entries)) == 0);
	for (size_t i = 0; i < db.n; i++)
		check_lookup(&db, i);

	free(before.entries);
	dg_db_free(&db);
	dg_db_free(&alone);
	free(buf);
	return 0;
}
