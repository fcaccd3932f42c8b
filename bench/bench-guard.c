/* SPDX-License-Identifier: MIT */
/* Cost of the guard (dg_guard_process + dg_separation_process) per stereo frame at
 * 48 kHz, against memcpy of the same buffers and two LADSPA limiters loaded into the
 * same process: swh fast_lookahead_limiter and LSP limiter_stereo. Prints a table
 * and the ratio guard / faster limiter (target <= 0.20). Always exits 0.
 *
 * Built for a noisy machine: pinned to one CPU, the candidates are interleaved in
 * rounds (guard, swh, lsp, memcpy, again), so a slow spell hits all of them, and each
 * is judged by its fastest round (the least disturbed); the median of the per-round
 * ratios is printed as a cross-check. */
#include "lib/guard.h"
#include "lib/separation.h"

#include <dlfcn.h>
#include <glob.h>
#include <math.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef DG_HAVE_LADSPA
#include <ladspa.h>
#endif

#define RATE 48000
#define LEN (2 * RATE) /* 2 s of music-like signal */
#define ROUNDS 81 /* per block size; a round is one pass over the signal per candidate */
#define WARMUP 3
#define TARGET 0.20
#define CEILING_DB (-1.0)

static float in_l[LEN], in_r[LEN], out_l[LEN], out_r[LEN];

/* Chords of slowly swelling partials, a little noise, and a kick every 0.5 s whose
 * peak goes over full scale now and then (roughly one kick in three). */
static void make_signal(void)
{
	uint64_t s = 0x853c49e6748fea9bull;
	for (uint32_t i = 0; i < LEN; i++) {
		double t = (double) i / RATE;
		double env = 0.5 + 0.2 * sin(2 * M_PI * 0.3 * t);
		double v = 0.0;
		static const double f[] = {110.0, 164.8, 220.0, 277.2, 329.6, 440.0};
		for (int k = 0; k < 6; k++)
			v += sin(2 * M_PI * f[k] * t + k) / (k + 2);
		s ^= s << 13;
		s ^= s >> 7;
		s ^= s << 17;
		double nz = ((double) (s >> 40) / 8388608.0 - 1.0) * 0.02;
		double tk = fmod(t, 0.5);
		int beat = (int) (t / 0.5);
		double kick_amp = beat % 3 == 1 ? 1.3 : 0.6;
		double kick = kick_amp * exp(-tk * 40.0) * sin(2 * M_PI * 60.0 * tk);
		in_l[i] = (float) (env * v * 0.6 + nz + kick);
		in_r[i] = (float) (env * v * 0.5 - nz + kick * 0.9);
	}
}

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

typedef void (*run_fn)(void *ctx, uint32_t off, uint32_t n);

/* One pass over the buffers in blocks, ns per stereo frame. */
static double one_pass(run_fn fn, void *ctx, uint32_t block)
{
	double t0 = now_ns();
	for (uint32_t off = 0; off + block <= LEN; off += block)
		fn(ctx, off, block);
	return (now_ns() - t0) / (LEN / block * block);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *) a, y = *(const double *) b;
	return x < y ? -1 : x > y;
}

static double median(const double *v, int n)
{
	double s[ROUNDS];
	memcpy(s, v, (size_t) n * sizeof(*s));
	qsort(s, (size_t) n, sizeof(*s), cmp_double);
	return n % 2 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
}

static double minimum(const double *v, int n)
{
	double m = v[0];
	for (int i = 1; i < n; i++)
		m = v[i] < m ? v[i] : m;
	return m;
}

/* Pins the process to the CPU it runs on: no migrations between candidates. */
static int pin_cpu(void)
{
	int cpu = sched_getcpu();
	if (cpu < 0)
		return -1;
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) == 0 ? cpu : -1;
}

static void run_memcpy(void *ctx, uint32_t off, uint32_t n)
{
	(void) ctx;
	memcpy(out_l + off, in_l + off, n * sizeof(float));
	memcpy(out_r + off, in_r + off, n * sizeof(float));
	/* Keep the copy from being optimised away. */
	__asm__ volatile("" : : "r"(out_l), "r"(out_r) : "memory");
}

struct guard_ctx {
	struct dg_guard *g;
	struct dg_separation sep;
	const float *l, *r; /* the input */
};

static void run_guard(void *ctx, uint32_t off, uint32_t n)
{
	struct guard_ctx *c = ctx;
	const float *in[2] = {c->l + off, c->r + off};
	float *out[2] = {out_l + off, out_r + off};
	dg_guard_process(c->g, out, in, n);
	dg_separation_process(&c->sep, out[0], out[1], n);
}

#ifdef DG_HAVE_LADSPA
struct ladspa_ctx {
	const LADSPA_Descriptor *d;
	LADSPA_Handle h;
	LADSPA_Data ctl[128];
	const char *label;
	char path[512];
};

