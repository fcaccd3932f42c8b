/* SPDX-License-Identifier: MIT */
/* WAV files for the test tools (wav-peak, wav-intact, wav-fixture): PCM and float,
 * plain or extensible, read into interleaved floats; written as float32 or s16. */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct wav {
	uint16_t format; /* 1 PCM, 3 float */
	uint16_t channels;
	uint32_t rate;
	uint16_t bits;
	size_t n_frames;
	float *samples; /* interleaved, normalised to full scale = 1.0 */
};

/* Reads float32, s16, s24 or s32 PCM. A data chunk whose size is 0 or too large (a
 * recording not finalised) is taken to the end of the file. Says why on stderr and
 * returns a negative errno on failure. */
int wav_load(const char *path, struct wav *w);

/* Writes w as a float32 WAV (any format it was read from). Says why on stderr. */
int wav_save_float(const char *path, const struct wav *w);

/* The same as 16-bit PCM, rounded and clipped to full scale. */
int wav_save_s16(const char *path, const struct wav *w);

void wav_free(struct wav *w);
