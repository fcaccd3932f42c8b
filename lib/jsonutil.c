/* SPDX-License-Identifier: MIT */
/* dacguard: strict helpers over spa/utils/json.h shared by the three loaders.
 * spa_json's tokenizer is tolerant, and differently so in each libspa version: the syntax
 * is checked here before it reads anything, so every loader is as strict as libinput's
 * quirks parser and says the same thing about the same file on every version. */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <spa/utils/json.h>

#include "jsonutil.h"

#define DG_MAX_FILE_SIZE (4 * 1024 * 1024)

/* ---- error sink ---- */

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

static void diag_emit(struct dg_errors *errors, const struct dg_diag *d)
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
	diag_emit(ctx->errors, &d);
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

/* ---- syntax ---- */

/* The whole buffer is checked here before spa_json reads any of it: libspa's tokenizer
 * rejects bad text at different points in different versions (0.3.65 lets most of it
 * through, 1.4 stops at the first bad byte), so every syntax error is found, placed and
 * worded by dacguard (doc/formats.md, "Syntax and errors"). spa_json then only reads the
 * text before the first error, where all versions agree. */

#define DG_JSON_MAX_DEPTH 32

static bool is_space(unsigned char c)
{
	/* Commas separate entries as whitespace does, in every libspa version. */
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ',';
}

static bool ends_token(unsigned char c)
{
	return is_space(c) || c == ':' || c == '=' || c == '}' || c == ']';
}

static bool is_bare_char(unsigned char c)
{
	return isalnum(c) || (c != '\0' && strchr("._-+*/@", c) != NULL);
}

static bool is_printable(unsigned char c)
{
	return c > 0x20 && c < 0x7f;
}

/* Quotes a token for a message, shortened. */
static const char *show(const char *val, int len, char *buf, size_t size)
{
	int n = len > 40 ? 40 : len;

	snprintf(buf, size, "%.*s%s", n, val, len > n ? "..." : "");
	for (char *p = buf; *p; p++)
		if ((unsigned char)*p < 0x20)
			*p = '?';
	return buf;
}

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

