/* SPDX-License-Identifier: MIT */
/* The dacguard ALSA plugin, for real and without sound hardware: a private ALSA config puts
 * pcm.dacguard in front of a `file` plugin (raw samples) on a `null` device, this program plays
 * through it with snd_pcm_writei, then reads back what reached the "DAC" and checks that no
 * sample is above the ceiling and that the sound arrived at the level the ceiling promises.
 *
 * Usage: test-alsa-pcm float|s16|s32|config */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <alsa/asoundlib.h>

#include "tests/dg-test.h"

#define RATE     48000
#define CHANNELS 2
#define FRAMES   RATE /* one second */
#define CHUNK    1000

static char dir[] = "/tmp/dacguard-alsa-XXXXXX";

enum signal {
	SIG_SINE,   /* 997 Hz sine at amp, left; 1499 Hz right */
	SIG_SQUARE, /* +-amp, the hardest full-scale signal for an integer format */
	SIG_OVERS,  /* sine at amp with a NaN and infinities in it (float only) */
};

struct result {
	size_t frames;
	double peak;        /* |sample| / full scale, max over all */
	double rms_tail;    /* RMS of the second half, left channel */
	bool finite;
	double *samples;    /* interleaved, normalized */
};

static const char *fmt_name(snd_pcm_format_t f)
{
	return snd_pcm_format_name(f);
}

static double full_scale(snd_pcm_format_t f)
{
	return f == SND_PCM_FORMAT_S16 ? 32768.0 : f == SND_PCM_FORMAT_S32 ? 2147483648.0 : 1.0;
}

/* The guard's promise: fabsf(out) <= (float)10^(ceiling/20). */
static double limit_of(double ceiling_db)
{
	return (double) (float) pow(10.0, ceiling_db / 20.0);
}

static double signal_value(enum signal s, double amp, size_t frame, unsigned ch)
{
	double f = ch == 0 ? 997.0 : 1499.0;

	if (s == SIG_SQUARE)
		return (frame / 24) % 2 ? -amp : amp;
	if (s == SIG_OVERS && ch == 0) {
		if (frame == 1000)
			return NAN;
		if (frame == 2000)
			return INFINITY;
		if (frame == 3000)
			return -INFINITY;
	}
	return amp * sin(2.0 * M_PI * f * (double) frame / RATE);
}

static void put_sample(void *buf, size_t i, snd_pcm_format_t fmt, double v)
{
	double fs = full_scale(fmt);

	if (fmt == SND_PCM_FORMAT_FLOAT) {
		((float *) buf)[i] = (float) v;
		return;
	}
	v = round(v * fs);
	if (v > fs - 1)
		v = fs - 1;
	if (v < -fs)
		v = -fs;
	if (fmt == SND_PCM_FORMAT_S16)
		((int16_t *) buf)[i] = (int16_t) v;
	else
		((int32_t *) buf)[i] = (int32_t) v;
}

static double get_sample(const void *buf, size_t i, snd_pcm_format_t fmt)
{
	if (fmt == SND_PCM_FORMAT_FLOAT)
		return ((const float *) buf)[i];
	if (fmt == SND_PCM_FORMAT_S16)
		return ((const int16_t *) buf)[i] / 32768.0;
	return ((const int32_t *) buf)[i] / 2147483648.0;
}

static void out_path(const char *pcm, char *path, size_t size)
{
	snprintf(path, size, "%s/%s.raw", dir, pcm);
}

/* Plays FRAMES frames of a signal through pcm; returns 0 or a negative ALSA error. */
static int play(const char *pcm_name, snd_pcm_format_t fmt, enum signal s, double amp)
{
	size_t bps = (size_t) snd_pcm_format_physical_width(fmt) / 8;
	char *buf = calloc(CHUNK * CHANNELS, bps);
	char path[512];
	snd_pcm_t *pcm;
	int err;

	out_path(pcm_name, path, sizeof(path));
	unlink(path);
	err = snd_pcm_open(&pcm, pcm_name, SND_PCM_STREAM_PLAYBACK, 0);
	if (err < 0)
		goto out;
	err = snd_pcm_set_params(pcm, fmt, SND_PCM_ACCESS_RW_INTERLEAVED, CHANNELS, RATE, 0,
				 100000);
	if (err < 0)
		goto close;
	for (size_t done = 0; done < FRAMES; done += CHUNK) {
		snd_pcm_sframes_t w;

		for (size_t f = 0; f < CHUNK; f++)
			for (unsigned c = 0; c < CHANNELS; c++)
				put_sample(buf, f * CHANNELS + c, fmt,
					   signal_value(s, amp, done + f, c));
		w = snd_pcm_writei(pcm, buf, CHUNK);
		if (w < 0) {
			err = (int) w;
			goto close;
		}
		if (w != CHUNK) {
			err = -EIO;
			goto close;
		}
	}
	err = snd_pcm_drain(pcm);
close:
	snd_pcm_close(pcm);
out:
	free(buf);
	return err;
}

