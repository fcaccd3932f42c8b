/* SPDX-License-Identifier: MIT */
/* dacguard: the syntax check that runs before spa_json reads a buffer (lib/json-syntax.h).
 * The whole buffer is checked here: libspa's tokenizer rejects bad text at different points
 * in different versions (0.3.65 lets most of it through, 1.4 stops at the first bad byte),
 * so every syntax error is found, placed and worded by dacguard (doc/formats.md, "Syntax
 * and errors"). spa_json then only reads the text before the first error, where all
 * versions agree. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <spa/utils/json.h>

#include "json-syntax.h"

#define DG_JSON_MAX_DEPTH 32

static bool is_bare_char(unsigned char c)
{
	return isalnum(c) || (c != '\0' && strchr("._-+*/@", c) != NULL);
}

static bool is_printable(unsigned char c)
{
	return c > 0x20 && c < 0x7f;
}

/* Records the first error: no token is read from stop on, the error is reported at at. */
__attribute__((format(printf, 4, 5))) static bool
syntax_error(struct dg_json_ctx *ctx, const char *stop, const char *at, const char *fmt, ...)
{
	va_list ap;

	ctx->stop = stop;
	ctx->syntax_at = at;
	va_start(ap, fmt);
	vsnprintf(ctx->syntax_msg, sizeof(ctx->syntax_msg), fmt, ap);
	va_end(ap);
	return false;
}

/* Length of the well-formed UTF-8 sequence at s (RFC 3629: no overlong form, no
 * surrogate, nothing above U+10FFFF), or 0. */
static int utf8_length(const char *s, const char *end)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned char lo = 0x80, hi = 0xbf;
	int n;

	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4;
	else
		return 0;
	if (p[0] == 0xe0)
		lo = 0xa0;
	else if (p[0] == 0xed)
		hi = 0x9f;
	else if (p[0] == 0xf0)
		lo = 0x90;
	else if (p[0] == 0xf4)
		hi = 0x8f;
	if (end - s < n || p[1] < lo || p[1] > hi)
		return 0;
	for (int i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return n;
}

bool dg_json_u_hex(const char *p, const char *end, uint32_t *cp)
{
	return end - p >= 4 && spa_json_parse_hex(p, 4, cp) > 0;
}

/* The escape at p (a backslash) inside the string opened at q: its length, 0 when the line
 * or the buffer ends first, or -1 (error recorded). */
static int check_escape(struct dg_json_ctx *ctx, const char *q, const char *p, const char *end)
{
	uint32_t cp, lo;

	if (end - p < 2 || p[1] == '\n' || p[1] == '\r')
		return 0;
	if (p[1] != '\0' && strchr("\"\\/bfnrt", p[1]))
		return 2;
	if (p[1] != 'u') {
		if (is_printable((unsigned char)p[1]))
			syntax_error(ctx, q, p, "invalid escape '\\%c'", p[1]);
		else
			syntax_error(ctx, q, p, "invalid escape: byte 0x%02x after '\\'",
				     (unsigned char)p[1]);
		return -1;
	}
	if (!dg_json_u_hex(p + 2, end, &cp)) {
		syntax_error(ctx, q, p, "invalid \\u escape (\\u and 4 hex digits)");
		return -1;
	}
	if (cp == 0) {
		syntax_error(ctx, q, p, "\\u0000 (NUL) in string");
		return -1;
	}
	if (cp >= 0xdc00 && cp <= 0xdfff) {
		syntax_error(ctx, q, p, "unpaired surrogate \\u%04x", cp);
		return -1;
	}
	if (cp < 0xd800 || cp > 0xdbff)
		return 6;
	if (end - p < 12 || p[6] != '\\' || p[7] != 'u' || !dg_json_u_hex(p + 8, end, &lo) ||
	    lo < 0xdc00 || lo > 0xdfff) {
		syntax_error(ctx, q, p, "unpaired surrogate \\u%04x", cp);
		return -1;
	}
	return 12;
}

/* The string whose opening quote is q: *after is set past its closing quote. */
static bool scan_string(struct dg_json_ctx *ctx, const char *q, const char *end, const char **after)
{
	const char *p = q + 1;
	unsigned char c;
	int n;

	while (p < end && *p != '"' && *p != '\n' && *p != '\r') {
		c = (unsigned char)*p;
		if (c == '\\') {
			if ((n = check_escape(ctx, q, p, end)) < 0)
				return false;
			if (n == 0)
				break;
			p += n;
		} else if (c == '\0') {
			return syntax_error(ctx, q, p, "NUL byte in file");
		} else if (c < 0x20 || c == 0x7f) {
			return syntax_error(ctx, q, p,
					    "control character 0x%02x in string (write it as an escape)",
					    c);
		} else if (c >= 0x80) {
			if ((n = utf8_length(p, end)) == 0)
				return syntax_error(ctx, q, p, "invalid UTF-8 in string");
			p += n;
		} else {
			p++;
		}
	}
	if (p >= end || *p != '"')
		return syntax_error(ctx, q, q, "unterminated string");
	p++;
	if (p < end && !dg_json_ends_token((unsigned char)*p) && *p != '#') {
		c = (unsigned char)*p;
		if (is_printable(c))
			return syntax_error(ctx, q, p, "unexpected '%c' right after a string", c);
		return syntax_error(ctx, q, p, "unexpected byte 0x%02x right after a string", c);
	}
	*after = p;
	return true;
}

/* A bare word: everything up to the next space, separator or closing bracket, made of
 * letters, digits and ._-+*\/@ only. */
