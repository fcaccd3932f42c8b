/* SPDX-License-Identifier: MIT */
/* dacguard: the match on a USB device (lib/usb-match.h). */
#include <errno.h>
#include <fnmatch.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <spa/utils/json.h>

#include "json-fields.h"
#include "usb-match.h"

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

static int parse_usb(const struct dg_json_value *v, void *dst, void *aux)
{
	struct dg_match *m = dst;
	char s[16];
	bool upper = false, any;
	size_t n;
	int res;

	if ((res = dg_json_string(v->ctx, v->key, v->val, v->len, s, sizeof(s))) < 0)
		return res;
	n = strlen(s);
	any = n == 6 && s[5] == '*';
	if (!(n == 9 || any) || s[4] != ':' || hex4(s, &m->vid, &upper) < 0 ||
	    (!any && hex4(s + 5, &m->pid, &upper) < 0))
		return dg_json_error(v->ctx, v->val, v->key,
				     "expected \"vvvv:pppp\" or \"vvvv:*\" (4 hex digits), "
				     "got \"%s\"", s);
	if (upper)
		return dg_json_error(v->ctx, v->val, v->key, "use lowercase hex, got \"%s\"", s);
	m->has_usb = true;
	m->any_pid = any;
	if (any)
		m->pid = 0;
	return 0;
}

static const struct dg_json_field match_fields[] = {
	{ "usb", .read = parse_usb, .missing = "missing usb = \"vvvv:pppp\"" },
	{ "product", DG_JSON_STRING, offsetof(struct dg_match, product), DG_NAME_MAX,
	  .empty = "empty glob" },
	{ "manufacturer", DG_JSON_STRING, offsetof(struct dg_match, manufacturer), DG_NAME_MAX,
	  .empty = "empty glob" },
	{ NULL },
};

static const struct dg_json_object match_object = {
	.fields = match_fields,
	.key_size = 64,
	.unknown = "unknown key (usb, product, manufacturer)",
};

int dg_json_match(struct dg_json_ctx *ctx, struct spa_json *it, const char *key, const char *val,
		  int len, struct dg_match *m)
{
	unsigned seen;

	memset(m, 0, sizeof(*m));
	return dg_json_read_object(ctx, it, key, val, len, &match_object, m, NULL, &seen);
}

int dg_json_match_field(const struct dg_json_value *v, void *match, void *aux)
{
	return dg_json_match(v->ctx, v->obj, v->key, v->val, v->len, match);
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

const void *dg_match_best(const void *items, size_t n, size_t stride, size_t match_offset,
			  uint16_t vid, uint16_t pid, const char *manufacturer,
			  const char *product)
{
	const char *best = NULL;
	int best_score = -1;

	for (size_t i = 0; items && i < n; i++) {
		const char *item = (const char *)items + i * stride;
		const struct dg_match *m = (const struct dg_match *)(item + match_offset);
		int score;

		if (!dg_match_device(m, vid, pid, manufacturer, product))
			continue;
		/* >= : among equals the one read last wins. */
		score = dg_match_specificity(m);
		if (score >= best_score) {
			best = item;
			best_score = score;
		}
	}
	return best;
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