static LADSPA_Data port_default(const LADSPA_PortRangeHint *h)
{
	LADSPA_PortRangeHintDescriptor hd = h->HintDescriptor;
	float lo = h->LowerBound, hi = h->UpperBound;
	bool lg = LADSPA_IS_HINT_LOGARITHMIC(hd) && lo > 0.0f;
	switch (hd & LADSPA_HINT_DEFAULT_MASK) {
	case LADSPA_HINT_DEFAULT_MINIMUM:
		return lo;
	case LADSPA_HINT_DEFAULT_LOW:
		return lg ? expf(logf(lo) * 0.75f + logf(hi) * 0.25f) : lo * 0.75f + hi * 0.25f;
	case LADSPA_HINT_DEFAULT_MIDDLE:
		return lg ? sqrtf(lo * hi) : 0.5f * (lo + hi);
	case LADSPA_HINT_DEFAULT_HIGH:
		return lg ? expf(logf(lo) * 0.25f + logf(hi) * 0.75f) : lo * 0.25f + hi * 0.75f;
	case LADSPA_HINT_DEFAULT_MAXIMUM:
		return hi;
	case LADSPA_HINT_DEFAULT_0:
		return 0.0f;
	case LADSPA_HINT_DEFAULT_1:
		return 1.0f;
	case LADSPA_HINT_DEFAULT_100:
		return 100.0f;
	case LADSPA_HINT_DEFAULT_440:
		return 440.0f;
	default:
		return LADSPA_IS_HINT_BOUNDED_BELOW(hd) ? lo : 0.0f;
	}
}

/* The settings asked for: input gain 0 dB, limit -1 dB, release 0.05 s (clamped to
 * the port's range), everything else at its default. */
static LADSPA_Data port_value(const char *name, const LADSPA_PortRangeHint *h)
{
	LADSPA_Data v = port_default(h);
	float lim_g = powf(10.0f, (float) CEILING_DB / 20.0f);
	if (strcmp(name, "Input gain (dB)") == 0)
		v = 0.0f;
	else if (strcmp(name, "Limit (dB)") == 0)
		v = (float) CEILING_DB;
	else if (strcmp(name, "Release time (s)") == 0)
		v = 0.05f;
	else if (strcmp(name, "Input gain (G)") == 0 || strcmp(name, "Output gain (G)") == 0)
		v = 1.0f;
	else if (strcmp(name, "Threshold (G)") == 0)
		v = lim_g;
	else if (strstr(name, "Release time (ms)"))
		v = 50.0f;
	else if (strcmp(name, "Bypass") == 0)
		v = 0.0f;
	if (LADSPA_IS_HINT_BOUNDED_ABOVE(h->HintDescriptor) && v > h->UpperBound)
		v = h->UpperBound;
	if (LADSPA_IS_HINT_BOUNDED_BELOW(h->HintDescriptor) && v < h->LowerBound)
		v = h->LowerBound;
	return v;
}

static bool ladspa_open(struct ladspa_ctx *c, const char *pattern, const char *label)
{
	glob_t gl;
	memset(c, 0, sizeof(*c));
	c->label = label;
	if (glob(pattern, 0, NULL, &gl) != 0 || gl.gl_pathc == 0)
		return false;
	snprintf(c->path, sizeof(c->path), "%s", gl.gl_pathv[gl.gl_pathc - 1]);
	globfree(&gl);

	void *so = dlopen(c->path, RTLD_NOW | RTLD_LOCAL);
	if (!so)
		return false;
	/* POSIX guarantees dlsym results convert to function pointers; ISO C does not. */
	LADSPA_Descriptor_Function df;
	void *sym = dlsym(so, "ladspa_descriptor");
	memcpy(&df, &sym, sizeof(df));
	if (!df)
		return false;
	for (unsigned long i = 0; (c->d = df(i)) != NULL; i++)
		if (strcmp(c->d->Label, label) == 0)
			break;
	if (!c->d || c->d->PortCount > 128)
		return false;
	c->h = c->d->instantiate(c->d, RATE);
	if (!c->h)
		return false;

	int ain = 0, aout = 0;
	for (unsigned long p = 0; p < c->d->PortCount; p++) {
		LADSPA_PortDescriptor pd = c->d->PortDescriptors[p];
		if (LADSPA_IS_PORT_AUDIO(pd)) {
			/* Offsets are set per block in run_ladspa; the first two of each. */
			if (LADSPA_IS_PORT_INPUT(pd))
				ain++;
			else
				aout++;
			continue;
		}
		c->ctl[p] = LADSPA_IS_PORT_INPUT(pd)
				    ? port_value(c->d->PortNames[p], &c->d->PortRangeHints[p])
				    : 0.0f;
		c->d->connect_port(c->h, p, &c->ctl[p]);
	}
	if (ain != 2 || aout != 2)
		return false;
	if (c->d->activate)
		c->d->activate(c->h);
	return true;
}

