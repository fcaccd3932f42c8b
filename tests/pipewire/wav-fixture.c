/* SPDX-License-Identifier: MIT */
/* wav-fixture: the synthetic WAVs of wav-intact's self-test.
 *
 *   wav-fixture synth OUT SECONDS [CHANNELS]
 *       48 kHz float: a 200 Hz..4 kHz sweep plus noise, peak about 0.9, different on
 *       each channel and repeating nowhere (so any alignment is unambiguous).
 *   wav-fixture tone OUT SECONDS HZ
 *       48 kHz stereo float: a steady sine at 0.9, the same on both channels (at 1 kHz
 *       it repeats every 48 frames exactly).
 *   wav-fixture music OUT SECONDS
 *       48 kHz stereo float, music-like: a plucked chord every 0.5 s (sudden,
 *       decaying) over noise, with a tremolo; the plucks peak at +6 dBFS.
 *   wav-fixture edit IN OUT OP...
 *       Applies each OP in order and writes float32 (or s16 with --s16):
 *       --gain DB                 times (float)10^(DB/20), no limit (overs stay)
 *       --guard DB[,FRAME:DB]...  through lib/guard.c at ceiling DB, switching to the
 *                                 next ceiling before input frame FRAME; blocks of
 *                                 varying size as graph cycles; the output has the
 *                                 guard's latency in front and its tail flushed
 *       --delay N | --pad N       N frames of silence before | after
 *       --cut N | --cut-start N   drops the last | first N frames
 *       --zero START LEN PERIOD   zeroes LEN frames at START, START + PERIOD, ...
 *       --mute START LEN CH       zeroes channel CH for LEN frames from START
 *       --set FRAME CH VALUE      one sample
 *       --mul FRAME CH FACTOR     one sample times FACTOR
 *       --splice FILE FRAME       frames from FRAME on are FILE's (same channels)
 *       --noise AMP               adds noise, uniform in +-AMP
 *       --s16                     writes 16-bit PCM
 * Exit status: 0 done, 2 usage or file error. */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/guard.h"
#include "tool-args.h"
#include "wav-io.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;

/* Uniform in [-1, 1], the same sequence every run. */
static double noise(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (double) (rng >> 11) / (double) (1ull << 52) - 1.0;
}

static int usage(void)
{
	fprintf(stderr, "usage: wav-fixture synth OUT SECONDS [CHANNELS]\n"
			"       wav-fixture tone OUT SECONDS HZ\n"
			"       wav-fixture music OUT SECONDS\n"
			"       wav-fixture edit IN OUT OP... (see wav-fixture.c)\n");
	return 2;
}

static bool count(const char *s, size_t *v)
{
	double d;
	if (!tool_number(s, &d) || d < 0.0 || d != floor(d))
		return false;
	*v = (size_t) d;
	return true;
}

static int synth(int argc, char **argv)
{
	double secs, chans = 2.0;
	if (argc < 4 || argc > 5 || !tool_number(argv[3], &secs) || secs <= 0.0 ||
	    (argc == 5 && (!tool_number(argv[4], &chans) || chans < 1.0 || chans > 8.0)))
		return usage();

	struct wav w = {.format = 3, .bits = 32, .rate = 48000, .channels = (uint16_t) chans};
	w.n_frames = (size_t) (secs * w.rate);
	if ((w.samples = calloc(w.n_frames * w.channels, sizeof(float))) == NULL)
		return 2;
	for (size_t c = 0; c < w.channels; c++) {
		double phase = 0.7 * (double) c;
		for (size_t k = 0; k < w.n_frames; k++) {
			double f = 200.0 + 3800.0 * (double) k / (double) w.n_frames;
			phase += 2.0 * M_PI * f / w.rate;
			w.samples[k * w.channels + c] = (float) (0.7 * sin(phase) + 0.2 * noise());
		}
	}
	int res = wav_save_float(argv[2], &w);
	wav_free(&w);
	return res < 0 ? 2 : 0;
}

static int tone(int argc, char **argv)
{
	double secs, hz;
	if (argc != 5 || !tool_number(argv[3], &secs) || secs <= 0.0 || !tool_number(argv[4], &hz) ||
	    hz <= 0.0)
		return usage();

	struct wav w = {.format = 3, .bits = 32, .rate = 48000, .channels = 2};
	w.n_frames = (size_t) (secs * w.rate);
	if ((w.samples = calloc(w.n_frames * w.channels, sizeof(float))) == NULL)
		return 2;
	for (size_t k = 0; k < w.n_frames; k++) {
		/* from the frame index, not an accumulated phase: exact repetitions */
		float v = (float) (0.9 * sin(2.0 * M_PI * hz * (double) k / w.rate));
		w.samples[2 * k] = w.samples[2 * k + 1] = v;
	}
	int res = wav_save_float(argv[2], &w);
	wav_free(&w);
	return res < 0 ? 2 : 0;
}

