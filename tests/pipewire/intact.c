/* SPDX-License-Identifier: MIT */
/* The frame-by-frame comparison of wav-intact (rules in wav-intact.c). */
#include "intact.h"

#include "gain-range.h"
#include "lib/guard.h"
#include "wav-align.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A recorded frame whose samples are all this small (plus the tolerance) is a zero. */
#define ZERO 1e-6
/* In the limiter's reach the gain may change per frame by this many times the most
 * its attack can (the ceiling's gain over D + 1 frames, D the lookahead). */
#define SLEW_MARGIN 2.0

static double to_db(double v)
{
	return v > 0.0 ? 20.0 * log10(v) : -200.0;
}

/* Gains a step may hold: its ceiling's float, or those of ceilings within the slack. */
static struct gain_range step_gains(const struct intact_opts *o, size_t i)
{
	return (struct gain_range){dg_guard_ceiling_linear(o->gain_db[i] - o->gain_slack),
				   dg_guard_ceiling_linear(o->gain_db[i] + o->gain_slack)};
}

/* One step of a walk over the played frames: *dist counts the frames since the last
 * over met on the walk (SIZE_MAX: none yet); frame k is marked within reach of it. */
static void mark_reach(const struct wav *w, size_t k, size_t reach, size_t *dist, uint8_t *lim)
{
	for (size_t c = 0; c < w->channels; c++)
		if (fabsf(w->samples[k * w->channels + c]) > 1.0f)
			*dist = 0;
	if (*dist <= reach)
		lim[k] = 1;
	if (*dist != SIZE_MAX)
		(*dist)++;
}

/* limited[k]: played frame k is within the limiter's reach of an input over, after
 * it (a forward walk) or before it (the look-ahead: a backward walk). */
static uint8_t *limiter_frames(const struct wav *w, const struct guard_reach *reach)
{
	size_t n = w->n_frames;
	uint8_t *lim = calloc(n ? n : 1, 1);
	size_t since = SIZE_MAX, until = SIZE_MAX;

	if (lim == NULL)
		return NULL;
	for (size_t k = 0; k < n; k++)
		mark_reach(w, k, reach->after, &since, lim);
	for (size_t k = n; k-- > 0;)
		mark_reach(w, k, reach->before, &until, lim);
	return lim;
}

struct walk {
	const struct intact_opts *o;
	struct intact_result *r;
	const struct wav *played, *rec;
	size_t ch;
	long offset;
	double slew; /* the most the limiter's gain moves per frame, over the cap's */

	size_t step;	       /* the gain in force */
	struct gain_range cur; /* what it can be, given the frames so far */
	bool ramping;	       /* a raise to step + 1 under way */
	bool ramp_hidden;      /* part of it in the limiter's reach */
	size_t ramp_start;
	double ramp_floor;
	size_t last_at_gain; /* the last frame seen at the gain in force */
	bool seen_at_gain;

	size_t run_start, run_len; /* the current zero run (recorded frames) */
	bool run_audible;

	bool in_reach;		    /* the last frame was in the limiter's reach */
	bool reach_since;	    /* ... or one since the last frame at the gain in force */
	struct gain_range lim_gain; /* the gain of the last frame there that told one */
	size_t lim_at;

	bool shift_sought; /* since the last frame in place */
	unsigned shown_differ, shown_dropout, shown_over, shown_scaled, shown_ramp, shown_shift;
};

static void end_zero_run(struct walk *w)
{
	struct intact_result *r = w->r;
	if (w->run_len > 0 && w->run_audible) {
		r->dropouts++;
		if (w->run_len > r->longest_zero) {
			r->longest_zero = w->run_len;
			r->longest_at = w->run_start;
		}
		if (w->shown_dropout++ < w->o->details)
			fprintf(stderr,
				"dropout: %zu zero frames from recorded frame %zu (played %ld) "
				"where the played signal is audible\n",
				w->run_len, w->run_start, (long) w->run_start - w->offset);
	}
	w->run_len = 0;
	w->run_audible = false;
}

static bool is_zero(const float *rf, size_t ch, double tol)
{
	for (size_t c = 0; c < ch; c++)
		if (fabsf(rf[c]) > ZERO + tol)
			return false;
	return true;
}

