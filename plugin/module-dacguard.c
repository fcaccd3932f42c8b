/* SPDX-License-Identifier: MIT */
/* dacguard: PipeWire module putting a gain-ceiling guard in front of a DAC's sink. */

#include <errno.h>
#include <math.h>
#include <regex.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <spa/param/audio/format-utils.h>
#include <spa/param/latency-utils.h>
#include <spa/param/props.h>
#include <spa/pod/builder.h>
#include <spa/pod/dynamic.h>
#include <spa/pod/parser.h>
#include <spa/utils/json.h>
#include <spa/utils/list.h>
#include <spa/utils/result.h>
#include <spa/utils/string.h>
#include <spa/debug/types.h>
#include <spa/param/audio/type-info.h>

#include <pipewire/impl.h>

#include "guard.h"
#include "model.h"
#include "separation.h"

/** \page page_module_dacguard PipeWire Module: dacguard
 *
 * Puts a guard in front of a DAC's sink: a virtual `Audio/Sink` node named
 * `dacguard.<sink node.name>` whose audio goes to the sink after a gain cap
 * (full scale maps to the ceiling) and a zero-overshoot limiter at the
 * ceiling, so no sample reaching the DAC exceeds the ceiling. A passive
 * channel-separation analyzer watches the first two channels.
 *
 * Like module-loopback, a guard is a pair of streams: a capture stream with
 * `media.class = Audio/Sink` (the node applications play to; it carries the
 * Props below) and a playback stream linked to the target sink.
 *
 * ## Module Options
 *
 * - `target.object`: node.name of the sink to guard. Required unless
 *   `dacguard.rules` is given.
 * - `dacguard.ceiling-db`: start ceiling in dBFS (default -30). Clamped to
 *   the hard ceiling.
 * - `dacguard.hard-ceiling-db`: the administrator's limit in dBFS (default 0,
 *   never above 0). No Props write can exceed it.
 * - `dacguard.rules`: guard every sink that appears and matches, instead of
 *   one `target.object`:
 *   `[ { matches = [ { KEY = VALUE ... } ... ] actions = { create-guard = { ... } } } ]`.
 *   A match object matches when all its keys match the node's properties
 *   (exact string, `"~regex"` for a POSIX extended regex, `null` for an absent
 *   key); a rule matches when any of its match objects does. `create-guard`
 *   may set `dacguard.ceiling-db` and lower `dacguard.hard-ceiling-db` for
 *   that sink. A guard goes away with its sink. Guard nodes are never guarded.
 * - `audio.rate`, `audio.channels`, `audio.position`: format of the guard;
 *   by default the channels and positions of the target sink (or stereo).
 * - `capture.props = {}`: properties for the capture (virtual sink) stream.
 * - `playback.props = {}`: properties for the playback stream to the DAC.
 * - `remote.name`: the remote to connect to when not loaded in a server.
 *
 * ## Props of the guard node
 *
 * Set with `pw-cli set-param <id> Props '{ params = [ "dacguard.ceiling-db" -20.0 ] }'`.
 * Writable: `dacguard.ceiling-db` (float, -120 .. hard ceiling; above it is
 * clamped with a warning; lowering applies within the current block, raising
 * ramps), `dacguard.output` (output id such as "bal-4.4", or "unknown"),
 * `dacguard.mode` ("single-ended", "balanced", "unknown"), `dacguard.headphone`
 * (string), `dacguard.output-ceilings` (string, below). Read-only:
 * `dacguard.hard-ceiling-db` and the meters, refreshed at
 * about 10 Hz while streaming: `dacguard.peak-db`, `dacguard.gain-reduction-db`,
 * `dacguard.correlation`, `dacguard.imbalance-db`, `dacguard.crosstalk-db`,
 * `dacguard.polarity-inverted` (bool), `dacguard.dead-channel` (int: -1 none,
 * 0 left, 1 right). NaN, infinities, wrong types, unknown `dacguard.` keys and
 * writes to read-only keys are refused with a warning and change nothing.
 *
 * ## Output ceiling table
 *
 * `dacguard.output-ceilings` holds the ceiling of each output of the device as a
 * JSON (or SPA-JSON) object of output ids to dBFS, so that a switch of output is
 * safe in the very write that makes it (dacguardd writes it with every decision):
 *
 *\code{.unparsed}
 * pw-cli set-param <id> Props '{ params = [ "dacguard.output-ceilings"
 *     "{ se-3.5 = -23.07 bal-2.5 = -29.09 }" ] }'
 *\endcode
 *
 * It is published back as `{ "se-3.5": -23.070, "bal-2.5": -29.090 }` (Props and the
 * PropInfo default). Keys must be known output ids, each once, values finite
 * numbers; a bad table is refused whole with a warning and the previous one stays.
 * `""` or `{}` clears it. With a table:
 * - a write of `dacguard.output` sets the ceiling to that output's entry (an output
 *   not in the table: the table's lowest ceiling) and `dacguard.mode` to its kind;
 * - a write of `dacguard.mode` without an output sets the output to "unknown" and
 *   the ceiling to the lowest entry of that kind (balanced: `bal-*`, `line-xlr`;
 *   single-ended: `se-*`, `line-rca`; unknown: the lowest of all);
 * - a `dacguard.ceiling-db` in the same write lowers that further (the lower wins);
 *   alone, or with a new table only, the ceiling is held at or below the table's
 *   ceiling for the output and mode in force.
 *
 * The hard ceiling bounds all of it. The new ceiling reaches the data thread before
 * the write returns, so the next block is processed with it: when the new output is
 * louder (a lower ceiling), not one sample above its ceiling gets through.
 *
 * ## Example configuration
 *
 *\code{.unparsed}
 * context.modules = [
 * {   name = libpipewire-module-dacguard
 *     args = {
 *         target.object = "alsa_output.usb-Topping_D50s-00.analog-stereo"
 *         dacguard.ceiling-db = -30.0
 *         dacguard.hard-ceiling-db = -6.0
 *     }
 * }
 * {   name = libpipewire-module-dacguard
 *     args = {
 *         dacguard.rules = [
 *             {   matches = [ { device.bus = "usb" media.class = "Audio/Sink" } ]
 *                 actions = { create-guard = { dacguard.ceiling-db = -30.0 } }
 *             }
 *         ]
 *     }
 * }
 * ]
 *\endcode
 */

#define NAME "dacguard"

/* PW_LOG_TOPIC_STATIC() spelled out: its compound literal trips -Wpedantic */
static struct spa_log_topic mod_topic_storage = {.version = 0, .topic = "mod." NAME};
static struct spa_log_topic *mod_topic = &mod_topic_storage;
#define PW_LOG_TOPIC_DEFAULT mod_topic

#define DEFAULT_CEILING_DB	-30.0
#define DEFAULT_HARD_CEILING_DB 0.0
#define MIN_CEILING_DB		-120.0
#define SILENCE_DB		-200.0f
#define METER_INTERVAL_NSEC	(100 * SPA_NSEC_PER_MSEC)
#define GUARD_PROP		"dacguard.guard"

#define MAX_CHANNELS 64
_Static_assert(MAX_CHANNELS <= DG_GUARD_MAX_CHANNELS && MAX_CHANNELS <= SPA_AUDIO_MAX_CHANNELS,
	       "MAX_CHANNELS too large");

static const struct spa_dict_item module_props[] = {
    {PW_KEY_MODULE_AUTHOR, "dacguard developers"},
    {PW_KEY_MODULE_DESCRIPTION, "Gain-ceiling guard in front of a DAC sink"},
    {PW_KEY_MODULE_USAGE, "( target.object=<sink node.name> ) "
			  "( dacguard.rules=[ { matches=[ { <key>=<value> ... } ] "
			  "actions={ create-guard={ dacguard.ceiling-db=<dB> } } } ] ) "
			  "[ dacguard.ceiling-db=<dB, default -30> ] "
			  "[ dacguard.hard-ceiling-db=<dB, default 0> ] "
			  "[ audio.rate=<rate> ] [ audio.channels=<channels> ] "
			  "[ audio.position=<channel map> ] "
			  "[ capture.props={ ... } ] [ playback.props={ ... } ] "
			  "[ remote.name=<remote> ]"},
    {PW_KEY_MODULE_VERSION, "0.1.0"},
};

/* dacguard.output-ceilings: the ceiling of each output the device has, so that a write
 * of dacguard.output or dacguard.mode brings its ceiling with it (see the page above). */
struct ceiling_entry {
	char id[DG_ID_MAX];
	double ceiling_db;
};

struct ceiling_table {
	struct ceiling_entry entries[DG_MAX_OUTPUTS];
	uint32_t n;
};

#define TABLE_JSON_MAX 512

/* What the data thread publishes and the main loop turns into Props. */
struct meters {
	float peak_db;
	float gain_reduction_db;
	float correlation;
	float imbalance_db;
	float crosstalk_db;
	int32_t polarity_inverted;
	int32_t dead_channel;
};

/* Single writer (data thread), single reader (main loop): a sequence lock.
 * An odd sequence means a write is in progress. */
