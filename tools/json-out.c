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

static void put_string(FILE *f, const char *s)
{
	/* the characters JSON escapes by a letter; the other controls as \u00XX */
	static const char by_letter[128] = {
		['"'] = '"', ['\\'] = '\\', ['\n'] = 'n', ['\r'] = 'r', ['\t'] = 't',
	};

	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *) s; *p; p++) {
		if (*p < 128 && by_letter[*p])
			fprintf(f, "\\%c", by_letter[*p]);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

/* Separator before a value, and its key inside an object. */
static void before(struct dg_json_out *j, const char *key)
{
	if (!j->first[j->depth])
		fputc(',', j->f);
	j->first[j->depth] = false;
	if (j->depth > 0)
		indent(j);
	if (key) {
		put_string(j->f, key);
		fputs(j->pretty ? ": " : ":", j->f);
	}
}

static void open_container(struct dg_json_out *j, const char *key, char open, char close)
{
	before(j, key);
	fputc(open, j->f);
	if (j->depth < DG_JSON_MAX_DEPTH - 1)
		j->depth++;
	j->first[j->depth] = true;
	j->close[j->depth] = close;
}

void dg_json_out_object(struct dg_json_out *j, const char *key)
{
	open_container(j, key, '{', '}');
}

void dg_json_out_array(struct dg_json_out *j, const char *key)
{
	open_container(j, key, '[', ']');
}

void dg_json_out_end(struct dg_json_out *j)
{
	bool empty = j->first[j->depth];
	char close = j->close[j->depth];

	if (j->depth == 0)
		return;
	j->depth--;
	if (!empty)
		indent(j);
	fputc(close, j->f);
}

void dg_json_out_string(struct dg_json_out *j, const char *key, const char *s)
{
	if (!s) {
		dg_json_out_null(j, key);
		return;
	}
	before(j, key);
	put_string(j->f, s);
}

void dg_json_out_number(struct dg_json_out *j, const char *key, double v)
{
	if (!isfinite(v)) {
		dg_json_out_null(j, key);
		return;
	}
	before(j, key);
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

void dg_json_out_int(struct dg_json_out *j, const char *key, long long v)
{
	before(j, key);
	fprintf(j->f, "%lld", v);
}

void dg_json_out_bool(struct dg_json_out *j, const char *key, bool v)
{
	before(j, key);
	fputs(v ? "true" : "false", j->f);
}

void dg_json_out_null(struct dg_json_out *j, const char *key)
{
	before(j, key);
	fputs("null", j->f);
}

void dg_json_out_finish(struct dg_json_out *j)
{
	fputc('\n', j->f);
	fflush(j->f);
}