static void zero_run(struct walk *w, size_t t, const float *p, const float *rf, double gain)
{
	double tol = w->o->tolerance;
	bool audible = false;
	/* what the guard makes of it: the limiter brings overs to the ceiling */
	for (size_t c = 0; c < w->ch; c++)
		audible |= fmin(fabsf(p[c]), 1.0) * gain > WAV_AUDIBLE + 2.0 * tol;
	if (!is_zero(rf, w->ch, tol)) {
		end_zero_run(w);
		return;
	}
	if (w->run_len++ == 0)
		w->run_start = t;
	w->run_audible |= audible;
}

/* A recorded frame off its place may be the played signal shifted: frames skipped (or
 * repeated) on the way. Said once per stretch out of place: where it is, if within
 * SHIFT_MAX frames and the next SHIFT_RUN frames (21 ms) agree. */
#define SHIFT_MAX 16384
#define SHIFT_RUN 1024

static void find_shift(struct walk *w, size_t t)
{
	const struct wav *pl = w->played, *rec = w->rec;
	long k = (long) t - w->offset;
	bool zero = true;

	if (w->shift_sought || w->shown_shift >= w->o->details || t + SHIFT_RUN > rec->n_frames)
		return;
	w->shift_sought = true;
	for (size_t c = 0; c < w->ch; c++)
		zero &= rec->samples[t * w->ch + c] == 0.0f;
	if (zero)
		return; /* a dropout: said as such */
	for (long j = 1; j <= SHIFT_MAX; j++) {
		for (int sign = 1; sign >= -1; sign -= 2) {
			long from = k + sign * j;
			struct gain_range g = w->cur;
			bool tells = false;
			if (from < 0 || from + SHIFT_RUN > (long) pl->n_frames)
				continue;
			for (size_t i = 0; i < SHIFT_RUN && !gain_range_empty(g); i++) {
				bool told;
				g = gain_range_and(
				    g, frame_gains(pl->samples + ((size_t) from + i) * w->ch,
						   rec->samples + (t + i) * w->ch, w->ch,
						   w->o->tolerance, &told));
				tells |= told;
			}
			if (!tells || gain_range_empty(g))
				continue;
			w->shown_shift++;
			fprintf(stderr,
				"shift: from recorded frame %zu the recording is played frame %ld, "
				"not %ld: %ld played frames %s\n",
				t, from, k, j, sign > 0 ? "skipped" : "repeated");
			return;
		}
	}
}

static void differ(struct walk *w, size_t t, const float *p, const float *rf)
{
	w->r->differ++;
	find_shift(w, t);
	if (w->shown_differ++ >= w->o->details)
		return;
	size_t c = 0;
	for (size_t i = 1; i < w->ch; i++)
		if (fabsf(p[i]) > fabsf(p[c]))
			c = i;
	float g = dg_guard_ceiling_linear(w->o->gain_db[w->step]);
	fprintf(stderr,
		"differ: recorded frame %zu (played %ld) ch %zu: recorded %.9g, played %.9g * "
		"%.9g (%.4f dB) = %.9g; recorded/played is %.6f dB\n",
		t, (long) t - w->offset, c, rf[c], p[c], g, w->o->gain_db[w->step], p[c] * g,
		to_db(fabs((double) rf[c] / p[c])));
}

static void transition(struct walk *w, size_t t, struct gain_range g)
{
	struct intact_result *r = w->r;
	struct intact_transition *tr = &r->transitions[r->n_transitions++];
	size_t start = w->ramping ? w->ramp_start : t;

	tr->rec_frame = start;
	tr->played_frame = (long) start - w->offset;
	tr->ramp = (uint32_t) (t - start);
	tr->in_reach = w->ramp_hidden || w->in_reach || w->reach_since;
	/* The guard's ramp of L frames starts at the switch: the last frame at the old gain
	 * is before it, the first at the new one L frames after it, and what is seen
	 * ramping lies in between. */
	uint32_t want = w->o->ramp_frames[w->step];
	size_t between = t - w->last_at_gain - 1;
	/* a tolerance or a slack blurs where the ramp leaves and reaches the gains */
	size_t blur = (w->o->tolerance > 0.0 || w->o->gain_slack > 0.0) ? want / 8 : 0;
	bool jumped = w->seen_at_gain && between + blur < want;
	if (!w->ramp_hidden && (tr->ramp > want || jumped)) {
		r->bad_ramps++;
		if (w->shown_ramp++ < w->o->details)
			fprintf(stderr,
				"ramp: the raise to %.4f dB at recorded frame %zu took %u frames "
				"(%zu from the last frame at the old gain), the guard's takes %u\n",
				w->o->gain_db[w->step + 1], start, tr->ramp, between, want);
	}
	w->step++;
	w->cur = w->o->gain_slack > 0.0 ? step_gains(w->o, w->step) : g;
	w->ramping = w->ramp_hidden = false;
	w->last_at_gain = t;
	w->seen_at_gain = true;
	w->reach_since = false;
}

