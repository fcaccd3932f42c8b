/* SPDX-License-Identifier: MIT */
/* dacguard module: a guard's life: its sink node and its DSP node (dacguard-module.h),
 * their events, the latency it adds, and the meters turned into Props. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <spa/debug/types.h>
#include <spa/param/audio/format-utils.h>
#include <spa/param/audio/type-info.h>
#include <spa/param/props.h>
#include <spa/pod/dynamic.h>
#include <spa/utils/json.h>
#include <spa/utils/result.h>
#include <spa/utils/string.h>

#include <pipewire/filter.h>

#include "dacguard-module.h"

#define PW_LOG_TOPIC_DEFAULT dg_mod_topic

#define METER_INTERVAL_NSEC (100 * SPA_NSEC_PER_MSEC)
/* the DSP node's ProcessLatency until the first cycle tells the graph's rate */
#define ASSUMED_RATE 48000

/* ---- Props of the sink node ---- */

void guard_update_props(struct guard *g, bool with_info)
{
	struct spa_pod_dynamic_builder b;
	const struct spa_pod *params[64];
	uint32_t offs[SPA_N_ELEMENTS(params)], n = 0;

	if (g->sink == NULL)
		return;
	spa_pod_dynamic_builder_init(&b, NULL, 0, 4096);
	if (with_info) {
		for (size_t i = 0; i < guard_n_prop_infos() && n < SPA_N_ELEMENTS(params) - 1; i++) {
			offs[n++] = b.b.state.offset;
			guard_build_prop_info(g, &b.b, i);
		}
	}
	offs[n++] = b.b.state.offset;
	guard_build_props(g, &b.b);
	for (uint32_t i = 0; i < n; i++)
		params[i] = spa_pod_builder_deref(&b.b, offs[i]);
	pw_stream_update_params(g->sink, params, n);
	spa_pod_dynamic_builder_clean(&b);
}

/* ---- meters ---- */

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

/* ---- the sink node ---- */

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

/* ---- the DSP node ---- */

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

/* ---- life cycle ---- */

void guard_free(struct guard *g)
{
	struct impl *impl = g->impl;

	spa_list_remove(&g->link);
	dg_link_set_clear(&g->links);
	if (g->timer)
		pw_loop_destroy_source(impl->main_loop, g->timer);
	if (g->sink) {
		spa_hook_remove(&g->sink_listener);
		pw_stream_destroy(g->sink);
	}
	if (g->filter) {
		spa_hook_remove(&g->filter_listener);
		pw_filter_destroy(g->filter);
	}
	/* both nodes are gone: the data thread no longer runs our process() */
	dsp_clear(g);
	free(g->target_name);
	free(g->node_name);
	free(g->dsp_name);
	free(g);
}

void guard_schedule_destroy(struct guard *g)
{
	/* stream and filter callbacks must not destroy their own node */
	g->zombie = true;
	pw_loop_signal_event(g->impl->main_loop, g->impl->destroy_event);
}

static uint32_t channel_from_name(const char *name)
{
	for (int i = 0; spa_type_audio_channel[i].name; i++) {
		if (spa_streq(name, spa_debug_type_short_name(spa_type_audio_channel[i].name)))
			return spa_type_audio_channel[i].type;
	}
	return SPA_AUDIO_CHANNEL_UNKNOWN;
}

static const char *channel_name(uint32_t position)
{
	for (int i = 0; spa_type_audio_channel[i].name; i++) {
		if (spa_type_audio_channel[i].type == position)
			return spa_debug_type_short_name(spa_type_audio_channel[i].name);
	}
	return "UNK";
}

const char *guard_channel_name(const struct guard *g, uint32_t c)
{
	return channel_name(g->info.position[c]);
}

static void parse_position(struct spa_audio_info_raw *info, const char *val)
{
	struct spa_json it[2];
	char v[256];

	spa_json_init(&it[0], val, strlen(val));
	if (spa_json_enter_array(&it[0], &it[1]) <= 0)
		spa_json_init(&it[1], val, strlen(val));

	info->channels = 0;
	while (spa_json_get_string(&it[1], v, sizeof(v)) > 0 && info->channels < MAX_CHANNELS)
		info->position[info->channels++] = channel_from_name(v);
}

/* The guard's channels: the module arguments, then the target's own layout, then
 * stereo. A count without a matching map gives AUX channels, linked in order. */
