/* SPDX-License-Identifier: MIT */
/* dacguardctl: streaming JSON writer. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "json-out.h"

void dg_json_out_init(struct dg_json_out *j, FILE *f, bool pretty)
{
	memset(j, 0, sizeof(*j));
	j->f = f;
	j->pretty = pretty;
	j->first[0] = true;
}

static void indent(struct dg_json_out *j)
{
	if (!j->pretty)
		return;
	fputc('\n', j->f);
	for (int i = 0; i < j->depth; i++)
		fputs("  ", j->f);
}

/* Separator before a value or a key. */
static void before(struct dg_json_out *j)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (!j->first[j->depth])
		fputc(',', j->f);
	j->first[j->depth] = false;
	if (j->depth > 0)
		indent(j);
}

static void open_container(struct dg_json_out *j, char c)
{
	before(j);
	fputc(c, j->f);
	if (j->depth < DG_JSON_MAX_DEPTH - 1)
		j->depth++;
	j->first[j->depth] = true;
}

static void close_container(struct dg_json_out *j, char c)
{
	bool empty = j->first[j->depth];

	if (j->depth > 0)
		j->depth--;
	if (!empty)
		indent(j);
	fputc(c, j->f);
}

void dg_json_out_begin_object(struct dg_json_out *j)
{
	open_container(j, '{');
}

void dg_json_out_end_object(struct dg_json_out *j)
{
	close_container(j, '}');
}

void dg_json_out_begin_array(struct dg_json_out *j)
{
	open_container(j, '[');
}

void dg_json_out_end_array(struct dg_json_out *j)
{
	close_container(j, ']');
}

static void put_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		}
	}
	fputc('"', f);
}

void dg_json_out_key(struct dg_json_out *j, const char *key)
{
	before(j);
	put_string(j->f, key);
	fputs(j->pretty ? ": " : ":", j->f);
	j->after_key = true;
}

void dg_json_out_string(struct dg_json_out *j, const char *s)
{
	if (!s) {
		dg_json_out_null(j);
		return;
	}
	before(j);
	put_string(j->f, s);
}

void dg_json_out_number(struct dg_json_out *j, double v)
{
	if (!isfinite(v)) {
		dg_json_out_null(j);
		return;
	}
	before(j);
	/* 17 significant digits round-trip any double; %.17g alone prints 0.1 as
	 * 0.10000000000000001, so try the shortest that reads back equal first. */
	for (int prec = 6; prec <= 17; prec++) {
		char buf[32];
		double back;

		snprintf(buf, sizeof(buf), "%.*g", prec, v);
		if (sscanf(buf, "%lf", &back) == 1 && back == v) {
			fputs(buf, j->f);
			return;
		}
	}
	fprintf(j->f, "%.17g", v);
}

void dg_json_out_int(struct dg_json_out *j, long long v)
{
	before(j);
	fprintf(j->f, "%lld", v);
}

void dg_json_out_bool(struct dg_json_out *j, bool v)
{
	before(j);
	fputs(v ? "true" : "false", j->f);
}

void dg_json_out_null(struct dg_json_out *j)
{
	before(j);
	fputs("null", j->f);
}

void dg_json_out_finish(struct dg_json_out *j)
{
	fputc('\n', j->f);
	fflush(j->f);
}
