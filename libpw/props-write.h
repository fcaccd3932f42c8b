/* SPDX-License-Identifier: MIT */
/* dacguard: a Props write to a guard as any client may send it (pw-cli set-param <id>
 * Props '{ params = [ "dacguard.ceiling-db" -20 ... ] }'), read whole and checked key
 * by key: a refused value changes nothing and the rest of the write stands; keys given
 * twice fold (the lower ceiling, the last of the others). What the write then leads to
 * is lib/policy's (dg_policy_guard_write). Client input: fuzzed (tests/fuzz/fuzz-props.c). */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "policy.h"

struct spa_pod;

/* What a "dacguard." key is to the guard. */
enum dg_props_key {
	DG_PROPS_KEY_UNKNOWN,
	DG_PROPS_KEY_READ_ONLY,
	DG_PROPS_KEY_WRITABLE,
};

struct dg_props_write_ops {
	enum dg_props_key (*classify)(void *data, const char *key);
	/* A value refused or a key ignored, and why ("refusing non-finite value"). */
	void (*warn)(void *data, const char *key, const char *why);
};

struct dg_props_write {
	struct dg_guard_write w;
	bool has_headphone;
	char headphone[DG_NAME_MAX];
};

/* Reads param (any pod; see dg_props_params_foreach) into out. Keys without the
 * "dacguard." prefix belong to the adapter's converter and are skipped. Returns the
 * number of params pairs the write held (0: nothing to apply). */
int dg_props_write_read(const struct spa_pod *param, const struct dg_props_write_ops *ops,
			void *data, struct dg_props_write *out);
