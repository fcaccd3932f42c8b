/* SPDX-License-Identifier: MIT */
/* dacguardctl measure: active channel separation through a PipeWire sink.
 *
 * Plays a sine on one channel with the other idle, captures the result (the sink's monitor
 * by default, or an ADC input fed by a loopback cable), reads both channels with the
 * Goertzel detector of lib/measure.c and reports the crosstalk per frequency and
 * direction. Two pw_streams on one pw_main_loop; the capture drives a small state machine
 * per segment (quiet, onset, settle, collect, release), so nothing waits a fixed time:
 * the stimulus is found in the capture itself. Every wait has a deadline. */
#include "port-graph.h"
#include "config.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <spa/param/audio/format-utils.h>
#include <spa/param/props.h>
#include <spa/pod/parser.h>
#include <spa/utils/result.h>

#include <pipewire/extensions/metadata.h>
#include <pipewire/pipewire.h>

#include "cmd-args.h"
#include "cmd.h"
#include "db.h"
#include "json-out.h"
#include "metadata-value.h"
#include "measure.h"

#define CMD "measure"

#define MAX_FREQS 32
#define DEFAULT_RATE 48000
#define DEFAULT_LEVEL_DBFS -20.0
#define FADE_MS 10
#define BLOCK_MS 10              /* detector block for the onset and quiet checks */
#define COLLECT_MS 500           /* analysis block per segment */
#define BASELINE_BLOCKS 10       /* quiet blocks read before the first tone */
#define QUIET_BLOCKS 3           /* consecutive quiet blocks before a tone starts */
#define ONSET_MARGIN 10.0        /* a channel is "on" 20 dB above its baseline RMS... */
#define ONSET_MIN_RMS 1e-6       /* ...and above -120 dBFS */
#define SETUP_TIMEOUT_MS 10000   /* connect, find the nodes, link the streams */
#define QUIET_TIMEOUT_MS 1000    /* then a tone starts anyway */
#define ONSET_TIMEOUT_MS 3000    /* no stimulus in the capture: failed */
#define RELEASE_TIMEOUT_MS 1000
#define STOP_TIMEOUT_MS 200      /* SIGINT: time for the fade out */
#define TICK_MS 50
#define SEGMENT_TRIES 3          /* a dropout (xrun) spoils one capture: measure again */
#define DB_TOLERANCE_DB 3.0      /* a reading this close to the database figure meets it */
#define NAME_MAX_LEN 256

struct measure_args {
	const char *target;
	const char *source;
	unsigned rate;
	double level_dbfs;
	double freqs[MAX_FREQS];
	size_t n_freqs;
	bool json;
};

struct node_entry {
	uint32_t id;
	char name[NAME_MAX_LEN + 16];
	char media_class[64];
};

enum phase {
	PHASE_GLOBALS,   /* the first sync: globals listed, "default" metadata bound */
	PHASE_METADATA,  /* the second: its properties arrived */
	PHASE_INFO,      /* sink and guard bound: props and Props arrived */
	PHASE_DEVICE,    /* the sink's device bound */
	PHASE_RUN,
};

enum seg_state {
	SEG_BASELINE,    /* reading the capture's idle level, before the first tone */
	SEG_QUIET,       /* waiting for the previous tone to leave the capture */
	SEG_ONSET,       /* tone playing, waiting for it in the capture */
	SEG_SETTLE,      /* skipping its fade in */
	SEG_COLLECT,
	SEG_RELEASE,     /* fading out */
	SEG_STOPPING,    /* interrupted: fading out, then quit */
};

struct segment {
	double freq;
	unsigned active;            /* 0 = left driven, right idle */
	struct dg_measure_result r;
	bool done;
	unsigned tries;             /* captures taken; more than one after a noisy one */
};

struct measure {
	struct measure_args a;

	struct pw_main_loop *loop;
	struct pw_loop *l;
	struct pw_context *context;
	struct pw_core *core;
	struct spa_hook core_listener;
	struct pw_registry *registry;
	struct spa_hook registry_listener;
	struct pw_metadata *metadata;
	struct spa_hook metadata_listener;
	struct pw_node *sink_proxy;
	struct spa_hook sink_listener;
	struct pw_node *guard_proxy;
	struct spa_hook guard_listener;
	struct pw_device *device_proxy;
	struct spa_hook device_listener;
	struct spa_source *timer;
	struct spa_source *sigint;
	struct spa_source *sigterm;
	enum phase phase;
	int sync_seq;

	struct node_entry *nodes;
	size_t n_nodes;
	char default_sink[NAME_MAX_LEN];

	/* what is measured */
	char sink[NAME_MAX_LEN];
	char guard[NAME_MAX_LEN];   /* empty: no guard */
	char play_target[NAME_MAX_LEN];
	char capture_target[NAME_MAX_LEN];
	bool capture_monitor;

	/* for the expectation */
	uint32_t device_id;
	char vendor_id[32];
	char product_id[32];
	char vendor_name[NAME_MAX_LEN];
	char product_name[NAME_MAX_LEN];
	char guard_output[DG_ID_MAX];
	char guard_mode[32];

	struct pw_stream *play;
	struct spa_hook play_listener;
	struct pw_stream *rec;
	struct spa_hook rec_listener;
	/* a capture of a sink's monitor is linked here, not by the session manager: with
	 * WirePlumber 0.5 a capture of a guarded sink would go through the guard (a smart
	 * filter) and measure what was played instead of what reached the sink */
	struct dg_port_graph graph;
	struct dg_link_set rec_links;

	struct segment segs[2 * MAX_FREQS];
	size_t n_segs;
	size_t cur;
	enum seg_state state;
	uint64_t state_since;       /* CLOCK_MONOTONIC ns */
	uint64_t setup_deadline;
	struct dg_sine sine;
	bool sine_on;
	unsigned active;            /* the channel the sine is on */

	size_t blk_len, blk_fill;
	double blk_sum[2];
	double base_sum[2];
	unsigned base_blocks, quiet_blocks;
	double thresh[2];
	size_t settle_left;
	float *collect;
	size_t collect_len, collect_fill;

