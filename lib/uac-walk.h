/* SPDX-License-Identifier: MIT */
/* dacguard: the USB Audio Class parser's walk over a configuration, shared by its files:
 * lib/uac.c walks the descriptors and reads the streaming interfaces, lib/uac-control.c the
 * AudioControl interface. Private to them. */
#pragma once

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "uac.h"

enum iface_kind { IF_NONE, IF_AC, IF_AS, IF_OTHER };

struct walk {
	const uint8_t *buf;
	size_t len;
	struct dg_uac *out;
	char *err;
	size_t errlen;
	size_t cfg_off;
	size_t cfg_end;
	enum iface_kind cur;
	uint8_t cur_version;	      /* UAC version of the current audio interface, 0 unknown */
	struct dg_uac_stream *stream; /* current AS alt setting, NULL when clamped */
	bool in_ac_function;	      /* the AudioControl interface has been seen */
	bool iad_audio;		      /* the last IAD is an audio function */
	uint8_t iad_first, iad_count, iad_subclass;
};

/* Reports into the caller's error buffer; returns res. */
__attribute__((format(printf, 3, 4))) static inline int fail(struct walk *w, int res,
								   const char *fmt, ...)
{
	va_list ap;

	if (w->err && w->errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(w->err, w->errlen, fmt, ap);
		va_end(ap);
	}
	return res;
}

/* Little-endian field of n bytes at off inside a descriptor of blen bytes; bytes beyond blen
 * read as 0, so optional trailing fields (string indexes) need no separate check. */
static inline uint32_t le(const uint8_t *d, size_t blen, size_t off, size_t n)
{
	uint32_t v = 0;

	for (size_t i = 0; i < n; i++) {
		if (off + i < blen)
			v |= (uint32_t) d[off + i] << (8 * i);
	}
	return v;
}

static inline uint8_t b8(const uint8_t *d, size_t blen, size_t off)
{
	return (uint8_t) le(d, blen, off, 1);
}

static inline uint16_t w16(const uint8_t *d, size_t blen, size_t off)
{
	return (uint16_t) le(d, blen, off, 2);
}

/* Every class-specific descriptor must hold its fixed part; this names the offending one. */
static inline int need(struct walk *w, size_t off, size_t blen, size_t min, const char *what)
{
	if (blen >= min)
		return 0;
	return fail(w, -EBADMSG, "descriptor at offset %zu: %s needs %zu bytes, bLength is %zu",
		    off, what, min, blen);
}

/* One class-specific AudioControl descriptor (header, terminal or unit) at off. */
int dg_uac_parse_ac(struct walk *w, size_t off, const uint8_t *d, size_t bl);
