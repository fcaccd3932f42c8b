/* SPDX-License-Identifier: MIT */
/* dacguard's PipeWire module: what its files share.
 *
 * A guard is two nodes (doc/pipewire-graph.md):
 *  - the sink: a pw_stream with media.class Audio/Sink named dacguard.<target>, the
 *    node applications play into and the one that carries the dacguard.* Props. Its
 *    adapter gives it what every sink has (volume, mute, monitor ports); its volume
 *    comes before the guard's DSP, so 100% is the safe maximum.
 *  - the DSP: a pw_filter named dacguard.<target>.output with one input and one
 *    output DSP port per channel and no media.class, so no mixer lists it and no
 *    session manager links it or restores a volume on it. It has no converter: no
 *    volume, mute, channelmix or resampler stage exists after the DSP.
 * The module links the sink's monitor ports to the DSP's inputs and the DSP's outputs
 * to the target's input ports (guard-links.c); the links make the graph run the three
 * nodes in one cycle, in order. */
#pragma once

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <spa/param/audio/raw.h>
#include <spa/param/latency-utils.h>
#include <spa/utils/hook.h>
#include <spa/utils/list.h>

#include <pipewire/impl.h>

#include "ceiling-table.h"
#include "guard.h"
#include "policy.h"
#include "port-graph.h"
#include "model.h"
#include "separation.h"

#define DG_MODULE_NAME "dacguard"

#define DEFAULT_CEILING_DB	-30.0
#define DEFAULT_HARD_CEILING_DB 0.0
#define MIN_CEILING_DB		DG_GUARD_MIN_CEILING_DB
#define SILENCE_DB		-200.0f
/* marks every node of a guard; the registry and the rules skip them */
#define GUARD_PROP		"dacguard.guard"

#define MAX_CHANNELS 64
_Static_assert(MAX_CHANNELS <= DG_GUARD_MAX_CHANNELS && MAX_CHANNELS <= SPA_AUDIO_MAX_CHANNELS,
	       "MAX_CHANNELS too large");

extern struct spa_log_topic *dg_mod_topic;

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

/* The DSP node's ports: pw_filter hands these back as the ports' user data. */
struct dsp_port {
	struct guard *guard;
	uint32_t channel;
	enum spa_direction direction;
};

/* State the data thread owns once the DSP node runs (guard-dsp.c). The guard's memory
 * is sized for the highest rate, so a change of the graph's rate re-initialises it in
 * place, in the data thread, without allocating. */
struct dsp {
	void *mem;                 /* dg_guard_size(channels, DG_GUARD_MAX_RATE) bytes */
	struct dg_guard *guard;    /* NULL: no rate seen yet */
	uint32_t channels;
	uint32_t rate;
	double ceiling_db;         /* what the data thread applies */
	uint32_t window_frames;
	uint32_t window_pos;
	struct dg_separation sep;
	float *zeros;              /* an unlinked input reads silence */
	float *scratch;            /* an unlinked output is written here */
	uint32_t max_frames;       /* length of zeros and scratch */
	_Atomic uint32_t rate_seen; /* for the main loop: latency follows the rate */
};

struct impl;

struct guard {
	struct spa_list link;
	struct impl *impl;

	char *target_name;
	char *node_name;
	char *dsp_name;
	struct spa_audio_info_raw info; /* channels and positions of both nodes */

	struct pw_stream *sink;
	struct spa_hook sink_listener;

	struct pw_filter *filter;
	struct spa_hook filter_listener;
	struct dsp_port *in_ports[MAX_CHANNELS];
	struct dsp_port *out_ports[MAX_CHANNELS];
	struct pw_loop *data_loop;      /* where the DSP node's process() runs */

	/* main thread copies; the data thread gets the ceiling by pw_loop_invoke */
	struct dg_guard_state state; /* ceiling, hard ceiling, output, mode, the table */
	char headphone[DG_NAME_MAX];
	char table_json[DG_CEILING_TABLE_JSON_MAX]; /* state.table as published */
	char hard_json[DG_CEILING_TABLE_JSON_MAX];  /* state.hard_table as published */

	struct dsp dsp;
	uint32_t latency_rate;          /* the rate latency_frames was published for */
	uint32_t latency_frames;        /* the DSP's lookahead: its ProcessLatency */
	/* what the DSP node's peers report: [0] at its inputs, [1] at its outputs */
	struct spa_latency_info peer_latency[2][MAX_CHANNELS];

	struct meter_seqlock meter_lock;
	struct meters published;
	struct spa_source *timer;
	bool timer_armed;

