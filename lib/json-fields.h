/* SPDX-License-Identifier: MIT */
/* dacguard: an object read key by key against a table of the keys it may hold. Every
 * loader's objects share one walk: a key not in the table, a key given twice and a key
 * that is missing are reported the same way everywhere, naming the key's path. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "json-read.h"

/* The value of one key, as a field's reader gets it. */
struct dg_json_value {
	struct dg_json_ctx *ctx;
	struct spa_json *obj;    /* the object being read: a nested value is entered from it */
	const char *key;         /* the key's path, as messages name it */
	const char *val;
	int len;
};

enum dg_json_kind {
	DG_JSON_CUSTOM = 0,      /* read() does it all */
	DG_JSON_NUMBER,          /* a double at offset, within min .. max */
	DG_JSON_STRING,          /* a char[size] at offset */
	DG_JSON_BOOL,            /* a bool at offset: a bare true or false */
	DG_JSON_LIST,            /* list's elements into the record at offset */
};

struct dg_json_list;

/* dst: the record plus the field's offset; aux: what the caller passed along. */
typedef int (*dg_json_read_fn)(const struct dg_json_value *v, void *dst, void *aux);

struct dg_json_field {
	const char *name;        /* NULL ends the table */
	enum dg_json_kind kind;
	size_t offset;
	size_t size;             /* DG_JSON_STRING */
	double min, max;         /* DG_JSON_NUMBER */
	const char *empty;       /* DG_JSON_STRING: the error for "", NULL when "" is fine */
	dg_json_read_fn check;   /* typed kinds: a check after the read, may be NULL */
	dg_json_read_fn read;    /* DG_JSON_CUSTOM */
	const struct dg_json_list *list; /* DG_JSON_LIST */
	const char *missing;     /* the error when the key is absent; NULL: optional */
};

struct dg_json_object {
	const struct dg_json_field *fields; /* at most 32 */
	size_t key_size;         /* a key of this many bytes or more is "too long" (<= 64) */
	const char *unknown;     /* the error for a key not in fields */
	bool repeat;             /* a key may come again, the last one wins (else "given twice") */
};

/* Reads the keys of obj, which is entered already, to its end. path names obj ("" at the top
 * level, where a key's path is the key). *seen gets bit i for fields[i]. Returns 0 or the
 * first error (reported). */
int dg_json_read_fields(struct dg_json_ctx *ctx, struct spa_json *obj, const char *path,
			const struct dg_json_object *o, void *record, void *aux, unsigned *seen);
/* Enters the object val (the value of path, from it), reads its keys and reports the first
 * missing one at val. */
int dg_json_read_object(struct dg_json_ctx *ctx, struct spa_json *it, const char *path,
			const char *val, int len, const struct dg_json_object *o, void *record,
			void *aux, unsigned *seen);

/* A list whose elements go into at most max slots of a record, counted in a size_t of it. */
struct dg_json_list {
	const char *what;        /* "ratings": "more than 8 ratings" */
	size_t max;
	size_t count;            /* the offset of the count in the record */
	bool replace;            /* a list given again replaces the earlier one (else appends) */
	bool count_at_elem;      /* "more than" names the element's path rather than the list's */
	const char *empty;       /* the error for [], NULL when [] is fine */
	/* An element is an object read against object into the record's array at offset array
	 * (stride bytes apart, each zeroed first), or else handed to read: elem->key is its path
	 * ("key[i]"), elem->obj the list. */
	const struct dg_json_object *object;
	size_t array, stride;
	int (*read)(const struct dg_json_value *elem, size_t i, void *record, void *aux);
};

/* A bare true or false, nothing else (no "true", no 1). */
int dg_json_bool(struct dg_json_ctx *ctx, const char *key, const char *val, int len, bool *out);
