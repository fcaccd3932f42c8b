/* SPDX-License-Identifier: MIT */
/* dacguardctl measure: the playback and capture streams (see measure-streams.h). */
#include "config.h"

#include "measure-streams.h"

#include <errno.h>
#include <string.h>

#include <spa/param/audio/format-utils.h>

#include <pipewire/pipewire.h>


#define STRIDE (2 * sizeof(float))

void measure_streams_init(struct measure_streams *s, unsigned rate,
			  const struct measure_target *target,
			  const struct measure_streams_events *events, void *data)
{
	memset(s, 0, sizeof(*s));
	s->rate = rate;
	s->target = target;
	s->events = events;
	s->data = data;
	dg_port_graph_init(&s->graph);
	dg_link_set_init(&s->rec_links, NULL, false, "dacguardctl measure");
}

static void link_monitor(struct measure_streams *s)
{
	static const char *const channels[] = { "FL", "FR" };

	if (!s->rec || !s->target->capture_monitor)
		return;
	dg_link_set_channels(&s->rec_links, &s->graph,
			     dg_port_graph_node(&s->graph, s->target->capture_target),
			     DG_PORT_MONITOR, pw_stream_get_node_id(s->rec), channels,
			     SPA_N_ELEMENTS(channels));
}

void measure_streams_global(struct measure_streams *s, uint32_t id, const char *type,
			    const struct spa_dict *props)
{
	if (dg_port_graph_global(&s->graph, id, type, props))
		link_monitor(s);
}

void measure_streams_global_remove(struct measure_streams *s, uint32_t id)
{
	if (dg_port_graph_global_remove(&s->graph, id))
		link_monitor(s);
}

static void on_rec_process(void *data)
{
	struct measure_streams *s = data;
	struct pw_buffer *b = pw_stream_dequeue_buffer(s->rec);
	struct spa_data *d;

	if (!b)
		return;
	d = &b->buffer->datas[0];
	if (d->data && d->chunk) {
		uint32_t offset = SPA_MIN(d->chunk->offset, d->maxsize);
		uint32_t size = SPA_MIN(d->chunk->size, d->maxsize - offset);

		s->events->capture(s->data, SPA_PTROFF(d->data, offset, const float),
				   size / STRIDE);
	}
	pw_stream_queue_buffer(s->rec, b);
}

static void on_play_process(void *data)
{
	struct measure_streams *s = data;
	struct pw_buffer *b = pw_stream_dequeue_buffer(s->play);
	struct spa_data *d;
	uint32_t n;

	if (!b)
		return;
	d = &b->buffer->datas[0];
	if (!d->data) {
		pw_stream_queue_buffer(s->play, b);
		return;
	}
	n = d->maxsize / STRIDE;
	if (b->requested && b->requested < n)
		n = (uint32_t) b->requested;
	s->events->play(s->data, d->data, n);
	d->chunk->offset = 0;
	d->chunk->stride = (int32_t) STRIDE;
	d->chunk->size = n * STRIDE;
	pw_stream_queue_buffer(s->play, b);
}

static void on_stream_state(void *data, enum pw_stream_state old, enum pw_stream_state state,
			    const char *error)
{
	struct measure_streams *s = data;

	if (state == PW_STREAM_STATE_ERROR)
		s->events->error(s->data, error);
	/* the capture's node id is known from here */
	link_monitor(s);
}

static const struct pw_stream_events play_events = {
	PW_VERSION_STREAM_EVENTS,
	.state_changed = on_stream_state,
	.process = on_play_process,
};

static const struct pw_stream_events rec_events = {
	PW_VERSION_STREAM_EVENTS,
	.state_changed = on_stream_state,
	.process = on_rec_process,
};

static struct pw_properties *stream_props(const struct measure_streams *s, bool playback)
{
	const struct measure_target *t = s->target;
	struct pw_properties *props;

	props = pw_properties_new(PW_KEY_MEDIA_TYPE, "Audio",
				  PW_KEY_MEDIA_CATEGORY, playback ? "Playback" : "Capture",
				  PW_KEY_MEDIA_ROLE, "Production",
				  PW_KEY_NODE_NAME, playback ? "dacguardctl-measure-play" :
							       "dacguardctl-measure-capture",
				  PW_KEY_TARGET_OBJECT, playback ? t->play_target :
								   t->capture_target,
				  /* channel for channel: an upmix would fake a 0 dB crosstalk */
				  PW_KEY_STREAM_DONT_REMIX, "true",
				  PW_KEY_NODE_DONT_RECONNECT, "true",
				  NULL);
	if (!props)
		return NULL;
	if (!playback && t->capture_monitor) {
		pw_properties_set(props, PW_KEY_STREAM_CAPTURE_SINK, "true");
		pw_properties_set(props, PW_KEY_NODE_AUTOCONNECT, "false");
	}
	pw_properties_setf(props, PW_KEY_NODE_RATE, "1/%u", s->rate);
	return props;
}

static int connect_stream(struct measure_streams *s, struct pw_core *core, bool playback)
{
	uint8_t buffer[1024];
	struct spa_pod_builder b = SPA_POD_BUILDER_INIT(buffer, sizeof(buffer));
	struct spa_audio_info_raw info = {
		.format = SPA_AUDIO_FORMAT_F32,
		.rate = s->rate,
		.channels = 2,
		.position = { SPA_AUDIO_CHANNEL_FL, SPA_AUDIO_CHANNEL_FR },
	};
	struct pw_stream **stream = playback ? &s->play : &s->rec;
	struct pw_properties *props = stream_props(s, playback);
	const struct spa_pod *params[1];
	/* a monitor capture is linked by link_monitor() */
	bool autoconnect = playback || !s->target->capture_monitor;
	int r;

	if (!props)
		return -errno;
	*stream = pw_stream_new(core, playback ? "dacguardctl measure" :
						 "dacguardctl measure capture", props);
	if (!*stream)
		return -errno;
	pw_stream_add_listener(*stream, playback ? &s->play_listener : &s->rec_listener,
			       playback ? &play_events : &rec_events, s);
	params[0] = spa_format_audio_raw_build(&b, SPA_PARAM_EnumFormat, &info);
	r = pw_stream_connect(*stream, playback ? PW_DIRECTION_OUTPUT : PW_DIRECTION_INPUT,
			      PW_ID_ANY,
			      (autoconnect ? PW_STREAM_FLAG_AUTOCONNECT : 0) |
				      PW_STREAM_FLAG_MAP_BUFFERS,
			      params, 1);
	return r < 0 ? r : 0;
}

int measure_streams_connect(struct measure_streams *s, struct pw_core *core)
{
	int r;

	s->rec_links.core = core;
	r = connect_stream(s, core, false);
	if (r < 0)
		return r;
	return connect_stream(s, core, true);
}

void measure_streams_clear(struct measure_streams *s)
{
	if (s->play)
		pw_stream_destroy(s->play);
	s->play = NULL;
	dg_link_set_clear(&s->rec_links);
	if (s->rec)
		pw_stream_destroy(s->rec);
	s->rec = NULL;
	dg_port_graph_clear(&s->graph);
}
