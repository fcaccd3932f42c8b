/* SPDX-License-Identifier: MIT */
/* dacguard module: a guard's two nodes at work (dacguard-module.h): their ports, params
 * and events, and the meters the main loop turns into Props. */
#include "config.h"

#include <errno.h>
#include <string.h>

#include <spa/param/audio/format-utils.h>
#include <spa/param/props.h>
#include <spa/pod/dynamic.h>
#include <spa/utils/string.h>

#include <pipewire/filter.h>

#include "dacguard-module.h"

#define PW_LOG_TOPIC_DEFAULT dg_mod_topic

#define METER_INTERVAL_NSEC (100 * SPA_NSEC_PER_MSEC)
/* the DSP node's ProcessLatency until the first cycle tells the graph's rate */
#define ASSUMED_RATE 48000

/* EnumFormat, a PropInfo per Prop and Props: all the sink node ever publishes */
#define SINK_PARAMS_MAX 64

/* The sink's params, built in b; returns how many it put in params. */
static uint32_t build_sink_params(struct guard *g, struct spa_pod_builder *b, bool with_format,
				  bool with_info, const struct spa_pod *params[SINK_PARAMS_MAX])
{
	/* b may move its data as it grows: pods are found by offset once all are built */
	uint32_t offs[SINK_PARAMS_MAX], n = 0;

	if (with_format) {
		offs[n++] = b->state.offset;
		spa_format_audio_raw_build(b, SPA_PARAM_EnumFormat, &g->info);
	}
	for (size_t i = 0; with_info && i < guard_n_prop_infos() && n < SINK_PARAMS_MAX - 1; i++) {
		offs[n++] = b->state.offset;
		guard_build_prop_info(g, b, i);
	}
	offs[n++] = b->state.offset;
	guard_build_props(g, b);
	for (uint32_t i = 0; i < n; i++)
		params[i] = spa_pod_builder_deref(b, offs[i]);
	return n;
}

void guard_update_props(struct guard *g, bool with_info)
{
	struct spa_pod_dynamic_builder b;
	const struct spa_pod *params[SINK_PARAMS_MAX];
	uint32_t n;

	if (g->sink == NULL)
		return;
	spa_pod_dynamic_builder_init(&b, NULL, 0, 4096);
	n = build_sink_params(g, &b.b, false, with_info, params);
	pw_stream_update_params(g->sink, params, n);
	spa_pod_dynamic_builder_clean(&b);
}

static void on_meter_timer(void *data, uint64_t expirations)
{
	struct guard *g = data;
	uint32_t rate = atomic_load_explicit(&g->dsp.rate_seen, memory_order_acquire);
	struct meters m;

	if (rate != 0)
		latency_set_rate(g, rate);
	if (!meters_read(&g->meter_lock, &m))
		return;
	if (memcmp(&m, &g->published, sizeof(m)) == 0)
		return;
	g->published = m;
	guard_update_props(g, false);
}

static void guard_arm_timer(struct guard *g, bool arm)
{
	struct timespec value = {0, 0}, interval = {0, 0};

	if (g->timer == NULL || g->timer_armed == arm)
		return;
	if (arm) {
		value.tv_nsec = METER_INTERVAL_NSEC;
		interval.tv_nsec = METER_INTERVAL_NSEC;
	}
	pw_loop_update_timer(g->impl->main_loop, g->timer, &value, &interval, false);
	g->timer_armed = arm;
}

/* Its audio reaches the DSP node through its monitor ports; what the stream itself is
 * handed is recycled. */
static void sink_process(void *data)
{
	struct guard *g = data;
	struct pw_buffer *b;

	while ((b = pw_stream_dequeue_buffer(g->sink)) != NULL)
		pw_stream_queue_buffer(g->sink, b);
}

/* Either node unconnected takes the guard away (its pair is useless alone); either
 * node's state may let a link be made. */
static void node_state_changed(struct guard *g, const char *name, bool unconnected,
			       bool failed, const char *error)
{
	if (unconnected) {
		pw_log_info("%s: unconnected", name);
		guard_schedule_destroy(g);
	} else if (failed) {
		pw_log_warn("%s: error: %s", name, error);
	}
	links_reconcile(g->impl);
}

static void sink_state_changed(void *data, enum pw_stream_state old, enum pw_stream_state state,
			       const char *error)
{
	struct guard *g = data;

	node_state_changed(g, g->node_name, state == PW_STREAM_STATE_UNCONNECTED,
			   state == PW_STREAM_STATE_ERROR, error);
}

static void sink_param_changed(void *data, uint32_t id, const struct spa_pod *param)
{
	struct guard *g = data;

	if (id == SPA_PARAM_Props && param != NULL)
		guard_props_changed(g, param);
}

static void sink_destroy(void *data)
{
	struct guard *g = data;
	spa_hook_remove(&g->sink_listener);
	g->sink = NULL;
}

static const struct pw_stream_events sink_events = {
    PW_VERSION_STREAM_EVENTS,
    .destroy = sink_destroy,
    .process = sink_process,
    .state_changed = sink_state_changed,
    .param_changed = sink_param_changed,
};