struct meter_seqlock {
	_Atomic uint32_t seq;
	struct meters m;
};

/* State the data thread owns once the guard is streaming. */
struct dsp {
	struct dg_guard *guard; /* NULL: no format yet, output silence */
	uint32_t channels;
	uint32_t window_frames;
	uint32_t window_pos;
	struct dg_separation sep;
};

struct impl;

struct guard {
	struct spa_list link;
	struct impl *impl;

	char *target_name;
	char *node_name;

	struct pw_properties *capture_props;
	struct pw_stream *capture;
	struct spa_hook capture_listener;
	struct spa_audio_info_raw capture_info;

	struct pw_properties *playback_props;
	struct pw_stream *playback;
	struct spa_hook playback_listener;
	struct spa_audio_info_raw playback_info;

	/* main thread copies; the data thread gets them by pw_loop_invoke */
	double ceiling_db;
	double hard_ceiling_db;
	char output[DG_ID_MAX];
	char mode[DG_ID_MAX];
	char headphone[DG_NAME_MAX];
	struct ceiling_table table; /* dacguard.output-ceilings; n == 0: none */
	char table_json[TABLE_JSON_MAX];

	void *guard_mem; /* the allocation behind dsp.guard, main thread */
	uint32_t latency_frames;
	struct dsp dsp;

	struct meter_seqlock meter_lock;
	struct meters published;
	struct spa_source *timer;
	bool timer_armed;
	bool zombie;   /* to be destroyed from the main loop */
	bool describe; /* node.description is ours to refine from the target's */
};

/* A sink seen in rules mode: bound to read its full properties. */
struct candidate {
	struct spa_list link;
	struct impl *impl;
	uint32_t id;
	struct pw_proxy *proxy;
	struct spa_hook proxy_listener;
	struct spa_hook node_listener;
	struct guard *guard;
	bool checked;
};

struct impl {
	struct pw_context *context;
	struct pw_impl_module *module;
	struct spa_hook module_listener;

	struct pw_loop *main_loop;
	struct pw_loop *data_loop;

	struct pw_core *core;
	struct spa_hook core_proxy_listener;
	struct spa_hook core_listener;
	bool do_disconnect;

	struct pw_registry *registry;
	struct spa_hook registry_listener;

	struct pw_properties *props; /* module arguments */
	double ceiling_db;
	double hard_ceiling_db;
	const char *rules;

	struct spa_source *destroy_event;
	struct spa_list guards;
	struct spa_list candidates;
	uint32_t n_guards_made;
};

/* ---- meters: data thread writes, main loop reads ---- */

static void meters_write(struct meter_seqlock *l, const struct meters *m)
{
	uint32_t seq = atomic_load_explicit(&l->seq, memory_order_relaxed);

	atomic_store_explicit(&l->seq, seq + 1, memory_order_relaxed);
	atomic_thread_fence(memory_order_release);
	l->m = *m;
	atomic_store_explicit(&l->seq, seq + 2, memory_order_release);
}

static bool meters_read(struct meter_seqlock *l, struct meters *m)
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

static void meters_init(struct meters *m)
{
	*m = (struct meters){
	    .peak_db = SILENCE_DB,
	    .dead_channel = -1,
	};
}

/* ---- data thread ---- */

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

static void capture_process(void *data)
{
	struct guard *g = data;
	pw_stream_trigger_process(g->playback);
}

static void playback_process(void *data)
{
	struct guard *g = data;
	struct dsp *d = &g->dsp;
	struct pw_buffer *in, *out;
	const float *src[MAX_CHANNELS];
	float *dst[MAX_CHANNELS];
	uint32_t i, n_in = 0, n_out, frames = UINT32_MAX;
	int32_t stride = sizeof(float);

	in = pw_stream_dequeue_buffer(g->capture);
	out = pw_stream_dequeue_buffer(g->playback);
	if (out == NULL) {
		pw_log_trace_fp("%p: out of playback buffers", (void *) g);
		goto done;
	}

	if (in != NULL) {
		n_in = SPA_MIN(in->buffer->n_datas, MAX_CHANNELS);
		for (i = 0; i < n_in; i++) {
			struct spa_data *sd = &in->buffer->datas[i];
			uint32_t offs = SPA_MIN(sd->chunk->offset, sd->maxsize);
			uint32_t size = SPA_MIN(sd->chunk->size, sd->maxsize - offs);

			src[i] = SPA_PTROFF(sd->data, offs, const float);
			frames = SPA_MIN(frames, size / sizeof(float));
		}
	}
	if (n_in == 0)
		frames = 0;

	n_out = SPA_MIN(out->buffer->n_datas, MAX_CHANNELS);
	for (i = 0; i < n_out; i++) {
		struct spa_data *sd = &out->buffer->datas[i];
		dst[i] = sd->data;
		frames = SPA_MIN(frames, sd->maxsize / sizeof(float));
	}
	if (frames == UINT32_MAX)
		frames = 0;

	if (d->guard != NULL && n_in >= d->channels && n_out >= d->channels) {
		dg_guard_process(d->guard, dst, src, frames);
		if (d->channels >= 2)
			dg_separation_process(&d->sep, src[0], src[1], frames);
		else
			dg_separation_process(&d->sep, src[0], NULL, frames);
		d->window_pos += frames;
		if (d->window_pos >= d->window_frames) {
			dsp_publish(g);
			d->window_pos = 0;
		}
		i = d->channels;
	} else {
		/* No guard for this format (yet): fail closed, nothing reaches the DAC. */
		i = 0;
	}
	for (; i < n_out; i++)
		memset(dst[i], 0, frames * sizeof(float));

	for (i = 0; i < out->buffer->n_datas; i++) {
		struct spa_data *sd = &out->buffer->datas[i];
		sd->chunk->offset = 0;
		sd->chunk->size = i < n_out ? frames * sizeof(float) : 0;
		sd->chunk->stride = stride;
	}

done:
	if (in != NULL)
		pw_stream_queue_buffer(g->capture, in);
	if (out != NULL)
		pw_stream_queue_buffer(g->playback, out);
}

struct dsp_swap {
	struct dg_guard *guard;
	uint32_t channels;
	uint32_t rate;
};

static int do_swap_dsp(struct spa_loop *loop, bool async, uint32_t seq, const void *data,
		       size_t size, void *user_data)
{
	struct guard *g = user_data;
	const struct dsp_swap *s = data;

	g->dsp.guard = s->guard;
	g->dsp.channels = s->channels;
	g->dsp.window_frames = SPA_MAX(s->rate / 10, 1u);
	g->dsp.window_pos = 0;
	dg_separation_init(&g->dsp.sep, s->rate ? s->rate : 48000);
	return 0;
}

static int do_set_ceiling(struct spa_loop *loop, bool async, uint32_t seq, const void *data,
			  size_t size, void *user_data)
{
	struct guard *g = user_data;
	const double *ceiling = data;

	if (g->dsp.guard != NULL)
		dg_guard_set_ceiling(g->dsp.guard, *ceiling);
	return 0;
}

/* ---- main thread: DSP set-up ---- */

static void guard_swap_dsp(struct guard *g, struct dg_guard *dsp, void *mem, uint32_t channels,
			   uint32_t rate)
{
	struct impl *impl = g->impl;
	struct dsp_swap s = {.guard = dsp, .channels = channels, .rate = rate};
	void *old = g->guard_mem;

	/* blocking: when it returns the data thread no longer uses the old guard */
	pw_loop_invoke(impl->data_loop, do_swap_dsp, 0, &s, sizeof(s), true, g);
	g->guard_mem = mem;
	free(old);
}

static int guard_setup_dsp(struct guard *g, const struct spa_audio_info_raw *info)
{
	struct dg_guard *dsp;
	size_t size;
	void *mem;

	if (info->rate < DG_GUARD_MIN_RATE || info->rate > DG_GUARD_MAX_RATE ||
	    info->channels == 0 || info->channels > MAX_CHANNELS)
		return -EINVAL;

	size = dg_guard_size(info->channels, info->rate);
	if (size == 0)
		return -EINVAL;
	if ((mem = calloc(1, size)) == NULL)
		return -errno;
	dsp = dg_guard_init(mem, info->channels, info->rate, g->ceiling_db);
	if (dsp == NULL) {
		free(mem);
		return -EINVAL;
	}
	g->latency_frames = dg_guard_latency_frames(dsp);
	guard_swap_dsp(g, dsp, mem, info->channels, info->rate);
	pw_log_info("%s: guard for %u channels at %u Hz, ceiling %.2f dB, lookahead %u frames",
		    g->node_name, info->channels, info->rate, g->ceiling_db, g->latency_frames);
	return 0;
}

/* ---- Props ---- */

enum prop_kind { PROP_FLOAT, PROP_STRING, PROP_BOOL, PROP_INT };

struct prop_desc {
	const char *key;
	enum prop_kind kind;
	bool writable;
	const char *description;
};