/* In the limiter's reach: never above the ceiling (of this step or, if the switch
 * may fall here, the next), and every frame the played one times one gain (the
 * limiter links the channels) in (0, ceiling], moving no faster than its attack. A
 * jump there is the next step, if there is one. */
static void limited_frame(struct walk *w, size_t t, const float *p, const float *rf)
{
	const struct intact_opts *o = w->o;
	struct intact_result *r = w->r;
	bool tells, has_next = w->step + 1 < o->n_gains;
	double top = step_gains(o, w->step).hi;

	if (has_next)
		top = fmax(top, step_gains(o, w->step + 1).hi);
	r->limited++;
	w->ramp_hidden |= w->ramping;
	w->reach_since = true;
	for (size_t c = 0; c < w->ch; c++) {
		if (!(fabsf(rf[c]) <= top + o->tolerance)) {
			r->over++;
			if (w->shown_over++ < o->details)
				fprintf(stderr,
					"limiter: recorded frame %zu ch %zu: %.6f dBFS above the "
					"ceiling %.6f\n",
					t, c, to_db(fabsf(rf[c])), to_db(top));
		}
	}
	if (!w->in_reach) {
		/* it takes over from the cap's gain, as last seen (its attack may have
		 * started in silence before) */
		w->in_reach = true;
		w->lim_gain = w->seen_at_gain ? w->cur : (struct gain_range){0.0, top};
		w->lim_at = w->seen_at_gain ? w->last_at_gain : t;
	}
	struct gain_range f = frame_gains(p, rf, w->ch, o->tolerance, &tells);
	if (!tells)
		return;
	double move = w->slew * top * (double) (t - w->lim_at);
	bool scaled = !gain_range_empty(f) && f.hi > 0.0 && f.lo <= top;
	bool smooth = f.lo <= w->lim_gain.hi + move && f.hi >= w->lim_gain.lo - move;
	if (scaled && !smooth && has_next) {
		transition(w, t, step_gains(o, w->step + 1));
		smooth = true;
	}
	if (scaled && smooth) {
		w->lim_gain = gain_range_and(f, (struct gain_range){0.0, top});
		w->lim_at = t;
		return;
	}
	r->unscaled++;
	if (w->shown_scaled++ < o->details)
		fprintf(stderr,
			"limiter: recorded frame %zu (played %ld) is not the played frame at a "
			"gain in (0, %.4f dB] near the last (%.4f..%.4f dB at recorded frame "
			"%zu)\n",
			t, (long) t - w->offset, to_db(top), to_db(w->lim_gain.lo),
			to_db(w->lim_gain.hi), w->lim_at);
}

/* A frame outside the limiter's reach: at the gain in force, or stepping to the next
 * one (at once when lower; ramping when higher). */
static void gain_frame(struct walk *w, size_t t, const float *p, const float *rf)
{
	const struct intact_opts *o = w->o;
	bool tells, has_next = w->step + 1 < o->n_gains;
	struct gain_range f = frame_gains(p, rf, w->ch, o->tolerance, &tells);
	struct gain_range next = has_next ? step_gains(o, w->step + 1) : GAIN_NONE;

	if (!tells)
		return;
	if (w->ramping) {
		struct gain_range in_next = gain_range_and(f, next);
		if (!gain_range_empty(in_next)) {
			transition(w, t, in_next);
			return;
		}
		/* rising, never back down, never past the new gain */
		if (!gain_range_empty(f) && f.hi >= w->ramp_floor && f.lo <= next.hi &&
		    gain_range_empty(gain_range_and(f, w->cur))) {
			w->ramp_floor = fmax(w->ramp_floor, f.lo);
			return;
		}
		/* not a ramp after all: its frames were wrong */
		w->r->differ += t - w->ramp_start;
		w->ramping = w->ramp_hidden = false;
	}
	struct gain_range in_cur = gain_range_and(f, w->cur);
	if (!gain_range_empty(in_cur)) {
		/* one gain for the whole step; with a slack, any of its range (the daemon
		 * may send the ceiling again, rounded the other way) */
		if (o->gain_slack == 0.0)
			w->cur = in_cur;
		w->last_at_gain = t;
		w->seen_at_gain = true;
		w->shift_sought = false;
		w->reach_since = false;
		return;
	}
	if (has_next) {
		struct gain_range in_next = gain_range_and(f, next);
		if (!gain_range_empty(in_next)) {
			transition(w, t, in_next);
			return;
		}
		if (next.lo > w->cur.hi && !gain_range_empty(f) && f.lo > w->cur.hi &&
		    f.hi < next.lo) {
			w->ramping = true;
			w->ramp_start = t;
			w->ramp_floor = f.lo;
			return;
		}
	}
	differ(w, t, p, rf);
}