static void filter_state_changed(void *data, enum pw_filter_state old, enum pw_filter_state state,
				 const char *error)
{
	struct guard *g = data;

	guard_arm_timer(g, state == PW_FILTER_STATE_STREAMING);
	/* a short play may end between two ticks: publish its last window too */
	if (old == PW_FILTER_STATE_STREAMING && state != PW_FILTER_STATE_STREAMING)
		on_meter_timer(g, 1);
	node_state_changed(g, g->dsp_name, state == PW_FILTER_STATE_UNCONNECTED,
			   state == PW_FILTER_STATE_ERROR, error);
}

static void filter_param_changed(void *data, void *port_data, uint32_t id,
				 const struct spa_pod *param)
{
	struct guard *g = data;
	struct dsp_port *p = port_data;

	if (p == NULL) {
		/* nothing after the DSP is adjustable: a client's volume or any other Props
		 * written to this node changes nothing */
		if (id == SPA_PARAM_Props)
			pw_log_debug("%s: Props written to the DSP node: ignored", g->dsp_name);
		return;
	}
	if (id == SPA_PARAM_Latency)
		latency_port_changed(g, p, param);
}

static void filter_destroy(void *data)
{
	struct guard *g = data;
	spa_hook_remove(&g->filter_listener);
	g->filter = NULL;
}

static const struct pw_filter_events filter_events = {
    PW_VERSION_FILTER_EVENTS,
    .destroy = filter_destroy,
    .state_changed = filter_state_changed,
    .param_changed = filter_param_changed,
    .process = dsp_process,
};

static int guard_add_ports(struct guard *g)
{
	for (uint32_t c = 0; c < g->info.channels; c++) {
		const char *pos = guard_channel_name(g, c);

		for (int d = 0; d < 2; d++) {
			enum spa_direction dir = d == 0 ? SPA_DIRECTION_INPUT : SPA_DIRECTION_OUTPUT;
			struct dsp_port *p;
			char name[64];

			/* named as audioconvert names DSP ports: input_FL, output_FL */
			snprintf(name, sizeof(name), "%s_%s", d == 0 ? "input" : "output", pos);
			p = pw_filter_add_port(
			    g->filter, dir, PW_FILTER_PORT_FLAG_MAP_BUFFERS, sizeof(*p),
			    pw_properties_new(PW_KEY_FORMAT_DSP, "32 bit float mono audio",
					      PW_KEY_PORT_NAME, name, PW_KEY_AUDIO_CHANNEL, pos,
					      NULL),
			    NULL, 0);
			if (p == NULL)
				return -errno;
			p->guard = g;
			p->channel = c;
			p->direction = dir;
			if (d == 0)
				g->in_ports[c] = p;
			else
				g->out_ports[c] = p;
		}
	}
	return 0;
}

static int guard_connect(struct guard *g)
{
	struct spa_pod_dynamic_builder b;
	const struct spa_pod *params[SINK_PARAMS_MAX];
	uint32_t n;
	int res;

	/* the lookahead at the likely rate until process() tells the real one; the latency
	 * sums are ours (guard-latency.c) */
	latency_init(g, ASSUMED_RATE);
	spa_pod_dynamic_builder_init(&b, NULL, 0, 1024);
	params[0] = latency_build_process(g, &b.b);
	res = pw_filter_connect(g->filter, PW_FILTER_FLAG_RT_PROCESS | PW_FILTER_FLAG_CUSTOM_LATENCY,
				params, 1);
	spa_pod_dynamic_builder_clean(&b);
	if (res < 0)
		return res;
#ifdef HAVE_PW_FILTER_GET_DATA_LOOP
	g->data_loop = pw_filter_get_data_loop(g->filter);
#endif
	if (g->data_loop == NULL)
		g->data_loop = pw_data_loop_get_loop(pw_context_get_data_loop(g->impl->context));

	spa_pod_dynamic_builder_init(&b, NULL, 0, 4096);
	n = build_sink_params(g, &b.b, true, true, params);
	res = pw_stream_connect(g->sink, PW_DIRECTION_INPUT, PW_ID_ANY,
				PW_STREAM_FLAG_AUTOCONNECT | PW_STREAM_FLAG_MAP_BUFFERS |
				    PW_STREAM_FLAG_RT_PROCESS,
				params, n);
	spa_pod_dynamic_builder_clean(&b);
	if (res < 0)
		return res;
	/* the lookahead is there before any peer reports anything */
	latency_update(g);
	return 0;
}

/* Takes sink_props and dsp_props whatever it returns; guard_free() undoes what it made. */
int guard_nodes_new(struct guard *g, struct pw_properties *sink_props,
		    struct pw_properties *dsp_props)
{
	int res;

	g->timer = pw_loop_add_timer(g->impl->main_loop, on_meter_timer, g);
	if (g->timer == NULL) {
		res = -errno;
		goto error;
	}

	g->filter = pw_filter_new(g->impl->core, g->dsp_name, dsp_props);
	dsp_props = NULL;
	if (g->filter == NULL) {
		res = -errno;
		goto error;
	}
	pw_filter_add_listener(g->filter, &g->filter_listener, &filter_events, g);
	if ((res = guard_add_ports(g)) < 0)
		goto error;

	g->sink = pw_stream_new(g->impl->core, g->node_name, sink_props);
	sink_props = NULL;
	if (g->sink == NULL) {
		res = -errno;
		goto error;
	}
	pw_stream_add_listener(g->sink, &g->sink_listener, &sink_events, g);

	if ((res = guard_connect(g)) < 0)
		goto error;

	return 0;

error:
	pw_properties_free(sink_props);
	pw_properties_free(dsp_props);
	return res;
}