static void guard_parse_layout(struct guard *g, const struct pw_properties *args,
			       const struct spa_dict *target_props)
{
	struct spa_audio_info_raw *info = &g->info;
	const char *channels, *position;
	uint32_t n = 0;

	channels = pw_properties_get(args, PW_KEY_AUDIO_CHANNELS);
	position = pw_properties_get(args, SPA_KEY_AUDIO_POSITION);
	if (channels == NULL && position == NULL && target_props != NULL) {
		channels = spa_dict_lookup(target_props, PW_KEY_AUDIO_CHANNELS);
		position = spa_dict_lookup(target_props, SPA_KEY_AUDIO_POSITION);
	}
	*info = SPA_AUDIO_INFO_RAW_INIT(.format = SPA_AUDIO_FORMAT_F32P);
	if (position != NULL)
		parse_position(info, position);
	if (channels != NULL)
		n = (uint32_t) atoi(channels);
	if (n != 0 && n != info->channels) {
		info->channels = SPA_MIN(n, MAX_CHANNELS);
		for (uint32_t i = 0; i < info->channels; i++)
			info->position[i] = SPA_AUDIO_CHANNEL_AUX0 + i;
	}
	if (info->channels == 0) {
		info->channels = 2;
		info->position[0] = SPA_AUDIO_CHANNEL_FL;
		info->position[1] = SPA_AUDIO_CHANNEL_FR;
	}
}

static void set_default(struct pw_properties *p, const char *key, const char *value)
{
	if (value != NULL && pw_properties_get(p, key) == NULL)
		pw_properties_set(p, key, value);
}

static struct pw_properties *node_props(struct impl *impl, const char *arg)
{
	struct pw_properties *p = pw_properties_new(NULL, NULL);
	const char *str;

	if (p != NULL && (str = pw_properties_get(impl->props, arg)) != NULL)
		pw_properties_update_string(p, str, strlen(str));
	return p;
}