static int music(int argc, char **argv)
{
	static const double notes[] = {110.0, 164.8, 277.2};
	double secs, peak = 0.0;
	if (argc != 4 || !tool_number(argv[3], &secs) || secs <= 0.0)
		return usage();

	struct wav w = {.format = 3, .bits = 32, .rate = 48000, .channels = 2};
	w.n_frames = (size_t) (secs * w.rate);
	if ((w.samples = calloc(w.n_frames * w.channels, sizeof(float))) == NULL)
		return 2;
	double lp[2] = {0.0, 0.0};
	for (size_t k = 0; k < w.n_frames; k++) {
		double t = (double) k / w.rate, since = fmod(t, 0.5), v = 0.0;
		for (size_t n = 0; n < 3; n++)
			v += exp(-since / 0.15) * sin(2.0 * M_PI * notes[n] * since);
		double trem = 1.0 - 0.4 * (0.5 + 0.5 * sin(2.0 * M_PI * 3.0 * t));
		for (size_t c = 0; c < 2; c++) {
			lp[c] += 0.05 * (noise() - lp[c]); /* noise, dark */
			double x = (v * (c ? 0.8 : 1.0) + 2.0 * lp[c]) * trem;
			w.samples[2 * k + c] = (float) x;
			peak = fmax(peak, fabs(x));
		}
	}
	for (size_t i = 0; i < 2 * w.n_frames; i++)
		w.samples[i] = (float) (w.samples[i] * 2.0 / peak);
	int res = wav_save_float(argv[2], &w);
	wav_free(&w);
	return res < 0 ? 2 : 0;
}

/* Frames [at, at + n) of w become silence (inserted) or go (n frames removed). */
static int insert_silence(struct wav *w, size_t at, size_t n)
{
	size_t ch = w->channels;
	float *s = realloc(w->samples, (w->n_frames + n) * ch * sizeof(float) + 1);
	if (s == NULL)
		return -ENOMEM;
	memmove(s + (at + n) * ch, s + at * ch, (w->n_frames - at) * ch * sizeof(float));
	memset(s + at * ch, 0, n * ch * sizeof(float));
	w->samples = s;
	w->n_frames += n;
	return 0;
}

static void remove_frames(struct wav *w, size_t at, size_t n)
{
	size_t ch = w->channels;
	n = n < w->n_frames - at ? n : w->n_frames - at;
	memmove(w->samples + at * ch, w->samples + (at + n) * ch,
		(w->n_frames - at - n) * ch * sizeof(float));
	w->n_frames -= n;
}

/* ceilings a --guard may switch to: enough for a storm of writes (wav-intact --varying) */
#define MAX_SWITCHES 4096

/* --guard DB[,FRAME:DB]...: w through a guard, as a PipeWire module runs it (planar
 * blocks of varying size), D frames of flush appended so its tail comes out. */
static int guard(struct wav *w, const char *spec)
{
	static size_t sw_at[MAX_SWITCHES];
	static double sw_db[MAX_SWITCHES];
	size_t ch = w->channels, n_sw = 0, d;
	double db;
	char *end;
	int res = -EINVAL;

	db = strtod(spec, &end);
	while (*end == ',' && n_sw < MAX_SWITCHES) {
		sw_at[n_sw] = strtoul(end + 1, &end, 10);
		if (*end != ':')
			return -EINVAL;
		sw_db[n_sw++] = strtod(end + 1, &end);
	}
	if (*end != '\0')
		return -EINVAL;

	void *mem = calloc(1, dg_guard_size(w->channels, w->rate));
	struct dg_guard *g = mem ? dg_guard_init(mem, w->channels, w->rate, db) : NULL;
	float *in[8] = {0}, *out[8] = {0};
	size_t n;
	if (g == NULL || ch > 8)
		goto out;
	d = dg_guard_latency_frames(g);
	n = w->n_frames + d;
	res = -ENOMEM;
	for (size_t c = 0; c < ch; c++) {
		if ((in[c] = calloc(n, sizeof(float))) == NULL ||
		    (out[c] = calloc(n, sizeof(float))) == NULL)
			goto out;
		for (size_t k = 0; k < w->n_frames; k++)
			in[c][k] = w->samples[k * ch + c];
	}
	size_t next = 0, block = 1;
	for (size_t off = 0; off < n;) {
		size_t len = block < n - off ? block : n - off;
		/* the switch due here, then the block ends where the next one is due */
		if (next < n_sw && sw_at[next] == off)
			dg_guard_set_ceiling(g, sw_db[next++]);
		if (next < n_sw && sw_at[next] > off && sw_at[next] < off + len)
			len = sw_at[next] - off;
		const float *pi[8];
		float *po[8];
		for (size_t c = 0; c < ch; c++) {
			pi[c] = in[c] + off;
			po[c] = out[c] + off;
		}
		dg_guard_process(g, po, pi, (uint32_t) len);
		off += len;
		block = block * 3 % 1031; /* 1 to 1030 frames, no pattern to lean on */
	}
	res = insert_silence(w, w->n_frames, d);
	for (size_t c = 0; res == 0 && c < ch; c++)
		for (size_t k = 0; k < n; k++)
			w->samples[k * ch + c] = out[c][k];
out:
	for (size_t c = 0; c < 8; c++) {
		free(in[c]);
		free(out[c]);
	}
	free(mem);
	return res;
}

