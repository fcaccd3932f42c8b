/* SPDX-License-Identifier: MIT */
/* dacguardctl: a small streaming JSON writer for --json output. It places the commas,
 * escapes strings, prints numbers with enough digits to round-trip and NaN/inf as null,
 * so every subcommand prints valid JSON without thinking about it. */
#pragma once

#include <stdbool.h>
#include <stdio.h>

#define DG_JSON_MAX_DEPTH 32

struct dg_json_out {
	FILE *f;
	int depth;
	bool first[DG_JSON_MAX_DEPTH]; /* no element written yet at this depth */
	bool after_key;                /* a key was written, its value comes next */
	bool pretty;
};

void dg_json_out_init(struct dg_json_out *j, FILE *f, bool pretty);
void dg_json_out_begin_object(struct dg_json_out *j);
void dg_json_out_end_object(struct dg_json_out *j);
void dg_json_out_begin_array(struct dg_json_out *j);
void dg_json_out_end_array(struct dg_json_out *j);
/* Inside an object: the key of the next value. */
void dg_json_out_key(struct dg_json_out *j, const char *key);
void dg_json_out_string(struct dg_json_out *j, const char *s); /* NULL prints null */
void dg_json_out_number(struct dg_json_out *j, double v);      /* NaN/inf print null */
void dg_json_out_int(struct dg_json_out *j, long long v);
void dg_json_out_bool(struct dg_json_out *j, bool v);
void dg_json_out_null(struct dg_json_out *j);
/* Ends the document with a newline. */
void dg_json_out_finish(struct dg_json_out *j);