static int read_result(const char *pcm_name, snd_pcm_format_t fmt, struct result *r)
{
	size_t bps = (size_t) snd_pcm_format_physical_width(fmt) / 8;
	char path[512];
	char *data;
	size_t len, n;
	double sum = 0;
	size_t n_tail = 0;

	memset(r, 0, sizeof(*r));
	out_path(pcm_name, path, sizeof(path));
	FILE *f = fopen(path, "rb");
	if (!f)
		return -errno;
	data = malloc((size_t) FRAMES * 4 * CHANNELS * bps);
	len = fread(data, 1, (size_t) FRAMES * 4 * CHANNELS * bps, f);
	fclose(f);

	n = len / bps;
	r->frames = n / CHANNELS;
	r->finite = true;
	r->samples = calloc(n + 1, sizeof(double));
	for (size_t i = 0; i < n; i++) {
		double v = get_sample(data, i, fmt);

		r->samples[i] = v;
		if (!isfinite(v)) {
			r->finite = false;
			continue;
		}
		r->peak = fmax(r->peak, fabs(v));
		if (i / CHANNELS >= r->frames / 2 && i % CHANNELS == 0) {
			sum += v * v;
			n_tail++;
		}
	}
	r->rms_tail = n_tail ? sqrt(sum / (double) n_tail) : 0;
	free(data);
	return 0;
}

/* Plays, reads back and checks: nothing above the ceiling, everything arrived, and the peak
 * where it should be (expect_peak, within tol_db). */
static void check_case(const char *pcm_name, snd_pcm_format_t fmt, enum signal s, double amp,
		       double ceiling_db, double expect_peak, double tol_db)
{
	double limit = limit_of(ceiling_db);
	struct result r;
	size_t over = 0;
	int err;

	printf("%s %s signal %d amp %.3f ceiling %.2f dB\n", pcm_name, fmt_name(fmt), (int) s,
	       amp, ceiling_db);
	err = play(pcm_name, fmt, s, amp);
	DG_CHECK_INT(err, 0);
	if (err < 0) {
		fprintf(stderr, "  play: %s\n", snd_strerror(err));
		return;
	}
	DG_CHECK_INT(read_result(pcm_name, fmt, &r), 0);
	DG_CHECK_INT(r.frames, FRAMES);
	DG_CHECK(r.finite);
	for (size_t i = 0; i < r.frames * CHANNELS; i++)
		if (fabs(r.samples[i]) > limit)
			over++;
	DG_CHECK_INT(over, 0);
	DG_CHECK(r.peak <= limit);
	/* Sound arrived, at the promised level, and it lasted (not a single spike). */
	DG_CHECK_NEAR(20 * log10(fmax(r.peak, 1e-12)), 20 * log10(expect_peak), tol_db);
	DG_CHECK(r.rms_tail > 0.5 * expect_peak);
	printf("  frames %zu peak %.6f (%.2f dBFS) limit %.6f rms %.6f\n", r.frames, r.peak,
	       20 * log10(fmax(r.peak, 1e-12)), limit, r.rms_tail);
	free(r.samples);
}

static void run_format(snd_pcm_format_t fmt)
{
	const double c = -20.0, g = pow(10.0, c / 20.0);

	/* Full-scale sine: the gain cap puts its peak at the ceiling. */
	check_case("dg_play", fmt, SIG_SINE, 1.0, c, g, 0.1);
	/* Full-scale square: every sample at the extreme. */
	check_case("dg_play", fmt, SIG_SQUARE, 1.0, c, g, 0.1);
	/* -40 dBFS: passes with the ceiling's gain, 20 dB down: -60 dBFS. S16 truncation at
	 * -60 dBFS (32.77 LSB -> 32) costs up to 0.21 dB. */
	check_case("dg_play", fmt, SIG_SINE, 0.01, c, 0.01 * g,
		   fmt == SND_PCM_FORMAT_S16 ? 0.3 : 0.1);
	if (fmt == SND_PCM_FORMAT_FLOAT) {
		/* 12 dB over full scale, with NaN and infinities: the limiter holds the ceiling. */
		check_case("dg_play", fmt, SIG_OVERS, 4.0, c, g, 1.0);
		check_case("dg_play", fmt, SIG_SQUARE, 8.0, c, g, 1.0);
	}
}

