/* SPDX-License-Identifier: MIT */
/* dacguard: one buffer under parse by a loader, and the errors placed in it. The context
 * knows the file's name and text, so a report at a pointer into the text becomes
 * "file:line:col: key: message" in the loader's sink; it also carries what the syntax
 * check (lib/json-syntax.h) found for the readers (lib/json-read.h). */
#pragma once

#include <stddef.h>

#include "diag.h"

struct dg_json_ctx {
	const char *file;
	const char *data;        /* buffer start: line/column are counted from here */
	size_t len;
	struct dg_errors *errors;
	unsigned n_errors;       /* errors in this buffer */
	/* Set by dg_json_start(): */
	const char *stop;        /* no token is read at or after this: the first syntax error */
	const char *syntax_at;   /* where that error is reported; NULL when there is none */
	char syntax_msg[128];
	const char *closed;      /* the bracket that ended the container read last */
};

/* line/column of p inside ctx's buffer. */
void dg_json_position(const struct dg_json_ctx *ctx, const char *p, int *line, int *col);
/* Reports at p; returns -EINVAL. */
int dg_json_error(struct dg_json_ctx *ctx, const char *p, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void dg_json_warning(struct dg_json_ctx *ctx, const char *p, const char *key, const char *fmt,
		     ...) __attribute__((format(printf, 4, 5)));

/* Builds a key path for messages ("devices[2].outputs[0]"); truncation is harmless. */
void dg_json_path(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* A token as a message quotes it: at most 40 bytes, "..." after a cut, control bytes as '?'. */
const char *dg_json_show(const char *val, int len, char *buf, size_t size);
