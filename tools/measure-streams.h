/* SPDX-License-Identifier: MIT */
/* dacguardctl measure: the two streams of a run, stereo interleaved F32 at the run's
 * rate, channel for channel. The playback stream plays into the target's play_target
 * what the caller fills in; the capture stream hands over what it receives. A capture of
 * a sink's monitor is linked here, not by the session manager: with WirePlumber 0.5 a
 * capture of a guarded sink would go through the guard (a smart filter) and measure what
 * was played instead of what reached the sink.
 *
 * Both streams process on the main loop (no PW_STREAM_FLAG_RT_PROCESS): the callbacks
 * run on the thread that runs it, as lib/measure-run.h asks of its caller. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <spa/utils/dict.h>
#include <spa/utils/hook.h>

#include "measure-target.h"
#include "port-graph.h"

struct pw_core;
struct pw_stream;

struct measure_streams_events {
	/* fill n stereo frames to play */
	void (*play)(void *data, float *frames, size_t n);
	/* n stereo frames captured */
	void (*capture)(void *data, const float *frames, size_t n);
	/* a stream failed; message is PipeWire's, or NULL */
	void (*error)(void *data, const char *message);
};

struct measure_streams {
	unsigned rate;
	const struct measure_target *target;
	const struct measure_streams_events *events;
	void *data;

	struct pw_stream *play;
	struct spa_hook play_listener;
	struct pw_stream *rec;
	struct spa_hook rec_listener;
	struct dg_port_graph graph;
	struct dg_link_set rec_links;
};

void measure_streams_init(struct measure_streams *s, unsigned rate,
			  const struct measure_target *target,
			  const struct measure_streams_events *events, void *data);
/* Registry events, for the ports a monitor capture is linked to. */
void measure_streams_global(struct measure_streams *s, uint32_t id, const char *type,
			    const struct spa_dict *props);
void measure_streams_global_remove(struct measure_streams *s, uint32_t id);
/* Creates and connects both streams on core, the capture first so that the idle level is
 * read before the first tone plays. 0 or a negative errno. */
int measure_streams_connect(struct measure_streams *s, struct pw_core *core);
void measure_streams_clear(struct measure_streams *s);
