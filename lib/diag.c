/* SPDX-License-Identifier: MIT */
/* dacguard: the loaders' error sink and the one format of its messages (lib/diag.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "diag.h"

void dg_diag_format(const struct dg_diag *d, char *buf, size_t size)
{
	const char *sev = d->severity == DG_SEVERITY_WARNING ? "warning: " : "";
	const char *key = d->key ? d->key : "";

	if (d->line > 0)
		snprintf(buf, size, "%s:%d:%d: %s%s%s%s", d->file, d->line, d->col, sev, key,
			 *key ? ": " : "", d->msg);
	else
		snprintf(buf, size, "%s: %s%s%s%s", d->file, sev, key, *key ? ": " : "", d->msg);
}

void dg_diag_emit(struct dg_errors *errors, const struct dg_diag *d)
{
	char line[1024];

	if (errors) {
		if (d->severity == DG_SEVERITY_ERROR)
			errors->n_errors++;
		else
			errors->n_warnings++;
	}
	if (errors && errors->fn) {
		errors->fn(errors->user, d);
		return;
	}
	dg_diag_format(d, line, sizeof(line));
	fprintf(stderr, "%s\n", line);
}

int dg_diag_file_error(struct dg_errors *errors, const char *file, const char *fmt, ...)
{
	char msg[768];
	struct dg_diag d = {
		.severity = DG_SEVERITY_ERROR,
		.file = file ? file : "<string>",
		.key = "",
		.msg = msg,
	};
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	dg_diag_emit(errors, &d);
	return -EINVAL;
}
