/* SPDX-License-Identifier: MIT */
/* libFuzzer target: a Props write as the module receives it from any client, the POD
 * that pw-cli set-param sends (libpw/props-write.c), and what lib/policy makes of it. The
 * input is the POD as protocol-native hands it over: its size fits the message, its
 * insides are the client's. What must hold for every input: nothing is read outside the
 * pod, every refusal names its key, and no write takes the guard above its hard limit
 * (the hard ceiling, and the hard table for the output in force), raises the hard table
 * for any output, or goes above the table's ceiling for the output in force or for the
 * output the hardware reports. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <spa/pod/pod.h>

#include "props-write.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static enum dg_props_key classify(void *data, const char *key)
{
	/* the module's surface: seven writable keys, a read-only one, the rest unknown */
	if (strcmp(key, "dacguard.hard-ceiling-db") == 0)
		return DG_PROPS_KEY_READ_ONLY;
	if (strcmp(key, "dacguard.ceiling-db") == 0 || strcmp(key, "dacguard.output") == 0 ||
	    strcmp(key, "dacguard.mode") == 0 || strcmp(key, "dacguard.headphone") == 0 ||
	    strcmp(key, "dacguard.output-ceilings") == 0 ||
	    strcmp(key, "dacguard.hard-ceilings") == 0 ||
	    strcmp(key, "dacguard.output-reported") == 0)
		return DG_PROPS_KEY_WRITABLE;
	return DG_PROPS_KEY_UNKNOWN;
}

static void warn(void *data, const char *key, const char *why)
{
	if (key == NULL || why == NULL || why[0] == '\0')
		abort();
}

static const struct dg_props_write_ops ops = {.classify = classify, .warn = warn};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint64_t buf[8192]; /* PODs are 8-byte aligned on the wire */
	const struct spa_pod *pod = (const struct spa_pod *) buf;
	static const char *const ids[] = {"se-3.5", "se-6.35", "bal-2.5", "bal-4.4", "line-xlr"};
	/* consistent: the ceiling in force is the table's for an unknown output */
	struct dg_guard_state cur = {.ceiling_db = -41.0, .hard_ceiling_db = -6.0,
				     .output = "unknown"};
	struct dg_guard_state next;
	struct dg_props_write pw;
	unsigned why;
	double t;

	/* a guard with hard limits per output, after the daemon's first write */
	dg_ceiling_table_set(&cur.hard_table, "se-3.5", -20.0);
	dg_ceiling_table_set(&cur.hard_table, "bal-4.4", -26.0);
	dg_ceiling_table_set(&cur.table, "se-3.5", -35.0);
	dg_ceiling_table_set(&cur.table, "bal-4.4", -41.0);

	if (size < sizeof(struct spa_pod) || size > sizeof(buf))
		return 0;
	memcpy(buf, data, size);
	if (SPA_POD_SIZE(pod) > size)
		return 0;
	dg_props_write_read(pod, &ops, NULL, &pw);
	if (pw.w.has_ceiling && !isfinite(pw.w.ceiling_db))
		abort(); /* refused before the policy sees it */
	dg_policy_guard_write(&cur, &pw.w, &next, &why);
	if (!(next.ceiling_db <= cur.hard_ceiling_db) ||
	    !(next.ceiling_db <= dg_policy_hard_for(&next)))
		abort();
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		enum dg_mode m = dg_policy_mode_of(ids[i]);

		if (!(dg_policy_select(&next.hard_table, ids[i], m, NULL) <=
		      dg_policy_select(&cur.hard_table, ids[i], m, NULL)))
			abort(); /* a write raised a hard limit */
	}
	t = dg_policy_select(&next.table, next.output, next.mode, NULL);
	if (next.table.n > 0 && !(next.ceiling_db <= t || next.ceiling_db <= -120.0))
		abort();
	if (next.table.n > 0 && next.reported[0] &&
	    !(next.ceiling_db <= dg_policy_select(&next.table, next.reported,
						  dg_policy_mode_of(next.reported), NULL) ||
	      next.ceiling_db <= -120.0))
		abort();
	return 0;
}
