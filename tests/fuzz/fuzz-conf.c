/* SPDX-License-Identifier: MIT */
/* Fuzz target: every loader of lib/ fed the same bytes (systemd fuzzes each parser it
 * has). The input is copied to a buffer of its exact size, without a NUL after it, so
 * the sanitizers catch any read past the end. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "db.h"
#include "headphones.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void quiet(void *user, const struct dg_diag *d)
{
	(void)user;
	(void)d;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dg_errors errors = { .fn = quiet };
	struct dg_headphone_db hp;
	struct dg_config *cfg;
	struct dg_db db;
	char *buf;

	buf = malloc(size ? size : 1);
	cfg = malloc(sizeof(*cfg));
	if (!buf || !cfg)
		goto out;
	memcpy(buf, data, size);

	dg_headphone_db_init(&hp);
	dg_headphone_db_add_string(&hp, "fuzz", buf, size, &errors);
	dg_config_defaults(cfg);
	dg_config_load_string(cfg, "fuzz", buf, size, false, hp.n ? &hp : NULL, &errors);
	dg_config_find_device(cfg, 0x2972, 0x0047, "FiiO", "FiiO BTR5");
	dg_headphone_db_free(&hp);

	dg_db_init(&db);
	if (dg_db_add_string(&db, "fuzz", buf, size, &errors) == 0 && db.n > 0) {
		struct dg_dac dac;

		dg_db_entry_to_dac(&db.entries[0], &dac);
		dg_db_match(&db, db.entries[0].match.vid, db.entries[0].match.pid, NULL, NULL);
	}
	dg_db_free(&db);
out:
	free(buf);
	free(cfg);
	return 0;
}
