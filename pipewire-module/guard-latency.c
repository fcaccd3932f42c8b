/* SPDX-License-Identifier: MIT */
/* dacguard module: the latency a guard adds, reported once.
 *
 * The guard adds its limiter's lookahead and nothing else (no graph cycle: the sink,
 * the DSP node and the target run in the same cycle). The DSP node publishes the
 * lookahead as its ProcessLatency and does its own latency sums (custom latency):
 * what reaches its outputs from the target (playback latency) plus the lookahead goes
 * to its inputs and to the sink, whose path to the target runs over our links and is
 * invisible to PipeWire's own propagation; what reaches its inputs from upstream
 * (capture latency) plus the lookahead goes to its outputs. */
#include <stdlib.h>

#include <spa/param/latency-utils.h>
#include <spa/pod/builder.h>

#include <pipewire/filter.h>

#include "dacguard-module.h"

#define PW_LOG_TOPIC_DEFAULT dg_mod_topic

uint32_t latency_lookahead_frames(uint32_t rate)
{
	struct dg_guard *probe;
	uint32_t frames = 0;
	void *mem;

	/* lib/guard.c decides the lookahead; ask it rather than repeat its rule */
	if ((mem = calloc(1, dg_guard_size(1, rate))) == NULL)
		return rate / 1000;
	if ((probe = dg_guard_init(mem, 1, rate, 0.0)) != NULL)
		frames = dg_guard_latency_frames(probe);
	free(mem);
	return frames;
}

static struct spa_pod *build_process_latency(struct guard *g, struct spa_pod_builder *b)
{
	struct spa_process_latency_info process =
	    SPA_PROCESS_LATENCY_INFO_INIT(.rate = g->latency_frames);
	return spa_process_latency_build(b, SPA_PARAM_ProcessLatency, &process);
}

/* The peers' latency in one direction, across the ports that receive it, plus ours. */
static void sum(struct guard *g, enum spa_direction dir, struct spa_latency_info *info)
{
	struct spa_process_latency_info process =
	    SPA_PROCESS_LATENCY_INFO_INIT(.rate = g->latency_frames);
	/* playback latency comes in at the outputs, capture latency at the inputs */
	uint32_t ports = dir == SPA_DIRECTION_INPUT ? 1 : 0;

	spa_latency_info_combine_start(info, dir);
	for (uint32_t c = 0; c < g->info.channels; c++)
		spa_latency_info_combine(info, &g->peer_latency[ports][c]);
	spa_latency_info_combine_finish(info);
	spa_process_latency_info_add(&process, info);
}

static void publish_ports(struct guard *g, const struct spa_latency_info *playback,
			  const struct spa_latency_info *capture)
{
	uint8_t buffer[1024];
	struct spa_pod_builder b;
	const struct spa_pod *params[2];

	for (uint32_t c = 0; c < g->info.channels; c++) {
		for (int d = 0; d < 2; d++) {
			/* each port shows what it received and what we worked out for it */
			const struct spa_latency_info *mine = d == 0 ? playback : capture;
			void *port = d == 0 ? (void *) g->in_ports[c] : (void *) g->out_ports[c];

			spa_pod_builder_init(&b, buffer, sizeof(buffer));
			params[0] = spa_latency_build(&b, SPA_PARAM_Latency, mine);
			params[1] = spa_latency_build(&b, SPA_PARAM_Latency,
						      &g->peer_latency[d][c]);
			pw_filter_update_params(g->filter, port, params, 2);
		}
	}
}

void latency_update(struct guard *g)
{
	struct spa_latency_info playback, capture;
	uint8_t buffer[1024];
	struct spa_pod_builder b;
	const struct spa_pod *params[1];

	if (g->filter == NULL)
		return;
	sum(g, SPA_DIRECTION_INPUT, &playback);
	sum(g, SPA_DIRECTION_OUTPUT, &capture);
	publish_ports(g, &playback, &capture);
	if (g->sink != NULL) {
		spa_pod_builder_init(&b, buffer, sizeof(buffer));
		params[0] = spa_latency_build(&b, SPA_PARAM_Latency, &playback);
		pw_stream_update_params(g->sink, params, 1);
	}
}

void latency_set_rate(struct guard *g, uint32_t rate)
{
	uint8_t buffer[256];
	struct spa_pod_builder b;
	const struct spa_pod *params[1];

	if (rate == g->latency_rate)
		return;
	g->latency_rate = rate;
	g->latency_frames = latency_lookahead_frames(rate);
	pw_log_info("%s: lookahead %u frames at %u Hz", g->node_name, g->latency_frames, rate);
	if (g->filter == NULL)
		return;
	spa_pod_builder_init(&b, buffer, sizeof(buffer));
	params[0] = build_process_latency(g, &b);
	pw_filter_update_params(g->filter, NULL, params, 1);
	latency_update(g);
}

void latency_port_changed(struct guard *g, const struct dsp_port *p, const struct spa_pod *param)
{
	struct spa_latency_info info;

	/* a port learns the latency of the other side of its link: playback latency at
	 * our outputs, capture latency at our inputs */
	if (param == NULL || spa_latency_parse(param, &info) < 0 || info.direction == p->direction)
		return;
	g->peer_latency[p->direction == SPA_DIRECTION_INPUT ? 0 : 1][p->channel] = info;
	latency_update(g);
}

void latency_init(struct guard *g, uint32_t rate)
{
	for (uint32_t c = 0; c < MAX_CHANNELS; c++) {
		g->peer_latency[0][c] = SPA_LATENCY_INFO(SPA_DIRECTION_OUTPUT);
		g->peer_latency[1][c] = SPA_LATENCY_INFO(SPA_DIRECTION_INPUT);
	}
	g->latency_rate = rate;
	g->latency_frames = latency_lookahead_frames(rate);
}

struct spa_pod *latency_build_process(struct guard *g, struct spa_pod_builder *b)
{
	return build_process_latency(g, b);
}