static const struct prop_desc prop_descs[] = {
    {"dacguard.ceiling-db", PROP_FLOAT, true, "Gain ceiling (dBFS)"},
    {"dacguard.hard-ceiling-db", PROP_FLOAT, false, "Hard ceiling (dBFS, read-only)"},
    {"dacguard.output", PROP_STRING, true, "Output in use (id)"},
    /* a string, not a choice: a choice's values must all have one size (spa/pod/pod.h),
     * which strings do not, and a malformed one breaks every reader of the node's params */
    {"dacguard.mode", PROP_STRING, true, "Output mode: single-ended, balanced or unknown"},
    {"dacguard.headphone", PROP_STRING, true, "Headphone profile"},
    {"dacguard.output-ceilings", PROP_STRING, true,
     "Ceiling per output (JSON object: output id -> dBFS)"},
    {"dacguard.peak-db", PROP_FLOAT, false, "Output peak (dBFS, read-only)"},
    {"dacguard.gain-reduction-db", PROP_FLOAT, false, "Limiter gain reduction (dB, read-only)"},
    {"dacguard.correlation", PROP_FLOAT, false, "L/R correlation (read-only)"},
    {"dacguard.imbalance-db", PROP_FLOAT, false, "L/R imbalance (dB, read-only)"},
    {"dacguard.crosstalk-db", PROP_FLOAT, false, "Crosstalk estimate (dB, read-only)"},
    {"dacguard.polarity-inverted", PROP_BOOL, false, "Polarity inverted (read-only)"},
    {"dacguard.dead-channel", PROP_INT, false, "Dead channel: -1 none, 0 L, 1 R (read-only)"},
};

static const struct prop_desc *find_prop(const char *key)
{
	for (size_t i = 0; i < SPA_N_ELEMENTS(prop_descs); i++)
		if (spa_streq(prop_descs[i].key, key))
			return &prop_descs[i];
	return NULL;
}

static struct spa_pod *build_prop_info(struct guard *g, struct spa_pod_builder *b,
				       const struct prop_desc *p)
{
	struct spa_pod_frame f[2];

	spa_pod_builder_push_object(b, &f[0], SPA_TYPE_OBJECT_PropInfo, SPA_PARAM_PropInfo);
	spa_pod_builder_add(b, SPA_PROP_INFO_name, SPA_POD_String(p->key),
			    SPA_PROP_INFO_description, SPA_POD_String(p->description), 0);
	spa_pod_builder_prop(b, SPA_PROP_INFO_type, 0);
	if (spa_streq(p->key, "dacguard.ceiling-db")) {
		spa_pod_builder_push_choice(b, &f[1], SPA_CHOICE_Range, 0);
		spa_pod_builder_float(b, g->ceiling_db);
		spa_pod_builder_float(b, MIN_CEILING_DB);
		spa_pod_builder_float(b, g->hard_ceiling_db);
		spa_pod_builder_pop(b, &f[1]);
	} else if (spa_streq(p->key, "dacguard.output-ceilings")) {
		spa_pod_builder_string(b, g->table_json);
	} else {
		switch (p->kind) {
		case PROP_FLOAT:
			spa_pod_builder_float(b, 0.0f);
			break;
		case PROP_STRING:
			spa_pod_builder_string(b, "");
			break;
		case PROP_BOOL:
			spa_pod_builder_bool(b, false);
			break;
		case PROP_INT:
			spa_pod_builder_push_choice(b, &f[1], SPA_CHOICE_Range, 0);
			spa_pod_builder_int(b, -1);
			spa_pod_builder_int(b, -1);
			spa_pod_builder_int(b, 1);
			spa_pod_builder_pop(b, &f[1]);
			break;
		}
	}
	spa_pod_builder_prop(b, SPA_PROP_INFO_params, 0);
	spa_pod_builder_bool(b, true);
	return spa_pod_builder_pop(b, &f[0]);
}

static struct spa_pod *build_props(struct guard *g, struct spa_pod_builder *b)
{
	const struct meters *m = &g->published;
	struct spa_pod_frame f[2];

	spa_pod_builder_push_object(b, &f[0], SPA_TYPE_OBJECT_Props, SPA_PARAM_Props);
	spa_pod_builder_prop(b, SPA_PROP_params, 0);
	spa_pod_builder_push_struct(b, &f[1]);
	spa_pod_builder_string(b, "dacguard.ceiling-db");
	spa_pod_builder_float(b, g->ceiling_db);
	spa_pod_builder_string(b, "dacguard.hard-ceiling-db");
	spa_pod_builder_float(b, g->hard_ceiling_db);
	spa_pod_builder_string(b, "dacguard.output");
	spa_pod_builder_string(b, g->output);
	spa_pod_builder_string(b, "dacguard.mode");
	spa_pod_builder_string(b, g->mode);
	spa_pod_builder_string(b, "dacguard.headphone");
	spa_pod_builder_string(b, g->headphone);
	spa_pod_builder_string(b, "dacguard.output-ceilings");
	spa_pod_builder_string(b, g->table_json);
	spa_pod_builder_string(b, "dacguard.peak-db");
	spa_pod_builder_float(b, m->peak_db);
	spa_pod_builder_string(b, "dacguard.gain-reduction-db");
	spa_pod_builder_float(b, m->gain_reduction_db);
	spa_pod_builder_string(b, "dacguard.correlation");
	spa_pod_builder_float(b, m->correlation);
	spa_pod_builder_string(b, "dacguard.imbalance-db");
	spa_pod_builder_float(b, m->imbalance_db);
	spa_pod_builder_string(b, "dacguard.crosstalk-db");
	spa_pod_builder_float(b, m->crosstalk_db);
	spa_pod_builder_string(b, "dacguard.polarity-inverted");
	spa_pod_builder_bool(b, m->polarity_inverted != 0);
	spa_pod_builder_string(b, "dacguard.dead-channel");
	spa_pod_builder_int(b, m->dead_channel);
	spa_pod_builder_pop(b, &f[1]);
	return spa_pod_builder_pop(b, &f[0]);
}

/* Publish Props (and PropInfo when the ceiling's default changed). */
static void guard_update_props(struct guard *g, bool with_info)
{
	struct spa_pod_dynamic_builder b;
	const struct spa_pod *params[1 + SPA_N_ELEMENTS(prop_descs)];
	uint32_t offs[SPA_N_ELEMENTS(params)], n = 0;

	if (g->capture == NULL)
		return;

	spa_pod_dynamic_builder_init(&b, NULL, 0, 4096);
	if (with_info) {
		for (size_t i = 0; i < SPA_N_ELEMENTS(prop_descs); i++) {
			offs[n++] = b.b.state.offset;
			build_prop_info(g, &b.b, &prop_descs[i]);
		}
	}
	offs[n++] = b.b.state.offset;
	build_props(g, &b.b);
	for (uint32_t i = 0; i < n; i++)
		params[i] = spa_pod_builder_deref(&b.b, offs[i]);
	pw_stream_update_params(g->capture, params, n);
	spa_pod_dynamic_builder_clean(&b);
}

static int pod_get_number(const struct spa_pod *pod, double *v)
{
	float f;
	double d;
	int32_t i;
	int64_t l;

	if (spa_pod_get_float(pod, &f) >= 0)
		*v = f;
	else if (spa_pod_get_double(pod, &d) >= 0)
		*v = d;
	else if (spa_pod_get_int(pod, &i) >= 0)
		*v = i;
	else if (spa_pod_get_long(pod, &l) >= 0)
		*v = (double) l;
	else
		return -EINVAL;
	return 0;
}

/* Clamps v to MIN_CEILING_DB .. hard ceiling and hands it to the data thread.
 * Returns 1 when the ceiling changed, 0 when not. */
static int guard_apply_ceiling(struct guard *g, double v, const char *key)
{
	if (v > g->hard_ceiling_db) {
		pw_log_warn("%s: %s: %.2f dB is above the hard ceiling, clamped to %.2f dB",
			    g->node_name, key, v, g->hard_ceiling_db);
		v = g->hard_ceiling_db;
	}
	if (v < MIN_CEILING_DB) {
		pw_log_warn("%s: %s: %.2f dB is below %.0f dB, clamped", g->node_name, key, v,
			    MIN_CEILING_DB);
		v = MIN_CEILING_DB;
	}
	if (v == g->ceiling_db)
		return 0;
	pw_log_info("%s: ceiling %.2f -> %.2f dB", g->node_name, g->ceiling_db, v);
	g->ceiling_db = v;
	/* blocking: the next block the data thread processes has it */
	pw_loop_invoke(g->impl->data_loop, do_set_ceiling, 0, &v, sizeof(v), true, g);
	return 1;
}

/* ---- the output ceiling table ---- */

static void table_to_json(const struct ceiling_table *t, char *buf, size_t size)
{
	size_t len = 0;

	if (t->n == 0) {
		buf[0] = '\0';
		return;
	}
	len += snprintf(buf, size, "{");
	for (uint32_t i = 0; i < t->n && len < size; i++)
		len += snprintf(buf + len, size - len, "%s \"%s\": %.3f", i ? "," : "",
				t->entries[i].id, t->entries[i].ceiling_db);
	if (len < size)
		snprintf(buf + len, size - len, " }");
}

