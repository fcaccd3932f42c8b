/* SPDX-License-Identifier: MIT */
/* dacguard: strict helpers over spa/utils/json.h shared by the three loaders.
 * spa_json is a tolerant tokenizer (it accepts unterminated strings at the end of a
 * buffer, treats NUL as whitespace, never checks closing brackets): the checks it
 * leaves out are made here, so every loader is as strict as libinput's quirks parser. */
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
#define DG_MAX_TOKEN     2048

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

/* ---- buffer and token checks ---- */

int dg_json_check_buffer(struct dg_json_ctx *ctx)
{
	const char *nul = memchr(ctx->data, '\0', ctx->len);

	if (nul)
		return dg_json_error(ctx, nul, "", "NUL byte in file");
	return 0;
}

static bool is_bare_char(unsigned char c)
{
	return isalnum(c) || strchr("._-+*/@", c) != NULL;
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

/* What spa_json_next() lets through: a string cut by the end of the buffer, \u0000,
 * bad \u escapes, and odd bytes in bare words. */
static int check_token(struct dg_json_ctx *ctx, const char *key, const char *val, int len)
{
	char buf[64];

	if (*val == '{' || *val == '[')
		return 0;
	if (*val == '"') {
		int i = 1;

		while (i < len && val[i] != '"') {
			if (val[i] == '\\') {
				if (i + 1 >= len)
					break;
				if (val[i + 1] == 'u') {
					uint32_t cp;

					if (i + 6 > len || spa_json_parse_hex(val + i + 2, 4, &cp) < 0)
						return dg_json_error(ctx, val + i, key,
								     "invalid \\u escape");
					if (cp == 0)
						return dg_json_error(ctx, val + i, key,
								     "NUL character in string");
					i += 6;
					continue;
				}
				i += 2;
				continue;
			}
			i++;
		}
		/* The loop stops at the closing quote, which must end the token. */
		if (i != len - 1 || len < 2 || val[i] != '"')
			return dg_json_error(ctx, val, key, "unterminated string");
		return 0;
	}
	for (int i = 0; i < len; i++)
		if (!is_bare_char((unsigned char)val[i]))
			return dg_json_error(ctx, val + i, key,
					     "unexpected character in '%s' (quote strings)",
					     show(val, len, buf, sizeof(buf)));
	return 0;
}

/* spa_json_next() returned < 0: an invalid byte in a string or an unterminated container.
 * tok is where the token started. */
static int token_error(struct dg_json_ctx *ctx, struct spa_json *it, const char *key,
		       const char *tok)
{
	if (it->cur >= it->end)
		return dg_json_error(ctx, ctx->data + ctx->len, key,
				     "unexpected end of file (unterminated string or bracket)");
	if (*tok == '"' && (*it->cur == '\n' || *it->cur == '\r'))
		return dg_json_error(ctx, tok, key, "unterminated string");
	return dg_json_error(ctx, it->cur, key, "invalid character 0x%02x in string",
			     (unsigned char)*it->cur);
}

/* The iterator stopped (returned 0): check why. */
static int check_close(struct dg_json_ctx *ctx, struct spa_json *it, const char *path, char want)
{
	if (!it->parent) {
		if (it->cur < it->end)
			return dg_json_error(ctx, it->cur, path, "unexpected '%c'", *it->cur);
		return 0;
	}
	if (it->cur >= it->end)
		return dg_json_error(ctx, ctx->data + ctx->len, path,
				     "unexpected end of file, missing '%c'", want);
	if (*it->cur != want)
		return dg_json_error(ctx, it->cur, path, "expected '%c', got '%c'", want, *it->cur);
	return 0;
}

int dg_json_next_key(struct dg_json_ctx *ctx, struct spa_json *obj, const char *path, char *key,
		     size_t size, const char **at)
{
	const char *tok;
	char buf[64];
	int len, res;

	len = spa_json_next(obj, &tok);
	if (len < 0)
		return token_error(ctx, obj, path, tok);
	if (len == 0)
		return check_close(ctx, obj, path, '}');
	*at = tok;
	if ((res = check_token(ctx, path, tok, len)) < 0)
		return res;
	if (*tok == '{' || *tok == '[')
		return dg_json_error(ctx, tok, path, "expected a key, got '%c'", *tok);
	if ((size_t)len >= size)
		return dg_json_error(ctx, tok, path, "key '%s' too long",
				     show(tok, len, buf, sizeof(buf)));
	spa_json_parse_stringn(tok, len, key, (int)size);
	if (!*key)
		return dg_json_error(ctx, tok, path, "empty key");
	return 1;
}

int dg_json_next_value(struct dg_json_ctx *ctx, struct spa_json *it, const char *key,
		       const char *key_at, const char **val, int *len)
{
	int res;

	*len = spa_json_next(it, val);
	if (*len < 0)
		return token_error(ctx, it, key, *val);
	if (*len == 0)
		return dg_json_error(ctx, key_at, key, "missing value");
	if ((res = check_token(ctx, key, *val, *len)) < 0)
		return res;
	return 1;
}

int dg_json_next_elem(struct dg_json_ctx *ctx, struct spa_json *arr, const char *path,
		      const char **val, int *len)
{
	int res;

	*len = spa_json_next(arr, val);
	if (*len < 0)
		return token_error(ctx, arr, path, *val);
	if (*len == 0)
		return check_close(ctx, arr, path, ']');
	if ((res = check_token(ctx, path, *val, *len)) < 0)
		return res;
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
	char buf[DG_MAX_TOKEN];
	const char *t = type_of(val, len);

	if (t && *val != '"')
		return dg_json_error(ctx, val, key, "expected a string, got %s", t);
	if (len >= (int)sizeof(buf))
		return dg_json_error(ctx, val, key, "string too long (max %zu bytes)", size - 1);
	spa_json_parse_stringn(val, len, buf, sizeof(buf));
	if (strlen(buf) >= size)
		return dg_json_error(ctx, val, key, "string too long (max %zu bytes)", size - 1);
	memcpy(out, buf, strlen(buf) + 1);
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

	if ((res = dg_json_check_buffer(ctx)) < 0)
		return res;
	spa_json_init(&top, ctx->data, ctx->len);
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