/* --varying (rule 7): a frame at any one gain between the low one and the top, risen
 * from the last frame's by at most the guard's steepest ramp (lowered by any amount). */
static void varying_frame(struct walk *w, size_t t, const float *p, const float *rf)
{
	const struct intact_opts *o = w->o;
	struct intact_result *r = w->r;
	struct gain_range range = {dg_guard_ceiling_linear(o->varying_low_db), step_gains(o, 0).hi};
	bool tells;
	struct gain_range f =
	    gain_range_and(frame_gains(p, rf, w->ch, o->tolerance, &tells), range);

	if (!tells)
		return;
	if (gain_range_empty(f)) {
		differ(w, t, p, rf);
		return;
	}
	/* a float's rounding on top of the measured factor; after the limiter's reach
	 * the gain is its own (rule 4) */
	double most =
	    w->cur.hi * pow(o->raise_max * (1.0 + 0x1p-23), (double) (t - w->last_at_gain));
	if (w->seen_at_gain && !w->reach_since && f.lo > most) {
		r->bad_ramps++;
		if (w->shown_ramp++ < o->details)
			fprintf(stderr,
				"ramp: at recorded frame %zu (played %ld) the gain rose from %.4f "
				"to %.4f dB in %zu frames; the guard's steepest ramp rises %.5f dB "
				"a frame\n",
				t, (long) t - w->offset, to_db(w->cur.hi), to_db(f.lo),
				t - w->last_at_gain, to_db(o->raise_max));
	}
	r->gain_lo = fmin(r->gain_lo, f.lo);
	r->gain_hi = fmax(r->gain_hi, f.hi);
	w->cur = f;
	w->last_at_gain = t;
	w->seen_at_gain = true;
	w->reach_since = false;
	w->shift_sought = false;
}

static void count_length(const struct wav *played, const struct wav *rec, long offset,
			 const struct intact_opts *o, struct intact_result *r)
{
	size_t ch = played->channels;
	long np = (long) played->n_frames, nr = (long) rec->n_frames;

	for (long k = 0; k < np; k++) {
		long t = k + offset;
		if (t >= 0 && t < nr)
			continue;
		for (size_t c = 0; c < ch; c++) {
			if (played->samples[(size_t) k * ch + c] != 0.0f) {
				if (t < 0)
					r->missing_start++;
				else
					r->missing_end++;
				break;
			}
		}
	}
	unsigned shown = 0;
	for (long t = 0; t < nr; t++) {
		if (t >= offset && t < offset + np)
			continue;
		for (size_t c = 0; c < ch; c++) {
			float v = rec->samples[(size_t) t * ch + c];
			if (fabsf(v) > ZERO + o->tolerance) {
				if (shown++ < o->details)
					fprintf(stderr,
						"extra: recorded frame %ld ch %zu holds %.6f dBFS "
						"outside the played signal (recorded frames "
						"%ld..%ld)\n",
						t, c, to_db(fabsf(v)), offset, offset + np - 1);
				r->extra++;
				break;
			}
		}
	}
}