/* At a 0 dB ceiling a signal below full scale comes out bit-identical (after the lookahead). */
static void check_transparent(void)
{
	struct result r;
	size_t n = (size_t) FRAMES * CHANNELS, lag = SIZE_MAX;

	DG_CHECK_INT(play("dg_positive", SND_PCM_FORMAT_S16, SIG_SINE, 0.5), 0);
	DG_CHECK_INT(read_result("dg_positive", SND_PCM_FORMAT_S16, &r), 0);
	DG_CHECK_INT(r.frames, FRAMES);
	for (size_t l = 0; l < RATE / 10 && lag == SIZE_MAX; l++) {
		bool same = true;

		for (size_t i = 0; i + l * CHANNELS < n && same; i++) {
			double in = round(signal_value(SIG_SINE, 0.5, i / CHANNELS,
						       (unsigned) (i % CHANNELS)) *
					  32768.0) /
				    32768.0;
			same = r.samples[i + l * CHANNELS] == in;
		}
		if (same)
			lag = l;
	}
	printf("dg_positive: ceiling 6 dB read as 0 dB; identical after %zu frames of lookahead\n",
	       lag);
	DG_CHECK(lag != SIZE_MAX);
	free(r.samples);
}

static void expect_open_fails(const char *pcm_name, snd_pcm_stream_t stream)
{
	snd_pcm_t *pcm;
	int err = snd_pcm_open(&pcm, pcm_name, stream, 0);

	printf("%s: open %s\n", pcm_name, err < 0 ? snd_strerror(err) : "succeeded (wrong)");
	DG_CHECK(err < 0);
	if (err >= 0)
		snd_pcm_close(pcm);
}

static void run_config(void)
{
	/* hard_ceiling_db -26 wins over ceiling_db -6. */
	check_case("dg_hard", SND_PCM_FORMAT_FLOAT, SIG_SINE, 1.0, -26.0, limit_of(-26.0), 0.1);
	/* No ceiling_db: the fail-safe -30 dB. */
	check_case("dg_default", SND_PCM_FORMAT_S32, SIG_SQUARE, 1.0, -30.0, limit_of(-30.0),
		   0.1);
	/* A decimal string value. */
	check_case("dg_string", SND_PCM_FORMAT_S16, SIG_SINE, 1.0, -12.5, limit_of(-12.5), 0.1);
	check_transparent();

	expect_open_fails("dg_bad_value", SND_PCM_STREAM_PLAYBACK);
	expect_open_fails("dg_nan", SND_PCM_STREAM_PLAYBACK);
	expect_open_fails("dg_typo", SND_PCM_STREAM_PLAYBACK);
	expect_open_fails("dg_noslave", SND_PCM_STREAM_PLAYBACK);
	expect_open_fails("dg_play", SND_PCM_STREAM_CAPTURE);
}

static int write_config(void)
{
	static const struct {
		const char *name, *params;
	} pcms[] = {
		{ "dg_play", "ceiling_db -20" },
		{ "dg_hard", "ceiling_db -6 hard_ceiling_db -26" },
		{ "dg_default", "" },
		{ "dg_string", "ceiling_db \"-12.5\"" },
		{ "dg_positive", "ceiling_db 6" },
		{ "dg_bad_value", "ceiling_db \"loud\"" },
		{ "dg_nan", "ceiling_db \"nan\"" },
		{ "dg_typo", "ceiling_dB -20" },
	};
	char path[512], out[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/asound.conf", dir);
	f = fopen(path, "w");
	if (!f)
		return -errno;
	fprintf(f, "<%s/alsa.conf>\n", snd_config_topdir());
	fprintf(f, "pcm_type.dacguard { lib \"%s\" }\n", DG_ALSA_PLUGIN);
	for (size_t i = 0; i < sizeof(pcms) / sizeof(pcms[0]); i++) {
		out_path(pcms[i].name, out, sizeof(out));
		fprintf(f,
			"pcm.%s { type dacguard %s slave.pcm { type file slave.pcm { type null } "
			"file \"%s\" format raw } }\n",
			pcms[i].name, pcms[i].params, out);
	}
	fprintf(f, "pcm.dg_noslave { type dacguard ceiling_db -20 }\n");
	fclose(f);
	/* Read by alsa-lib at the first snd_pcm_open() */
	return setenv("ALSA_CONFIG_PATH", path, 1);
}

static void cleanup(void)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}

int main(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "";

	if (!mkdtemp(dir) || write_config() < 0) {
		perror("test-alsa-pcm: setup");
		return 1;
	}
	if (strcmp(what, "float") == 0)
		run_format(SND_PCM_FORMAT_FLOAT);
	else if (strcmp(what, "s16") == 0)
		run_format(SND_PCM_FORMAT_S16);
	else if (strcmp(what, "s32") == 0)
		run_format(SND_PCM_FORMAT_S32);
	else if (strcmp(what, "config") == 0)
		run_config();
	else {
		fprintf(stderr, "usage: %s float|s16|s32|config\n", argv[0]);
		cleanup();
		return 2;
	}
	if (!getenv("DG_KEEP_TMP"))
		cleanup();
	return dg_test_done("test-alsa-pcm");
}