static bool scan_word(struct dg_json_ctx *ctx, const char *w, const char *end, const char **after)
{
	const char *p, *e;
	char shown[64];

	for (e = w; e < end && !dg_json_ends_token((unsigned char)*e); e++)
		;
	for (p = w; p < e; p++) {
		unsigned char c = (unsigned char)*p;

		if (is_bare_char(c))
			continue;
		if (c == '\0')
			return syntax_error(ctx, w, p, "NUL byte in file");
		if (c >= 0x80)
			return syntax_error(ctx, w, p,
					    "non-ASCII byte 0x%02x outside a string (quote strings)", c);
		if (!is_printable(c))
			return syntax_error(ctx, w, p, "control character 0x%02x outside a string",
					    c);
		dg_json_show(w, (int)(e - w), shown, sizeof(shown));
		if (c == '#')
			return syntax_error(ctx, w, p,
					    "unexpected '#' in '%s' (a comment needs a space before it)",
					    shown);
		return syntax_error(ctx, w, p, "unexpected '%c' in '%s' (quote strings)", c, shown);
	}
	*after = e;
	return true;
}

/* Where check_syntax() is: the brackets open around it and, in an object or the top level
 * (an object without braces), what comes next. */
struct scan {
	struct dg_json_ctx *ctx;
	const char *open[DG_JSON_MAX_DEPTH];
	int depth;
	enum { WANT_KEY, WANT_SEPARATOR, WANT_VALUE } want;
	const char *key; /* the key whose value is wanted */
};

static bool in_list(const struct scan *s)
{
	return s->depth > 0 && *s->open[s->depth - 1] == '[';
}

static char closer(char open)
{
	return open == '{' ? '}' : ']';
}

static bool scan_separator(struct scan *s, const char *p)
{
	if (in_list(s))
		return syntax_error(s->ctx, p, p, "'%c' in a list (key %c value belongs in { })",
				    *p, *p);
	if (s->want == WANT_KEY)
		return syntax_error(s->ctx, p, p, "'%c' without a key before it", *p);
	if (s->want == WANT_VALUE)
		return syntax_error(s->ctx, p, p, "second '%c' after a key", *p);
	s->want = WANT_VALUE;
	return true;
}

static bool scan_open(struct scan *s, const char *p)
{
	if (!in_list(s) && s->want == WANT_KEY)
		return syntax_error(s->ctx, p, p, "expected a key, got '%c'", *p);
	if (s->depth == DG_JSON_MAX_DEPTH)
		return syntax_error(s->ctx, p, p, "brackets nested more than %d deep",
				    DG_JSON_MAX_DEPTH);
	s->open[s->depth++] = p;
	s->want = WANT_KEY;
	return true;
}

static bool scan_close(struct scan *s, const char *p)
{
	const char *open = s->depth > 0 ? s->open[s->depth - 1] : NULL;
	int line, col;

	if (!in_list(s) && s->want != WANT_KEY)
		return syntax_error(s->ctx, p, s->key, "missing value");
	if (!open)
		return syntax_error(s->ctx, p, p, "'%c' without an opening '%c'", *p,
				    *p == '}' ? '{' : '[');
	if (*p != closer(*open)) {
		dg_json_position(s->ctx, open, &line, &col);
		return syntax_error(s->ctx, p, p, "'%c' does not close the '%c' at %d:%d "
				    "(expected '%c')", *p, *open, line, col, closer(*open));
	}
	s->depth--;
	s->want = WANT_KEY;
	return true;
}

/* A string or a bare word starting at p has been read. */
static void scan_token(struct scan *s, const char *p)
{
	if (!in_list(s) && s->want == WANT_KEY) {
		s->key = p;
		s->want = WANT_SEPARATOR;
	} else {
		s->want = WANT_KEY;
	}
}

/* Brackets, keys, separators and values, with the first error recorded in ctx. */
static void check_syntax(struct dg_json_ctx *ctx)
{
	struct scan s = { .ctx = ctx, .want = WANT_KEY };
	const char *p = ctx->data, *end = ctx->data + ctx->len, *after = NULL;

	if (ctx->len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0) {
		syntax_error(ctx, p, p, "UTF-8 byte order mark (save the file without it)");
		return;
	}
	while (p < end) {
		unsigned char c = (unsigned char)*p;
		bool ok = true;

		if (dg_json_is_space(c)) {
			p++;
		} else if (c == '#') {
			while (p < end && *p != '\n' && *p != '\r')
				p++;
		} else if (c == ':' || c == '=') {
			ok = scan_separator(&s, p++);
		} else if (c == '{' || c == '[') {
			ok = scan_open(&s, p++);
		} else if (c == '}' || c == ']') {
			ok = scan_close(&s, p++);
		} else {
			ok = c == '"' ? scan_string(ctx, p, end, &after) :
					scan_word(ctx, p, end, &after);
			if (ok)
				scan_token(&s, p);
			p = after;
		}
		if (!ok)
			return;
	}
	if (s.depth > 0)
		syntax_error(ctx, s.open[s.depth - 1], s.open[s.depth - 1],
			     "unclosed '%c' (the file ends before its '%c')", *s.open[s.depth - 1],
			     closer(*s.open[s.depth - 1]));
	else if (s.want != WANT_KEY)
		syntax_error(ctx, end, s.key, "missing value");
}

void dg_json_start(struct dg_json_ctx *ctx, struct spa_json *top)
{
	ctx->stop = ctx->data + ctx->len;
	ctx->syntax_at = NULL;
	ctx->syntax_msg[0] = '\0';
	ctx->closed = NULL;
	check_syntax(ctx);
	spa_json_init(top, ctx->data, ctx->len);
}