/* Frames of rec [t0, t1) that are played frames at one of the gains, at this lag. */
static size_t exact_frames(const struct wav *played, const struct wav *rec, long lag, size_t t0,
			   size_t t1, const struct intact_opts *o)
{
	size_t n = 0, ch = rec->channels;
	for (size_t t = t0; t < t1; t++) {
		long k = (long) t - lag;
		bool tells;
		if (k < 0 || k >= (long) played->n_frames)
			continue;
		struct gain_range f = frame_gains(played->samples + (size_t) k * ch,
						  rec->samples + t * ch, ch, o->tolerance, &tells);
		for (size_t i = 0; tells && i < o->n_gains; i++) {
			if (!gain_range_empty(gain_range_and(f, step_gains(o, i)))) {
				n++;
				break;
			}
		}
	}
	return n;
}

long intact_align(const struct wav *played, const struct wav *rec, long offset, long span,
		  const struct intact_opts *o)
{
	size_t t0 = offset > 0 ? (size_t) offset : 0, t1;
	while (t0 < rec->n_frames && is_zero(rec->samples + t0 * rec->channels, rec->channels, 0.0))
		t0++;
	t1 = t0 + rec->rate / 5 < rec->n_frames ? t0 + rec->rate / 5 : rec->n_frames;
	long best = offset;
	/* a lag must have a quarter of the stretch in place to count: a frame or two match
	 * anywhere by chance, most where the limiter acts, none at the wrong gain */
	size_t most = exact_frames(played, rec, offset, t0, t1, o);
	most = most > (t1 - t0) / 4 ? most : (t1 - t0) / 4;
	for (long lag = offset - span; lag <= offset + span; lag++) {
		size_t n = lag == offset ? 0 : exact_frames(played, rec, lag, t0, t1, o);
		if (n > most) {
			most = n;
			best = lag;
		}
	}
	return best;
}

int intact_check(const struct wav *played, const struct wav *rec, long offset,
		 const struct intact_opts *o, struct intact_result *r)
{
	size_t ch = played->channels;
	long np = (long) played->n_frames, nr = (long) rec->n_frames;
	long k0 = offset < 0 ? -offset : 0, k1 = nr - offset < np ? nr - offset : np;
	uint8_t *lim = limiter_frames(played, &o->reach);
	struct walk w = {
	    .o = o,
	    .r = r,
	    .played = played,
	    .rec = rec,
	    .ch = ch,
	    .offset = offset,
	    .slew = SLEW_MARGIN / (o->reach.before + 1.0),
	    .cur = step_gains(o, 0),
	};

	memset(r, 0, sizeof(*r));
	r->gain_lo = INFINITY;
	r->gain_hi = 0.0;
	count_length(played, rec, offset, o, r);
	/* A capture stream that joins a running sink gets nothing in its first cycle, and
	 * channels linked one by one come in one by one: a recording started during the
	 * playback starts where the last of its channels starts to sound (a channel
	 * that never does is checked as it is). One started before it has no excuse. */
	for (size_t c = 0; o->partial && offset < 0 && c < ch; c++) {
		long t = 0;
		while (t < nr && fabsf(rec->samples[(size_t) t * ch + c]) <= ZERO + o->tolerance)
			t++;
		if (t < nr && t - offset > k0)
			k0 = t - offset;
	}
	if (lim == NULL)
		return -ENOMEM;
	r->first_frame = (size_t) k0;
	r->frames = k1 > k0 ? (size_t) (k1 - k0) : 0;
	for (long k = k0; k < k1; k++) {
		size_t t = (size_t) (k + offset);
		const float *p = played->samples + (size_t) k * ch;
		const float *rf = rec->samples + t * ch;

		/* a dropout is silence where audible at the step's gain (--varying: the lowest) */
		double low_db = o->varying ? o->varying_low_db : o->gain_db[w.step];

		zero_run(&w, t, p, rf, dg_guard_ceiling_linear(low_db));
		if (lim[k]) {
			limited_frame(&w, t, p, rf);
			continue;
		}
		w.in_reach = false;
		if (o->varying)
			varying_frame(&w, t, p, rf);
		else
			gain_frame(&w, t, p, rf);
	}
	end_zero_run(&w);
	free(lim);
	return 0;
}

bool intact_passed(const struct intact_opts *o, const struct intact_result *r)
{
	bool length = o->partial || (r->missing_start == 0 && r->missing_end == 0);
	return r->frames > 0 && length && r->differ == 0 && r->dropouts == 0 && r->extra == 0 &&
	       r->over == 0 && r->unscaled == 0 && r->bad_ramps == 0 &&
	       r->n_transitions + 1 == o->n_gains;
}
