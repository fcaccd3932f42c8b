/* SPDX-License-Identifier: MIT */
/* dacguard: the syntax of the config files (doc/formats.md, "Syntax and errors"), checked
 * by dacguard itself before spa_json reads a buffer: libspa's tokenizer accepts and
 * rejects differently in each version, this check words and places every syntax error
 * the same on all of them. The character classes here are shared with the readers. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "json-ctx.h"

struct spa_json;

/* Commas separate entries as whitespace does, in every libspa version. */
static inline bool dg_json_is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ',';
}

/* What ends a bare word. */
static inline bool dg_json_ends_token(unsigned char c)
{
	return dg_json_is_space(c) || c == ':' || c == '=' || c == '}' || c == ']';
}

/* The 4 hex digits of a \u escape at p, if there are 4 before end. */
bool dg_json_u_hex(const char *p, const char *end, uint32_t *cp);

/* Checks the syntax of the whole buffer (doc/formats.md, "Syntax and errors"); sets top to
 * its top level. The first syntax error is not reported here but by the readers
 * (lib/json-read.h) when the parse reaches it, so that it names the key being read;
 * spa_json never reads past it. Every parse of a buffer starts here. */
void dg_json_start(struct dg_json_ctx *ctx, struct spa_json *top);
