/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the headphone profiles, headphones/NN-name.conf (lib/headphones.c),
 * which the user's own config directory may hold. What must hold for every input, beyond
 * not crashing: a refusal comes with exactly one error, placed at file:line:col in the
 * buffer; a refused buffer leaves the profiles loaded before it byte for byte as they were;
 * an accepted one adds its profiles, each replacing the earlier one of its id and leaving
 * the others alone; every profile has a valid id, a finite sensitivity and impedance within
 * doc/formats.md's ranges, and is found by its id and by its name. The input is copied to a
 * buffer of its exact size, without a NUL after it. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fuzz-diag.h"
#include "headphones.h"
#include "fuzz-check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NAME "fuzz.conf"

/* Loaded first; a seed may replace one of its ids. */
static const char base[] =
	"headphones = [\n"
	"  { id = generic-iem-sensitive name = \"Generic sensitive IEM\" impedance-ohm = 16\n"
	"    sensitivity = \"125dB/V\" source = base }\n"
	"  { id = sennheiser-hd600 name = \"Sennheiser HD 600\" impedance-ohm = 300\n"
	"    sensitivity = \"97 dB/V\" confidence = medium source = base }\n"
	"  { id = akg-k371 name = \"AKG K371\" impedance-ohm = 32 sensitivity = \"91dB/mW\"\n"
	"    source = base }\n"
	"]\n";

#define TERMINATED(s) (strnlen((s), sizeof(s)) < sizeof(s))

static int valid_id(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!(islower((unsigned char)*s) || isdigit((unsigned char)*s) || *s == '-'))
			return 0;
	return 1;
}

static void check_entry(const struct dg_headphone_db *db, size_t i)
{
	const struct dg_headphone_entry *e = &db->entries[i], *r;
	const struct dg_headphone *hp = &e->hp;

	CHECK(TERMINATED(hp->id) && TERMINATED(hp->name) && TERMINATED(e->type));
	CHECK(TERMINATED(e->source) && TERMINATED(e->note));
	CHECK(valid_id(hp->id) && hp->name[0] && e->source[0]);
	CHECK(isfinite(hp->impedance_ohm) && hp->impedance_ohm >= 1.0 &&
	      hp->impedance_ohm <= 100000.0);
	CHECK(isfinite(hp->sensitivity_db) && hp->sensitivity_db >= 40.0 &&
	      hp->sensitivity_db <= 160.0);
	CHECK(e->confidence >= DG_CONFIDENCE_LOW && e->confidence <= DG_CONFIDENCE_MEASURED);
	for (size_t j = 0; j < i; j++)
		CHECK(strcmp(db->entries[j].hp.id, hp->id) != 0);

	/* by id: this very profile; by name: one that has it as its id or (any case) name */
	CHECK(dg_headphone_db_find_entry(db, hp->id) == e);
	CHECK(dg_headphone_db_find(db, hp->id) == hp);
	r = dg_headphone_db_find_entry(db, hp->name);
	CHECK(r != NULL);
	CHECK(strcmp(r->hp.id, hp->name) == 0 || strcasecmp(r->hp.name, hp->name) == 0);
}

static int add(struct dg_headphone_db *db, const char *buf, size_t size, struct fuzz_diag *c)
{
	struct dg_errors errors = { .fn = fuzz_diag_check, .user = c };
	int res;

	*c = (struct fuzz_diag){ .file = NAME, .data = buf, .len = size };
	res = dg_headphone_db_add_string(db, NAME, buf, size, &errors);
	fuzz_diag_check_result(c, &errors, res);
	return res;
}

static const struct dg_headphone_entry *by_id(const struct dg_headphone_db *db, const char *id)
{
	for (size_t i = 0; i < db->n; i++)
		if (strcmp(db->entries[i].hp.id, id) == 0)
			return &db->entries[i];
	return NULL;
}

/* Each profile of before either is in db as it was, or was replaced by added's of its id;
 * each of added's is in db; nothing else is. */
static void check_merge(const struct dg_headphone_db *db, const struct dg_headphone_db *before,
			const struct dg_headphone_db *added)
{
	size_t n = added->n;

	for (size_t i = 0; i < added->n; i++) {
		const struct dg_headphone_entry *e = by_id(db, added->entries[i].hp.id);

		CHECK(e != NULL && memcmp(e, &added->entries[i], sizeof(*e)) == 0);
	}
	for (size_t i = 0; i < before->n; i++) {
		const struct dg_headphone_entry *b = &before->entries[i], *e;

		if (by_id(added, b->hp.id) != NULL)
			continue;
		e = by_id(db, b->hp.id);
		CHECK(e != NULL && memcmp(e, b, sizeof(*b)) == 0);
		n++;
	}
	CHECK(db->n == n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dg_headphone_db alone, db, before;
	struct dg_headphone_entry *live;
	struct fuzz_diag c1, c2;
	char *buf = malloc(size ? size : 1);
	int res;

	CHECK(buf != NULL);
	memcpy(buf, data, size);

	/* the buffer alone */
	dg_headphone_db_init(&alone);
	res = add(&alone, buf, size, &c1);
	CHECK(res == 0 || (alone.n == 0 && alone.entries == NULL));
	for (size_t i = 0; i < alone.n; i++)
		check_entry(&alone, i);

	/* after a good file: read the same way, and all-or-nothing */
	dg_headphone_db_init(&db);
	CHECK(add(&db, base, sizeof(base) - 1, &c2) == 0 && db.n == 3);
	before = db;
	before.entries = malloc(db.n * sizeof(*db.entries));
	CHECK(before.entries != NULL);
	memcpy(before.entries, db.entries, db.n * sizeof(*db.entries));
	live = db.entries;

	CHECK(add(&db, buf, size, &c2) == res && strcmp(c1.first, c2.first) == 0);
	if (res != 0)
		CHECK(db.entries == live && db.n == before.n && db.alloc == before.alloc &&
		      memcmp(db.entries, before.entries, db.n * sizeof(*db.entries)) == 0);
	else
		check_merge(&db, &before, &alone);
	for (size_t i = 0; i < db.n; i++)
		check_entry(&db, i);

	free(before.entries);
	dg_headphone_db_free(&db);
	dg_headphone_db_free(&alone);
	free(buf);
	return 0;
}
