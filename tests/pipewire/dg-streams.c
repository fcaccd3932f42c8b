/* SPDX-License-Identifier: MIT */
/* dg-streams TARGET N SECONDS [LEVEL_DB [QUANTUM [PREFIX]]]: N playback streams in one
 * process, each a sine of its own frequency (200 Hz + 37 Hz * i) at LEVEL_DB dBFS
 * (default -24) on both channels, into the node named TARGET, for SECONDS once all of
 * them stream. Float32 stereo at 48 kHz, node.latency QUANTUM/48000 (default 64), node
 * names PREFIX-00 ... (default dg-stream); processed on the data thread
 * (PW_STREAM_FLAG_RT_PROCESS), as an audio application's streams are.
 *
 * Prints "streaming N" once all N stream (a test waits for that line), then at the end
 * "played F frames per stream (min), M cycles with no buffer"; exit status 0, 1 when a
 * stream failed or never streamed within SECONDS + 30 s, 2 usage. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <spa/param/audio/format-utils.h>
#include <spa/utils/result.h>

#include <pipewire/pipewire.h>

#define RATE	    48000
#define CHANNELS    2
#define MAX_STREAMS 256

struct data;

struct player {
	struct data *d;
	struct pw_stream *stream;
	struct spa_hook listener;
	double phase, step;
	float amp;
	bool streaming;
	/* data thread only; read after the streams stop */
	uint64_t frames;
	uint64_t starved;
};

struct data {
	struct pw_main_loop *loop;
	struct pw_context *context;
	struct pw_core *core;
	struct spa_source *timer;
	struct player players[MAX_STREAMS];
	unsigned n, n_streaming;
	double seconds;
	bool started;
	int failed;
};

static void on_process(void *data)
{
	struct player *p = data;
	struct pw_buffer *b = pw_stream_dequeue_buffer(p->stream);
	struct spa_buffer *buf;
	float *dst;
	uint32_t n, stride = sizeof(float) * CHANNELS;

	if (b == NULL) {
		p->starved++;
		return;
	}
	buf = b->buffer;
	if ((dst = buf->datas[0].data) == NULL)
		return;
	n = buf->datas[0].maxsize / stride;
	if (b->requested > 0 && b->requested < n)
		n = (uint32_t) b->requested;
	for (uint32_t i = 0; i < n; i++) {
		float v = p->amp * (float) sin(p->phase);
		p->phase += p->step;
		if (p->phase >= 2.0 * M_PI)
			p->phase -= 2.0 * M_PI;
		for (uint32_t c = 0; c < CHANNELS; c++)
			*dst++ = v;
	}
	buf->datas[0].chunk->offset = 0;
	buf->datas[0].chunk->stride = (int32_t) stride;
	buf->datas[0].chunk->size = n * stride;
	p->frames += n;
	pw_stream_queue_buffer(p->stream, b);
}

static void on_state_changed(void *data, enum pw_stream_state old, enum pw_stream_state state,
			     const char *error)
{
	struct player *p = data;
	struct data *d = p->d;

	if (state == PW_STREAM_STATE_ERROR) {
		fprintf(stderr, "dg-streams: %s: %s\n", pw_stream_get_name(p->stream),
			error ? error : "error");
		d->failed = 1;
		pw_main_loop_quit(d->loop);
		return;
	}
	if (state == PW_STREAM_STATE_STREAMING && !p->streaming) {
		p->streaming = true;
		if (++d->n_streaming == d->n && !d->started) {
			struct timespec value = {0}, interval = {0};

			d->started = true;
			printf("streaming %u\n", d->n);
			fflush(stdout);
			value.tv_sec = (time_t) d->seconds;
			value.tv_nsec = (long) ((d->seconds - (double) value.tv_sec) * 1e9);
			pw_loop_update_timer(pw_main_loop_get_loop(d->loop), d->timer, &value,
					     &interval, false);
		}
	}
}

static const struct pw_stream_events stream_events = {
    PW_VERSION_STREAM_EVENTS,
    .state_changed = on_state_changed,
    .process = on_process,
};

static void on_timer(void *data, uint64_t expirations)
{
	struct data *d = data;

	if (!d->started) {
		fprintf(stderr, "dg-streams: %u of %u streams streaming\n", d->n_streaming, d->n);
		d->failed = 1;
	}
	pw_main_loop_quit(d->loop);
}