/* Strict: an object of known output ids to finite numbers, each id once, at most
 * DG_MAX_OUTPUTS; "" or {} clears the table. Anything else is refused whole. */
static int table_parse(struct guard *g, const char *key, const char *str,
		       struct ceiling_table *t)
{
	struct spa_json it[2];
	const char *value;
	int len;

	spa_zero(*t);
	spa_json_init(&it[0], str, strlen(str));
	if ((len = spa_json_next(&it[0], &value)) == 0)
		return 0;
	if (len < 0 || !spa_json_is_object(value, len)) {
		pw_log_warn("%s: %s: refusing a table that is not a JSON object", g->node_name,
			    key);
		return -EINVAL;
	}
	spa_json_enter(&it[0], &it[1]);
	while ((len = spa_json_next(&it[1], &value)) > 0) {
		struct ceiling_entry *e = &t->entries[t->n];
		char id[DG_ID_MAX];
		float f;

		if (spa_json_is_container(value, len) ||
		    spa_json_parse_stringn(value, len, id, sizeof(id)) <= 0 ||
		    dg_connector_from_id(id) == DG_CONNECTOR_UNKNOWN) {
			pw_log_warn("%s: %s: refusing the table: '%.*s' is not an output id",
				    g->node_name, key, SPA_MIN(len, 32), value);
			return -EINVAL;
		}
		for (uint32_t i = 0; i < t->n; i++) {
			if (spa_streq(t->entries[i].id, id)) {
				pw_log_warn("%s: %s: refusing the table: '%s' given twice",
					    g->node_name, key, id);
				return -EINVAL;
			}
		}
		if (t->n == DG_MAX_OUTPUTS) {
			pw_log_warn("%s: %s: refusing the table: more than %d outputs",
				    g->node_name, key, DG_MAX_OUTPUTS);
			return -EINVAL;
		}
		if ((len = spa_json_next(&it[1], &value)) <= 0 ||
		    spa_json_parse_float(value, len, &f) <= 0 || !isfinite(f)) {
			pw_log_warn("%s: %s: refusing the table: '%s' is not a finite number",
				    g->node_name, key, id);
			return -EINVAL;
		}
		snprintf(e->id, sizeof(e->id), "%s", id);
		e->ceiling_db = f;
		t->n++;
	}
	if (len < 0 || spa_json_next(&it[0], &value) != 0) {
		pw_log_warn("%s: %s: refusing the table: not valid JSON", g->node_name, key);
		return -EINVAL;
	}
	return 0;
}

static bool mode_is_kind(enum dg_mode mode, const char *id)
{
	return dg_connector_is_balanced(dg_connector_from_id(id)) == (mode == DG_MODE_BALANCED);
}

/* The table's ceiling for an output in a mode. An output in the table: its ceiling; an
 * output not in it: the lowest in the table; no output ("unknown"): the lowest of the
 * mode's kind (balanced: bal-* and line-xlr; single-ended: se-* and line-rca), the
 * lowest of all for an unknown mode or a kind the table lacks. An output whose kind
 * disagrees with a given mode gets the lower of the two. NAN without a table. */
static double table_ceiling(const struct ceiling_table *t, const char *output,
			    enum dg_mode mode)
{
	double lowest = INFINITY, lowest_kind = INFINITY, found = NAN;

	if (t->n == 0)
		return NAN;
	for (uint32_t i = 0; i < t->n; i++) {
		const struct ceiling_entry *e = &t->entries[i];

		lowest = SPA_MIN(lowest, e->ceiling_db);
		if (mode != DG_MODE_UNKNOWN && mode_is_kind(mode, e->id))
			lowest_kind = SPA_MIN(lowest_kind, e->ceiling_db);
		if (spa_streq(e->id, output))
			found = e->ceiling_db;
	}
	if (lowest_kind == INFINITY)
		lowest_kind = lowest;
	if (dg_connector_from_id(output) == DG_CONNECTOR_UNKNOWN)
		return mode == DG_MODE_UNKNOWN ? lowest : lowest_kind;
	if (isnan(found))
		return lowest;
	if (mode != DG_MODE_UNKNOWN && !mode_is_kind(mode, output))
		return SPA_MIN(found, lowest_kind);
	return found;
}

static int set_string(struct guard *g, const char *key, const struct spa_pod *pod, char *dst,
		      size_t size)
{
	const char *s;
	enum dg_mode mode;

	if (spa_pod_get_string(pod, &s) < 0) {
		pw_log_warn("%s: %s: refusing a value that is not a string", g->node_name, key);
		return -EINVAL;
	}
	if (strlen(s) >= size) {
		pw_log_warn("%s: %s: refusing a value longer than %zu bytes", g->node_name, key,
			    size - 1);
		return -EINVAL;
	}
	for (const char *c = s; *c; c++) {
		if ((unsigned char) *c < 0x20 || *c == 0x7f) {
			pw_log_warn("%s: %s: refusing a value with control characters",
				    g->node_name, key);
			return -EINVAL;
		}
	}
	if (spa_streq(key, "dacguard.mode") && dg_mode_from_string(s, &mode) < 0) {
		pw_log_warn("%s: %s: unknown mode '%s'", g->node_name, key, s);
		return -EINVAL;
	}
	if (spa_streq(key, "dacguard.output") && !spa_streq(s, "unknown") &&
	    dg_connector_from_id(s) == DG_CONNECTOR_UNKNOWN) {
		pw_log_warn("%s: %s: unknown output id '%s'", g->node_name, key, s);
		return -EINVAL;
	}
	if (spa_streq(dst, s))
		return 0;
	pw_log_info("%s: %s '%s' -> '%s'", g->node_name, key, dst, s);
	snprintf(dst, size, "%s", s);
	return 1;
}

static int set_table(struct guard *g, const char *key, const struct spa_pod *pod)
{
	struct ceiling_table t;
	char json[TABLE_JSON_MAX];
	const char *s;
	int res;

	if (spa_pod_get_string(pod, &s) < 0) {
		pw_log_warn("%s: %s: refusing a value that is not a string", g->node_name, key);
		return -EINVAL;
	}
	if (strlen(s) >= 4096) {
		pw_log_warn("%s: %s: refusing a table longer than 4095 bytes", g->node_name, key);
		return -EINVAL;
	}
	if ((res = table_parse(g, key, s, &t)) < 0)
		return res;
	table_to_json(&t, json, sizeof(json));
	if (spa_streq(json, g->table_json))
		return 0;
	pw_log_info("%s: %s '%s' -> '%s'", g->node_name, key, g->table_json, json);
	g->table = t;
	memcpy(g->table_json, json, sizeof(json));
	return 1;
}

/* What one Props write held of ours (accepted keys only). */
struct props_write {
	bool ceiling, output, mode, table;
	double ceiling_db;
};

static int guard_set_param(struct guard *g, const char *key, const struct spa_pod *pod,
			   struct props_write *w)
{
	const struct prop_desc *p;
	double v;
	int res;

	/* Keys without our prefix belong to the adapter's converter: not ours to judge. */
	if (!spa_strstartswith(key, "dacguard."))
		return 0;
	if ((p = find_prop(key)) == NULL) {
		pw_log_warn("%s: %s: unknown key, ignored", g->node_name, key);
		return -ENOENT;
	}
	if (!p->writable) {
		pw_log_warn("%s: %s: read-only, write ignored", g->node_name, key);
		return -EPERM;
	}
	if (spa_streq(key, "dacguard.ceiling-db")) {
		if (pod_get_number(pod, &v) < 0) {
			pw_log_warn("%s: %s: refusing a value that is not a number", g->node_name,
				    key);
			return -EINVAL;
		}
		if (!isfinite(v)) {
			pw_log_warn("%s: %s: refusing non-finite value", g->node_name, key);
			return -EINVAL;
		}
		/* applied once the whole write is read: see guard_props_changed */
		/* given twice: the lower one */
		w->ceiling = true;
		w->ceiling_db = SPA_MIN(v, w->ceiling_db);
		return 0;
	}
	if (spa_streq(key, "dacguard.output")) {
		res = set_string(g, key, pod, g->output, sizeof(g->output));
		w->output |= res >= 0;
	} else if (spa_streq(key, "dacguard.mode")) {
		res = set_string(g, key, pod, g->mode, sizeof(g->mode));
		w->mode |= res >= 0;
	} else if (spa_streq(key, "dacguard.output-ceilings")) {
		res = set_table(g, key, pod);
		w->table |= res >= 0;
	} else {
		res = set_string(g, key, pod, g->headphone, sizeof(g->headphone));
	}
	return res;
}

static int set_label(struct guard *g, const char *key, char *dst, size_t size, const char *s)
{
	if (spa_streq(dst, s))
		return 0;
	pw_log_info("%s: %s '%s' -> '%s'", g->node_name, key, dst, s);
	snprintf(dst, size, "%s", s);
	return 1;
}

/* The ceiling a whole Props write leads to. With a table, a write of the output or the
 * mode brings that output's (or mode's) ceiling from the table, lowered by a ceiling
 * given in the same write; any other write is bounded by the table's ceiling for the
 * output and mode in force. Returns 1 when anything changed. */
