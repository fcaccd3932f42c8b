/* SPDX-License-Identifier: MIT */
/* dacguard: reading a PipeWire metadata value, such as the "default" metadata's
 * { "name": "alsa_output..." }. Such values are PipeWire's, not the user's: they are read
 * leniently with spa_json, not with the config files' strict readers. */
#pragma once

#include <stddef.h>

/* The string value of KEY in a flat JSON object; out is "" when json is NULL, not an
 * object, has no string KEY, or the value does not fit. */
void dg_json_object_string(const char *json, const char *key, char *out, size_t size);
