/* SPDX-License-Identifier: MIT */
/* WAV reading and writing for the test tools (see wav-io.h). */
#include "wav-io.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t) p[0] | (uint32_t) p[1] << 8 | (uint32_t) p[2] << 16 |
	       (uint32_t) p[3] << 24;
}

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t) (p[0] | p[1] << 8);
}

static int read_file(const char *path, uint8_t **data, size_t *size)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0, n;

	if (f == NULL)
		return -errno;
	do {
		if (len == cap) {
			uint8_t *b;
			cap = cap ? cap * 2 : 65536;
			if ((b = realloc(buf, cap)) == NULL) {
				free(buf);
				fclose(f);
				return -ENOMEM;
			}
			buf = b;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
	} while (n > 0);
	fclose(f);
	*data = buf;
	*size = len;
	return 0;
}

int wav_load(const char *path, struct wav *w)
{
	uint8_t *d = NULL;
	size_t size = 0, pos = 12, data_pos = 0, data_len = 0;
	bool have_fmt = false;
	int res;

	if ((res = read_file(path, &d, &size)) < 0) {
		fprintf(stderr, "%s: %s\n", path, strerror(-res));
		return res;
	}
	if (size < 12 || memcmp(d, "RIFF", 4) != 0 || memcmp(d + 8, "WAVE", 4) != 0) {
		fprintf(stderr, "%s: not a RIFF/WAVE file\n", path);
		goto invalid;
	}
	while (pos + 8 <= size) {
		uint32_t len = le32(d + pos + 4);
		const uint8_t *body = d + pos + 8;

		if (memcmp(d + pos, "fmt ", 4) == 0 && len >= 16 && pos + 8 + len <= size) {
			w->format = le16(body);
			w->channels = le16(body + 2);
			w->rate = le32(body + 4);
			w->bits = le16(body + 14);
			if (w->format == 0xfffe && len >= 40)
				w->format = le16(body + 24); /* sub-format GUID starts with it */
			have_fmt = true;
		} else if (memcmp(d + pos, "data", 4) == 0) {
			data_pos = pos + 8;
			/* a recording not finalised has 0 or a too-large size: take the rest */
			data_len = (len == 0 || len > size - data_pos) ? size - data_pos : len;
			break;
		}
		pos += 8 + (size_t) len + (len & 1);
	}
	if (!have_fmt || data_pos == 0 || w->channels == 0) {
		fprintf(stderr, "%s: no fmt or data chunk\n", path);
		goto invalid;
	}
	if (!((w->format == 3 && w->bits == 32) ||
	      (w->format == 1 && (w->bits == 16 || w->bits == 24 || w->bits == 32)))) {
		fprintf(stderr, "%s: unsupported format %u/%u bits\n", path, w->format, w->bits);
		goto invalid;
	}

	size_t bps = w->bits / 8, n = data_len / bps;
	w->n_frames = n / w->channels;
	n = w->n_frames * w->channels;
	if ((w->samples = calloc(n ? n : 1, sizeof(float))) == NULL) {
		free(d);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		const uint8_t *p = d + data_pos + i * bps;
		float v;

		if (w->format == 3) {
			uint32_t u = le32(p);
			memcpy(&v, &u, sizeof(v));
		} else if (bps == 2) {
			v = (int16_t) le16(p) / 32768.0f;
		} else if (bps == 3) {
			int32_t s = (int32_t) ((uint32_t) p[0] << 8 | (uint32_t) p[1] << 16 |
					       (uint32_t) p[2] << 24);
			v = (float) (s / 2147483648.0);
		} else {
			v = (float) ((int32_t) le32(p) / 2147483648.0);
		}
		w->samples[i] = v;
	}
	free(d);
	return 0;

invalid:
	free(d);
	return -EINVAL;
}

static void put32(FILE *f, uint32_t v)
{
	uint8_t b[4] = {v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, v >> 24};
	fwrite(b, 1, 4, f);
}

static void put16(FILE *f, uint16_t v)
{
	uint8_t b[2] = {v & 0xff, v >> 8};
	fwrite(b, 1, 2, f);
}

/* format 3 (float32) or 1 (s16, rounded and clipped) */
static int save(const char *path, const struct wav *w, uint16_t format, uint16_t bits)
{
	FILE *f = fopen(path, "wb");
	uint32_t bps = bits / 8, bytes = (uint32_t) (w->n_frames * w->channels * bps);

	if (f == NULL) {
		int res = -errno;
		fprintf(stderr, "%s: %s\n", path, strerror(-res));
		return res;
	}
	errno = 0;
	fwrite("RIFF", 1, 4, f);
	put32(f, 36 + bytes);
	fwrite("WAVEfmt ", 1, 8, f);
	put32(f, 16);
	put16(f, format);
	put16(f, w->channels);
	put32(f, w->rate);
	put32(f, w->rate * w->channels * bps);
	put16(f, (uint16_t) (w->channels * bps));
	put16(f, bits);
	fwrite("data", 1, 4, f);
	put32(f, bytes);
	for (size_t i = 0; i < w->n_frames * w->channels; i++) {
		if (format == 3) {
			uint32_t u;
			memcpy(&u, &w->samples[i], sizeof(u));
			put32(f, u);
		} else {
			float v = roundf(w->samples[i] * 32768.0f);
			v = v > 32767.0f ? 32767.0f : v < -32768.0f ? -32768.0f : v;
			put16(f, (uint16_t) (int16_t) v);
		}
	}
	bool failed = ferror(f) != 0;
	if (fclose(f) != 0 || failed) {
		int res = errno ? -errno : -EIO;
		fprintf(stderr, "%s: %s\n", path, strerror(-res));
		return res;
	}
	return 0;
}

int wav_save_float(const char *path, const struct wav *w)
{
	return save(path, w, 3, 32);
}

int wav_save_s16(const char *path, const struct wav *w)
{
	return save(path, w, 1, 16);
}

void wav_free(struct wav *w)
{
	free(w->samples);
	w->samples = NULL;
	w->n_frames = 0;
}