static int guard_finish_write(struct guard *g, struct props_write *w)
{
	enum dg_mode mode = DG_MODE_UNKNOWN;
	const char *key = "dacguard.ceiling-db";
	double target = g->ceiling_db, t;
	bool set = w->ceiling;
	int changed = 0;

	if (w->ceiling)
		target = w->ceiling_db;
	if (g->table.n > 0 && (w->ceiling || w->output || w->mode || w->table)) {
		enum dg_connector con = dg_connector_from_id(g->output);

		/* keep output and mode telling the same story as the ceiling */
		if (w->output && !w->mode && con != DG_CONNECTOR_UNKNOWN) {
			mode = dg_connector_is_balanced(con) ? DG_MODE_BALANCED
							     : DG_MODE_SINGLE_ENDED;
			changed |= set_label(g, "dacguard.mode", g->mode, sizeof(g->mode),
					     dg_mode_to_string(mode));
		} else if (w->mode && !w->output) {
			changed |= set_label(g, "dacguard.output", g->output, sizeof(g->output),
					     "unknown");
		}
		dg_mode_from_string(g->mode, &mode);
		t = table_ceiling(&g->table, g->output, mode);
		if (w->output || w->mode) {
			key = w->output ? "dacguard.output" : "dacguard.mode";
			target = w->ceiling ? SPA_MIN(target, t) : t;
		} else if (target > t) {
			pw_log_warn("%s: %s: %.2f dB is above the ceiling of output '%s' (%.2f dB), "
				    "lowered to it",
				    g->node_name, w->ceiling ? key : "dacguard.output-ceilings",
				    target, g->output, t);
			target = t;
		}
		set = true;
	}
	if (set && guard_apply_ceiling(g, target, key) > 0)
		changed = 1;
	return changed;
}

static void guard_props_changed(struct guard *g, const struct spa_pod *param)
{
	const struct spa_pod_object *obj = (const struct spa_pod_object *) param;
	const struct spa_pod_prop *prop;
	struct props_write w = {.ceiling_db = INFINITY};
	bool changed = false;
	double old = g->ceiling_db;
	char old_table[TABLE_JSON_MAX];

	if (!spa_pod_is_object_type(param, SPA_TYPE_OBJECT_Props))
		return;
	memcpy(old_table, g->table_json, sizeof(old_table));

	SPA_POD_OBJECT_FOREACH(obj, prop)
	{
		struct spa_pod_parser prs;
		struct spa_pod_frame f;

		if (prop->key != SPA_PROP_params)
			continue;
		spa_pod_parser_pod(&prs, &prop->value);
		if (spa_pod_parser_push_struct(&prs, &f) < 0)
			continue;
		while (true) {
			const char *key;
			struct spa_pod *value;

			if (spa_pod_parser_get_string(&prs, &key) < 0)
				break;
			if (spa_pod_parser_get_pod(&prs, &value) < 0)
				break;
			if (guard_set_param(g, key, value, &w) > 0)
				changed = true;
		}
	}
	if (guard_finish_write(g, &w) > 0)
		changed = true;
	if (changed)
		guard_update_props(g, old != g->ceiling_db ||
					  !spa_streq(old_table, g->table_json));
}