static void run_ladspa(void *ctx, uint32_t off, uint32_t n)
{
	struct ladspa_ctx *c = ctx;
	int ain = 0, aout = 0;
	for (unsigned long p = 0; p < c->d->PortCount; p++) {
		LADSPA_PortDescriptor pd = c->d->PortDescriptors[p];
		if (!LADSPA_IS_PORT_AUDIO(pd))
			continue;
		if (LADSPA_IS_PORT_INPUT(pd))
			c->d->connect_port(c->h, p, (ain++ ? in_r : in_l) + off);
		else
			c->d->connect_port(c->h, p, (aout++ ? out_r : out_l) + off);
	}
	c->d->run(c->h, n);
}

static void print_ports(const struct ladspa_ctx *c)
{
	printf("  %s [%s]: ", c->d->Name, c->path);
	for (unsigned long p = 0; p < c->d->PortCount; p++) {
		LADSPA_PortDescriptor pd = c->d->PortDescriptors[p];
		if (LADSPA_IS_PORT_CONTROL(pd) && LADSPA_IS_PORT_INPUT(pd) &&
		    (strstr(c->d->PortNames[p], "gain") || strstr(c->d->PortNames[p], "Limit") ||
		     strstr(c->d->PortNames[p], "Threshold") || strstr(c->d->PortNames[p], "Release")))
			printf("%s=%g; ", c->d->PortNames[p], c->ctl[p]);
	}
	printf("\n");
}
#endif

enum { C_GUARD, C_SWH, C_LSP, C_MEMCPY, C_COUNT };

struct cand {
	const char *name;
	run_fn fn;
	void *ctx;
	bool ok;
	double t[ROUNDS];
	double best, med;
};

static void fmt_ns(char *buf, size_t size, const struct cand *c)
{
	if (c->ok)
		snprintf(buf, size, "%.2f (%.2f)", c->best, c->med);
	else
		snprintf(buf, size, "skipped");
}

/* Denormal input, as a plugin's decaying tail without flush-to-zero hands it over: the
 * same signal at 1e-39 of its level against the normal one, rounds interleaved. dacguard
 * sets no FTZ/DAZ of its own (the thread is its host's); this shows what that costs. */
static void bench_denormals(const struct guard_ctx *gc)
{
	static float den_l[LEN], den_r[LEN];
	struct guard_ctx normal = *gc, den = *gc;
	double tn[ROUNDS], td[ROUNDS];

	for (uint32_t i = 0; i < LEN; i++) {
		den_l[i] = in_l[i] * 1e-39f;
		den_r[i] = in_r[i] * 1e-39f;
	}
	den.l = den_l;
	den.r = den_r;
	for (int w = 0; w < WARMUP; w++) {
		one_pass(run_guard, &normal, 1024);
		one_pass(run_guard, &den, 1024);
	}
	for (int r = 0; r < ROUNDS; r++) {
		tn[r] = one_pass(run_guard, &normal, 1024);
		td[r] = one_pass(run_guard, &den, 1024);
	}
	printf("\ndenormal input, 1024-frame blocks: guard %.2f ns per stereo frame, %.2f on the "
	       "normal signal: ratio %.2f\n",
	       minimum(td, ROUNDS), minimum(tn, ROUNDS), minimum(td, ROUNDS) / minimum(tn, ROUNDS));
}

