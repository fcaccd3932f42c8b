/* SPDX-License-Identifier: MIT */
/* libFuzzer target: a Props write as the module receives it from any client, the POD
 * that pw-cli set-param sends (libpw/props-write.c), and what lib/policy makes of it. The
 * input is the POD as protocol-native hands it over: its size fits the message, its
 * insides are the client's. What must hold for every input: nothing is read outside the
 * pod, every refusal names its key, and no write takes the guard above its hard ceiling
 * or above the table's ceiling for the output in force. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <spa/pod/pod.h>

#include "props-write.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static enum dg_props_key classify(void *data, const char *key)
{
	/* the module's surface: five writable keys, a read-only one, the rest unknown */
	if (strcmp(key, "dacguard.hard-ceiling-db") == 0)
		return DG_PROPS_KEY_READ_ONLY;
	if (strcmp(key, "dacguard.ceiling-db") == 0 || strcmp(key, "dacguard.output") == 0 ||
	    strcmp(key, "dacguard.mode") == 0 || strcmp(key, "dacguard.headphone") == 0 ||
	    strcmp(key, "dacguard.output-ceilings") == 0)
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
	struct dg_guard_state cur = {.ceiling_db = -30.0, .hard_ceiling_db = -6.0,
				     .output = "unknown"};
	struct dg_guard_state next;
	struct dg_props_write pw;
	unsigned why;
	double t;

	if (size < sizeof(struct spa_pod) || size > sizeof(buf))
		return 0;
	memcpy(buf, data, size);
	if (SPA_POD_SIZE(pod) > size)
		return 0;
	dg_props_write_read(pod, &ops, NULL, &pw);
	if (pw.w.has_ceiling && !isfinite(pw.w.ceiling_db))
		abort(); /* refused before the policy sees it */
	dg_policy_guard_write(&cur, &pw.w, &next, &why);
	if (!(next.ceiling_db <= cur.hard_ceiling_db))
		abort();
	t = dg_policy_select(&next.table, next.output, next.mode, NULL);
	if (next.table.n > 0 && !(next.ceiling_db <= t || next.ceiling_db <= -120.0))
		abort();
	return 0;
}
