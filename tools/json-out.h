/* SPDX-License-Identifier: MIT */
/* dacguardctl: a small streaming JSON writer for --json output. It places the commas,
 * escapes strings, prints numbers with enough digits to round-trip and NaN/inf as null,
 * so every subcommand prints valid JSON without thinking about it.
 *
 * Every writer takes the key of the value: a member of an object is one call, and the
 * key is NULL for an element of an array or the document itself. */
#pragma once

#include <stdbool.h>
#include <stdio.h>

#define DG_JSON_MAX_DEPTH 32

struct dg_json_out {
	FILE *f;
	int depth;
	bool first[DG_JSON_MAX_DEPTH]; /* no element written yet at this depth */
	char close[DG_JSON_MAX_DEPTH]; /* what ends the container open at this depth */
	bool pretty;
};

void dg_json_out_init(struct dg_json_out *j, FILE *f, bool pretty);
void dg_json_out_object(struct dg_json_out *j, const char *key);
void dg_json_out_array(struct dg_json_out *j, const char *key);
/* Ends the innermost object or array. */
void dg_json_out_end(struct dg_json_out *j);
void dg_json_out_string(struct dg_json_out *j, const char *key, const char *s); /* NULL: null */
void dg_json_out_number(struct dg_json_out *j, const char *key, double v); /* NaN/inf: null */
void dg_json_out_int(struct dg_json_out *j, const char *key, long long v);
void dg_json_out_bool(struct dg_json_out *j, const char *key, bool v);
void dg_json_out_null(struct dg_json_out *j, const char *key);
/* Ends the document with a newline. */
void dg_json_out_finish(struct dg_json_out *j);
