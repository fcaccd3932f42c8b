/* SPDX-License-Identifier: MIT */
/* dacguard: a buffer under parse and the errors placed in it (lib/json-ctx.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "json-ctx.h"

void dg_json_position(const struct dg_json_ctx *ctx, const char *p, int *line, int *col)
{
	const char *s = ctx->data, *end;
	int l = 1, c = 1;

	if (!p || p < ctx->data)
		p = ctx->data;
	end = p > ctx->data + ctx->len ? ctx->data + ctx->len : p;
	for (; s < end; s++) {
		if (*s == '\n') {
			l++;
			c = 1;
		} else {
			c++;
		}
	}
	*line = l;
	*col = c;
}

__attribute__((format(printf, 5, 0))) static void
vreport(struct dg_json_ctx *ctx, enum dg_severity sev, const char *p, const char *key,
	const char *fmt, va_list ap)
{
	char msg[768];
	struct dg_diag d = {
		.severity = sev,
		.file = ctx->file ? ctx->file : "<string>",
		.key = key,
		.msg = msg,
	};

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (p)
		dg_json_position(ctx, p, &d.line, &d.col);
	if (sev == DG_SEVERITY_ERROR)
		ctx->n_errors++;
	dg_diag_emit(ctx->errors, &d);
}

int dg_json_error(struct dg_json_ctx *ctx, const char *p, const char *key, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(ctx, DG_SEVERITY_ERROR, p, key, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

void dg_json_warning(struct dg_json_ctx *ctx, const char *p, const char *key, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(ctx, DG_SEVERITY_WARNING, p, key, fmt, ap);
	va_end(ap);
}

void dg_json_path(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, size, fmt, ap);
	va_end(ap);
}

const char *dg_json_show(const char *val, int len, char *buf, size_t size)
{
	int n = len > 40 ? 40 : len;

	snprintf(buf, size, "%.*s%s", n, val, len > n ? "..." : "");
	for (char *p = buf; *p; p++)
		if ((unsigned char)*p < 0x20)
			*p = '?';
	return buf;
}
