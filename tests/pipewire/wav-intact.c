/* SPDX-License-Identifier: MIT */
/* wav-intact: checks that what reached the DAC is what was played, times the guard's
 * gain, whole: not only its peak (wav-peak does that).
 *
 *   wav-intact PLAYED RECORDED [--gain-db DB]... [--tolerance X] [--gain-slack DB]
 *              [--partial] [--varying DB] [--details N]
 *
 * PLAYED is the file given to the player, RECORDED a recording of the DAC sink's
 * monitor (silence before and after is fine). Both are PCM WAVs (float32, s16, s24,
 * s32; plain or extensible) with the same rate and channel count.
 *
 * Gains: each --gain-db is a ceiling the guard held, in the order they were in force
 * (default one, 0 dB); its gain is g = dg_guard_ceiling_linear(DB), the float
 * (float)10^(DB/20) the guard itself multiplies by. --gain-slack DB: the guard may
 * hold each ceiling up to DB off (the daemon hands ceilings over as %.3f text and as
 * 32-bit floats, and may send one again rounded the other way): each frame's g is then
 * any float of that range. Without it g is one float for all frames of a step.
 *
 * The rules, in terms of played frame k, recorded frame t = k + offset and the gain
 * g in force:
 *  1. Alignment: offset is the lag at which a scaled copy of the played signal best
 *     matches 200 ms of the recording from its first audible frame and the silence
 *     up to 200 ms before it: searched at every lag on the channel sums (FFT), then
 *     within +-4 ms on all channels (wav-align.h); then, within +-4 ms of that, the
 *     lag with the most frames of those 200 ms exactly in place (rule 3), if that is
 *     at least a quarter of them (gaps can tilt a least-squares fit). Printed in
 *     frames and ms.
 *     Nothing audible or nothing that correlates: fail. A recording that starts in
 *     the middle of a signal that repeats (a steady tone) aligns on any repetition:
 *     play a sweep there.
 *  2. Length: every non-zero played frame is in the recording (0 <= t < its length);
 *     with --partial (recorded while it played) any part of it will do; if the
 *     recording started during the playback, from where the last of its channels
 *     starts to sound (a capture stream joining a running sink gets nothing in its
 *     first cycle, and channels linked one by one come in one by one). Either way,
 *     recorded frames outside the played signal are silent (|x| <= 1e-6 + X): nothing
 *     repeated, nothing left over.
 *  3. Exact below the ceiling: every frame outside the limiter's reach (rule 4) has,
 *     on every channel, recorded == played * g in float (with --tolerance X:
 *     |recorded - played * g| <= X). Channels played at |x| <= 1e-30 tell no gain
 *     and need |recorded| <= |played| (+ X).
 *  4. The limiter's reach: played frames from `before` frames ahead of an input over
 *     (|x| > 1.0 on any channel) to `after` frames past it, both measured by running
 *     lib/guard.c on a single over of 1e30 (its lookahead, 1 ms, and the longest
 *     release; about 48 and 4500 frames at 48 kHz). There no sample is above the
 *     ceiling (|recorded| <= g, exactly, + X), and each frame is the played one
 *     times one gain a for all channels (the limiter is linked; as in rule 3, exact
 *     or within X) with 0 < a <= g, changing from frame to frame by at most 2 g /
 *     (D + 1), twice what the limiter's attack can (a D + 1-frame average, D its
 *     lookahead): a dropout, a sample out of place or a click there fails.
 *  5. No dropouts: a run of recorded frames all |x| <= 1e-6 (+ X) is a dropout when
 *     the played signal, through the guard (min(|x|, 1) * g), is above -80 dBFS
 *     (+ 2 X) in any frame of it. Counted with the longest run and where it starts.
 *  6. Gain steps: with several --gain-db, each frame is at the gain in force or moves
 *     on to the next one, once per step and in order; every step must be seen. A
 *     lower gain applies at once (the guard lowers from the next sample). A higher one
 *     ramps as lib/guard.c does for that step (R frames, about 2400 at 48 kHz,
 *     measured on it): the frames seen between the two gains rise and are at most R,
 *     and at least R frames lie between the last at the old gain and the first at the
 *     new one (R/8 fewer with --tolerance or --gain-slack, which blur the ramp's
 *     ends): a jump fails, and so does a slow ramp. A step's frame is the first that
 *     shows it: "transition N at recorded frame T, played frame K". In the limiter's
 *     reach a lower step shows as a jump of the gain (rule 4), a raise not at all:
 *     such a step is placed at the first frame that shows it, said to be ("in the
 *     limiter's reach"), and its ramp is not held to R.
 *  7. A varying gain (--varying LOW, with one --gain-db G): the ceiling was written at
 *     any time, to anything from LOW to G (a storm of writes, the hard ceiling G). In
 *     place of rules 3 and 6, every frame outside the limiter's reach is the played one
 *     times one gain for all channels, from LOW's float to G's (exact, or within X);
 *     from one such frame to the next it drops by any amount (a lower ceiling applies
 *     at once) and rises by at most what the guard's steepest ramp does in as many
 *     frames (measured on lib/guard.c: a raise from its lowest ceiling to 0 dB). Rule
 *     5 counts dropouts where the played signal is above -80 dBFS at LOW. G must hold
 *     in the 200 ms rule 1 aligns on. The summary gives the lowest and highest gain
 *     seen.
 *
 * Output: one summary line on stdout, then the transitions; the first failures of each
 * kind (--details, default 5) on stderr. Exit status: 0 pass, 1 check failed, 2 usage
 * or file error. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guard-timing.h"
#include "intact.h"
#include "tool-args.h"
#include "wav-align.h"
#include "wav-io.h"

static int usage(void)
{
	fprintf(stderr, "usage: wav-intact PLAYED RECORDED [--gain-db DB]... [--tolerance X] "
			"[--gain-slack DB] [--partial] [--varying DB] [--details N]\n");
	return 2;
}

static int parse_args(int argc, char **argv, struct intact_opts *o)
{
	double v;

	o->details = 5;
	for (int i = 3; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--partial") == 0) {
			o->partial = true;
			continue;
		}
		if (i + 1 >= argc || !tool_number(argv[i + 1], &v)) {
			fprintf(stderr, "wav-intact: %s needs a number\n", a);
			return -EINVAL;
		}
		i++;
		if (strcmp(a, "--gain-db") == 0) {
			if (o->n_gains == INTACT_MAX_GAINS || v > 0.0 || v < -120.0) {
				fprintf(stderr,
					"wav-intact: --gain-db %g: at most %d, each in "
					"-120..0\n",
					v, INTACT_MAX_GAINS);
				return -EINVAL;
			}
			o->gain_db[o->n_gains++] = v;
		} else if (strcmp(a, "--tolerance") == 0 && v >= 0.0) {
			o->tolerance = v;
		} else if (strcmp(a, "--gain-slack") == 0 && v >= 0.0 && v <= 1.0) {
			o->gain_slack = v;
		} else if (strcmp(a, "--varying") == 0 && v >= -120.0 && v <= 0.0) {
			o->varying = true;
			o->varying_low_db = v;
		} else if (strcmp(a, "--details") == 0 && v >= 0.0) {
			o->details = (unsigned) v;
		} else {
			fprintf(stderr, "wav-intact: %s %s: unknown option or out of range\n", a,
				argv[i]);
			return -EINVAL;
		}
	}
	if (o->n_gains == 0)
		o->gain_db[o->n_gains++] = 0.0;
	if (o->varying && (o->n_gains != 1 || !(o->varying_low_db < o->gain_db[0]))) {
		fprintf(stderr, "wav-intact: --varying %g: with one --gain-db, above it\n",
			o->varying_low_db);
		return -EINVAL;
	}
	for (size_t i = 1; i < o->n_gains; i++) {
		/* a step must be told from the slack either side of both gains */
		if (!(fabs(o->gain_db[i] - o->gain_db[i - 1]) > 2.0 * o->gain_slack)) {
			fprintf(stderr, "wav-intact: --gain-db %g then %g: not a step\n",
				o->gain_db[i - 1], o->gain_db[i]);
			return -EINVAL;
		}
	}
	return 0;
}

