/* SPDX-License-Identifier: MIT */
/* dacguard module: the DSP node's process() and what the data thread owns.
 *
 * process() runs once per graph cycle with the cycle's size and rate: it reads one DSP
 * buffer per input port (the sink's monitor: what applications played, after the
 * sink's own volume) and writes exactly that many frames to each output port (the
 * target's inputs), through lib/guard.c. No allocation, lock, syscall or log here;
 * new ceilings arrive by pw_loop_invoke, meters leave through a sequence lock. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <pipewire/filter.h>

#include "dacguard-module.h"

#define PW_LOG_TOPIC_DEFAULT dg_mod_topic

/* Frames of silence and scratch: a cycle longer than this is processed in pieces. */
#define DSP_MAX_FRAMES 8192

/* ---- meters: data thread writes, main loop reads ---- */

static void meters_write(struct meter_seqlock *l, const struct meters *m)
{
	uint32_t seq = atomic_load_explicit(&l->seq, memory_order_relaxed);

	atomic_store_explicit(&l->seq, seq + 1, memory_order_relaxed);
	atomic_thread_fence(memory_order_release);
	l->m = *m;
	atomic_store_explicit(&l->seq, seq + 2, memory_order_release);
}

bool meters_read(struct meter_seqlock *l, struct meters *m)
{
	for (int tries = 0; tries < 8; tries++) {
		uint32_t s1 = atomic_load_explicit(&l->seq, memory_order_acquire);
		if (s1 & 1)
			continue;
		*m = l->m;
		atomic_thread_fence(memory_order_acquire);
		if (atomic_load_explicit(&l->seq, memory_order_relaxed) == s1)
			return true;
	}
	return false;
}

void meters_init(struct meters *m)
{
	*m = (struct meters){
	    .peak_db = SILENCE_DB,
	    .dead_channel = -1,
	};
}

static void dsp_publish(struct guard *g)
{
	struct dsp *d = &g->dsp;
	struct dg_guard_meters gm;
	struct dg_separation_result sr;
	struct meters m;

	dg_guard_take_meters(d->guard, &gm);
	dg_separation_result(&d->sep, &sr);
	dg_separation_reset_window(&d->sep);

	m.peak_db = isfinite(gm.peak_db) ? gm.peak_db : SILENCE_DB;
	m.gain_reduction_db = gm.gain_reduction_db;
	m.correlation = sr.correlation;
	m.imbalance_db = sr.imbalance_db;
	m.crosstalk_db = sr.crosstalk_db;
	m.polarity_inverted = sr.polarity_inverted;
	m.dead_channel = d->channels >= 2 ? sr.dead_channel : -1;
	meters_write(&g->meter_lock, &m);
}

/* ---- data thread ---- */

/* A new graph rate: the guard starts over at it, with the ceiling in force. The memory
 * was sized for the highest rate; this clears a few kilobytes and computes one
 * coefficient, once per rate change. */
static void dsp_retune(struct dsp *d, uint32_t rate)
{
	d->guard = dg_guard_init(d->mem, d->channels, rate, d->ceiling_db);
	d->rate = rate;
	d->window_frames = SPA_MAX(rate / 10, 1u);
	d->window_pos = 0;
	dg_separation_init(&d->sep, rate);
	atomic_store_explicit(&d->rate_seen, rate, memory_order_release);
}

static void dsp_run(struct guard *g, float **out, const float **in, uint32_t n)
{
	struct dsp *d = &g->dsp;

	dg_guard_process(d->guard, out, in, n);
	dg_separation_process(&d->sep, in[0], d->channels >= 2 ? in[1] : NULL, n);
	d->window_pos += n;
	if (d->window_pos >= d->window_frames) {
		dsp_publish(g);
		d->window_pos = 0;
	}
}

void dsp_process(void *data, struct spa_io_position *position)
{
	struct guard *g = data;
	struct dsp *d = &g->dsp;
	const float *in[MAX_CHANNELS];
	float *out[MAX_CHANNELS];
	uint32_t n_frames, rate, done = 0;

	if (position == NULL)
		return;
	n_frames = position->clock.duration;
	rate = position->clock.rate.denom;
	if (rate != d->rate && rate >= DG_GUARD_MIN_RATE && rate <= DG_GUARD_MAX_RATE)
		dsp_retune(d, rate);

	/* One DSP buffer per port, each of the cycle's length; a port without one (not
	 * linked) reads silence or writes to scratch. */
	for (uint32_t c = 0; c < d->channels; c++) {
		in[c] = pw_filter_get_dsp_buffer(g->in_ports[c], n_frames);
		out[c] = pw_filter_get_dsp_buffer(g->out_ports[c], n_frames);
	}
	while (done < n_frames) {
		const float *src[MAX_CHANNELS];
		float *dst[MAX_CHANNELS];
		uint32_t n = SPA_MIN(n_frames - done, d->max_frames);

		for (uint32_t c = 0; c < d->channels; c++) {
			src[c] = in[c] ? in[c] + done : d->zeros;
			dst[c] = out[c] ? out[c] + done : d->scratch;
		}
		if (d->guard != NULL) {
			dsp_run(g, dst, src, n);
		} else {
			/* no usable rate: fail closed, nothing reaches the DAC */
			for (uint32_t c = 0; c < d->channels; c++)
				memset(dst[c], 0, n * sizeof(float));
		}
		done += n;
	}
}

static int do_set_ceiling(struct spa_loop *loop, bool async, uint32_t seq, const void *data,
			  size_t size, void *user_data)
{
	struct guard *g = user_data;
	const double *ceiling = data;

	g->dsp.ceiling_db = *ceiling;
	if (g->dsp.guard != NULL)
		dg_guard_set_ceiling(g->dsp.guard, *ceiling);
	return 0;
}

/* ---- main thread ---- */

void dsp_set_ceiling(struct guard *g, double ceiling_db)
{
	if (g->data_loop == NULL) {
		g->dsp.ceiling_db = ceiling_db;
		return;
	}
	/* blocking: the next block the data thread processes has it */
	pw_loop_invoke(g->data_loop, do_set_ceiling, 0, &ceiling_db, sizeof(ceiling_db), true, g);
}

/* Before the DSP node connects: the data thread does not run it yet. */
int dsp_init(struct guard *g)
{
	struct dsp *d = &g->dsp;
	size_t size = dg_guard_size(g->info.channels, DG_GUARD_MAX_RATE);

	d->channels = g->info.channels;
	d->ceiling_db = g->state.ceiling_db;
	d->max_frames = DSP_MAX_FRAMES;
	if (size == 0)
		return -EINVAL;
	d->mem = calloc(1, size);
	d->zeros = calloc(d->max_frames, sizeof(float));
	d->scratch = calloc(d->max_frames, sizeof(float));
	if (d->mem == NULL || d->zeros == NULL || d->scratch == NULL)
		return -errno;
	return 0;
}

/* After the DSP node is gone: the data thread no longer runs it. */
void dsp_clear(struct guard *g)
{
	struct dsp *d = &g->dsp;

	free(d->mem);
	free(d->zeros);
	free(d->scratch);
	d->mem = d->zeros = d->scratch = NULL;
	d->guard = NULL;
}
