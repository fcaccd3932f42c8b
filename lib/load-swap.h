/* SPDX-License-Identifier: MIT */
/* dacguard: the loaders' all-or-nothing rule in one place. A load fills a working copy;
 * the live state is replaced only when the whole load succeeded, so bad input never takes
 * away the last good state and never leaves it half-changed. */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "json-read.h"
#include "paths.h"

/* How a kind of loaded state is made, copied and released. */
struct dg_state_type {
	size_t size;
	void (*init)(void *state);
	/* Adds what src holds to dst; NULL: a plain struct copy is the copy. */
	int (*merge)(void *dst, const void *src);
	/* NULL: the state owns no memory. */
	void (*release)(void *state);
};

/* The dg_state_type `name` of a state struct T { E *entries; size_t n; size_t alloc; } with
 * its own init_fn(T *) and free_fn(T *), and name##_push(T *, const E *), which appends an
 * entry or, where same_fn(const E *, const E *) finds an equal one, replaces that. */
#define DG_ENTRY_ARRAY_STATE(name, T, init_fn, free_fn, same_fn)                              \
	static int name##_push(T *s, const void *e)                                           \
	{                                                                                     \
		bool (*same)(const void *, const void *) = same_fn;                           \
		size_t i = same ? 0 : s->n;                                                   \
		while (i < s->n && !same(&s->entries[i], e))                                  \
			i++;                                                                  \
		if (i == s->n && s->n == s->alloc) {                                          \
			size_t alloc = s->alloc ? s->alloc * 2 : 16;                          \
			void *grown = realloc(s->entries, alloc * sizeof(*s->entries));       \
			if (!grown)                                                           \
				return -ENOMEM;                                               \
			s->entries = grown;                                                   \
			s->alloc = alloc;                                                     \
		}                                                                             \
		memcpy(&s->entries[i], e, sizeof(*s->entries));                               \
		if (i == s->n)                                                                \
			s->n++;                                                               \
		return 0;                                                                     \
	}                                                                                     \
	static void name##_init(void *s)                                                      \
	{                                                                                     \
		init_fn(s);                                                                   \
	}                                                                                     \
	static void name##_release(void *s)                                                   \
	{                                                                                     \
		free_fn(s);                                                                   \
	}                                                                                     \
	static int name##_merge(void *dst, const void *src)                                   \
	{                                                                                     \
		const T *add = src;                                                           \
		int res = 0;                                                                  \
		for (size_t i = 0; i < add->n && res == 0; i++)                               \
			res = name##_push(dst, &add->entries[i]);                             \
		return res;                                                                   \
	}                                                                                     \
	static const struct dg_state_type name = {                                            \
		.size = sizeof(T),                                                            \
		.init = name##_init,                                                          \
		.merge = name##_merge,                                                        \
		.release = name##_release,                                                    \
	}

/* Fills work; returns 0 or a negative errno (reported by the fill itself). */
typedef int (*dg_fill_fn)(void *work, void *arg);

/* Runs fill on a fresh state (from_live false) or on a copy of *live, and moves the result
 * into *live only when fill returned 0. Returns what fill returned, or -ENOMEM. */
int dg_state_replace(const struct dg_state_type *type, void *live, bool from_live,
		     dg_fill_fn fill, void *arg);

/* A state read from files holding one list under one top-level key (the device database's
 * "devices", the headphone profiles' "headphones"). */
struct dg_list_loader {
	const struct dg_state_type *type;
	const char *key;
	dg_json_list_fn parse;   /* appends a buffer's entries to a fresh state */
};

/* Adds one buffer to *live. */
int dg_list_add_string(const struct dg_list_loader *l, void *live, const char *name,
		       const char *data, size_t len, struct dg_errors *errors);
/* Replaces *live by what the files hold, read in the order given; every file is read, so
 * one run reports the errors of all of them. Returns 0, -ENOMEM or -EINVAL. */
int dg_list_load_files(const struct dg_list_loader *l, void *live, char *const *files,
		       size_t n_files, struct dg_errors *errors);
/* Same for the files named <dir>/<sub>/NAME.conf across paths (dg_collect_files()). */
int dg_list_load(const struct dg_list_loader *l, void *live, const struct dg_paths *paths,
		 const char *sub, struct dg_errors *errors);