static int guard_add_ports(struct guard *g)
{
	for (uint32_t c = 0; c < g->info.channels; c++) {
		const char *pos = channel_name(g->info.position[c]);

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
	const struct spa_pod *params[2 + 64];
	uint32_t offs[SPA_N_ELEMENTS(params)], n = 0;
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
	offs[n++] = b.b.state.offset;
	spa_format_audio_raw_build(&b.b, SPA_PARAM_EnumFormat, &g->info);
	for (size_t i = 0; i < guard_n_prop_infos() && n < SPA_N_ELEMENTS(params) - 1; i++) {
		offs[n++] = b.b.state.offset;
		guard_build_prop_info(g, &b.b, i);
	}
	offs[n++] = b.b.state.offset;
	guard_build_props(g, &b.b);
	for (uint32_t i = 0; i < n; i++)
		params[i] = spa_pod_builder_deref(&b.b, offs[i]);
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

/* target_props: the sink's properties when known (rules mode), for its description
 * and channel layout. */
int guard_new(struct impl *impl, const char *target, const struct spa_dict *target_props,
	      double ceiling_db, double hard_ceiling_db, struct guard **result)
{
	struct pw_properties *sink_props = NULL, *dsp_props = NULL;
	struct guard *g;
	const char *str, *desc = NULL;
	char group[128];
	int res;

	if ((g = calloc(1, sizeof(*g))) == NULL)
		return -errno;
	spa_list_append(&impl->guards, &g->link);
	/* passive: the guard's own links never keep the DAC running (see below) */
	dg_link_set_init(&g->links, impl->core, true, "dacguard");
	g->impl = impl;
	g->state.hard_ceiling_db = SPA_MIN(hard_ceiling_db, 0.0);
	g->state.ceiling_db = dg_policy_clamp(ceiling_db, g->state.hard_ceiling_db);
	snprintf(g->state.output, sizeof(g->state.output), "unknown");
	g->state.mode = DG_MODE_UNKNOWN;
	meters_init(&g->published);
	meters_init(&g->meter_lock.m);

	g->target_name = strdup(target);
	sink_props = node_props(impl, "capture.props");
	dsp_props = node_props(impl, "playback.props");
	if (g->target_name == NULL || sink_props == NULL || dsp_props == NULL) {
		res = -errno;
		goto error;
	}
	guard_parse_layout(g, impl->props, target_props);

	if (target_props != NULL)
		desc = spa_dict_lookup(target_props, PW_KEY_NODE_DESCRIPTION);
	if (desc == NULL)
		desc = target;

	if ((str = pw_properties_get(sink_props, PW_KEY_NODE_NAME)) == NULL) {
		pw_properties_setf(sink_props, PW_KEY_NODE_NAME, "dacguard.%s", target);
		str = pw_properties_get(sink_props, PW_KEY_NODE_NAME);
	}
	g->node_name = strdup(str);
	if (pw_properties_get(dsp_props, PW_KEY_NODE_NAME) == NULL)
		pw_properties_setf(dsp_props, PW_KEY_NODE_NAME, "%s.output", g->node_name);
	g->dsp_name = strdup(pw_properties_get(dsp_props, PW_KEY_NODE_NAME));
	if (g->node_name == NULL || g->dsp_name == NULL) {
		res = -errno;
		goto error;
	}
	snprintf(group, sizeof(group), "dacguard-%d-%u-%u", (int) getpid(),
		 pw_global_get_id(pw_impl_module_get_global(impl->module)), impl->n_guards_made++);

	set_default(sink_props, PW_KEY_MEDIA_CLASS, "Audio/Sink");
	if (pw_properties_get(sink_props, PW_KEY_NODE_DESCRIPTION) == NULL) {
		pw_properties_setf(sink_props, PW_KEY_NODE_DESCRIPTION, "%s (dacguard)", desc);
		g->describe = desc == target;
	}
	set_default(sink_props, PW_KEY_MEDIA_NAME, g->node_name);
	set_default(sink_props, PW_KEY_NODE_GROUP, group);
	/* a smart filter of its target for WirePlumber 0.5, which then links every stream
	 * bound for the target into the guard (doc/pipewire-graph.md); other session
	 * managers ignore these */
	set_default(sink_props, PW_KEY_NODE_LINK_GROUP, group);
	set_default(sink_props, "filter.smart", "true");
	set_default(sink_props, "filter.smart.name", "dacguard");
	if (pw_properties_get(sink_props, "filter.smart.target") == NULL)
		pw_properties_setf(sink_props, "filter.smart.target", "{ \"node.name\": \"%s\" }",
				   target);
	/* the sink's own volume is a slider before the DSP: it shapes what the monitor
	 * ports hand the DSP node */
	pw_properties_set(sink_props, "monitor.channel-volumes", "true");
	pw_properties_set(sink_props, GUARD_PROP, "true");
	pw_properties_set(sink_props, "dacguard.target", target);

	/* no media.class: internal plumbing, for no mixer to list and no session manager
	 * to link or restore */
	pw_properties_set(dsp_props, PW_KEY_MEDIA_CLASS, NULL);
	set_default(dsp_props, PW_KEY_MEDIA_TYPE, "Audio");
	set_default(dsp_props, PW_KEY_MEDIA_CATEGORY, "Filter");
	set_default(dsp_props, PW_KEY_MEDIA_ROLE, "DSP");
	if (pw_properties_get(dsp_props, PW_KEY_NODE_DESCRIPTION) == NULL)
		pw_properties_setf(dsp_props, PW_KEY_NODE_DESCRIPTION, "%s (dacguard DSP)",
				   desc);
	set_default(dsp_props, PW_KEY_NODE_GROUP, group);
	/* its links do not keep the DAC running; an application playing into the sink
	 * does (PipeWire 1.x decides passivity from the nodes, 0.3 from link.passive) */
	set_default(dsp_props, PW_KEY_NODE_PASSIVE, "true");
	pw_properties_set(dsp_props, GUARD_PROP, "true");
	pw_properties_set(dsp_props, "dacguard.target", target);

	if ((res = dsp_init(g)) < 0)
		goto error;

	g->timer = pw_loop_add_timer(impl->main_loop, on_meter_timer, g);
	if (g->timer == NULL) {
		res = -errno;
		goto error;
	}

	g->filter = pw_filter_new(impl->core, g->dsp_name, dsp_props);
	dsp_props = NULL;
	if (g->filter == NULL) {
		res = -errno;
		goto error;
	}
	pw_filter_add_listener(g->filter, &g->filter_listener, &filter_events, g);
	if ((res = guard_add_ports(g)) < 0)
		goto error;

	g->sink = pw_stream_new(impl->core, g->node_name, sink_props);
	sink_props = NULL;
	if (g->sink == NULL) {
		res = -errno;
		goto error;
	}
	pw_stream_add_listener(g->sink, &g->sink_listener, &sink_events, g);

	if ((res = guard_connect(g)) < 0)
		goto error;

	pw_log_info("%s: guarding '%s', %u channels, ceiling %.2f dB, hard ceiling %.2f dB",
		    g->node_name, target, g->info.channels, g->state.ceiling_db,
		    g->state.hard_ceiling_db);
	if (result)
		*result = g;
	return 0;

error:
	pw_log_error("can't create the guard for '%s': %s", target, spa_strerror(res));
	pw_properties_free(sink_props);
	pw_properties_free(dsp_props);
	guard_free(g);
	return res;
}

/* Target mode: the guard was named before the sink was seen; take its description. */
void guard_describe(struct impl *impl, const char *name, const struct spa_dict *props)
{
	const char *desc = spa_dict_lookup(props, PW_KEY_NODE_DESCRIPTION);
	struct guard *g;
	char buf[512];

	if (desc == NULL)
		return;
	spa_list_for_each(g, &impl->guards, link)
	{
		if (!g->describe || !spa_streq(g->target_name, name) || g->sink == NULL)
			continue;
		g->describe = false;
		snprintf(buf, sizeof(buf), "%s (dacguard)", desc);
		pw_stream_update_properties(
		    g->sink, &SPA_DICT_INIT_ARRAY(
				 ((struct spa_dict_item[]){{PW_KEY_NODE_DESCRIPTION, buf}})));
		pw_log_info("%s: described as '%s'", g->node_name, buf);
	}
}
