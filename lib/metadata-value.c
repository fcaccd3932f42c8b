/* SPDX-License-Identifier: MIT */
/* dacguard: a string in a PipeWire metadata value (lib/metadata-value.h). */
#include <limits.h>
#include <string.h>

#include <spa/utils/json.h>

#include "metadata-value.h"

void dg_json_object_string(const char *json, const char *key, char *out, size_t size)
{
	struct spa_json it, obj;
	const char *skip;
	char k[64];

	if (size == 0)
		return;
	out[0] = '\0';
	if (json == NULL || size > INT_MAX)
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
