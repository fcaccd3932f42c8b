/* SPDX-License-Identifier: MIT */
/* wav-peak: checks a recording made through a guard.
 *
 *   wav-peak FILE [--max-db DB] [--expect-db DB] [--tolerance DB] [--skip-ms MS]
 *       Reads a PCM WAV (float32, s16, s24, s32; plain or extensible) and prints
 *       "peak-db <dB> samples <n> over <n>" plus the peak of each channel.
 *       --max-db: fail when any sample is above DB (ceiling; a relative slack of
 *       1e-6, about 0.00001 dB, for float rounding of the ceiling itself);
 *       --expect-db: fail unless the peak is within --tolerance (default 1 dB) of
 *       DB: the audio has to have arrived, silence can't pass;
 *       --skip-ms: ignore the first MS milliseconds when checking --expect-db.
 *   wav-peak --scale GAIN_DB IN OUT
 *       Writes IN scaled by GAIN_DB as float32 WAV, without clipping (sox can't
 *       write float samples above full scale).
 *
 * Exit status: 0 pass, 1 check failed, 2 usage or file error. */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct wav {
	uint16_t format; /* 1 PCM, 3 float */
	uint16_t channels;
	uint32_t rate;
	uint16_t bits;
	size_t n_frames;
	float *samples; /* interleaved, normalised to full scale = 1.0 */
};

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

static int wav_load(const char *path, struct wav *w)
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

static int wav_save_float(const char *path, const struct wav *w)
{
	FILE *f = fopen(path, "wb");
	uint32_t bytes = (uint32_t) (w->n_frames * w->channels * 4);

	if (f == NULL) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -errno;
	}
	fwrite("RIFF", 1, 4, f);
	put32(f, 36 + bytes);
	fwrite("WAVEfmt ", 1, 8, f);
	put32(f, 16);
	put16(f, 3);
	put16(f, w->channels);
	put32(f, w->rate);
	put32(f, w->rate * w->channels * 4);
	put16(f, (uint16_t) (w->channels * 4));
	put16(f, 32);
	fwrite("data", 1, 4, f);
	put32(f, bytes);
	for (size_t i = 0; i < w->n_frames * w->channels; i++) {
		uint32_t u;
		memcpy(&u, &w->samples[i], sizeof(u));
		put32(f, u);
	}
	if (fclose(f) != 0)
		return -errno;
	return 0;
}

static double to_db(double v)
{
	return v > 0.0 ? 20.0 * log10(v) : -200.0;
}

static int usage(void)
{
	fprintf(stderr, "usage: wav-peak FILE [--max-db DB] [--expect-db DB] [--tolerance DB] "
			"[--skip-ms MS]\n"
			"       wav-peak --scale GAIN_DB IN OUT\n");
	return 2;
}

static int parse_double(const char *s, double *v)
{
	char *end;
	errno = 0;
	*v = strtod(s, &end);
	return (errno != 0 || end == s || *end != '\0' || !isfinite(*v)) ? -EINVAL : 0;
}

static int scale(int argc, char **argv)
{
	struct wav w = {0};
	double gain_db;

	if (argc != 5 || parse_double(argv[2], &gain_db) < 0)
		return usage();
	if (wav_load(argv[3], &w) < 0)
		return 2;
	float g = (float) pow(10.0, gain_db / 20.0);
	for (size_t i = 0; i < w.n_frames * w.channels; i++)
		w.samples[i] *= g;
	w.format = 3;
	w.bits = 32;
	int res = wav_save_float(argv[4], &w);
	free(w.samples);
	return res < 0 ? 2 : 0;
}

int main(int argc, char **argv)
{
	struct wav w = {0};
	double max_db = NAN, expect_db = NAN, tolerance = 1.0, skip_ms = 0.0;
	double peak = 0.0, peak_checked = 0.0, ch_peak[64] = {0};
	size_t over = 0, skip;
	int ret = 0;

	if (argc >= 2 && strcmp(argv[1], "--scale") == 0)
		return scale(argc, argv);
	if (argc < 2)
		return usage();
	for (int i = 2; i < argc; i += 2) {
		double *dst = NULL;
		if (strcmp(argv[i], "--max-db") == 0)
			dst = &max_db;
		else if (strcmp(argv[i], "--expect-db") == 0)
			dst = &expect_db;
		else if (strcmp(argv[i], "--tolerance") == 0)
			dst = &tolerance;
		else if (strcmp(argv[i], "--skip-ms") == 0)
			dst = &skip_ms;
		if (dst == NULL || i + 1 >= argc || parse_double(argv[i + 1], dst) < 0)
			return usage();
	}
	if (wav_load(argv[1], &w) < 0)
		return 2;

	double limit = isnan(max_db) ? INFINITY : pow(10.0, max_db / 20.0) * (1.0 + 1e-6);
	skip = (size_t) (skip_ms * w.rate / 1000.0);
	for (size_t f = 0; f < w.n_frames; f++) {
		for (size_t c = 0; c < w.channels; c++) {
			double v = fabs((double) w.samples[f * w.channels + c]);
			if (isnan(v)) {
				over++; /* a NaN is never safe */
				continue;
			}
			if (v > limit) {
				if (over < 5)
					fprintf(stderr, "frame %zu ch %zu: %.3f dBFS above %.3f\n",
						f, c, to_db(v), max_db);
				over++;
			}
			peak = fmax(peak, v);
			if (c < 64)
				ch_peak[c] = fmax(ch_peak[c], v);
			if (f >= skip)
				peak_checked = fmax(peak_checked, v);
		}
	}
	printf("peak-db %.3f samples %zu over %zu rate %u channels %u\n", to_db(peak),
	       w.n_frames * w.channels, over, w.rate, w.channels);
	for (size_t c = 0; c < w.channels && c < 64; c++)
		printf("channel %zu peak-db %.3f\n", c, to_db(ch_peak[c]));

	if (!isnan(max_db) && over > 0) {
		fprintf(stderr, "FAIL: %zu samples above the ceiling %.2f dBFS (peak %.3f)\n", over,
			max_db, to_db(peak));
		ret = 1;
	}
	if (!isnan(expect_db) && fabs(to_db(peak_checked) - expect_db) > tolerance) {
		fprintf(stderr, "FAIL: peak %.3f dBFS, expected %.2f +- %.2f (%zu frames)\n",
			to_db(peak_checked), expect_db, tolerance, w.n_frames);
		ret = 1;
	}
	free(w.samples);
	return ret;
}