/* What the guard does at this rate: the limiter's reach and each raise's ramp. */
static int measure_guard(uint32_t rate, struct intact_opts *o)
{
	int res = guard_limiter_reach(rate, &o->reach);
	for (size_t i = 0; res == 0 && i + 1 < o->n_gains; i++)
		res = guard_ramp_frames(rate, o->gain_db[i], o->gain_db[i + 1], &o->ramp_frames[i]);
	if (res == 0 && o->varying)
		res = guard_raise_steepest(rate, &o->raise_max);
	if (res < 0)
		fprintf(stderr, "wav-intact: cannot measure the guard at %u Hz: %s\n", rate,
			strerror(-res));
	return res;
}

static void print_summary(const struct intact_opts *o, const struct intact_result *r,
			  const struct wav *played, long offset)
{
	double ms = 1000.0 * (double) offset / played->rate;

	printf("intact: offset %ld frames (%.1f ms), %zu frames, %zu differ, %zu dropouts "
	       "(longest zero run %zu), ",
	       offset, ms, r->frames, r->differ, r->dropouts, r->longest_zero);
	if (o->partial)
		printf("partial (played frames %zu..%zu)", r->first_frame,
		       r->first_frame + r->frames - (r->frames > 0));
	else if (r->missing_start == 0 && r->missing_end == 0)
		printf("length ok");
	else
		printf("length short (%zu frames missing at the start, %zu at the end)",
		       r->missing_start, r->missing_end);
	if (r->extra > 0)
		printf(", %zu extra", r->extra);
	if (r->limited > 0)
		printf(", limiter %zu frames (%zu over, %zu unscaled)", r->limited, r->over,
		       r->unscaled);
	if (o->n_gains > 1)
		printf(", %zu of %zu gain steps", r->n_transitions, o->n_gains - 1);
	if (o->varying && r->gain_hi > 0.0)
		printf(", gain %.3f..%.3f dB", 20.0 * log10(r->gain_lo), 20.0 * log10(r->gain_hi));
	printf("\n");
	for (size_t i = 0; i < r->n_transitions; i++) {
		const struct intact_transition *t = &r->transitions[i];
		printf("transition %zu at recorded frame %zu, played frame %ld (%.3f -> %.3f dB",
		       i + 1, t->rec_frame, t->played_frame, o->gain_db[i], o->gain_db[i + 1]);
		if (t->ramp > 0)
			printf(", ramp %u frames", t->ramp);
		if (t->in_reach)
			printf(", in the limiter's reach");
		printf(")\n");
	}
}