static int usage(void)
{
	fprintf(stderr, "usage: dg-streams TARGET N SECONDS [LEVEL_DB [QUANTUM [PREFIX]]]\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct data d = {0};
	const char *target, *prefix = "dg-stream";
	double level_db = -24.0;
	unsigned long quantum = 64;
	uint64_t min_frames = UINT64_MAX, starved = 0;
	struct timespec give_up = {0};
	char *end;

	if (argc < 4 || argc > 7)
		return usage();
	target = argv[1];
	d.n = (unsigned) strtoul(argv[2], &end, 10);
	if (*end != '\0' || d.n == 0 || d.n > MAX_STREAMS)
		return usage();
	d.seconds = strtod(argv[3], &end);
	if (*end != '\0' || !(d.seconds > 0.0 && d.seconds < 86400.0))
		return usage();
	if (argc > 4 && ((level_db = strtod(argv[4], &end)), *end != '\0' || level_db > 0.0))
		return usage();
	if (argc > 5 && ((quantum = strtoul(argv[5], &end, 10)),
			 *end != '\0' || quantum == 0 || quantum > 8192))
		return usage();
	if (argc > 6)
		prefix = argv[6];

	pw_init(&argc, &argv);
	d.loop = pw_main_loop_new(NULL);
	d.context = d.loop ? pw_context_new(pw_main_loop_get_loop(d.loop), NULL, 0) : NULL;
	d.core = d.context ? pw_context_connect(d.context, NULL, 0) : NULL;
	if (d.core == NULL) {
		fprintf(stderr, "dg-streams: can't connect: %s\n", strerror(errno));
		return 1;
	}
	d.timer = pw_loop_add_timer(pw_main_loop_get_loop(d.loop), on_timer, &d);
	/* all of them streaming within 30 s, or it fails */
	give_up.tv_sec = (time_t) d.seconds + 30;
	pw_loop_update_timer(pw_main_loop_get_loop(d.loop), d.timer, &give_up, NULL, false);

	for (unsigned i = 0; i < d.n; i++) {
		struct player *p = &d.players[i];
		uint8_t buffer[1024];
		struct spa_pod_builder b = SPA_POD_BUILDER_INIT(buffer, sizeof(buffer));
		const struct spa_pod *params[1];
		struct spa_audio_info_raw info = {
		    .format = SPA_AUDIO_FORMAT_F32,
		    .rate = RATE,
		    .channels = CHANNELS,
		    .position = {SPA_AUDIO_CHANNEL_FL, SPA_AUDIO_CHANNEL_FR},
		};
		char name[128];
		struct pw_properties *props;

		p->d = &d;
		p->amp = (float) pow(10.0, level_db / 20.0);
		p->step = 2.0 * M_PI * (200.0 + 37.0 * i) / RATE;
		snprintf(name, sizeof(name), "%s-%02u", prefix, i);
		props = pw_properties_new(PW_KEY_MEDIA_TYPE, "Audio", PW_KEY_MEDIA_CATEGORY,
					  "Playback", PW_KEY_MEDIA_ROLE, "Music", PW_KEY_NODE_NAME,
					  name, PW_KEY_TARGET_OBJECT, target, NULL);
		pw_properties_setf(props, PW_KEY_NODE_LATENCY, "%lu/%u", quantum, RATE);
		p->stream = pw_stream_new(d.core, name, props);
		if (p->stream == NULL) {
			fprintf(stderr, "dg-streams: %s: %s\n", name, strerror(errno));
			return 1;
		}
		pw_stream_add_listener(p->stream, &p->listener, &stream_events, p);
		params[0] = spa_format_audio_raw_build(&b, SPA_PARAM_EnumFormat, &info);
		if (pw_stream_connect(p->stream, PW_DIRECTION_OUTPUT, PW_ID_ANY,
				      PW_STREAM_FLAG_AUTOCONNECT | PW_STREAM_FLAG_MAP_BUFFERS |
					  PW_STREAM_FLAG_RT_PROCESS,
				      params, 1) < 0) {
			fprintf(stderr, "dg-streams: %s: cannot connect\n", name);
			return 1;
		}
	}
	pw_main_loop_run(d.loop);

	for (unsigned i = 0; i < d.n; i++)
		pw_stream_disconnect(d.players[i].stream);
	for (unsigned i = 0; i < d.n; i++) {
		struct player *p = &d.players[i];
		if (p->frames < min_frames)
			min_frames = p->frames;
		starved += p->starved;
		spa_hook_remove(&p->listener);
		pw_stream_destroy(p->stream);
	}
	printf("played %llu frames per stream (min), %llu cycles with no buffer\n",
	       (unsigned long long) min_frames, (unsigned long long) starved);
	pw_loop_destroy_source(pw_main_loop_get_loop(d.loop), d.timer);
	pw_core_disconnect(d.core);
	pw_context_destroy(d.context);
	pw_main_loop_destroy(d.loop);
	pw_deinit();
	return d.failed;
}