	bool finished;
	bool interrupted;
	int status;                 /* the exit status when finished */
	char error[512];
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t) ts.tv_sec * SPA_NSEC_PER_SEC + (uint64_t) ts.tv_nsec;
}

static void set_state(struct measure *m, enum seg_state s)
{
	m->state = s;
	m->state_since = now_ns();
}

static bool expired(const struct measure *m, unsigned ms)
{
	return now_ns() - m->state_since > (uint64_t) ms * SPA_NSEC_PER_MSEC;
}

static void quit(struct measure *m, int status)
{
	if (m->finished)
		return;
	m->finished = true;
	m->status = status;
	pw_main_loop_quit(m->loop);
}

static void fail(struct measure *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(struct measure *m, const char *fmt, ...)
{
	va_list ap;

	if (m->finished)
		return;
	va_start(ap, fmt);
	vsnprintf(m->error, sizeof(m->error), fmt, ap);
	va_end(ap);
	quit(m, 1);
}

static const char *direction(unsigned active)
{
	return active == 0 ? "L->R" : "R->L";
}

/* ---- arguments ---- */

static void usage(void)
{
	fputs("Usage: dacguardctl measure [--target SINK] [--source SOURCE] [--rate HZ]\n"
	      "           [--level DBFS] [--frequencies F1,F2,...] [--json]\n"
	      "\n"
	      "Plays a sine on the left channel with the right idle, then the other way round,\n"
	      "at each frequency, and reports the channel separation (crosstalk) captured from\n"
	      "SOURCE (default: the monitor of SINK; SINK defaults to the default sink, played\n"
	      "through its dacguard guard when there is one). See dacguardctl(1).\n",
	      stdout);
}

static int parse_frequencies(struct measure_args *a, const char *val)
{
	char buf[1024];
	char *save = NULL, *tok;

	if (strlen(val) >= sizeof(buf))
		return cmd_usage_error(CMD, "--frequencies: list too long");
	strcpy(buf, val);
	a->n_freqs = 0;
	if (!*buf || buf[strlen(buf) - 1] == ',' || buf[0] == ',' || strstr(buf, ",,"))
		return cmd_usage_error(CMD, "--frequencies: expected F1,F2,... in Hz, not '%s'",
				       val);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		double f;

		if (cmd_parse_number(tok, &f) < 0)
			return cmd_usage_error(CMD, "--frequencies: '%s' is not a number", tok);
		if (f < 20.0)
			return cmd_usage_error(CMD, "--frequencies: %s Hz is below 20 Hz", tok);
		if (a->n_freqs == MAX_FREQS)
			return cmd_usage_error(CMD, "--frequencies: at most %d", MAX_FREQS);
		a->freqs[a->n_freqs++] = f;
	}
	return 0;
}

static int parse_name(const char *opt, const char *val, const char **out)
{
	if (!*val)
		return cmd_usage_error(CMD, "%s: empty name", opt);
	if (strlen(val) >= NAME_MAX_LEN - 16)
		return cmd_usage_error(CMD, "%s: name too long", opt);
	*out = val;
	return 0;
}

enum opt { OPT_TARGET, OPT_SOURCE, OPT_RATE, OPT_LEVEL, OPT_FREQUENCIES, N_OPTS };

/* in the order of enum opt */
static const char *const opt_names[N_OPTS] = { "--target", "--source", "--rate", "--level",
					       "--frequencies" };

static const struct cmd_range rate_range = {
	.expected = "a whole number of Hz", .min = 8000, .max = 384000, .whole = true,
};
static const struct cmd_range level_range = {
	.expected = "dBFS", .min = -80.0, .max = 0.0, .unit = " dBFS",
};

static int take_option(void *data, int o, const char *val)
{
	struct measure_args *a = data;
	double v;

	switch ((enum opt) o) {
	case OPT_TARGET:
		return parse_name(opt_names[o], val, &a->target);
	case OPT_SOURCE:
		return parse_name(opt_names[o], val, &a->source);
	case OPT_RATE:
		if (cmd_number_option(CMD, opt_names[o], val, &rate_range, &v))
			return 2;
		a->rate = (unsigned) v;
		return 0;
	case OPT_LEVEL:
		return cmd_number_option(CMD, opt_names[o], val, &level_range, &a->level_dbfs);
	case OPT_FREQUENCIES:
		return parse_frequencies(a, val);
	case N_OPTS:
		break;
	}
	return cmd_usage_error(CMD, "internal error");
}

/* Returns 0 to go on, 1 after --help, 2 on a usage error (already reported). */
static int parse_args(int argc, char **argv, struct measure_args *a)
{
	static const double default_freqs[] = { 100.0, 1000.0, 10000.0 };
	static const struct cmd_options options = {
		.cmd = CMD, .names = opt_names, .n_names = N_OPTS, .json = true, .usage = usage,
		.take = take_option,
	};
	uint32_t given;
	int r;

	memset(a, 0, sizeof(*a));
	a->rate = DEFAULT_RATE;
	a->level_dbfs = DEFAULT_LEVEL_DBFS;
	for (size_t i = 0; i < SPA_N_ELEMENTS(default_freqs); i++)
		a->freqs[i] = default_freqs[i];
	a->n_freqs = SPA_N_ELEMENTS(default_freqs);
	r = cmd_parse_options(&options, argc, argv, a, &given);
	if (r)
		return r;
	a->json = given & CMD_JSON;
	for (size_t i = 0; i < a->n_freqs; i++)
		if (a->freqs[i] >= 0.45 * a->rate)
			return cmd_usage_error(CMD, "--frequencies: %g Hz is too close to the "
					       "Nyquist frequency of %u Hz", a->freqs[i], a->rate);
	return 0;
}

/* ---- discovery: the nodes, the default sink, the guard and the device ---- */

static const struct node_entry *find_node(const struct measure *m, const char *name)
{
	for (size_t i = 0; i < m->n_nodes; i++)
		if (strcmp(m->nodes[i].name, name) == 0)
			return &m->nodes[i];
	return NULL;
}

