/* SPDX-License-Identifier: MIT */
/* dacguard: where the loaders' errors and warnings go. A diagnostic names the file, the
 * line and column, the key and the message; a sink counts them and hands each to a
 * callback, or prints it to stderr as "file:line:col: key: message". */
#pragma once

#include <stddef.h>

enum dg_severity {
	DG_SEVERITY_ERROR = 0,
	DG_SEVERITY_WARNING,
};

struct dg_diag {
	enum dg_severity severity;
	const char *file;   /* as given to the loader; "<string>" for buffers without a name */
	int line;           /* 1-based; 0 when the problem is not at a place in the file */
	int col;            /* 1-based byte column */
	const char *key;    /* dotted path of the key, e.g. "devices[2].outputs[0].vout-vrms"; may be "" */
	const char *msg;
};

typedef void (*dg_diag_fn)(void *user, const struct dg_diag *d);

/* Where loaders report. A NULL sink, or one without fn, prints to stderr as
 * "file:line:col: key: message" (warnings with "warning: " after the place). */
struct dg_errors {
	dg_diag_fn fn;
	void *user;
	unsigned n_errors;
	unsigned n_warnings;
};

/* Formats a diagnostic the way the default sink prints it (no newline). */
void dg_diag_format(const struct dg_diag *d, char *buf, size_t size);

/* Counts d in errors (which may be NULL) and hands it on or prints it. */
void dg_diag_emit(struct dg_errors *errors, const struct dg_diag *d);

/* An error about a file as a whole (it cannot be read): no line, no key. Returns -EINVAL. */
int dg_diag_file_error(struct dg_errors *errors, const char *file, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
