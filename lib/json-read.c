/* SPDX-License-Identifier: MIT */
/* dacguard: keys, values and typed conversions over spa_json (lib/json-read.h). spa_json
 * only ever reads the text before the first syntax error (lib/json-syntax.c), where every
 * libspa version agrees; that error is reported here when the read reaches it. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <spa/utils/json.h>

#include "json-read.h"

/* Where the next token of it starts: its spaces, separators and comments skipped, and the
 * bracket that ended the container just read. */
static const char *next_token(const struct dg_json_ctx *ctx, const struct spa_json *it)
{
	const char *p = it->cur;

	if (p == ctx->closed)
		p++;
	while (p < ctx->stop) {
		if (dg_json_is_space((unsigned char)*p) || *p == ':' || *p == '=')
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
				if (!dg_json_u_hex(p, end, &cp))
					return -EINVAL;
				p += 4;
				if (cp >= 0xd800 && cp <= 0xdbff) {
					if (end - p < 6 || !dg_json_u_hex(p + 2, end, &lo))
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
		while (p < end && !dg_json_ends_token((unsigned char)*p))
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
				     dg_json_show(tok, len, buf, sizeof(buf)));
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

	if (t && *val != '"')
		return dg_json_error(ctx, val, key, "expected a number, got %s", t);
	if (t)
		return dg_json_error(ctx, val, key, "expected a number, got %s %s", t,
				     dg_json_show(val, len, shown, sizeof(shown)));
	if (len >= (int)sizeof(buf) || !all_of(val, len, "+-0123456789.eE"))
		return dg_json_error(ctx, val, key, "expected a number, got \"%s\"",
				     dg_json_show(val, len, shown, sizeof(shown)));
	memcpy(buf, val, len);
	buf[len] = '\0';
	errno = 0;
	v = strtod(buf, &end);
	if (end != buf + len || end == buf)
		return dg_json_error(ctx, val, key, "expected a number, got \"%s\"",
				     dg_json_show(val, len, shown, sizeof(shown)));
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
				     dg_json_show(val, len, shown, sizeof(shown)));
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
