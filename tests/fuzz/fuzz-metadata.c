/* SPDX-License-Identifier: MIT */
/* libFuzzer target: a PipeWire metadata value as dacguardd reads it (lib/metadata-value.c).
 * Any client may write the "default" metadata (pactl set-default-sink does), so the value
 * is anyone's text, handed over as a C string. What must hold for every input and every
 * size of out (0 included): nothing is written past out, out is always a terminated string, and a
 * smaller out gets the same string or "" (a value that does not fit is dropped, never cut
 * to a prefix that could name another sink). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metadata-value.h"
#include "fuzz-check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t sizes[] = { 0, 1, 2, 8, 64, 256 };
	char *json = malloc(size + 1), *out, *big;
	size_t big_size = size + 2;

	CHECK(json != NULL);
	memcpy(json, data, size);
	json[size] = '\0';

	/* room for anything the value can hold: the reference */
	big = malloc(big_size);
	CHECK(big != NULL);
	dg_json_object_string(json, "name", big, big_size);
	CHECK(memchr(big, '\0', big_size) != NULL);

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		/* out ends where its allocation ends, so that ASan sees a write past it (an
		 * empty out at the end of a byte: ASan lets a malloc(0) be written) */
		char *mem = malloc(sizes[i] + 1);

		CHECK(mem != NULL);
		out = mem + 1;
		memset(out, 'x', sizes[i]);
		dg_json_object_string(json, "name", out, sizes[i]);
		if (sizes[i] > 0) {
			CHECK(memchr(out, '\0', sizes[i]) != NULL);
			CHECK(out[0] == '\0' || strcmp(out, big) == 0);
		}
		free(mem);
	}
	free(big);
	free(json);
	return 0;
}