/* Truncating copy (names longer than the buffers are refused or cannot match anyway). */
static void copy_str(char *dst, size_t size, const char *src)
{
	size_t n = src ? strnlen(src, size - 1) : 0;

	if (n)
		memcpy(dst, src, n);
	dst[n] = '\0';
}

/* spa_dict_lookup() on an empty dict (items NULL) offsets a null pointer: UBSan says so. */
static const char *dict_get(const struct spa_dict *props, const char *key)
{
	return props && props->n_items ? spa_dict_lookup(props, key) : NULL;
}

static void sync_core(struct measure *m, enum phase p)
{
	m->phase = p;
	m->sync_seq = pw_core_sync(m->core, PW_ID_CORE, m->sync_seq);
}

static int on_metadata_property(void *data, uint32_t subject, const char *key, const char *type,
				const char *value)
{
	struct measure *m = data;

	if (subject != PW_ID_CORE || !key || strcmp(key, "default.audio.sink") != 0)
		return 0;
	/* { "name": "alsa_output..." } */
	dg_json_object_string(value, "name", m->default_sink, sizeof(m->default_sink));
	return 0;
}

static const struct pw_metadata_events metadata_events = {
	PW_VERSION_METADATA_EVENTS,
	.property = on_metadata_property,
};

static void on_global(void *data, uint32_t id, uint32_t permissions, const char *type,
		      uint32_t version, const struct spa_dict *props)
{
	struct measure *m = data;
	const char *s;

	if (!props)
		return;
	if (strcmp(type, PW_TYPE_INTERFACE_Node) == 0) {
		struct node_entry *n, *grown;

		s = dict_get(props, PW_KEY_NODE_NAME);
		if (!s)
			return;
		grown = realloc(m->nodes, (m->n_nodes + 1) * sizeof(*m->nodes));
		if (!grown)
			return;
		m->nodes = grown;
		n = &m->nodes[m->n_nodes++];
		n->id = id;
		copy_str(n->name, sizeof(n->name), s);
		copy_str(n->media_class, sizeof(n->media_class),
			 dict_get(props, PW_KEY_MEDIA_CLASS));
	} else if (strcmp(type, PW_TYPE_INTERFACE_Metadata) == 0 && !m->metadata) {
		s = dict_get(props, PW_KEY_METADATA_NAME);
		if (!s || strcmp(s, "default") != 0)
			return;
		m->metadata = pw_registry_bind(m->registry, id, PW_TYPE_INTERFACE_Metadata,
					       PW_VERSION_METADATA, 0);
		if (m->metadata)
			pw_metadata_add_listener(m->metadata, &m->metadata_listener,
						 &metadata_events, m);
	}
}

static void link_monitor(struct measure *m)
{
	static const char *const channels[] = { "FL", "FR" };

	if (!m->rec || !m->capture_monitor)
		return;
	dg_link_set_channels(&m->rec_links, &m->graph,
			     dg_port_graph_node(&m->graph, m->capture_target), DG_PORT_MONITOR,
			     pw_stream_get_node_id(m->rec), channels, SPA_N_ELEMENTS(channels));
}

static void on_graph_global(void *data, uint32_t id, uint32_t permissions, const char *type,
			    uint32_t version, const struct spa_dict *props)
{
	struct measure *m = data;

	on_global(data, id, permissions, type, version, props);
	if (dg_port_graph_global(&m->graph, id, type, props))
		link_monitor(m);
}

static void on_global_remove(void *data, uint32_t id)
{
	struct measure *m = data;

	if (dg_port_graph_global_remove(&m->graph, id))
		link_monitor(m);
}

static const struct pw_registry_events registry_events = {
	PW_VERSION_REGISTRY_EVENTS,
	.global = on_graph_global,
	.global_remove = on_global_remove,
};

static void read_usb_props(struct measure *m, const struct spa_dict *props)
{
	const char *s;

	if (!props)
		return;
	if (!m->vendor_id[0] && (s = dict_get(props, "device.vendor.id")))
		copy_str(m->vendor_id, sizeof(m->vendor_id), s);
	if (!m->product_id[0] && (s = dict_get(props, "device.product.id")))
		copy_str(m->product_id, sizeof(m->product_id), s);
	if (!m->vendor_name[0] && (s = dict_get(props, "device.vendor.name")))
		copy_str(m->vendor_name, sizeof(m->vendor_name), s);
	if (!m->product_name[0] && (s = dict_get(props, "device.product.name")))
		copy_str(m->product_name, sizeof(m->product_name), s);
}

static void on_sink_info(void *data, const struct pw_node_info *info)
{
	struct measure *m = data;
	const char *s;

	read_usb_props(m, info->props);
	if (info->props && (s = dict_get(info->props, PW_KEY_DEVICE_ID)))
		m->device_id = (uint32_t) strtoul(s, NULL, 10);
}

static const struct pw_node_events sink_events = {
	PW_VERSION_NODE_EVENTS,
	.info = on_sink_info,
};

/* The guard's Props: a SPA_PROP_params struct of name/value pairs. */
static void on_guard_param(void *data, int seq, uint32_t id, uint32_t index, uint32_t next,
			   const struct spa_pod *param)
{
	struct measure *m = data;
	const struct spa_pod_prop *prop;
	const struct spa_pod_object *obj = (const struct spa_pod_object *) param;

	if (id != SPA_PARAM_Props || !spa_pod_is_object(param))
		return;
	SPA_POD_OBJECT_FOREACH(obj, prop) {
		struct spa_pod_parser prs;
		struct spa_pod_frame f;

		if (prop->key != SPA_PROP_params)
			continue;
		spa_pod_parser_pod(&prs, &prop->value);
		if (spa_pod_parser_push_struct(&prs, &f) < 0)
			continue;
		while (true) {
			const char *key, *val;
			struct spa_pod *value;

			if (spa_pod_parser_get_string(&prs, &key) < 0 ||
			    spa_pod_parser_get_pod(&prs, &value) < 0)
				break;
			if (spa_pod_get_string(value, &val) < 0)
				continue;
			if (strcmp(key, "dacguard.output") == 0)
				copy_str(m->guard_output, sizeof(m->guard_output), val);
			else if (strcmp(key, "dacguard.mode") == 0)
				copy_str(m->guard_mode, sizeof(m->guard_mode), val);
		}
	}
}

