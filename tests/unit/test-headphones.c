/* SPDX-License-Identifier: MIT */
/* Headphone profiles: the sensitivity syntax, exact values, lookup, replacement by id.
 * Bad files are in the tests/data/conf corpus (test-conf runs it). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "headphones.h"
#include "tests/dg-test.h"

#define CORPUS DG_TEST_DATA_DIR "/conf"

static void test_sensitivity(void)
{
	static const char *const bad[] = {
		"", "97", "dB/V", "97dB", "97 dB SPL/V", "97dBV", "97dB/V ", " 97dB/V", "97  dB/V",
		"nan dB/V", "infdB/V", "1e2dB/V", "0x60dB/V", "97dB/mV", "97dB/W", "300dB/V",
		"-5dB/V", "9.7.1dB/V", "97dB/V/mW",
	};
	struct dg_headphone hp = { 0 };

	DG_CHECK_INT(dg_parse_sensitivity("97dB/V", &hp), 0);
	DG_CHECK_NEAR(hp.sensitivity_db, 97.0, 0.0);
	DG_CHECK(hp.sensitivity_per_volt);
	DG_CHECK_INT(dg_parse_sensitivity("94dB/mW", &hp), 0);
	DG_CHECK_NEAR(hp.sensitivity_db, 94.0, 0.0);
	DG_CHECK(!hp.sensitivity_per_volt);
	DG_CHECK_INT(dg_parse_sensitivity("108 dB/V", &hp), 0);
	DG_CHECK_NEAR(hp.sensitivity_db, 108.0, 0.0);
	DG_CHECK_INT(dg_parse_sensitivity("103.69DB/MW", &hp), 0);
	DG_CHECK_NEAR(hp.sensitivity_db, 103.69, 1e-12);
	DG_CHECK(!hp.sensitivity_per_volt);
	DG_CHECK_INT(dg_parse_sensitivity(NULL, &hp), -EINVAL);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int res = dg_parse_sensitivity(bad[i], &hp);

		if (res != -EINVAL)
			fprintf(stderr, "accepted \"%s\"\n", bad[i]);
		DG_CHECK_INT(res, -EINVAL);
	}
	/* A rejected string leaves the figures alone. */
	DG_CHECK_NEAR(hp.sensitivity_db, 103.69, 1e-12);
}

static void test_profiles(void)
{
	struct dg_headphone_db db;
	const struct dg_headphone_entry *e;
	const char *replace = "headphones = [ { id = \"moondrop-aria\" name = \"Aria 2\" "
			      "impedance-ohm = 33 sensitivity = \"121dB/V\" source = \"m\" "
			      "confidence = measured } ]";
	char *const files[] = { CORPUS "/good-headphones.conf" };

	dg_headphone_db_init(&db);
	DG_CHECK_INT(dg_headphone_db_load_files(&db, files, 1, NULL), 0);
	DG_CHECK_INT(db.n, 3);
	e = dg_headphone_db_find_entry(&db, "sennheiser-hd600");
	DG_CHECK(e != NULL);
	if (e) {
		DG_CHECK_STR(e->hp.name, "Sennheiser HD 600");
		DG_CHECK_STR(e->type, "over-ear open dynamic");
		DG_CHECK_NEAR(e->hp.impedance_ohm, 300.0, 0.0);
		DG_CHECK_NEAR(e->hp.sensitivity_db, 97.0, 0.0);
		DG_CHECK(e->hp.sensitivity_per_volt);
		DG_CHECK_INT(e->confidence, DG_CONFIDENCE_MEDIUM);
		DG_CHECK_STR(e->source, "test");
		DG_CHECK_STR(e->note, "unit conflicts between sources");
	}
	DG_CHECK(dg_headphone_db_find(&db, "sennheiser hd 600") == &e->hp);
	DG_CHECK(dg_headphone_db_find(&db, "Sennheiser-HD600") == NULL);
	DG_CHECK(dg_headphone_db_find(&db, "nothing") == NULL);
	e = dg_headphone_db_find_entry(&db, "generic-iem-sensitive");
	DG_CHECK(e && !e->hp.sensitivity_per_volt && e->hp.sensitivity_db == 125.0);
	DG_CHECK(e && e->confidence == DG_CONFIDENCE_LOW);

	/* A later file replaces a profile of the same id. */
	DG_CHECK_INT(dg_headphone_db_add_string(&db, "r", replace, strlen(replace), NULL), 0);
	DG_CHECK_INT(db.n, 3);
	e = dg_headphone_db_find_entry(&db, "moondrop-aria");
	DG_CHECK(e && strcmp(e->hp.name, "Aria 2") == 0 && e->confidence == DG_CONFIDENCE_MEASURED);
	/* A bad buffer changes nothing. */
	DG_CHECK_INT(dg_headphone_db_add_string(&db, "b", "headphones = [ 1 ]", 18, NULL), -EINVAL);
	DG_CHECK_INT(db.n, 3);
	dg_headphone_db_free(&db);
}

int main(void)
{
	test_sensitivity();
	test_profiles();
	return dg_test_done("test-headphones");
}
