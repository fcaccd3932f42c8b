/* SPDX-License-Identifier: MIT */
/* dacguard: strict typed reading over spa/utils/json.h for the loaders. After
 * dg_json_start() (lib/json-syntax.h), these read keys, values and list elements in turn
 * and convert a value to a number, a string, an object or a list; each reports what is
 * wrong naming the key, and the first syntax error when the read reaches it. */
#pragma once

#include <stddef.h>

#include "json-ctx.h"
#include "json-syntax.h"

struct spa_json;

/* Next key of an object: 1 with key copied (unescaped) and *at set to its token, 0 at the
 * end of the object, negative on error (reported). The loaders stop at the first error of
 * a buffer. */
int dg_json_next_key(struct dg_json_ctx *ctx, struct spa_json *obj, const char *path,
		     char *key, size_t size, const char **at);
/* Next value after a key: sets *val and *len (> 0) or reports "missing value". */
int dg_json_next_value(struct dg_json_ctx *ctx, struct spa_json *it, const char *key,
		       const char *key_at, const char **val, int *len);
/* Next element of an array: 1, 0 at its end, negative on error. */
int dg_json_next_elem(struct dg_json_ctx *ctx, struct spa_json *arr, const char *path,
		      const char **val, int *len);

/* Typed conversions of a value token; each reports "expected a ..." naming the key. */
int dg_json_number(struct dg_json_ctx *ctx, const char *key, const char *val, int len, double min,
		   double max, double *out);
int dg_json_string(struct dg_json_ctx *ctx, const char *key, const char *val, int len, char *out,
		   size_t size);
/* Enters the object/array whose opening token is val (from the iterator it). */
int dg_json_enter_object(struct dg_json_ctx *ctx, struct spa_json *it, const char *key,
			 const char *val, int len, struct spa_json *sub);
int dg_json_enter_array(struct dg_json_ctx *ctx, struct spa_json *it, const char *key,
			const char *val, int len, struct spa_json *sub);

/* A buffer holding exactly one top-level key, given once, whose value is a list (the
 * device database's "devices", the headphone profiles' "headphones"): parse gets the
 * list's opening token and out. Returns 0 or the first error (reported). */
typedef int (*dg_json_list_fn)(struct dg_json_ctx *ctx, struct spa_json *top, const char *val,
			       int len, void *out);
int dg_json_parse_list_buffer(struct dg_json_ctx *ctx, const char *key, dg_json_list_fn parse,
			      void *out);