static const struct pw_node_events guard_events = {
	PW_VERSION_NODE_EVENTS,
	.param = on_guard_param,
};

static void on_device_info(void *data, const struct pw_device_info *info)
{
	read_usb_props(data, info->props);
}

static const struct pw_device_events device_events = {
	PW_VERSION_DEVICE_EVENTS,
	.info = on_device_info,
};

/* Picks what is played into and captured from; 0 or fails. */
static int resolve(struct measure *m)
{
	const struct node_entry *n, *sink, *guard;
	char name[NAME_MAX_LEN + 16];

	if (m->a.target)
		copy_str(name, sizeof(name), m->a.target);
	else if (m->default_sink[0])
		copy_str(name, sizeof(name), m->default_sink);
	else
		return fail(m, "no --target and no default sink"), -ENOENT;

	/* named the guard itself: its DAC sink is the rest of the name */
	n = find_node(m, name);
	if (n && strncmp(name, "dacguard.", 9) == 0 && find_node(m, name + 9))
		memmove(name, name + 9, strlen(name + 9) + 1);
	sink = find_node(m, name);
	if (!sink)
		return fail(m, "no sink named '%s'", name), -ENOENT;
	if (strcmp(sink->media_class, "Audio/Sink") != 0)
		return fail(m, "'%s' is not an audio sink (%s)", name, sink->media_class), -EINVAL;
	copy_str(m->sink, sizeof(m->sink), sink->name);

	snprintf(name, sizeof(name), "dacguard.%s", m->sink);
	guard = find_node(m, name);
	copy_str(m->guard, sizeof(m->guard), guard ? guard->name : "");
	copy_str(m->play_target, sizeof(m->play_target), guard ? guard->name : m->sink);

	if (m->a.source) {
		n = find_node(m, m->a.source);
		if (!n)
			return fail(m, "no source named '%s'", m->a.source), -ENOENT;
		if (strcmp(n->media_class, "Audio/Sink") == 0)
			m->capture_monitor = true;
		else if (strncmp(n->media_class, "Audio/Source", 12) != 0)
			return fail(m, "'%s' is neither an audio source nor a sink (%s)",
				    m->a.source, n->media_class), -EINVAL;
		copy_str(m->capture_target, sizeof(m->capture_target), n->name);
	} else {
		m->capture_monitor = true;
		copy_str(m->capture_target, sizeof(m->capture_target), m->sink);
	}

	m->sink_proxy = pw_registry_bind(m->registry, sink->id, PW_TYPE_INTERFACE_Node,
					 PW_VERSION_NODE, 0);
	if (m->sink_proxy)
		pw_node_add_listener(m->sink_proxy, &m->sink_listener, &sink_events, m);
	if (guard) {
		m->guard_proxy = pw_registry_bind(m->registry, guard->id, PW_TYPE_INTERFACE_Node,
						  PW_VERSION_NODE, 0);
		if (m->guard_proxy) {
			pw_node_add_listener(m->guard_proxy, &m->guard_listener, &guard_events, m);
			pw_node_enum_params(m->guard_proxy, 0, SPA_PARAM_Props, 0, UINT32_MAX,
					    NULL);
		}
	}
	return 0;
}

/* ---- the measurement ---- */

static void begin_tone(struct measure *m)
{
	const struct segment *seg = &m->segs[m->cur];

	dg_sine_init(&m->sine, seg->freq, m->a.rate, m->a.level_dbfs,
		     m->a.rate * FADE_MS / 1000, 0);
	m->active = seg->active;
	m->sine_on = true;
	m->collect_len = dg_measure_block_frames(seg->freq, m->a.rate,
						 (size_t) m->a.rate * COLLECT_MS / 1000);
	m->collect_fill = 0;
	set_state(m, SEG_ONSET);
}

static void end_segment(struct measure *m)
{
	struct segment *seg = &m->segs[m->cur];

	dg_sine_release(&m->sine);
	set_state(m, SEG_RELEASE);
	if (dg_measure_analyze(m->collect, m->collect_len, 2, seg->active, 1 - seg->active,
			       seg->freq, m->a.rate, m->a.level_dbfs, &seg->r) < 0) {
		fail(m, "internal error: cannot analyse %zu frames at %g Hz", m->collect_len,
		     seg->freq);
		return;
	}
	seg->tries++;
	/* A noisy capture is most often a dropout in the graph, not the device: repeat the
	 * segment (next_segment() sees done == false) before calling the run failed. */
	if (seg->r.status == DG_MEASURE_TOO_NOISY && seg->tries < SEGMENT_TRIES)
		return;
	seg->done = true;
	if (seg->r.status == DG_MEASURE_NO_SIGNAL || seg->r.status == DG_MEASURE_TOO_NOISY)
		fail(m, "%g Hz %s: %s (driven channel %.1f dBFS, %.1f dB over its floor)",
		     seg->freq, direction(seg->active),
		     seg->r.status == DG_MEASURE_NO_SIGNAL ? "no stimulus captured" :
							     "the capture is too noisy",
		     seg->r.active_dbfs, seg->r.snr_db);
}

static void next_segment(struct measure *m)
{
	if (m->segs[m->cur].done && ++m->cur == m->n_segs) {
		quit(m, 0);
		return;
	}
	m->quiet_blocks = 0;
	set_state(m, SEG_QUIET);
}