int main(void)
{
	static const uint32_t blocks[] = {1024, 32};
	const char *ladspa_dir = getenv("DG_LADSPA_DIR");
	if (!ladspa_dir)
		ladspa_dir = "/usr/lib/ladspa";

	make_signal();
	uint32_t overs = 0;
	for (uint32_t i = 0; i < LEN; i++)
		overs += fabsf(in_l[i]) > 1.0f || fabsf(in_r[i]) > 1.0f;
	int cpu = pin_cpu();
	printf("bench-guard: 48 kHz stereo, %d s music-like signal, %.2f%% of frames over full "
	       "scale, ceiling %.1f dB\n",
	       LEN / RATE, 100.0 * overs / LEN, CEILING_DB);
	printf("  %d interleaved rounds per block size after %d warm-up passes; ", ROUNDS, WARMUP);
	if (cpu >= 0)
		printf("pinned to CPU %d\n", cpu);
	else
		printf("not pinned (sched_setaffinity failed)\n");

	void *mem = calloc(1, dg_guard_size(2, RATE));
	struct guard_ctx gc;
	gc.g = dg_guard_init(mem, 2, RATE, CEILING_DB);
	dg_separation_init(&gc.sep, RATE);
	gc.l = in_l;
	gc.r = in_r;

	struct cand cands[C_COUNT] = {
		[C_GUARD] = {.name = "guard", .fn = run_guard, .ctx = &gc, .ok = true},
		[C_SWH] = {.name = "swh"},
		[C_LSP] = {.name = "lsp"},
		[C_MEMCPY] = {.name = "memcpy", .fn = run_memcpy, .ok = true},
	};
#ifdef DG_HAVE_LADSPA
	struct ladspa_ctx swh, lsp;
	char pat[600];
	snprintf(pat, sizeof(pat), "%s/fast_lookahead_limiter_1913.so", ladspa_dir);
	cands[C_SWH].ok = ladspa_open(&swh, pat, "fastLookaheadLimiter");
	snprintf(pat, sizeof(pat), "%s/lsp-plugins-ladspa*.so", ladspa_dir);
	cands[C_LSP].ok =
		ladspa_open(&lsp, pat, "http://lsp-plug.in/plugins/ladspa/limiter_stereo");
	cands[C_SWH].fn = cands[C_LSP].fn = run_ladspa;
	cands[C_SWH].ctx = &swh;
	cands[C_LSP].ctx = &lsp;
	if (cands[C_SWH].ok)
		print_ports(&swh);
	if (cands[C_LSP].ok)
		print_ports(&lsp);
#else
	(void) ladspa_dir;
#endif

	printf("\nns per stereo frame: fastest round (median round)\n");
	printf("%-6s %15s %15s %15s %15s %12s %10s %10s\n", "block", "memcpy", "guard", "swh", "lsp",
	       "guard/memcpy", "guard/swh", "guard/lsp");
	for (size_t b = 0; b < sizeof(blocks) / sizeof(blocks[0]); b++) {
		uint32_t bl = blocks[b];
		dg_guard_reset(gc.g);
		for (int w = 0; w < WARMUP; w++)
			for (int c = 0; c < C_COUNT; c++)
				if (cands[c].ok)
					one_pass(cands[c].fn, cands[c].ctx, bl);
		for (int r = 0; r < ROUNDS; r++)
			for (int c = 0; c < C_COUNT; c++)
				if (cands[c].ok)
					cands[c].t[r] = one_pass(cands[c].fn, cands[c].ctx, bl);
		for (int c = 0; c < C_COUNT; c++) {
			if (!cands[c].ok)
				continue;
			cands[c].best = minimum(cands[c].t, ROUNDS);
			cands[c].med = median(cands[c].t, ROUNDS);
		}

		char col[C_COUNT][32], rat[2][16];
		for (int c = 0; c < C_COUNT; c++)
			fmt_ns(col[c], sizeof(col[c]), &cands[c]);
		for (int k = 0; k < 2; k++) {
			const struct cand *peer = &cands[k ? C_LSP : C_SWH];
			if (peer->ok)
				snprintf(rat[k], sizeof(rat[k]), "%.3f",
					 cands[C_GUARD].best / peer->best);
			else
				snprintf(rat[k], sizeof(rat[k]), "skipped");
		}
		printf("%-6u %15s %15s %15s %15s %12.2f %10s %10s\n", bl, col[C_MEMCPY],
		       col[C_GUARD], col[C_SWH], col[C_LSP],
		       cands[C_GUARD].best / cands[C_MEMCPY].best, rat[0], rat[1]);

		/* The faster limiter by its fastest round; the paired ratios compare rounds
		 * taken a moment apart, so slow drifts of the clock cancel. */
		int fast = -1;
		if (cands[C_SWH].ok)
			fast = C_SWH;
		if (cands[C_LSP].ok && (fast < 0 || cands[C_LSP].best < cands[fast].best))
			fast = C_LSP;
		if (fast < 0) {
			printf("       guard / faster limiter: skipped (no peer plugin)\n");
			continue;
		}
		double paired[ROUNDS];
		for (int r = 0; r < ROUNDS; r++)
			paired[r] = cands[C_GUARD].t[r] / cands[fast].t[r];
		double ratio = cands[C_GUARD].best / cands[fast].best;
		double pm = median(paired, ROUNDS);
		printf("       guard / faster limiter (%s) = %.3f, median of paired rounds %.3f "
		       "(target <= %.2f: %s, margin %.0f%%)\n",
		       cands[fast].name, ratio, pm, TARGET, ratio <= TARGET ? "met" : "NOT met",
		       100.0 * (1.0 - ratio / TARGET));
	}
	bench_denormals(&gc);

	struct dg_guard_meters m;
	dg_guard_take_meters(gc.g, &m);
	printf("\nguard: latency %u frames, deepest gain reduction %.2f dB, safety clamps %llu\n",
	       dg_guard_latency_frames(gc.g), m.gain_reduction_db,
	       (unsigned long long) dg_guard_clamp_count(gc.g));
	free(mem);
	return 0;
}
