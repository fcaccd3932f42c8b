/* SPDX-License-Identifier: MIT */
/* dacguardd's PipeWire side, inside: what the pw-*.c files share. The registry's
 * objects mirrored as objs, the detected cards, the guard hosts, and dg_pw_apply that
 * holds them. Everything runs on the daemon's poll loop (doc/e2e.md); any change marks
 * the state dirty and reconcile() (pw-apply.c) compares what the registry shows with
 * what the decisions want. */
#pragma once

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <spa/utils/list.h>
#include <spa/utils/string.h>

#include <pipewire/pipewire.h>
/* after pipewire.h: it declares its events with struct spa_hook */
#include <pipewire/extensions/metadata.h>

#include "log.h"
#include "policy.h"
#include "pw-apply.h"

#define GUARD_PREFIX        "dacguard."
#define RECONNECT_MS        500
/* A server-side dacguard module (rules mode) may make the guard itself: give it this long. */
#define RULES_GRACE_MS      1000
/* A host that has not produced its guard by then is replaced. */
#define HOST_START_MS       5000
/* Our Props write counts as acknowledged once the guard shows it, or after this long. */
#define PENDING_MS          1000
#define CEILING_EPSILON_DB  0.01
#define SINK_NAME_MAX       256

enum obj_kind {
	OBJ_SINK,        /* Audio/Sink that is not a guard */
	OBJ_GUARD,       /* Audio/Sink named dacguard.* */
	OBJ_STREAM,      /* Stream/Output/Audio */
	OBJ_DEVICE,      /* Audio/Device: bus path and serial of the sinks' card */
	OBJ_LINK,
	OBJ_MODULE,      /* a dacguard module loaded in the server */
	OBJ_PORT,        /* a port of an OBJ_SINK: hidden with it */
	OBJ_CLIENT,      /* a client of the server: whom the raw sinks are hidden from */
};

/* Per client: what it may see of the raw sinks. */
#define SAVED_MAX  64
#define HIDDEN_MAX 64

struct client_state {
	int pid;                        /* pipewire.sec.pid, 0 unknown */
	char binary[DG_NAME_MAX];       /* application.process.binary (else argv[0] by pid) */
	bool keep;                      /* never hidden from: server, SM, host, us, exempt */
	/* its permissions before we hid anything (the reply to get_permissions) */
	bool have_saved;
	uint32_t saved_default;
	struct pw_permission saved[SAVED_MAX];
	uint32_t n_saved;
	/* objects we took its permissions on */
	uint32_t hidden[HIDDEN_MAX];
	uint32_t n_hidden;
};

struct obj {
	struct spa_list link;
	struct dg_pw_apply *a;
	uint32_t id;
	enum obj_kind kind;
	uint64_t serial;
	char name[SINK_NAME_MAX];
	struct pw_proxy *proxy;
	struct spa_hook object_listener;
	struct pw_properties *props;   /* full properties from info; NULL before the first */
	uint32_t link_out, link_in;     /* OBJ_LINK */
	uint32_t port_node;             /* OBJ_PORT */
	struct client_state *client;    /* OBJ_CLIENT */
	/* OBJ_GUARD: what we last wrote and whether the guard has shown it yet */
	bool written;
	double written_ceiling;
	char written_output[DG_ID_MAX];
	char written_mode[32];
	char written_headphone[DG_NAME_MAX];
	char written_table[DG_CEILING_TABLE_JSON_MAX];
	char written_hard[DG_CEILING_TABLE_JSON_MAX];
	char written_reported[DG_ID_MAX];
	uint64_t pending_until;
	/* OBJ_STREAM: serial of the guard it was moved to */
	uint64_t moved_to;
};

struct card {
	struct spa_list link;
	char syspath[PATH_MAX];
	int number;
	char id_path[256];
	char serial[256];
	char serial_short[256];
	struct dg_decision decision;
	double hard_ceiling_db;
	bool hide_raw_sink;             /* known DAC and dacguard.hide-raw-sink for it */
};

struct host {
	struct spa_list link;
	char sink[SINK_NAME_MAX];
	char card_syspath[PATH_MAX];
	pid_t pid;                      /* 0: none spawned yet */
	uint64_t missing_since;         /* ms: when we first saw the sink without a guard */
	uint64_t started;               /* ms */
	uint32_t generation;            /* connection it was spawned under */
};