/* One detector block of capture: RMS per channel. */
static void on_block(struct measure *m, const double rms[2])
{
	bool loud = rms[0] > m->thresh[0] || rms[1] > m->thresh[1];

	switch (m->state) {
	case SEG_BASELINE:
		m->base_sum[0] += rms[0];
		m->base_sum[1] += rms[1];
		if (++m->base_blocks < BASELINE_BLOCKS)
			break;
		for (int c = 0; c < 2; c++) {
			m->thresh[c] = ONSET_MARGIN * m->base_sum[c] / m->base_blocks;
			if (m->thresh[c] < ONSET_MIN_RMS)
				m->thresh[c] = ONSET_MIN_RMS;
		}
		begin_tone(m);
		break;
	case SEG_QUIET:
		m->quiet_blocks = loud ? 0 : m->quiet_blocks + 1;
		if (m->quiet_blocks >= QUIET_BLOCKS || expired(m, QUIET_TIMEOUT_MS))
			begin_tone(m);
		break;
	case SEG_ONSET:
		/* either channel: with swapped wiring the idle one carries it */
		if (loud) {
			m->settle_left = m->a.rate * FADE_MS / 1000 + 2 * m->blk_len;
			set_state(m, SEG_SETTLE);
		}
		break;
	case SEG_RELEASE:
		if (!m->sine_on)
			next_segment(m);
		break;
	case SEG_SETTLE:
	case SEG_COLLECT:
	case SEG_STOPPING:
		break;
	}
}

static void feed(struct measure *m, const float *src, size_t n)
{
	for (size_t i = 0; i < n && !m->finished; i++) {
		const float *fr = src + 2 * i;

		if (m->state == SEG_COLLECT) {
			m->collect[2 * m->collect_fill] = fr[0];
			m->collect[2 * m->collect_fill + 1] = fr[1];
			if (++m->collect_fill == m->collect_len)
				end_segment(m);
			continue;
		}
		if (m->state == SEG_SETTLE) {
			if (--m->settle_left == 0)
				set_state(m, SEG_COLLECT);
			continue;
		}
		m->blk_sum[0] += (double) fr[0] * fr[0];
		m->blk_sum[1] += (double) fr[1] * fr[1];
		if (++m->blk_fill == m->blk_len) {
			double rms[2] = { sqrt(m->blk_sum[0] / m->blk_len),
					  sqrt(m->blk_sum[1] / m->blk_len) };

			m->blk_fill = 0;
			m->blk_sum[0] = m->blk_sum[1] = 0.0;
			on_block(m, rms);
		}
	}
}

static void on_rec_process(void *data)
{
	struct measure *m = data;
	struct pw_buffer *b = pw_stream_dequeue_buffer(m->rec);
	struct spa_data *d;

	if (!b)
		return;
	d = &b->buffer->datas[0];
	if (d->data && d->chunk) {
		uint32_t offset = SPA_MIN(d->chunk->offset, d->maxsize);
		uint32_t size = SPA_MIN(d->chunk->size, d->maxsize - offset);

		feed(m, SPA_PTROFF(d->data, offset, const float), size / (2 * sizeof(float)));
	}
	pw_stream_queue_buffer(m->rec, b);
}

static void on_play_process(void *data)
{
	struct measure *m = data;
	struct pw_buffer *b = pw_stream_dequeue_buffer(m->play);
	struct spa_data *d;
	uint32_t stride = 2 * sizeof(float), n;

	if (!b)
		return;
	d = &b->buffer->datas[0];
	if (!d->data) {
		pw_stream_queue_buffer(m->play, b);
		return;
	}
	n = d->maxsize / stride;
	if (b->requested && b->requested < n)
		n = (uint32_t) b->requested;
	memset(d->data, 0, (size_t) n * stride);
	if (m->sine_on) {
		dg_sine_fill(&m->sine, (float *) d->data + m->active, 2, n);
		if (dg_sine_done(&m->sine))
			m->sine_on = false;
	}
	d->chunk->offset = 0;
	d->chunk->stride = (int32_t) stride;
	d->chunk->size = n * stride;
	pw_stream_queue_buffer(m->play, b);
}