/* --splice FILE FRAME */
static int splice(struct wav *w, const char *path, size_t at)
{
	struct wav o = {0};
	size_t ch = w->channels;
	int res = wav_load(path, &o);

	if (res < 0)
		return res;
	if (o.channels != ch || at > o.n_frames || at > w->n_frames) {
		wav_free(&o);
		return -EINVAL;
	}
	if (o.n_frames > w->n_frames &&
	    (res = insert_silence(w, w->n_frames, o.n_frames - w->n_frames)) < 0) {
		wav_free(&o);
		return res;
	}
	w->n_frames = o.n_frames;
	memcpy(w->samples + at * ch, o.samples + at * ch, (o.n_frames - at) * ch * sizeof(float));
	wav_free(&o);
	return 0;
}

/* One OP at argv[*i]; moves *i past its arguments. */
static int edit_op(struct wav *w, int argc, char **argv, int *i, bool *s16)
{
	const char *op = argv[*i];
	int left = argc - *i - 1;
	size_t ch = w->channels, a, b, p;
	double v;

	if (strcmp(op, "--s16") == 0) {
		*s16 = true;
		return 0;
	}
	if (left < 1)
		return -EINVAL;
	const char *x = argv[++*i];
	if (strcmp(op, "--guard") == 0)
		return guard(w, x);
	if (strcmp(op, "--gain") == 0 && tool_number(x, &v)) {
		float g = (float) pow(10.0, v / 20.0);
		for (size_t k = 0; k < w->n_frames * ch; k++)
			w->samples[k] *= g;
		return 0;
	}
	if (strcmp(op, "--noise") == 0 && tool_number(x, &v)) {
		for (size_t k = 0; k < w->n_frames * ch; k++)
			w->samples[k] += (float) (v * noise());
		return 0;
	}
	if (strcmp(op, "--delay") == 0 && count(x, &a))
		return insert_silence(w, 0, a);
	if (strcmp(op, "--pad") == 0 && count(x, &a))
		return insert_silence(w, w->n_frames, a);
	if (strcmp(op, "--cut") == 0 && count(x, &a) && a <= w->n_frames) {
		w->n_frames -= a;
		return 0;
	}
	if (strcmp(op, "--cut-start") == 0 && count(x, &a) && a <= w->n_frames) {
		remove_frames(w, 0, a);
		return 0;
	}
	if (strcmp(op, "--zero") == 0 && left >= 3 && count(x, &a) && count(argv[*i + 1], &b) &&
	    count(argv[*i + 2], &p) && p > 0) {
		*i += 2;
		for (size_t s = a; s < w->n_frames; s += p)
			for (size_t k = s; k < s + b && k < w->n_frames; k++)
				memset(w->samples + k * ch, 0, ch * sizeof(float));
		return 0;
	}
	if (strcmp(op, "--mute") == 0 && left >= 3 && count(x, &a) && count(argv[*i + 1], &b) &&
	    count(argv[*i + 2], &p) && p < ch) {
		*i += 2;
		for (size_t k = a; k < a + b && k < w->n_frames; k++)
			w->samples[k * ch + p] = 0.0f;
		return 0;
	}
	if ((strcmp(op, "--set") == 0 || strcmp(op, "--mul") == 0) && left >= 3 && count(x, &a) &&
	    count(argv[*i + 1], &b) && tool_number(argv[*i + 2], &v) && a < w->n_frames && b < ch) {
		*i += 2;
		if (op[2] == 's')
			w->samples[a * ch + b] = (float) v;
		else
			w->samples[a * ch + b] *= (float) v;
		return 0;
	}
	if (strcmp(op, "--splice") == 0 && left >= 2 && count(argv[*i + 1], &a)) {
		*i += 1;
		return splice(w, x, a);
	}
	return -EINVAL;
}

static int edit(int argc, char **argv)
{
	struct wav w = {0};
	bool s16 = false;
	int res;

	if (argc < 4)
		return usage();
	if (wav_load(argv[2], &w) < 0)
		return 2;
	for (int i = 4; i < argc; i++) {
		int op = i;
		if ((res = edit_op(&w, argc, argv, &i, &s16)) < 0) {
			fprintf(stderr, "wav-fixture: %s: %s\n", argv[op], strerror(-res));
			wav_free(&w);
			return 2;
		}
	}
	res = s16 ? wav_save_s16(argv[3], &w) : wav_save_float(argv[3], &w);
	wav_free(&w);
	return res < 0 ? 2 : 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "synth") == 0)
		return synth(argc, argv);
	if (argc >= 2 && strcmp(argv[1], "tone") == 0)
		return tone(argc, argv);
	if (argc >= 2 && strcmp(argv[1], "music") == 0)
		return music(argc, argv);
	if (argc >= 2 && strcmp(argv[1], "edit") == 0)
		return edit(argc, argv);
	return usage();
}