static bool u_hex(const char *p, const char *end, uint32_t *cp)
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
	if (!u_hex(p + 2, end, &cp)) {
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
	if (end - p < 12 || p[6] != '\\' || p[7] != 'u' || !u_hex(p + 8, end, &lo) ||
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
	if (p < end && !ends_token((unsigned char)*p) && *p != '#') {
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

	for (e = w; e < end && !ends_token((unsigned char)*e); e++)
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
		show(w, (int)(e - w), shown, sizeof(shown));
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

		if (is_space(c)) {
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

/* ---- reading tokens ---- */

/* Where the next token of it starts: its spaces, separators and comments skipped, and the
 * bracket that ended the container just read. */
static const char *next_token(const struct dg_json_ctx *ctx, const struct spa_json *it)
{
	const char *p = it->cur;

	if (p == ctx->closed)
		p++;
	while (p < ctx->stop) {
		if (is_space((unsigned char)*p) || *p == ':' || *p == '=')
			p++;
		else if (*p == '#')
			while (p < ctx->stop && *p != '\n' && *p != '\r')
				p++;
		else
			break;
	}
	return p;
}

/* The parse reached the first syntax error: reported now, naming the key being read. */
static int syntax_stop(struct dg_json_ctx *ctx, const char *key)
{
	return dg_json_error(ctx, ctx->syntax_at, key, "%s", ctx->syntax_msg);
}

/* spa_json disagrees with check_syntax(): a bug, but bad input must still fail safe. */
static int disagree(struct dg_json_ctx *ctx, struct spa_json *it, const char *key)
{
	return dg_json_error(ctx, it->cur, key, "invalid syntax");
}

/* A key or string token's text: a bare word as it is, a quoted string unescaped (checked by
 * check_syntax()). Not spa_json_parse_stringn(): libspa 0.3.65 decodes surrogate pairs
 * above U+1FFFF wrongly. Returns the length, -ENOSPC when it does not fit in size. */
static int decode(const char *val, int len, char *out, size_t size)
{
	static const unsigned char lead[] = { 0, 0, 0xc0, 0xe0, 0xf0 };
	const char *p = val + 1, *end = val + len - 1;
	size_t n = 0;

	if (*val != '"') {
		if ((size_t)len >= size)
			return -ENOSPC;
		memcpy(out, val, len);
		out[len] = '\0';
		return len;
	}
	while (p < end) {
		uint32_t cp = (unsigned char)*p++, lo;
		int bytes = 1;

		if (cp == '\\' && p < end) {
			switch (*p++) {
			case 'b': cp = '\b'; break;
			case 'f': cp = '\f'; break;
			case 'n': cp = '\n'; break;
			case 'r': cp = '\r'; break;
			case 't': cp = '\t'; break;
			case 'u':
				if (!u_hex(p, end, &cp))
					return -EINVAL;
				p += 4;
				if (cp >= 0xd800 && cp <= 0xdbff) {
					if (end - p < 6 || !u_hex(p + 2, end, &lo))
						return -EINVAL;
					cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
					p += 6;
				}
				bytes = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
				break;
			default: cp = (unsigned char)p[-1]; break;
			}
		}
		if (n + bytes >= size)
			return -ENOSPC;
		if (bytes == 1) {
			out[n++] = (char)cp;
			continue;
		}
		out[n++] = (char)(lead[bytes] | cp >> (6 * (bytes - 1)));
		for (int i = bytes - 2; i >= 0; i--)
			out[n++] = (char)(0x80 | ((cp >> (6 * i)) & 0x3f));
	}
	out[n] = '\0';
	return (int)n;
}

/* The end of the key or string token at p, which check_syntax() passed. */
static const char *token_end(const char *p, const char *end)
{
	if (*p != '"') {
		while (p < end && !ends_token((unsigned char)*p))
			p++;
		return p;
	}
	for (p++; p < end && *p != '"'; p++)
		if (*p == '\\')
			p++;
	return p < end ? p + 1 : end;
}

int dg_json_next_key(struct dg_json_ctx *ctx, struct spa_json *obj, const char *path, char *key,
		     size_t size, const char **at)
{
	const char *tok = next_token(ctx, obj);
	char buf[64];
	int len, n;

	if (tok >= ctx->stop) {
		if (ctx->syntax_at)
			return syntax_stop(ctx, path);
		return obj->parent ? disagree(ctx, obj, path) : 0;
	}
	if (tok == ctx->syntax_at && !obj->parent) {
		/* A key without a value at the top level, where a key's path is its text: read
		 * here, as libspa 1.x does not return a bare key that ends the buffer. */
		len = (int)(token_end(tok, ctx->stop) - tok);
	} else {
		len = spa_json_next(obj, &tok);
		if (len == 0 && obj->parent && *obj->cur == '}') {
			ctx->closed = obj->cur;
			return 0;
		}
		if (len <= 0 || *tok == '{' || *tok == '[')
			return disagree(ctx, obj, path);
	}
	*at = tok;
	if ((size_t)len >= size)
		return dg_json_error(ctx, tok, path, "key '%s' too long",
				     show(tok, len, buf, sizeof(buf)));
	if ((n = decode(tok, len, key, size)) < 0)
		return disagree(ctx, obj, path);
	if (n == 0)
		return dg_json_error(ctx, tok, path, "empty key");
	if (tok == ctx->syntax_at && !obj->parent)
		return syntax_stop(ctx, key);
	return 1;
}

int dg_json_next_value(struct dg_json_ctx *ctx, struct spa_json *it, const char *key,
		       const char *key_at, const char **val, int *len)
{
	if (next_token(ctx, it) >= ctx->stop) {
		if (ctx->syntax_at)
			return syntax_stop(ctx, key);
		return dg_json_error(ctx, key_at, key, "missing value");
	}
	*len = spa_json_next(it, val);
	if (*len <= 0)
		return disagree(ctx, it, key);
	return 1;
}

int dg_json_next_elem(struct dg_json_ctx *ctx, struct spa_json *arr, const char *path,
		      const char **val, int *len)
{
	if (next_token(ctx, arr) >= ctx->stop)
		return ctx->syntax_at ? syntax_stop(ctx, path) : disagree(ctx, arr, path);
	*len = spa_json_next(arr, val);
	if (*len == 0 && arr->parent && *arr->cur == ']') {
		ctx->closed = arr->cur;
		return 0;
	}
	if (*len <= 0)
		return disagree(ctx, arr, path);
	return 1;
}

/* ---- typed values ---- */

static const char *type_of(const char *val, int len)
{
	if (*val == '{')
		return "an object";
	if (*val == '[')
		return "an array";
	if (*val == '"')
		return "a string";
	return NULL;
}

static bool all_of(const char *val, int len, const char *set)
{
	for (int i = 0; i < len; i++)
		if (!strchr(set, val[i]) || val[i] == '\0')
			return false;
	return true;
}

int dg_json_number(struct dg_json_ctx *ctx, const char *key, const char *val, int len, double min,
		   double max, double *out)
{
	char buf[64], shown[64];
	const char *t = type_of(val, len);
	char *end;
	double v;

	if (t)
		return dg_json_error(ctx, val, key, "expected a number, got %s%s%s", t,
				     *val == '"' ? " " : "",
				     *val == '"' ? show(val, len, shown, sizeof(shown)) : "");
	if (len >= (int)sizeof(buf) || !all_of(val, len, "+-0123456789.eE"))
		return dg_json_error(ctx, val, key, "expected a number, got \"%s\"",
				     show(val, len, shown, sizeof(shown)));
	memcpy(buf, val, len);
	buf[len] = '\0';
	errno = 0;
	v = strtod(buf, &end);
	if (end != buf + len || end == buf)
		return dg_json_error(ctx, val, key, "expected a number, got \"%s\"",
				     show(val, len, shown, sizeof(shown)));
	if (!isfinite(v))
		return dg_json_error(ctx, val, key, "number %s is not finite", buf);
	if (v < min || v > max)
		return dg_json_error(ctx, val, key, "%s is out of range (%g .. %g)", buf, min, max);
	*out = v;
	return 0;
}

int dg_json_string(struct dg_json_ctx *ctx, const char *key, const char *val, int len, char *out,
		   size_t size)
{
	const char *t = type_of(val, len);
	int res;

	if (t && *val != '"')
		return dg_json_error(ctx, val, key, "expected a string, got %s", t);
	if ((res = decode(val, len, out, size)) < 0) {
		out[0] = '\0';
		if (res == -ENOSPC)
			return dg_json_error(ctx, val, key, "string too long (max %zu bytes)",
					     size - 1);
		return dg_json_error(ctx, val, key, "invalid string");
	}
	return 0;
}

/* open: the container's opening bracket; what: "an object", "an array" */
static int enter(struct dg_json_ctx *ctx, struct spa_json *it, const char *key, const char *val,
		 int len, struct spa_json *sub, char open, const char *what)
{
	const char *t = type_of(val, len);
	char shown[64];

	if (*val != open)
		return dg_json_error(ctx, val, key, "expected %s, got %s", what, t ? t :
				     show(val, len, shown, sizeof(shown)));
	spa_json_enter(it, sub);
	return 0;
}

int dg_json_enter_object(struct dg_json_ctx *ctx, struct spa_json *it, const char *key,
			 const char *val, int len, struct spa_json *sub)
{
	return enter(ctx, it, key, val, len, sub, '{', "an object");
}

int dg_json_enter_array(struct dg_json_ctx *ctx, struct spa_json *it, const char *key,
			const char *val, int len, struct spa_json *sub)
{
	return enter(ctx, it, key, val, len, sub, '[', "an array");
}

/* ---- match ---- */

int dg_json_parse_list_buffer(struct dg_json_ctx *ctx, const char *key, dg_json_list_fn parse,
			      void *out)
{
	struct spa_json top;
	char k[64];
	const char *at, *v;
	int vlen, res;
	bool seen = false;

	dg_json_start(ctx, &top);
	while ((res = dg_json_next_key(ctx, &top, "", k, sizeof(k), &at)) > 0) {
		if ((res = dg_json_next_value(ctx, &top, k, at, &v, &vlen)) < 0)
			return res;
		if (strcmp(k, key) != 0)
			return dg_json_error(ctx, at, k, "unknown key (expected %s)", key);
		if (seen)
			return dg_json_error(ctx, at, k, "given twice");
		seen = true;
		if ((res = parse(ctx, &top, v, vlen, out)) < 0)
			return res;
	}
	return res;
}

static int hex4(const char *s, uint16_t *out, bool *upper)
{
	unsigned v = 0;

	for (int i = 0; i < 4; i++) {
		char c = s[i];

		if (c >= '0' && c <= '9')
			v = v << 4 | (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v = v << 4 | (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			*upper = true;
		else
			return -EINVAL;
	}
	*out = (uint16_t)v;
	return 0;
}

static int parse_usb(struct dg_json_ctx *ctx, const char *key, const char *val, int len,
		     struct dg_match *m)
{
	char s[16];
	bool upper = false, any;
	size_t n;
	int res;

	if ((res = dg_json_string(ctx, key, val, len, s, sizeof(s))) < 0)
		return res;
	n = strlen(s);
	any = n == 6 && s[5] == '*';
	if (!(n == 9 || any) || s[4] != ':' || hex4(s, &m->vid, &upper) < 0 ||
	    (!any && hex4(s + 5, &m->pid, &upper) < 0))
		return dg_json_error(ctx, val, key,
				     "expected \"vvvv:pppp\" or \"vvvv:*\" (4 hex digits), got \"%s\"",
				     s);
	if (upper)
		return dg_json_error(ctx, val, key, "use lowercase hex, got \"%s\"", s);
	m->has_usb = true;
	m->any_pid = any;
	if (any)
		m->pid = 0;
	return 0;
}

int dg_json_match(struct dg_json_ctx *ctx, struct spa_json *it, const char *key, const char *val,
		  int len, struct dg_match *m)
{
	struct spa_json sub;
	char k[64], path[256];
	const char *at, *v;
	int vlen, res;

	memset(m, 0, sizeof(*m));
	if ((res = dg_json_enter_object(ctx, it, key, val, len, &sub)) < 0)
		return res;
	while ((res = dg_json_next_key(ctx, &sub, key, k, sizeof(k), &at)) > 0) {
		dg_json_path(path, sizeof(path), "%s.%s", key, k);
		if ((res = dg_json_next_value(ctx, &sub, path, at, &v, &vlen)) < 0)
			return res;
		if (strcmp(k, "usb") == 0) {
			res = parse_usb(ctx, path, v, vlen, m);
		} else if (strcmp(k, "product") == 0 || strcmp(k, "manufacturer") == 0) {
			char *dst = k[0] == 'p' ? m->product : m->manufacturer;

			res = dg_json_string(ctx, path, v, vlen, dst, DG_NAME_MAX);
			if (res == 0 && !*dst)
				res = dg_json_error(ctx, v, path, "empty glob");
		} else {
			res = dg_json_error(ctx, at, path, "unknown key (usb, product, manufacturer)");
		}
		if (res < 0)
			return res;
	}
	if (res < 0)
		return res;
	if (!m->has_usb)
		return dg_json_error(ctx, val, key, "missing usb = \"vvvv:pppp\"");
	return 0;
}

bool dg_match_device(const struct dg_match *m, uint16_t vid, uint16_t pid,
		     const char *manufacturer, const char *product)
{
	if (!m->has_usb || m->vid != vid || (!m->any_pid && m->pid != pid))
		return false;
	if (m->product[0] && (!product || fnmatch(m->product, product, 0) != 0))
		return false;
	if (m->manufacturer[0] && (!manufacturer || fnmatch(m->manufacturer, manufacturer, 0) != 0))
		return false;
	return true;
}

int dg_match_specificity(const struct dg_match *m)
{
	return (m->product[0] ? 4 : 0) + (m->any_pid ? 0 : 2) + (m->manufacturer[0] ? 1 : 0);
}

void dg_match_format(const struct dg_match *m, char *buf, size_t size)
{
	int n;

	if (m->any_pid)
		n = snprintf(buf, size, "%04x:*", m->vid);
	else
		n = snprintf(buf, size, "%04x:%04x", m->vid, m->pid);
	if (n < 0 || (size_t)n >= size)
		return;
	if (m->product[0])
		n += snprintf(buf + n, size - n, " product=%s", m->product);
	if (n < 0 || (size_t)n >= size)
		return;
	if (m->manufacturer[0])
		snprintf(buf + n, size - n, " manufacturer=%s", m->manufacturer);
}

/* ---- paths and files ---- */

void dg_paths_init_dir(struct dg_paths *p, const char *dir, bool trusted)
{
	memset(p, 0, sizeof(*p));
	snprintf(p->dirs[0], sizeof(p->dirs[0]), "%s", dir);
	p->trusted[0] = trusted;
	p->n = 1;
}

int dg_paths_init(struct dg_paths *p)
{
	const char *env = getenv("DACGUARD_CONFIG_DIR");
	const char *xdg = getenv("XDG_CONFIG_HOME");
	const char *home = getenv("HOME");

	/* An override is whoever set the environment: never root's word. */
	if (env && *env) {
		dg_paths_init_dir(p, env, false);
		return 0;
	}
	memset(p, 0, sizeof(*p));
	snprintf(p->dirs[p->n], PATH_MAX, "%s", DG_DATADIR);
	p->trusted[p->n++] = true;
	snprintf(p->dirs[p->n], PATH_MAX, "%s", DG_SYSCONFDIR);
	p->trusted[p->n++] = true;
	if (xdg && *xdg == '/')
		snprintf(p->dirs[p->n++], PATH_MAX, "%s/dacguard", xdg);
	else if (home && *home)
		snprintf(p->dirs[p->n++], PATH_MAX, "%s/.config/dacguard", home);
	return 0;
}

struct found {
	char *name;
	char *path;
};

static int cmp_found(const void *a, const void *b)
{
	return strverscmp(((const struct found *)a)->name, ((const struct found *)b)->name);
}

static bool has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n > m && strcmp(s + n - m, suffix) == 0;
}

static int add_found(struct found **list, size_t *n, const char *name, const char *path)
{
	struct found *l;

	for (size_t i = 0; i < *n; i++) {
		if (strcmp((*list)[i].name, name) == 0) {
			char *p = strdup(path);

			if (!p)
				return -ENOMEM;
			free((*list)[i].path);
			(*list)[i].path = p;
			return 0;
		}
	}
	l = realloc(*list, (*n + 1) * sizeof(**list));
	if (!l)
		return -ENOMEM;
	*list = l;
	l[*n].name = strdup(name);
	l[*n].path = strdup(path);
	if (!l[*n].name || !l[*n].path) {
		free(l[*n].name);
		free(l[*n].path);
		return -ENOMEM;
	}
	(*n)++;
	return 0;
}

int dg_collect_files(const struct dg_paths *p, const char *sub, const char *suffix,
		     char ***files, size_t *n_files)
{
	struct found *list = NULL;
	size_t n = 0;
	char **out;
	int res = 0;

	for (size_t d = 0; d < p->n && res == 0; d++) {
		char dir[PATH_MAX], path[PATH_MAX];
		struct dirent *e;
		DIR *dp;

		if (snprintf(dir, sizeof(dir), "%s/%s", p->dirs[d], sub) >= (int)sizeof(dir))
			continue;
		if (!(dp = opendir(dir)))
			continue;
		while ((e = readdir(dp)) && res == 0) {
			struct stat st;

			if (e->d_name[0] == '.' || !has_suffix(e->d_name, suffix))
				continue;
			if (snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >=
			    (int)sizeof(path))
				continue;
			if (stat(path, &st) < 0 || !S_ISREG(st.st_mode))
				continue;
			res = add_found(&list, &n, e->d_name, path);
		}
		closedir(dp);
	}
	if (n > 0)
		qsort(list, n, sizeof(*list), cmp_found);
	out = res == 0 ? calloc(n + 1, sizeof(*out)) : NULL;
	if (!out && res == 0)
		res = -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		free(list[i].name);
		if (out)
			out[i] = list[i].path;
		else
			free(list[i].path);
	}
	free(list);
	if (res < 0)
		return res;
	*files = out;
	*n_files = n;
	return 0;
}

void dg_file_list_free(char **files, size_t n_files)
{
	if (!files)
		return;
	for (size_t i = 0; i < n_files; i++)
		free(files[i]);
	free(files);
}

int dg_load_each_file(char *const *files, size_t n_files, dg_add_text_fn add, void *work,
		      struct dg_errors *errors)
{
	int res = 0;

	for (size_t i = 0; i < n_files; i++) {
		char *data;
		size_t len;
		int r = dg_read_file(files[i], &data, &len);

		if (r < 0) {
			struct dg_json_ctx ctx = { .file = files[i], .data = "", .errors = errors };

			r = dg_json_error(&ctx, NULL, "", "cannot read: %s", strerror(-r));
		} else {
			r = add(work, files[i], data, len, errors);
			free(data);
		}
		if (r < 0 && res == 0)
			res = r == -ENOMEM ? r : -EINVAL;
	}
	return res;
}

int dg_read_file(const char *path, char **data, size_t *len)
{
	struct stat st;
	size_t got = 0;
	char *buf;
	int fd, res = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		res = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		res = -EISDIR;
		goto out;
	}
	if (st.st_size > DG_MAX_FILE_SIZE) {
		res = -EFBIG;
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		res = -ENOMEM;
		goto out;
	}
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r < 0)
				res = -errno;
			break;
		}
		got += (size_t)r;
	}
	if (res < 0) {
		free(buf);
		goto out;
	}
	buf[got] = '\0';
	*data = buf;
	*len = got;
out:
	close(fd);
	return res;
}

void dg_json_object_string(const char *json, const char *key, char *out, size_t size)
{
	struct spa_json it, obj;
	const char *skip;
	char k[64];

	out[0] = '\0';
	if (json == NULL || size == 0 || size > INT_MAX)
		return;
	spa_json_init(&it, json, strlen(json));
	if (spa_json_enter_object(&it, &obj) <= 0)
		return;
	while (spa_json_get_string(&obj, k, sizeof(k)) > 0) {
		if (strcmp(k, key) == 0) {
			if (spa_json_get_string(&obj, out, (int)size) <= 0)
				out[0] = '\0';
			return;
		}
		if (spa_json_next(&obj, &skip) <= 0)
			return;
	}
}