static void print_failures(const struct intact_opts *o, const struct intact_result *r)
{
	if (r->frames == 0)
		fprintf(stderr, "FAIL: no played frame is in the recording\n");
	if (r->differ > 0)
		fprintf(stderr, "FAIL: %zu frames are not the played signal at the gain in force\n",
			r->differ);
	if (r->dropouts > 0)
		fprintf(stderr,
			"FAIL: %zu dropouts, the longest %zu frames from recorded frame %zu\n",
			r->dropouts, r->longest_zero, r->longest_at);
	if (!o->partial && (r->missing_start > 0 || r->missing_end > 0))
		fprintf(stderr, "FAIL: %zu played frames missing at the start, %zu at the end\n",
			r->missing_start, r->missing_end);
	if (r->extra > 0)
		fprintf(stderr, "FAIL: %zu recorded frames of audio outside the played signal\n",
			r->extra);
	if (r->over > 0)
		fprintf(stderr, "FAIL: %zu samples above the ceiling in the limiter's reach\n",
			r->over);
	if (r->unscaled > 0)
		fprintf(stderr,
			"FAIL: %zu frames in the limiter's reach are not the played "
			"signal at a limiter's gain\n",
			r->unscaled);
	if (r->bad_ramps > 0)
		fprintf(stderr, "FAIL: %zu raises did not ramp as the guard does%s\n", r->bad_ramps,
			o->varying ? " (they rose faster)" : "");
	if (r->n_transitions + 1 != o->n_gains)
		fprintf(stderr, "FAIL: %zu of %zu gain steps seen\n", r->n_transitions,
			o->n_gains - 1);
}

int main(int argc, char **argv)
{
	struct intact_opts o = {0};
	struct wav played = {0}, rec = {0};
	struct wav_alignment al;
	struct intact_result r;
	long offset;
	int ret = 2, res;

	if (argc < 3 || parse_args(argc, argv, &o) < 0)
		return usage();
	if (wav_load(argv[1], &played) < 0 || wav_load(argv[2], &rec) < 0)
		goto out;
	if (played.channels != rec.channels || played.rate != rec.rate) {
		fprintf(stderr, "wav-intact: %s has %u channels at %u Hz, %s %u at %u Hz\n",
			argv[1], played.channels, played.rate, argv[2], rec.channels, rec.rate);
		goto out;
	}
	if (measure_guard(played.rate, &o) < 0)
		goto out;
	if ((res = wav_align(&played, &rec, &al)) < 0) {
		if (res != -ENODATA) {
			fprintf(stderr, "wav-intact: alignment: %s\n", strerror(-res));
			goto out;
		}
		printf("intact: no alignment: nothing in the recording is the played signal\n");
		fprintf(stderr, "FAIL: %s holds no audio that correlates with %s\n", argv[2],
			argv[1]);
		ret = 1;
		goto out;
	}
	/* the fit's lag, unless another near it has more frames exactly in place */
	offset = intact_align(&played, &rec, al.offset, (long) rec.rate / 250, &o);
	if ((res = intact_check(&played, &rec, offset, &o, &r)) < 0) {
		fprintf(stderr, "wav-intact: %s\n", strerror(-res));
		goto out;
	}
	print_summary(&o, &r, &played, offset);
	ret = 0;
	if (!intact_passed(&o, &r)) {
		print_failures(&o, &r);
		fprintf(stderr, "(offset %ld frames: coarse lag %ld, least residual %.3g at %ld)\n",
			offset, al.coarse, al.residual, al.offset);
		ret = 1;
	}
out:
	wav_free(&played);
	wav_free(&rec);
	return ret;
}