static void on_meter_timer(void *data, uint64_t expirations)
{
	struct guard *g = data;
	struct meters m;

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

/* ---- stream events ---- */

static void guard_schedule_destroy(struct guard *g);

static void forward_latency(struct guard *g, const struct spa_pod *param, struct pw_stream *other)
{
	struct spa_latency_info latency;
	struct spa_process_latency_info process = {.rate = g->latency_frames};
	uint8_t buffer[1024];
	struct spa_pod_builder b;
	const struct spa_pod *params[1];

	if (other == NULL || param == NULL || spa_latency_parse(param, &latency) < 0)
		return;
	/* the limiter's lookahead is latency this node adds (0.3.65 streams have no
	 * ProcessLatency param, so it goes into the Latency passed through) */
	spa_process_latency_info_add(&process, &latency);
	spa_pod_builder_init(&b, buffer, sizeof(buffer));
	params[0] = spa_latency_build(&b, SPA_PARAM_Latency, &latency);
	pw_stream_update_params(other, params, 1);
}

static void stream_state_changed(void *data, enum pw_stream_state old, enum pw_stream_state state,
				 const char *error)
{
	struct guard *g = data;

	switch (state) {
	case PW_STREAM_STATE_PAUSED:
		if (g->playback)
			pw_stream_flush(g->playback, false);
		if (g->capture)
			pw_stream_flush(g->capture, false);
		break;
	case PW_STREAM_STATE_UNCONNECTED:
		pw_log_info("%s: unconnected", g->node_name);
		guard_schedule_destroy(g);
		break;
	case PW_STREAM_STATE_ERROR:
		pw_log_warn("%s: error: %s", g->node_name, error);
		break;
	default:
		break;
	}
}

static void capture_state_changed(void *data, enum pw_stream_state old, enum pw_stream_state state,
				  const char *error)
{
	struct guard *g = data;

	guard_arm_timer(g, state == PW_STREAM_STATE_STREAMING);
	/* a short play may end between two ticks: publish its last window too */
	if (old == PW_STREAM_STATE_STREAMING && state != PW_STREAM_STATE_STREAMING)
		on_meter_timer(g, 1);
	stream_state_changed(data, old, state, error);
}

static void capture_param_changed(void *data, uint32_t id, const struct spa_pod *param)
{
	struct guard *g = data;
	struct spa_audio_info_raw info;
	int res;

	switch (id) {
	case SPA_PARAM_Format:
		if (param == NULL) {
			guard_swap_dsp(g, NULL, NULL, 0, 0);
			break;
		}
		spa_zero(info);
		if ((res = spa_format_audio_raw_parse(param, &info)) < 0 ||
		    (res = guard_setup_dsp(g, &info)) < 0) {
			pw_log_error("%s: can't set up the guard (%u ch, %u Hz): %s", g->node_name,
				     info.channels, info.rate, spa_strerror(res));
			guard_swap_dsp(g, NULL, NULL, 0, 0);
			pw_stream_set_error(g->capture, res, "can't set up the guard: %s",
					    spa_strerror(res));
			break;
		}
		g->capture_info = info;
		break;
	case SPA_PARAM_Props:
		if (param != NULL)
			guard_props_changed(g, param);
		break;
	case SPA_PARAM_Latency:
		forward_latency(g, param, g->playback);
		break;
	}
}

static void capture_destroy(void *data)
{
	struct guard *g = data;
	spa_hook_remove(&g->capture_listener);
	g->capture = NULL;
}

static const struct pw_stream_events capture_events = {
    PW_VERSION_STREAM_EVENTS,
    .destroy = capture_destroy,
    .process = capture_process,
    .state_changed = capture_state_changed,
    .param_changed = capture_param_changed,
};

static void playback_param_changed(void *data, uint32_t id, const struct spa_pod *param)
{
	struct guard *g = data;

	if (id == SPA_PARAM_Latency)
		forward_latency(g, param, g->capture);
}

static void playback_destroy(void *data)
{
	struct guard *g = data;
	spa_hook_remove(&g->playback_listener);
	g->playback = NULL;
}

static const struct pw_stream_events playback_events = {
    PW_VERSION_STREAM_EVENTS,
    .destroy = playback_destroy,
    .process = playback_process,
    .state_changed = stream_state_changed,
    .param_changed = playback_param_changed,
};

/* ---- guard life cycle ---- */

static uint32_t channel_from_name(const char *name)
{
	for (int i = 0; spa_type_audio_channel[i].name; i++) {
		if (spa_streq(name, spa_debug_type_short_name(spa_type_audio_channel[i].name)))
			return spa_type_audio_channel[i].type;
	}
	return SPA_AUDIO_CHANNEL_UNKNOWN;
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

static void parse_audio_info(const struct pw_properties *props, struct spa_audio_info_raw *info)
{
	const char *str;
	uint32_t channels;

	*info = SPA_AUDIO_INFO_RAW_INIT(.format = SPA_AUDIO_FORMAT_F32P);
	info->rate = pw_properties_get_uint32(props, PW_KEY_AUDIO_RATE, 0);
	channels = pw_properties_get_uint32(props, PW_KEY_AUDIO_CHANNELS, 0);
	if ((str = pw_properties_get(props, SPA_KEY_AUDIO_POSITION)) != NULL)
		parse_position(info, str);
	if (channels != 0 && channels != info->channels) {
		/* a count without a matching map: no positions */
		info->channels = SPA_MIN(channels, MAX_CHANNELS);
		SPA_FLAG_SET(info->flags, SPA_AUDIO_FLAG_UNPOSITIONED);
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

static void guard_free(struct guard *g)
{
	struct impl *impl = g->impl;

	spa_list_remove(&g->link);
	if (g->timer)
		pw_loop_destroy_source(impl->main_loop, g->timer);
	/* no callbacks while tearing down; deactivate both before destroying either */
	if (g->capture) {
		spa_hook_remove(&g->capture_listener);
		pw_stream_set_active(g->capture, false);
	}
	if (g->playback) {
		spa_hook_remove(&g->playback_listener);
		pw_stream_set_active(g->playback, false);
	}
	if (g->capture)
		pw_stream_destroy(g->capture);
	if (g->playback)
		pw_stream_destroy(g->playback);
	/* the streams are gone: the data thread no longer runs our process() */
	free(g->guard_mem);
	pw_properties_free(g->capture_props);
	pw_properties_free(g->playback_props);
	free(g->target_name);
	free(g->node_name);
	free(g);
}

/* Runs from the main loop, outside any stream callback. */
static void on_destroy_event(void *data, uint64_t count)
{
	struct impl *impl = data;
	struct guard *g, *t;
	struct candidate *c;

	spa_list_for_each_safe(g, t, &impl->guards, link)
	{
		if (!g->zombie)
			continue;
		spa_list_for_each(c, &impl->candidates, link) if (c->guard == g) c->guard = NULL;
		guard_free(g);
	}
	if (impl->rules == NULL && spa_list_is_empty(&impl->guards))
		pw_impl_module_schedule_destroy(impl->module);
}

/* Stream callbacks must not destroy their own stream: defer to the main loop. */
static void guard_schedule_destroy(struct guard *g)
{
	g->zombie = true;
	pw_loop_signal_event(g->impl->main_loop, g->impl->destroy_event);
}

static struct spa_pod *build_format(struct spa_pod_builder *b, const struct spa_audio_info_raw *i)
{
	struct spa_audio_info_raw info = *i;
	return spa_format_audio_raw_build(b, SPA_PARAM_EnumFormat, &info);
}

static int guard_connect(struct guard *g)
{
	struct spa_pod_dynamic_builder b;
	const struct spa_pod *params[2 + SPA_N_ELEMENTS(prop_descs)];
	uint32_t offs[SPA_N_ELEMENTS(params)], n = 0;
	int res;

	/* connect playback first so it is ready before capture triggers it */
	spa_pod_dynamic_builder_init(&b, NULL, 0, 4096);
	params[0] = build_format(&b.b, &g->playback_info);
	res = pw_stream_connect(g->playback, PW_DIRECTION_OUTPUT, PW_ID_ANY,
				PW_STREAM_FLAG_AUTOCONNECT | PW_STREAM_FLAG_MAP_BUFFERS |
				    PW_STREAM_FLAG_RT_PROCESS | PW_STREAM_FLAG_TRIGGER,
				params, 1);
	spa_pod_dynamic_builder_clean(&b);
	if (res < 0)
		return res;

	spa_pod_dynamic_builder_init(&b, NULL, 0, 4096);
	offs[n++] = b.b.state.offset;
	build_format(&b.b, &g->capture_info);
	for (size_t i = 0; i < SPA_N_ELEMENTS(prop_descs); i++) {
		offs[n++] = b.b.state.offset;
		build_prop_info(g, &b.b, &prop_descs[i]);
	}
	offs[n++] = b.b.state.offset;
	build_props(g, &b.b);
	for (uint32_t i = 0; i < n; i++)
		params[i] = spa_pod_builder_deref(&b.b, offs[i]);
	res = pw_stream_connect(g->capture, PW_DIRECTION_INPUT, PW_ID_ANY,
				PW_STREAM_FLAG_AUTOCONNECT | PW_STREAM_FLAG_MAP_BUFFERS |
				    PW_STREAM_FLAG_RT_PROCESS,
				params, n);
	spa_pod_dynamic_builder_clean(&b);
	return res;
}

/* target_props: the sink's properties when known (rules mode), for its
 * description and channel layout. */
static int guard_new(struct impl *impl, const char *target, const struct spa_dict *target_props,
		     double ceiling_db, double hard_ceiling_db, struct guard **result)
{
	struct guard *g;
	const char *str, *desc = NULL;
	char group[128];
	int res;

	if ((g = calloc(1, sizeof(*g))) == NULL)
		return -errno;
	spa_list_append(&impl->guards, &g->link);
	g->impl = impl;
	g->hard_ceiling_db = SPA_MIN(hard_ceiling_db, 0.0);
	g->ceiling_db = SPA_CLAMP(ceiling_db, MIN_CEILING_DB, g->hard_ceiling_db);
	snprintf(g->output, sizeof(g->output), "unknown");
	snprintf(g->mode, sizeof(g->mode), "%s", dg_mode_to_string(DG_MODE_UNKNOWN));
	meters_init(&g->published);
	meters_init(&g->meter_lock.m);

	g->target_name = strdup(target);
	g->capture_props = pw_properties_new(NULL, NULL);
	g->playback_props = pw_properties_new(NULL, NULL);
	if (g->target_name == NULL || g->capture_props == NULL || g->playback_props == NULL) {
		res = -errno;
		goto error;
	}

	if ((str = pw_properties_get(impl->props, "capture.props")) != NULL)
		pw_properties_update_string(g->capture_props, str, strlen(str));
	if ((str = pw_properties_get(impl->props, "playback.props")) != NULL)
		pw_properties_update_string(g->playback_props, str, strlen(str));

	/* format: module arguments, then the sink's own layout, then stereo */
	static const char *const format_keys[] = {PW_KEY_AUDIO_RATE, PW_KEY_AUDIO_CHANNELS,
						  SPA_KEY_AUDIO_POSITION};
	for (size_t i = 0; i < SPA_N_ELEMENTS(format_keys); i++) {
		str = pw_properties_get(impl->props, format_keys[i]);
		if (str == NULL && target_props != NULL && i > 0)
			str = spa_dict_lookup(target_props, format_keys[i]);
		set_default(g->capture_props, format_keys[i], str);
		set_default(g->playback_props, format_keys[i], str);
	}

	if (target_props != NULL)
		desc = spa_dict_lookup(target_props, PW_KEY_NODE_DESCRIPTION);
	if (desc == NULL)
		desc = target;

	if ((str = pw_properties_get(g->capture_props, PW_KEY_NODE_NAME)) == NULL) {
		pw_properties_setf(g->capture_props, PW_KEY_NODE_NAME, "dacguard.%s", target);
		str = pw_properties_get(g->capture_props, PW_KEY_NODE_NAME);
	}
	if ((g->node_name = strdup(str)) == NULL) {
		res = -errno;
		goto error;
	}
	snprintf(group, sizeof(group), "dacguard-%d-%u-%u", (int) getpid(),
		 pw_global_get_id(pw_impl_module_get_global(impl->module)), impl->n_guards_made++);

	set_default(g->capture_props, PW_KEY_MEDIA_CLASS, "Audio/Sink");
	if (pw_properties_get(g->capture_props, PW_KEY_NODE_DESCRIPTION) == NULL) {
		pw_properties_setf(g->capture_props, PW_KEY_NODE_DESCRIPTION, "%s (dacguard)",
				   desc);
		g->describe = desc == target;
	}
	set_default(g->capture_props, PW_KEY_MEDIA_NAME, g->node_name);
	set_default(g->capture_props, PW_KEY_NODE_GROUP, group);
	set_default(g->capture_props, PW_KEY_NODE_LINK_GROUP, group);
	set_default(g->capture_props, "resample.prefill", "true");
	pw_properties_set(g->capture_props, GUARD_PROP, "true");
	pw_properties_set(g->capture_props, "dacguard.target", target);

	if (pw_properties_get(g->playback_props, PW_KEY_NODE_NAME) == NULL)
		pw_properties_setf(g->playback_props, PW_KEY_NODE_NAME, "%s.output", g->node_name);
	if (pw_properties_get(g->playback_props, PW_KEY_NODE_DESCRIPTION) == NULL)
		pw_properties_setf(g->playback_props, PW_KEY_NODE_DESCRIPTION,
				   "%s (dacguard output)", desc);
	set_default(g->playback_props, PW_KEY_MEDIA_NAME,
		    pw_properties_get(g->playback_props, PW_KEY_NODE_NAME));
	set_default(g->playback_props, PW_KEY_MEDIA_CLASS, "Stream/Output/Audio");
	set_default(g->playback_props, PW_KEY_NODE_GROUP, group);
	set_default(g->playback_props, PW_KEY_NODE_LINK_GROUP, group);
	/* always to the DAC it guards, never moved elsewhere by the session manager */
	pw_properties_set(g->playback_props, PW_KEY_TARGET_OBJECT, target);
	set_default(g->playback_props, PW_KEY_NODE_DONT_RECONNECT, "true");
	set_default(g->playback_props, PW_KEY_NODE_PASSIVE, "true");
	set_default(g->playback_props, PW_KEY_STREAM_DONT_REMIX, "true");
	pw_properties_set(g->playback_props, GUARD_PROP, "true");

	parse_audio_info(g->capture_props, &g->capture_info);
	parse_audio_info(g->playback_props, &g->playback_info);
	if (g->playback_info.channels != g->capture_info.channels) {
		pw_log_error("%s: capture has %u channels, playback %u: they must match",
			     g->node_name, g->capture_info.channels, g->playback_info.channels);
		res = -EINVAL;
		goto error;
	}

	g->timer = pw_loop_add_timer(impl->main_loop, on_meter_timer, g);
	if (g->timer == NULL) {
		res = -errno;
		goto error;
	}

	g->capture = pw_stream_new(impl->core, "dacguard capture", g->capture_props);
	g->capture_props = NULL;
	if (g->capture == NULL) {
		res = -errno;
		goto error;
	}
	pw_stream_add_listener(g->capture, &g->capture_listener, &capture_events, g);

	g->playback = pw_stream_new(impl->core, "dacguard playback", g->playback_props);
	g->playback_props = NULL;
	if (g->playback == NULL) {
		res = -errno;
		goto error;
	}
	pw_stream_add_listener(g->playback, &g->playback_listener, &playback_events, g);

	if ((res = guard_connect(g)) < 0)
		goto error;

	pw_log_info("%s: guarding '%s', ceiling %.2f dB, hard ceiling %.2f dB", g->node_name,
		    target, g->ceiling_db, g->hard_ceiling_db);
	if (result)
		*result = g;
	return 0;

error:
	pw_log_error("can't create the guard for '%s': %s", target, spa_strerror(res));
	guard_free(g);
	return res;
}

/* ---- rules mode ---- */

/* Does the JSON value (a string, "~regex", null, or a bare token) match str? */
static bool value_matches(const char *value, int len, const char *str)
{
	char pattern[512];
	regex_t re;
	bool match;

	if (spa_json_is_null(value, len))
		return str == NULL;
	if (str == NULL)
		return false;
	if (spa_json_is_string(value, len)) {
		if (spa_json_parse_stringn(value, len, pattern, sizeof(pattern)) <= 0)
			return false;
	} else {
		if (len >= (int) sizeof(pattern))
			return false;
		memcpy(pattern, value, len);
		pattern[len] = '\0';
	}
	if (pattern[0] != '~')
		return spa_streq(pattern, str);
	if (regcomp(&re, pattern + 1, REG_EXTENDED | REG_NOSUB) != 0) {
		pw_log_warn("dacguard.rules: invalid regex '%s'", pattern + 1);
		return false;
	}
	match = regexec(&re, str, 0, NULL, 0) == 0;
	regfree(&re);
	return match;
}

/* All keys of one match object must match. */
static bool match_object(struct spa_json *obj, const struct spa_dict *props)
{
	char key[256];
	const char *value;
	int len;
	bool match = true;

	while (spa_json_get_string(obj, key, sizeof(key)) > 0) {
		if ((len = spa_json_next(obj, &value)) <= 0)
			return false;
		if (spa_json_is_container(value, len)) {
			pw_log_warn("dacguard.rules: %s: a match value must be a string", key);
			spa_json_container_len(obj, value, len);
			match = false;
			continue;
		}
		if (!value_matches(value, len, spa_dict_lookup(props, key)))
			match = false;
	}
	return match;
}

static bool match_any(struct spa_json *arr, const struct spa_dict *props)
{
	struct spa_json obj;
	bool match = false;

	while (spa_json_enter_object(arr, &obj) > 0)
		if (match_object(&obj, props))
			match = true;
	return match;
}

struct guard_action {
	double ceiling_db;
	double hard_ceiling_db;
};

static void parse_create_guard(struct spa_json *obj, struct guard_action *a)
{
	char key[256];
	float v;
	const char *value;
	int len;

	while (spa_json_get_string(obj, key, sizeof(key)) > 0) {
		if ((len = spa_json_next(obj, &value)) <= 0)
			break;
		if (spa_streq(key, "dacguard.ceiling-db") ||
		    spa_streq(key, "dacguard.hard-ceiling-db")) {
			if (spa_json_parse_float(value, len, &v) <= 0 || !isfinite(v)) {
				pw_log_warn(
				    "dacguard.rules: create-guard: %s: not a number, ignored", key);
				continue;
			}
			if (spa_streq(key, "dacguard.ceiling-db"))
				a->ceiling_db = v;
			else
				/* rules may lower the administrator's limit, never raise it */
				a->hard_ceiling_db = SPA_MIN(a->hard_ceiling_db, (double) v);
		} else {
			pw_log_warn("dacguard.rules: create-guard: unknown key %s, ignored", key);
			if (spa_json_is_container(value, len))
				spa_json_container_len(obj, value, len);
		}
	}
}

/* Finds the first rule matching props; fills a and returns true when it creates a guard. */
static bool rules_match(struct impl *impl, const struct spa_dict *props, struct guard_action *a)
{
	struct spa_json it[4];
	char key[64];
	const char *value;
	int len;

	spa_json_init(&it[0], impl->rules, strlen(impl->rules));
	if (spa_json_enter_array(&it[0], &it[1]) <= 0)
		return false;

	while (spa_json_enter_object(&it[1], &it[2]) > 0) {
		bool matched = false, have_action = false;
		struct guard_action act = {impl->ceiling_db, impl->hard_ceiling_db};

		while (spa_json_get_string(&it[2], key, sizeof(key)) > 0) {
			if ((len = spa_json_next(&it[2], &value)) <= 0)
				break;
			if (spa_streq(key, "matches") && spa_json_is_array(value, len)) {
				spa_json_enter(&it[2], &it[3]);
				matched = match_any(&it[3], props);
			} else if (spa_streq(key, "actions") && spa_json_is_object(value, len)) {
				struct spa_json actions, obj;
				char name[64];
				const char *v;
				int l;

				spa_json_enter(&it[2], &actions);
				while (spa_json_get_string(&actions, name, sizeof(name)) > 0) {
					if ((l = spa_json_next(&actions, &v)) <= 0)
						break;
					if (spa_streq(name, "create-guard") &&
					    spa_json_is_object(v, l)) {
						spa_json_enter(&actions, &obj);
						parse_create_guard(&obj, &act);
						have_action = true;
					} else if (spa_json_is_container(v, l)) {
						spa_json_container_len(&actions, v, l);
					}
				}
			} else if (spa_json_is_container(value, len)) {
				spa_json_container_len(&it[2], value, len);
			}
		}
		if (matched && have_action) {
			*a = act;
			return true;
		}
	}
	return false;
}

static bool rules_valid(const char *rules)
{
	struct spa_json it[2], obj;

	spa_json_init(&it[0], rules, strlen(rules));
	if (spa_json_enter_array(&it[0], &it[1]) <= 0)
		return false;
	while (spa_json_enter_object(&it[1], &obj) > 0)
		;
	return true;
}

static void candidate_check(struct candidate *c, const struct spa_dict *props)
{
	struct impl *impl = c->impl;
	struct guard_action a;
	const char *name, *cls;

	if (c->checked)
		return;
	c->checked = true;

	name = spa_dict_lookup(props, PW_KEY_NODE_NAME);
	cls = spa_dict_lookup(props, PW_KEY_MEDIA_CLASS);
	if (name == NULL || spa_dict_lookup(props, GUARD_PROP) != NULL ||
	    spa_strstartswith(name, "dacguard."))
		return;
	if (!spa_streq(cls, "Audio/Sink"))
		return;
	if (!rules_match(impl, props, &a)) {
		pw_log_debug("node %u (%s): no rule matches", c->id, name);
		return;
	}
	pw_log_info("node %u (%s) matches, creating a guard", c->id, name);
	guard_new(impl, name, props, a.ceiling_db, a.hard_ceiling_db, &c->guard);
}

static void candidate_info(void *data, const struct pw_node_info *info)
{
	struct candidate *c = data;

	if (info->props != NULL && (info->change_mask & PW_NODE_CHANGE_MASK_PROPS))
		candidate_check(c, info->props);
}

static const struct pw_node_events candidate_node_events = {
    PW_VERSION_NODE_EVENTS,
    .info = candidate_info,
};

static void candidate_free(struct candidate *c)
{
	spa_list_remove(&c->link);
	if (c->guard)
		guard_free(c->guard);
	if (c->proxy) {
		spa_hook_remove(&c->node_listener);
		spa_hook_remove(&c->proxy_listener);
		pw_proxy_destroy(c->proxy);
	}
	free(c);
}

static void candidate_proxy_removed(void *data)
{
	struct candidate *c = data;
	spa_hook_remove(&c->node_listener);
	spa_hook_remove(&c->proxy_listener);
	pw_proxy_destroy(c->proxy);
	c->proxy = NULL;
}

static const struct pw_proxy_events candidate_proxy_events = {
    PW_VERSION_PROXY_EVENTS,
    .removed = candidate_proxy_removed,
};

/* Target mode: the guard was named before the sink was seen; take its description. */
static void guard_describe(struct impl *impl, const char *name, const struct spa_dict *props)
{
	const char *desc = spa_dict_lookup(props, PW_KEY_NODE_DESCRIPTION);
	struct guard *g;
	char buf[512];

	if (desc == NULL)
		return;
	spa_list_for_each(g, &impl->guards, link)
	{
		if (!g->describe || !spa_streq(g->target_name, name) || g->capture == NULL)
			continue;
		g->describe = false;
		snprintf(buf, sizeof(buf), "%s (dacguard)", desc);
		pw_stream_update_properties(
		    g->capture, &SPA_DICT_INIT_ARRAY(
				    ((struct spa_dict_item[]){{PW_KEY_NODE_DESCRIPTION, buf}})));
		pw_log_info("%s: described as '%s'", g->node_name, buf);
	}
}

static void registry_global(void *data, uint32_t id, uint32_t permissions, const char *type,
			    uint32_t version, const struct spa_dict *props)
{
	struct impl *impl = data;
	struct candidate *c;
	const char *name, *cls;

	if (!spa_streq(type, PW_TYPE_INTERFACE_Node) || props == NULL)
		return;
	name = spa_dict_lookup(props, PW_KEY_NODE_NAME);
	cls = spa_dict_lookup(props, PW_KEY_MEDIA_CLASS);
	if (name != NULL)
		guard_describe(impl, name, props);
	if (impl->rules == NULL)
		return;
	/* the registry carries only some properties: bind sinks to read them all */
	if (name == NULL || spa_strstartswith(name, "dacguard.") || !spa_streq(cls, "Audio/Sink"))
		return;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		pw_log_error("node %u: %s", id, spa_strerror(-errno));
		return;
	}
	c->impl = impl;
	c->id = id;
	c->proxy = pw_registry_bind(impl->registry, id, type, PW_VERSION_NODE, 0);
	if (c->proxy == NULL) {
		pw_log_error("node %u: can't bind: %s", id, spa_strerror(-errno));
		free(c);
		return;
	}
	spa_list_append(&impl->candidates, &c->link);
	pw_proxy_add_listener(c->proxy, &c->proxy_listener, &candidate_proxy_events, c);
	pw_proxy_add_object_listener(c->proxy, &c->node_listener, &candidate_node_events, c);
}

static void registry_global_remove(void *data, uint32_t id)
{
	struct impl *impl = data;
	struct candidate *c, *t;

	spa_list_for_each_safe(c, t, &impl->candidates, link)
	{
		if (c->id != id)
			continue;
		if (c->guard)
			pw_log_info("node %u went away, removing %s", id, c->guard->node_name);
		candidate_free(c);
	}
}

static const struct pw_registry_events registry_events = {
    PW_VERSION_REGISTRY_EVENTS,
    .global = registry_global,
    .global_remove = registry_global_remove,
};

/* ---- module ---- */

static void core_error(void *data, uint32_t id, int seq, int res, const char *message)
{
	struct impl *impl = data;

	if (res == -ENOENT)
		pw_log_info("error id:%u seq:%d res:%d (%s): %s", id, seq, res, spa_strerror(res),
			    message);
	else
		pw_log_warn("error id:%u seq:%d res:%d (%s): %s", id, seq, res, spa_strerror(res),
			    message);

	if (id == PW_ID_CORE && res == -EPIPE)
		pw_impl_module_schedule_destroy(impl->module);
}

static const struct pw_core_events core_events = {
    PW_VERSION_CORE_EVENTS,
    .error = core_error,
};

static void core_destroy(void *data)
{
	struct impl *impl = data;
	spa_hook_remove(&impl->core_listener);
	spa_hook_remove(&impl->core_proxy_listener);
	impl->core = NULL;
	pw_impl_module_schedule_destroy(impl->module);
}

static const struct pw_proxy_events core_proxy_events = {
    PW_VERSION_PROXY_EVENTS,
    .destroy = core_destroy,
};

static void impl_destroy(struct impl *impl)
{
	struct candidate *c;
	struct guard *g;

	spa_list_consume(c, &impl->candidates, link) candidate_free(c);
	spa_list_consume(g, &impl->guards, link) guard_free(g);
	if (impl->destroy_event)
		pw_loop_destroy_source(impl->main_loop, impl->destroy_event);
	if (impl->registry) {
		spa_hook_remove(&impl->registry_listener);
		pw_proxy_destroy((struct pw_proxy *) impl->registry);
	}
	if (impl->core) {
		spa_hook_remove(&impl->core_listener);
		spa_hook_remove(&impl->core_proxy_listener);
		if (impl->do_disconnect)
			pw_core_disconnect(impl->core);
	}
	pw_properties_free(impl->props);
	free(impl);
}

static void module_destroy(void *data)
{
	struct impl *impl = data;
	spa_hook_remove(&impl->module_listener);
	impl_destroy(impl);
}

static const struct pw_impl_module_events module_events = {
    PW_VERSION_IMPL_MODULE_EVENTS,
    .destroy = module_destroy,
};

static int parse_db(const struct pw_properties *props, const char *key, double def, double *v)
{
	const char *str = pw_properties_get(props, key);
	float f;

	if (str == NULL) {
		*v = def;
		return 0;
	}
	if (!spa_atof(str, &f) || !isfinite(f)) {
		pw_log_error("%s: '%s' is not a number", key, str);
		return -EINVAL;
	}
	*v = f;
	return 0;
}

int pipewire__module_init(struct pw_impl_module *module, const char *args);

SPA_EXPORT
int pipewire__module_init(struct pw_impl_module *module, const char *args)
{
	struct pw_context *context = pw_impl_module_get_context(module);
	const char *target;
	struct impl *impl;
	int res;

	PW_LOG_TOPIC_INIT(mod_topic);

	if ((impl = calloc(1, sizeof(*impl))) == NULL)
		return -errno;
	spa_list_init(&impl->guards);
	spa_list_init(&impl->candidates);
	impl->module = module;
	impl->context = context;
	impl->main_loop = pw_context_get_main_loop(context);
	impl->data_loop = pw_data_loop_get_loop(pw_context_get_data_loop(context));

	pw_log_debug("module %p: new %s", (void *) impl, args);

	impl->destroy_event = pw_loop_add_event(impl->main_loop, on_destroy_event, impl);
	if (impl->destroy_event == NULL) {
		res = -errno;
		goto error;
	}

	impl->props = args ? pw_properties_new_string(args) : pw_properties_new(NULL, NULL);
	if (impl->props == NULL) {
		res = -errno;
		pw_log_error("can't parse the arguments: %s", spa_strerror(-errno));
		goto error;
	}

	if ((res = parse_db(impl->props, "dacguard.hard-ceiling-db", DEFAULT_HARD_CEILING_DB,
			    &impl->hard_ceiling_db)) < 0 ||
	    (res = parse_db(impl->props, "dacguard.ceiling-db", DEFAULT_CEILING_DB,
			    &impl->ceiling_db)) < 0)
		goto error;
	if (impl->hard_ceiling_db > 0.0) {
		pw_log_warn("dacguard.hard-ceiling-db: %.2f dB is above 0 dBFS, using 0",
			    impl->hard_ceiling_db);
		impl->hard_ceiling_db = 0.0;
	}
	if (impl->ceiling_db > impl->hard_ceiling_db) {
		pw_log_warn(
		    "dacguard.ceiling-db: %.2f dB is above the hard ceiling, clamped to %.2f",
		    impl->ceiling_db, impl->hard_ceiling_db);
		impl->ceiling_db = impl->hard_ceiling_db;
	}

	target = pw_properties_get(impl->props, PW_KEY_TARGET_OBJECT);
	impl->rules = pw_properties_get(impl->props, "dacguard.rules");
	if (target == NULL && impl->rules == NULL) {
		pw_log_error("either target.object or dacguard.rules is required");
		res = -EINVAL;
		goto error;
	}
	if (impl->rules != NULL && !rules_valid(impl->rules)) {
		pw_log_error("dacguard.rules: not an array of rules: %s", impl->rules);
		res = -EINVAL;
		goto error;
	}

	impl->core = pw_context_get_object(context, PW_TYPE_INTERFACE_Core);
	if (impl->core == NULL) {
		const char *remote = pw_properties_get(impl->props, PW_KEY_REMOTE_NAME);
		impl->core = pw_context_connect(
		    context, pw_properties_new(PW_KEY_REMOTE_NAME, remote, NULL), 0);
		impl->do_disconnect = true;
	}
	if (impl->core == NULL) {
		res = -errno;
		pw_log_error("can't connect: %s", spa_strerror(-errno));
		goto error;
	}
	pw_proxy_add_listener((struct pw_proxy *) impl->core, &impl->core_proxy_listener,
			      &core_proxy_events, impl);
	pw_core_add_listener(impl->core, &impl->core_listener, &core_events, impl);

	if (target != NULL && (res = guard_new(impl, target, NULL, impl->ceiling_db,
					       impl->hard_ceiling_db, NULL)) < 0)
		goto error;

	/* rules mode: sinks to guard; target mode: the target's description */
	impl->registry = pw_core_get_registry(impl->core, PW_VERSION_REGISTRY, 0);
	if (impl->registry == NULL) {
		res = -errno;
		pw_log_error("can't get the registry: %s", spa_strerror(-errno));
		goto error;
	}
	pw_registry_add_listener(impl->registry, &impl->registry_listener, &registry_events, impl);

	pw_impl_module_add_listener(module, &impl->module_listener, &module_events, impl);
	pw_impl_module_update_properties(module, &SPA_DICT_INIT_ARRAY(module_props));
	return 0;

error:
	impl_destroy(impl);
	return res;
}