	struct dg_link_set links;       /* sink -> DSP -> target, guard-links.c */
	/* the target's Props, watched to keep its own volume at unity (guard-target-volume.c) */
	struct pw_proxy *target_proxy;
	struct spa_hook target_listener;
	uint32_t target_id;
	uint32_t target_fixes;          /* writes that put its gain back, for the log */
	/* the target is held silent until guarded (guard-target-hold.c) */
	bool target_hold;               /* it carries dacguard.hold-until-guarded */
	bool target_open;               /* we set its volume to 1.0 */
	bool zombie;   /* to be destroyed from the main loop */
	bool describe; /* node.description is ours to refine from the target's */
};

struct impl {
	struct pw_context *context;
	struct pw_impl_module *module;
	struct spa_hook module_listener;

	struct pw_loop *main_loop;

	struct pw_core *core;
	struct spa_hook core_proxy_listener;
	struct spa_hook core_listener;
	bool do_disconnect;

	struct pw_registry *registry;
	struct spa_hook registry_listener;

	struct pw_properties *props; /* module arguments */
	double ceiling_db;
	double hard_ceiling_db;
	struct dg_ceiling_table hard_table; /* dacguard.hard-ceilings, every guard's */
	const char *rules;

	struct spa_source *destroy_event;
	struct spa_list guards;
	struct spa_list candidates;
	uint32_t n_guards_made;

	struct dg_port_graph graph; /* as the registry shows it, to link the guards */
};

/* guard.c: life cycle */
int guard_new(struct impl *impl, const char *target, const struct spa_dict *target_props,
	      double ceiling_db, double hard_ceiling_db, struct guard **result);
void guard_free(struct guard *g);
void guard_schedule_destroy(struct guard *g);
void guard_describe(struct impl *impl, const char *name, const struct spa_dict *props);

/* guard-nodes.c: the two nodes' ports, params and events */
int guard_nodes_new(struct guard *g, struct pw_properties *sink_props,
		    struct pw_properties *dsp_props);
/* Props and PropInfo of the sink node (with_info: PropInfo too) */
void guard_update_props(struct guard *g, bool with_info);

/* guard-layout.c: channels and positions */
void guard_parse_layout(struct guard *g, const struct pw_properties *args,
			const struct spa_dict *target_props);
/* "FL", "FR", "AUX0" ...: the audio.channel of the guard's channel c */
const char *guard_channel_name(const struct guard *g, uint32_t c);

/* guard-latency.c: the lookahead, reported once */
uint32_t latency_lookahead_frames(uint32_t rate);
void latency_init(struct guard *g, uint32_t rate);
struct spa_pod *latency_build_process(struct guard *g, struct spa_pod_builder *b);
void latency_set_rate(struct guard *g, uint32_t rate);
void latency_port_changed(struct guard *g, const struct dsp_port *p, const struct spa_pod *param);
void latency_update(struct guard *g);

/* guard-dsp.c: the data thread's side */
int dsp_init(struct guard *g);
void dsp_clear(struct guard *g);
void dsp_process(void *data, struct spa_io_position *position);
/* hands a ceiling to the data thread; blocking: the next block processed has it */
void dsp_set_ceiling(struct guard *g, double ceiling_db);
bool meters_read(struct meter_seqlock *l, struct meters *m);
void meters_init(struct meters *m);

/* guard-props.c: the Props surface of the sink node */
size_t guard_n_prop_infos(void);
struct spa_pod *guard_build_prop_info(struct guard *g, struct spa_pod_builder *b, size_t i);
struct spa_pod *guard_build_props(struct guard *g, struct spa_pod_builder *b);
void guard_props_changed(struct guard *g, const struct spa_pod *param);

/* guard-links.c: sink monitor -> DSP inputs, DSP outputs -> target inputs */
void links_global(struct impl *impl, uint32_t id, const char *type, const struct spa_dict *props);
void links_global_remove(struct impl *impl, uint32_t id);
void links_reconcile(struct impl *impl);

/* guard-target-volume.c: the target sink's own volume held at unity at most */
void target_volume_global(struct impl *impl, uint32_t id, const char *type,
			  const struct spa_dict *props);
void target_volume_global_remove(struct impl *impl, uint32_t id);
void target_volume_clear(struct guard *g);

/* guard-target-hold.c: a marked DAC sink silent until its guard alone plays into it */
void target_hold_seen(struct guard *g, const struct spa_dict *props);
void target_hold_update(struct guard *g);

/* rules.c: guard every sink a rule matches */
bool rules_valid(const char *rules);
void rules_global(struct impl *impl, uint32_t id, const char *type, const struct spa_dict *props);
void rules_global_remove(struct impl *impl, uint32_t id);
void rules_forget_guard(struct impl *impl, struct guard *g);
void rules_clear(struct impl *impl);