struct dg_pw_apply {
	struct dg_pw_apply_options opts;
	char state_dir[PATH_MAX];
	char *remote;
	struct udev *udev;

	struct pw_loop *loop;
	struct pw_context *context;
	struct spa_source *timer;
	uint64_t timer_due;             /* ms, 0: disarmed */

	struct pw_core *core;
	struct spa_hook core_listener;
	struct pw_registry *registry;
	struct spa_hook registry_listener;
	uint32_t generation;
	bool disconnected;              /* tear down after this iteration */
	bool dirty;                     /* reconcile after this iteration */

	struct pw_metadata *md;
	struct spa_hook md_listener;
	uint32_t md_id;
	/* WirePlumber 0.5 (its "sm-settings" metadata): it links every stream bound for a
	 * guarded sink into the guard, a smart filter (doc/pipewire-graph.md), so the
	 * default sink, the streams and the raw sink are left alone */
	uint32_t sm_settings_id;
	bool smart_filters;
	char configured_sink[SINK_NAME_MAX];
	char default_sink[SINK_NAME_MAX];

	struct spa_list objs;
	struct spa_list cards;
	struct spa_list hosts;

	/* dacguard.hide-raw-sink-exempt of the last configuration */
	char exempt[DG_CONF_MAX_EXEMPT][DG_NAME_MAX];
	size_t n_exempt;
};



struct want {
	double ceiling_db;
	char output[DG_ID_MAX];
	const char *mode;
	char headphone[DG_NAME_MAX];
	char table[DG_CEILING_TABLE_JSON_MAX];
	char hard_table[DG_CEILING_TABLE_JSON_MAX]; /* the hard limit per output */
	char reported[DG_ID_MAX]; /* the output a jack or selector reports, "" for none */
};

/* pw-apply.c: the connection, its timer and reconcile(), the one place that acts */
uint64_t now_ms(void);
void arm_timer(struct dg_pw_apply *a, uint64_t delay_ms);

/* pw-registry.c: the registry mirrored as objs; the "default" and "sm-settings" metadata */
const char *obj_prop(const struct obj *o, const char *key);
struct obj *find_obj(struct dg_pw_apply *a, uint32_t id);
struct obj *find_node(struct dg_pw_apply *a, enum obj_kind kind, const char *name);
void obj_free(struct obj *o);
void obj_set_props(struct obj *o, const struct spa_dict *props);
void node_info(void *data, const struct pw_node_info *info);
extern const struct pw_registry_events registry_events;

/* pw-cards.c: the detected cards, and which sinks are theirs */
struct card *find_card(struct dg_pw_apply *a, const char *syspath);
bool sink_matches(struct dg_pw_apply *a, const struct card *c, const struct obj *n);
struct card *find_card_for_guard(struct dg_pw_apply *a, const struct obj *g);
void read_udev_ids(struct dg_pw_apply *a, struct card *c);

/* pw-guard-props.c: the guard's Props written from the decision, a client's write read */
extern const struct pw_node_events guard_events;
void card_want(const struct card *c, struct want *w);
void write_guard(struct dg_pw_apply *a, struct card *c, struct obj *g);

/* pw-hosts.c: guard hosts, a pipewire process per guard that outlives the daemon */
void host_stop_recorded(struct dg_pw_apply *a, const char *sink);
/* The pid a guard host's pid file holds, 0 when it holds none. */
long host_pid_file_read(const char *path);
void ensure_host(struct dg_pw_apply *a, struct card *c, const char *sink);

/* pw-hold.c: a held DAC sink silent again when its guard goes and it stays */
void sink_hold_again(struct dg_pw_apply *a, const struct obj *guard);

/* pw-route.c: the default sink and the streams moved to the guard (WirePlumber 0.4) */
void route(struct dg_pw_apply *a, struct obj *sink, struct obj *g);

/* pw-permissions.c: the raw sinks hidden from ordinary clients */
void binary_of_pid(int pid, char *out, size_t size);
void client_judge(struct dg_pw_apply *a, struct obj *o);
extern const struct pw_client_events client_events;
void hide_raw_sinks(struct dg_pw_apply *a);