static void on_stream_state(void *data, enum pw_stream_state old, enum pw_stream_state state,
			    const char *error)
{
	struct measure *m = data;

	if (state == PW_STREAM_STATE_ERROR)
		fail(m, "stream error: %s", error ? error : "unknown");
	/* the capture's node id is known from here */
	link_monitor(m);
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

static int connect_stream(struct measure *m, struct pw_stream **s, struct spa_hook *hook,
			  const struct pw_stream_events *events, bool playback)
{
	uint8_t buffer[1024];
	struct spa_pod_builder b = SPA_POD_BUILDER_INIT(buffer, sizeof(buffer));
	struct spa_audio_info_raw info = {
		.format = SPA_AUDIO_FORMAT_F32,
		.rate = m->a.rate,
		.channels = 2,
		.position = { SPA_AUDIO_CHANNEL_FL, SPA_AUDIO_CHANNEL_FR },
	};
	const struct spa_pod *params[1];
	struct pw_properties *props;
	int r;

	props = pw_properties_new(PW_KEY_MEDIA_TYPE, "Audio",
				  PW_KEY_MEDIA_CATEGORY, playback ? "Playback" : "Capture",
				  PW_KEY_MEDIA_ROLE, "Production",
				  PW_KEY_NODE_NAME, playback ? "dacguardctl-measure-play" :
							       "dacguardctl-measure-capture",
				  PW_KEY_TARGET_OBJECT, playback ? m->play_target :
								   m->capture_target,
				  /* channel for channel: an upmix would fake a 0 dB crosstalk */
				  PW_KEY_STREAM_DONT_REMIX, "true",
				  PW_KEY_NODE_DONT_RECONNECT, "true",
				  NULL);
	if (!props)
		return -errno;
	if (!playback && m->capture_monitor) {
		pw_properties_set(props, PW_KEY_STREAM_CAPTURE_SINK, "true");
		pw_properties_set(props, PW_KEY_NODE_AUTOCONNECT, "false");
	}
	pw_properties_setf(props, PW_KEY_NODE_RATE, "1/%u", m->a.rate);

	*s = pw_stream_new(m->core,
			   playback ? "dacguardctl measure" : "dacguardctl measure capture", props);
	if (!*s)
		return -errno;
	pw_stream_add_listener(*s, hook, events, m);
	params[0] = spa_format_audio_raw_build(&b, SPA_PARAM_EnumFormat, &info);
	r = pw_stream_connect(*s, playback ? PW_DIRECTION_OUTPUT : PW_DIRECTION_INPUT, PW_ID_ANY,
			      (playback || !m->capture_monitor ? PW_STREAM_FLAG_AUTOCONNECT : 0) |
				  PW_STREAM_FLAG_MAP_BUFFERS,
			      params, 1);
	return r < 0 ? r : 0;
}

static int start_run(struct measure *m)
{
	int r;

	m->phase = PHASE_RUN;
	m->blk_len = m->a.rate * BLOCK_MS / 1000;
	m->collect = calloc((size_t) m->a.rate * COLLECT_MS / 1000 * 2, sizeof(float));
	if (!m->collect)
		return -ENOMEM;
	set_state(m, SEG_BASELINE);
	/* capture first, so the baseline is read before the first tone */
	r = connect_stream(m, &m->rec, &m->rec_listener, &rec_events, false);
	if (r < 0)
		return r;
	return connect_stream(m, &m->play, &m->play_listener, &play_events, true);
}

static void on_core_done(void *data, uint32_t id, int seq)
{
	struct measure *m = data;
	int r;

	if (id != PW_ID_CORE || seq != m->sync_seq || m->finished)
		return;
	switch (m->phase) {
	case PHASE_GLOBALS:
		sync_core(m, PHASE_METADATA);
		break;
	case PHASE_METADATA:
		if (resolve(m) == 0)
			sync_core(m, PHASE_INFO);
		break;
	case PHASE_INFO:
		if (m->device_id != SPA_ID_INVALID && !m->vendor_id[0]) {
			m->device_proxy = pw_registry_bind(m->registry, m->device_id,
							   PW_TYPE_INTERFACE_Device,
							   PW_VERSION_DEVICE, 0);
			if (m->device_proxy) {
				pw_device_add_listener(m->device_proxy, &m->device_listener,
						       &device_events, m);
				sync_core(m, PHASE_DEVICE);
				break;
			}
		}
		SPA_FALLTHROUGH;
	case PHASE_DEVICE:
		r = start_run(m);
		if (r < 0)
			fail(m, "cannot create the streams: %s", spa_strerror(r));
		break;
	case PHASE_RUN:
		break;
	}
}

static void on_core_error(void *data, uint32_t id, int seq, int res, const char *message)
{
	struct measure *m = data;

	if (id == PW_ID_CORE)
		fail(m, "PipeWire: %s (%s)", message ? message : "error", spa_strerror(res));
}

static const struct pw_core_events core_events = {
	PW_VERSION_CORE_EVENTS,
	.done = on_core_done,
	.error = on_core_error,
};

static void on_tick(void *data, uint64_t expirations)
{
	struct measure *m = data;
	const struct segment *seg = m->cur < m->n_segs ? &m->segs[m->cur] : NULL;

	if (m->finished)
		return;
	if (m->state == SEG_STOPPING) {
		if (!m->sine_on || expired(m, STOP_TIMEOUT_MS))
			fail(m, "interrupted");
		return;
	}
	if (m->phase != PHASE_RUN || m->state == SEG_BASELINE) {
		if (now_ns() > m->setup_deadline)
			fail(m, "timed out: %s", m->phase != PHASE_RUN ?
				"PipeWire did not answer" :
				"no capture data (are the streams linked? is a session manager "
				"running?)");
		return;
	}
	if (m->state == SEG_ONSET && expired(m, ONSET_TIMEOUT_MS) && seg)
		fail(m, "%g Hz %s: no stimulus captured from %s%s within %d ms", seg->freq,
		     direction(seg->active), m->capture_monitor ? "the monitor of " : "",
		     m->capture_target, ONSET_TIMEOUT_MS);
	else if (m->state == SEG_RELEASE && expired(m, RELEASE_TIMEOUT_MS))
		next_segment(m);
}

static void on_signal(void *data, int signal_number)
{
	struct measure *m = data;

	m->interrupted = true;
	if (m->sine_on && m->phase == PHASE_RUN) {
		/* fade out rather than cut the tone */
		dg_sine_release(&m->sine);
		set_state(m, SEG_STOPPING);
		return;
	}
	fail(m, "interrupted");
}

/* ---- the expectation and the report ---- */

struct expectation {
	const char *device;          /* "Vendor Model" or NULL */
	char device_buf[2 * DG_NAME_MAX + 2];
	const char *output;          /* the output in use, or NULL */
	const char *mode;            /* "balanced", "single-ended", "unknown" */
	double db_figure;            /* the database's crosstalk for the output; NAN unknown */
	double se_figure, bal_figure; /* the DAC's best figures per mode; NAN unknown */
	double worst;                /* measured worst crosstalk (or bound) */
	bool worst_is_bound;
	const char *verdict;         /* against db_figure */
	const char *rule_verdict;    /* balanced should beat single-ended */
};

static void ignore_diag(void *user, const struct dg_diag *d)
{
}

static void best_figure(double *best, double v)
{
	if (!isnan(v) && (isnan(*best) || v < *best))
		*best = v;
}

static void expect(struct measure *m, struct expectation *e)
{
	struct dg_errors errors = { .fn = ignore_diag };
	struct dg_paths paths;
	struct dg_db db;
	const struct dg_db_entry *entry;
	unsigned long vid, pid;
	char *end1 = NULL, *end2 = NULL;

	memset(e, 0, sizeof(*e));
	e->db_figure = e->se_figure = e->bal_figure = NAN;
	e->worst = -INFINITY;
	for (size_t i = 0; i < m->n_segs; i++) {
		const struct segment *s = &m->segs[i];

		if (s->done && s->r.crosstalk_db > e->worst) {
			e->worst = s->r.crosstalk_db;
			e->worst_is_bound = s->r.status == DG_MEASURE_BELOW_FLOOR;
		}
	}
	e->mode = "unknown";
	if (m->guard_mode[0])
		e->mode = m->guard_mode;
	if (m->guard_output[0] && strcmp(m->guard_output, "unknown") != 0)
		e->output = m->guard_output;

	dg_db_init(&db);
	vid = strtoul(m->vendor_id, &end1, 16);
	pid = strtoul(m->product_id, &end2, 16);
	if (m->vendor_id[0] && m->product_id[0] && !*end1 && !*end2 && vid <= 0xffff &&
	    pid <= 0xffff && dg_paths_init(&paths) == 0 && dg_db_load(&db, &paths, &errors) == 0 &&
	    (entry = dg_db_match(&db, (uint16_t) vid, (uint16_t) pid, m->vendor_name,
				 m->product_name))) {
		snprintf(e->device_buf, sizeof(e->device_buf), "%s %s", entry->vendor,
			 entry->model);
		e->device = e->device_buf;
		for (size_t i = 0; i < entry->n_outputs; i++) {
			const struct dg_output *o = &entry->outputs[i].out;

			best_figure(o->balanced ? &e->bal_figure : &e->se_figure, o->crosstalk_db);
			if (e->output && strcmp(o->id, e->output) == 0) {
				e->db_figure = o->crosstalk_db;
				if (strcmp(e->mode, "unknown") == 0)
					e->mode = o->balanced ? "balanced" : "single-ended";
			}
		}
	}
	dg_db_free(&db);

	if (isnan(e->db_figure) || !isfinite(e->worst))
		e->verdict = "unknown";
	else if (e->worst <= e->db_figure + DB_TOLERANCE_DB)
		e->verdict = "meets";
	else
		e->verdict = e->worst_is_bound ? "floor-above-figure" : "worse";

	e->rule_verdict = "unknown";
	if (strcmp(e->mode, "balanced") == 0 && !isnan(e->se_figure) && isfinite(e->worst)) {
		if (e->worst < e->se_figure)
			e->rule_verdict = "beats";
		else
			e->rule_verdict = e->worst_is_bound ? "unknown" : "does-not-beat";
	}
}

static void print_json(struct measure *m, const struct expectation *e)
{
	struct dg_json_out j;

	dg_json_out_init(&j, stdout, false);
	dg_json_out_object(&j, NULL);
	dg_json_out_string(&j, "sink", m->sink[0] ? m->sink : NULL);
	dg_json_out_string(&j, "guard", m->guard[0] ? m->guard : NULL);
	dg_json_out_string(&j, "played_into", m->play_target[0] ? m->play_target : NULL);
	dg_json_out_string(&j, "captured_from", m->capture_target[0] ? m->capture_target : NULL);
	dg_json_out_bool(&j, "monitor", m->capture_monitor);
	dg_json_out_int(&j, "rate", m->a.rate);
	dg_json_out_number(&j, "level_dbfs", m->a.level_dbfs);
	dg_json_out_array(&j, "measurements");
	for (size_t i = 0; i < m->n_segs; i++) {
		const struct segment *s = &m->segs[i];

		if (!s->done)
			continue;
		dg_json_out_object(&j, NULL);
		dg_json_out_number(&j, "frequency_hz", s->freq);
		dg_json_out_string(&j, "direction", direction(s->active));
		dg_json_out_string(&j, "status", dg_measure_status_to_string(s->r.status));
		dg_json_out_number(&j, "crosstalk_db",
				   s->r.status == DG_MEASURE_OK ? s->r.crosstalk_db : NAN);
		dg_json_out_number(&j, "below_db",
				   s->r.status == DG_MEASURE_BELOW_FLOOR ? s->r.crosstalk_db : NAN);
		dg_json_out_number(&j, "gain_db", s->r.gain_db);
		dg_json_out_number(&j, "snr_db", s->r.snr_db);
		dg_json_out_number(&j, "driven_dbfs", s->r.active_dbfs);
		dg_json_out_number(&j, "idle_dbfs", s->r.idle_dbfs);
		dg_json_out_number(&j, "idle_floor_dbfs", s->r.idle_floor_dbfs);
		dg_json_out_int(&j, "frames", (long long) s->r.frames);
		dg_json_out_int(&j, "captures", (long long) s->tries);
		dg_json_out_end(&j);
	}
	dg_json_out_end(&j);
	if (e) {
		dg_json_out_object(&j, "expectation");
		dg_json_out_string(&j, "device", e->device);
		dg_json_out_string(&j, "output", e->output);
		dg_json_out_string(&j, "mode", e->mode);
		dg_json_out_number(&j, "database_crosstalk_db", e->db_figure);
		dg_json_out_number(&j, "worst_crosstalk_db", e->worst);
		dg_json_out_bool(&j, "worst_is_bound", e->worst_is_bound);
		dg_json_out_string(&j, "verdict", e->verdict);
		dg_json_out_string(&j, "rule", "a balanced output should beat single-ended");
		dg_json_out_number(&j, "single_ended_db", e->se_figure);
		dg_json_out_number(&j, "balanced_db", e->bal_figure);
		dg_json_out_string(&j, "rule_verdict", e->rule_verdict);
		dg_json_out_end(&j);
	}
	dg_json_out_string(&j, "error", m->error[0] ? m->error : NULL);
	dg_json_out_end(&j);
	dg_json_out_finish(&j);
}

static void print_human(struct measure *m, const struct expectation *e)
{
	if (!m->sink[0])
		return;
	if (m->guard[0])
		printf("played into:   %s (the guard of %s)\n", m->guard, m->sink);
	else
		printf("played into:   %s (no dacguard guard)\n", m->sink);
	if (m->capture_target[0])
		printf("captured from: %s%s\n", m->capture_monitor ? "the monitor of " : "",
		       m->capture_target);
	printf("stimulus:      %.1f dBFS sine at %u Hz, one channel at a time\n",
	       m->a.level_dbfs, m->a.rate);
	for (size_t i = 0; i < m->n_segs; i++) {
		const struct segment *s = &m->segs[i];

		if (!s->done)
			continue;
		printf("%8g Hz  %s  ", s->freq, direction(s->active));
		if (s->r.status == DG_MEASURE_OK)
			printf("crosstalk %7.1f dB", s->r.crosstalk_db);
		else if (s->r.status == DG_MEASURE_BELOW_FLOOR)
			printf("below the measurement floor, < %.1f dB", s->r.crosstalk_db);
		else
			printf("%s", dg_measure_status_to_string(s->r.status));
		printf("  (gain %.1f dB)\n", s->r.gain_db);
	}
	if (!e)
		return;
	printf("expectation:   output %s, mode %s", e->output ? e->output : "unknown", e->mode);
	if (e->device)
		printf(", %s", e->device);
	putchar('\n');
	if (!isnan(e->db_figure))
		printf("               database: crosstalk %.1f dB; measured worst %s%.1f dB: %s\n",
		       e->db_figure, e->worst_is_bound ? "< " : "", e->worst,
		       strcmp(e->verdict, "meets") == 0 ? "meets it" :
		       strcmp(e->verdict, "worse") == 0 ? "worse than the database" :
							  "the floor is above the figure");
	else
		printf("               database: no crosstalk figure for this output\n");
	printf("               a balanced output should beat single-ended");
	if (strcmp(e->rule_verdict, "beats") == 0)
		printf(": it beats the single-ended %.1f dB\n", e->se_figure);
	else if (strcmp(e->rule_verdict, "does-not-beat") == 0)
		printf(": it does NOT beat the single-ended %.1f dB\n", e->se_figure);
	else
		putchar('\n');
}

static void destroy(struct measure *m)
{
	if (m->play)
		pw_stream_destroy(m->play);
	dg_link_set_clear(&m->rec_links);
	if (m->rec)
		pw_stream_destroy(m->rec);
	dg_port_graph_clear(&m->graph);
	if (m->device_proxy)
		pw_proxy_destroy((struct pw_proxy *) m->device_proxy);
	if (m->guard_proxy)
		pw_proxy_destroy((struct pw_proxy *) m->guard_proxy);
	if (m->sink_proxy)
		pw_proxy_destroy((struct pw_proxy *) m->sink_proxy);
	if (m->metadata)
		pw_proxy_destroy((struct pw_proxy *) m->metadata);
	if (m->registry)
		pw_proxy_destroy((struct pw_proxy *) m->registry);
	if (m->core)
		pw_core_disconnect(m->core);
	if (m->context)
		pw_context_destroy(m->context);
	if (m->loop) {
		struct pw_loop *l = pw_main_loop_get_loop(m->loop);

		if (m->timer)
			pw_loop_destroy_source(l, m->timer);
		if (m->sigint)
			pw_loop_destroy_source(l, m->sigint);
		if (m->sigterm)
			pw_loop_destroy_source(l, m->sigterm);
		pw_main_loop_destroy(m->loop);
	}
	free(m->collect);
	free(m->nodes);
}

static int run(struct measure *m)
{
	struct timespec tick = { .tv_nsec = TICK_MS * SPA_NSEC_PER_MSEC };

	m->loop = pw_main_loop_new(NULL);
	if (!m->loop)
		return fail(m, "cannot create a main loop: %s", strerror(errno)), -errno;
	m->l = pw_main_loop_get_loop(m->loop);
	m->sigint = pw_loop_add_signal(m->l, SIGINT, on_signal, m);
	m->sigterm = pw_loop_add_signal(m->l, SIGTERM, on_signal, m);
	m->timer = pw_loop_add_timer(m->l, on_tick, m);
	if (!m->timer)
		return fail(m, "cannot create a timer"), -ENOMEM;
	pw_loop_update_timer(m->l, m->timer, &tick, &tick, false);

	m->context = pw_context_new(m->l, NULL, 0);
	if (!m->context)
		return fail(m, "cannot create a PipeWire context: %s", strerror(errno)), -errno;
	m->core = pw_context_connect(m->context, NULL, 0);
	if (!m->core)
		return fail(m, "cannot connect to PipeWire: %s", strerror(errno)), -errno;
	m->rec_links.core = m->core;
	pw_core_add_listener(m->core, &m->core_listener, &core_events, m);
	m->registry = pw_core_get_registry(m->core, PW_VERSION_REGISTRY, 0);
	if (!m->registry)
		return fail(m, "cannot get the PipeWire registry"), -ENOMEM;
	pw_registry_add_listener(m->registry, &m->registry_listener, &registry_events, m);

	m->setup_deadline = now_ns() + (uint64_t) SETUP_TIMEOUT_MS * SPA_NSEC_PER_MSEC;
	sync_core(m, PHASE_GLOBALS);
	pw_main_loop_run(m->loop);
	return 0;
}

int cmd_measure(int argc, char **argv)
{
	struct measure *m;
	struct expectation e;
	int r, status;

	m = calloc(1, sizeof(*m));
	if (!m) {
		fprintf(stderr, "dacguardctl measure: out of memory\n");
		return 1;
	}
	r = parse_args(argc, argv, &m->a);
	if (r) {
		free(m);
		return r == 1 ? 0 : r;
	}
	m->device_id = SPA_ID_INVALID;
	dg_port_graph_init(&m->graph);
	dg_link_set_init(&m->rec_links, NULL, false, "dacguardctl measure");
	for (size_t i = 0; i < m->a.n_freqs; i++) {
		for (unsigned c = 0; c < 2; c++) {
			m->segs[m->n_segs].freq = m->a.freqs[i];
			m->segs[m->n_segs].active = c;
			m->n_segs++;
		}
	}

	pw_init(NULL, NULL);
	run(m);
	if (!m->finished)
		fail(m, "the main loop ended early");
	status = m->status;
	if (status != 0)
		fprintf(stderr, "dacguardctl measure: %s\n", m->error);
	destroy(m);
	pw_deinit();

	if (m->sink[0])
		expect(m, &e);
	if (m->a.json)
		print_json(m, m->sink[0] ? &e : NULL);
	else
		print_human(m, m->sink[0] ? &e : NULL);
	free(m);
	return status;
}
