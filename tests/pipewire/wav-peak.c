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
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tool-args.h"
#include "wav-io.h"

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

static int scale(int argc, char **argv)
{
	struct wav w = {0};
	double gain_db;

	if (argc != 5 || !tool_number(argv[2], &gain_db))
		return usage();
	if (wav_load(argv[3], &w) < 0)
		return 2;
	float g = (float) pow(10.0, gain_db / 20.0);
	for (size_t i = 0; i < w.n_frames * w.channels; i++)
		w.samples[i] *= g;
	w.format = 3;
	w.bits = 32;
	int res = wav_save_float(argv[4], &w);
	wav_free(&w);
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
		if (dst == NULL || i + 1 >= argc || !tool_number(argv[i + 1], dst))
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
	wav_free(&w);
	return ret;
}
