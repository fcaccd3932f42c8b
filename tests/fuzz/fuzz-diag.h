/* SPDX-License-Identifier: MIT */
/* For the loaders' fuzz targets: a diagnostic sink that checks what every loader promises
 * of its errors (lib/diag.h): each names the file it was given, a line and a column that
 * are a place in the buffer, a key (maybe "") and a message; a buffer stops at its first
 * error. Any breach aborts. */
#pragma once

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"

struct fuzz_diag {
	const char *file;        /* the name the loader was given */
	const char *data;        /* the buffer it read */
	size_t len;
	unsigned n_errors;
	char first[1024];        /* the first error as printed */
};

/* Whether line:col (1-based) is a place in the buffer: the line exists and the column is
 * at most one past its last byte. */
static inline int fuzz_diag_in_buffer(const char *data, size_t len, int line, int col)
{
	size_t i = 0, bol;

	for (int l = 1; l < line; l++) {
		const char *nl = memchr(data + i, '\n', len - i);

		if (!nl)
			return 0;
		i = (size_t)(nl - data) + 1;
	}
	bol = i;
	while (i < len && data[i] != '\n')
		i++;
	return (size_t)col - 1 <= i - bol;
}

static inline void fuzz_diag_check(void *user, const struct dg_diag *d)
{
	struct fuzz_diag *c = user;

	if (d->file == NULL || strcmp(d->file, c->file) != 0 || d->key == NULL ||
	    d->msg == NULL || d->msg[0] == '\0' || d->line < 1 || d->col < 1 ||
	    !fuzz_diag_in_buffer(c->data, c->len, d->line, d->col)) {
		fprintf(stderr, "bad diagnostic: %s:%d:%d: %s: %s\n", d->file ? d->file : "(null)",
			d->line, d->col, d->key ? d->key : "(null)", d->msg ? d->msg : "(null)");
		abort();
	}
	if (d->severity != DG_SEVERITY_ERROR)
		return;
	if (c->n_errors++ == 0)
		dg_diag_format(d, c->first, sizeof(c->first));
}

/* A load returned res with c's diagnostics: accepted without an error, or refused with
 * -EINVAL and exactly one error (the loaders stop at the first, lib/json-read.h). */
static inline void fuzz_diag_check_result(const struct fuzz_diag *c, const struct dg_errors *e,
					  int res)
{
	if (e->n_errors != c->n_errors || (res == 0) != (c->n_errors == 0) ||
	    (res != 0 && (res != -EINVAL || c->n_errors != 1))) {
		fprintf(stderr, "load returned %d with %u errors (first: %s)\n", res, c->n_errors,
			c->first);
		abort();
	}
}
