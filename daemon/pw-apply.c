/* SPDX-License-Identifier: MIT */
/* dacguardd's PipeWire client: detected card -> its sink nodes -> a guard in front of
 * each -> the guard's Props from the decision; default sink and streams routed through
 * the guard. Everything happens in reconcile(), which compares what the registry shows
 * with what the decisions want and is called after every change, so a reconnect, a late
 * sink or a restarted guard all take the same path. See doc/e2e.md. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libudev.h>

#include <spa/param/props.h>
#include <spa/pod/builder.h>
#include <spa/pod/iter.h>
#include <spa/pod/parser.h>
#include <spa/utils/list.h>
#include <spa/utils/result.h>
#include <spa/utils/string.h>

#include <pipewire/extensions/metadata.h>
#include <pipewire/pipewire.h>

#include "metadata-value.h"
#include "policy.h"
#include "props-params.h"
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
/* dacguard.output-ceilings: DG_MAX_OUTPUTS of "\"bal-xlr3x2\": -120.000, " fit */
#define TABLE_MAX           DG_CEILING_TABLE_JSON_MAX

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
	char written_table[TABLE_MAX];
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

static void reconcile(struct dg_pw_apply *a);

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* One line per action on stdout, like the daemon's decisions: the journal and the
 * tests read them. */
static void say(const char *fmt, ...)
{
	va_list ap;

	fputs("pw: ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	fflush(stdout);
}

static void arm_timer(struct dg_pw_apply *a, uint64_t delay_ms)
{
	uint64_t due = now_ms() + delay_ms;
	struct timespec value;

	if (a->timer_due != 0 && a->timer_due <= due)
		return;
	a->timer_due = due;
	/* 0 would disarm it */
	delay_ms = SPA_MAX(delay_ms, 1u);
	value.tv_sec = (time_t)(delay_ms / 1000);
	value.tv_nsec = (long)(delay_ms % 1000) * 1000000L;
	pw_loop_update_timer(a->loop, a->timer, &value, NULL, false);
}

/* ---- objects ---- */

static const char *obj_prop(const struct obj *o, const char *key)
{
	return o->props ? pw_properties_get(o->props, key) : NULL;
}

static struct obj *find_obj(struct dg_pw_apply *a, uint32_t id)
{
	struct obj *o;

	spa_list_for_each(o, &a->objs, link)
		if (o->id == id)
			return o;
	return NULL;
}

static struct obj *find_node(struct dg_pw_apply *a, enum obj_kind kind, const char *name)
{
	struct obj *o;

	spa_list_for_each(o, &a->objs, link)
		if (o->kind == kind && spa_streq(o->name, name))
			return o;
	return NULL;
}

static void obj_free(struct obj *o)
{
	spa_list_remove(&o->link);
	if (o->proxy) {
		spa_hook_remove(&o->object_listener);
		pw_proxy_destroy(o->proxy);
	}
	pw_properties_free(o->props);
	free(o->client);
	free(o);
}

static void obj_set_props(struct obj *o, const struct spa_dict *props)
{
	pw_properties_free(o->props);
	o->props = pw_properties_new_dict(props);
	o->a->dirty = true;
}

static void node_info(void *data, const struct pw_node_info *info)
{
	struct obj *o = data;

	if ((info->change_mask & PW_NODE_CHANGE_MASK_PROPS) && info->props)
		obj_set_props(o, info->props);
}

static void device_info(void *data, const struct pw_device_info *info)
{
	struct obj *o = data;

	if ((info->change_mask & PW_DEVICE_CHANGE_MASK_PROPS) && info->props)
		obj_set_props(o, info->props);
}

static struct card *find_card_for_guard(struct dg_pw_apply *a, const struct obj *g);
static void write_guard(struct dg_pw_apply *a, struct card *c, struct obj *g);

struct guard_props {
	const char *output;
	double ceiling;
};

static int guard_prop(void *data, const char *key, const struct spa_pod *value)
{
	struct guard_props *p = data;

	if (spa_streq(key, "dacguard.output"))
		spa_pod_get_string(value, &p->output);
	else if (spa_streq(key, "dacguard.ceiling-db"))
		dg_props_pod_number(value, &p->ceiling);
	return 0;
}

/* A guard's Props: a user's dacguard.output (a switch of output) goes to the policy
 * through the daemon; a ceiling raised above the decision is put back. */
static void guard_param(void *data, int seq, uint32_t id, uint32_t index, uint32_t next,
			const struct spa_pod *param)
{
	struct obj *g = data;
	struct dg_pw_apply *a = g->a;
	struct guard_props p = {.ceiling = NAN};
	struct card *c;

	if (id != SPA_PARAM_Props || param == NULL)
		return;
	dg_props_params_foreach(param, guard_prop, &p);
	if (p.output == NULL || !g->written || (c = find_card_for_guard(a, g)) == NULL)
		return;

	if (g->pending_until) {
		if (spa_streq(p.output, g->written_output) &&
		    !(p.ceiling > g->written_ceiling + CEILING_EPSILON_DB)) {
			g->pending_until = 0;
			return;
		}
		if (now_ms() < g->pending_until)
			return;
		g->pending_until = 0;
	}
	if (!spa_streq(p.output, g->written_output)) {
		say("%s: output set to '%s' by a client: mode switch", g->name, p.output);
		/* the policy decides again with it and the decision comes back to us */
		g->written = false;
		if (a->opts.user_output == NULL ||
		    a->opts.user_output(a->opts.user_data, c->syspath, p.output) < 0)
			write_guard(a, c, g);
	} else if (p.ceiling > g->written_ceiling + CEILING_EPSILON_DB) {
		say("%s: ceiling raised to %.2f dB by a client, above the decision: put back",
		    g->name, p.ceiling);
		g->written = false;
		write_guard(a, c, g);
	}
}

static const struct pw_node_events guard_events = {
	PW_VERSION_NODE_EVENTS,
	.info = node_info,
	.param = guard_param,
};

static const struct pw_node_events node_events = {
	PW_VERSION_NODE_EVENTS,
	.info = node_info,
};

static const struct pw_device_events device_events = {
	PW_VERSION_DEVICE_EVENTS,
	.info = device_info,
};

/* ---- clients: whom the raw sinks are hidden from ---- */

/* The executable's base name, what libpipewire makes application.process.binary of
 * (from /proc/self/exe: pw-record is pw-cat): known at once from the registry's pid,
 * before the client's own properties arrive. */
static void binary_of_pid(int pid, char *out, size_t size)
{
	char path[64], buf[PATH_MAX];
	const char *base;
	ssize_t n;

	out[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%d/exe", pid);
	n = readlink(path, buf, sizeof(buf) - 1);
	if (n <= 0)
		return;
	buf[n] = '\0';
	base = strrchr(buf, '/');
	base = base ? base + 1 : buf;
	n = (ssize_t)strnlen(base, size - 1);
	memcpy(out, base, (size_t)n);
	out[n] = '\0';
}

static void client_judge(struct dg_pw_apply *a, struct obj *o)
{
	struct client_state *cs = o->client;
	const char *b = cs->binary;
	bool keep;

	/* the server and guard hosts (pipewire), the session manager, ourselves */
	keep = cs->pid == (int)getpid() || spa_streq(b, "pipewire") ||
	       spa_streq(b, "wireplumber") || spa_streq(b, "pipewire-media-session") ||
	       spa_streq(obj_prop(o, PW_KEY_APP_NAME), "WirePlumber");
	for (size_t i = 0; !keep && i < a->n_exempt; i++)
		keep = spa_streq(b, a->exempt[i]);
	if (keep != cs->keep)
		a->dirty = true;
	cs->keep = keep;
}

static void client_info(void *data, const struct pw_client_info *info)
{
	struct obj *o = data;
	const char *b;

	if (!(info->change_mask & PW_CLIENT_CHANGE_MASK_PROPS) || info->props == NULL)
		return;
	obj_set_props(o, info->props);
	if ((b = spa_dict_lookup(info->props, PW_KEY_APP_PROCESS_BINARY)) != NULL)
		snprintf(o->client->binary, sizeof(o->client->binary), "%s", b);
	client_judge(o->a, o);
}

/* The reply to the get_permissions sent before any hiding: what to give back. */
static void client_permissions(void *data, uint32_t index, uint32_t n_permissions,
			       const struct pw_permission *permissions)
{
	struct obj *o = data;
	struct client_state *cs = o->client;

	if (cs->have_saved)
		return;
	cs->have_saved = true;
	cs->saved_default = PW_PERM_ALL;
	for (uint32_t i = 0; i < n_permissions; i++) {
		const struct pw_permission *p = &permissions[i];

		if (p->id == PW_ID_ANY)
			cs->saved_default = p->permissions;
		else if (p->permissions != PW_PERM_INVALID && cs->n_saved < SAVED_MAX)
			cs->saved[cs->n_saved++] = *p;
	}
}

static const struct pw_client_events client_events = {
	PW_VERSION_CLIENT_EVENTS,
	.info = client_info,
	.permissions = client_permissions,
};

/* What the client had on the object before we hid it. An explicit 0 is taken for an
 * earlier dacguardd's doing (it does not know): the client's default then. */
static uint32_t client_saved(const struct client_state *cs, uint32_t id)
{
	if (!cs->have_saved)
		return PW_PERM_ALL;
	for (uint32_t i = 0; i < cs->n_saved; i++)
		if (cs->saved[i].id == id && cs->saved[i].permissions != 0)
			return cs->saved[i].permissions;
	return cs->saved_default;
}

/* ---- default metadata ---- */

static int md_property(void *data, uint32_t subject, const char *key, const char *type,
		       const char *value)
{
	struct dg_pw_apply *a = data;

	if (subject != PW_ID_CORE)
		return 0;
	if (key == NULL) {
		a->configured_sink[0] = a->default_sink[0] = '\0';
	} else if (spa_streq(key, "default.configured.audio.sink")) {
		dg_json_object_string(value, "name", a->configured_sink, sizeof(a->configured_sink));
	} else if (spa_streq(key, "default.audio.sink")) {
		dg_json_object_string(value, "name", a->default_sink, sizeof(a->default_sink));
	} else {
		return 0;
	}
	a->dirty = true;
	return 0;
}

static const struct pw_metadata_events md_events = {
	PW_VERSION_METADATA_EVENTS,
	.property = md_property,
};

/* ---- registry ---- */

static void registry_global(void *data, uint32_t id, uint32_t permissions, const char *type,
			    uint32_t version, const struct spa_dict *props)
{
	struct dg_pw_apply *a = data;
	const char *name = props ? spa_dict_lookup(props, PW_KEY_NODE_NAME) : NULL;
	const char *cls = props ? spa_dict_lookup(props, PW_KEY_MEDIA_CLASS) : NULL;
	const char *s;
	struct obj *o;
	enum obj_kind kind;

	if (props == NULL)
		return;
	if (spa_streq(type, PW_TYPE_INTERFACE_Node)) {
		if (spa_streq(cls, "Audio/Sink"))
			kind = spa_strstartswith(name, GUARD_PREFIX) ? OBJ_GUARD : OBJ_SINK;
		else if (spa_streq(cls, "Stream/Output/Audio") &&
			 !spa_strstartswith(name, GUARD_PREFIX))
			kind = OBJ_STREAM;
		else
			return;
	} else if (spa_streq(type, PW_TYPE_INTERFACE_Device)) {
		if (!spa_streq(cls, "Audio/Device"))
			return;
		kind = OBJ_DEVICE;
	} else if (spa_streq(type, PW_TYPE_INTERFACE_Link)) {
		kind = OBJ_LINK;
	} else if (spa_streq(type, PW_TYPE_INTERFACE_Port)) {
		struct obj *n;

		if ((s = spa_dict_lookup(props, PW_KEY_NODE_ID)) == NULL ||
		    (n = find_obj(a, (uint32_t)strtoul(s, NULL, 10))) == NULL || n->kind != OBJ_SINK)
			return;
		kind = OBJ_PORT;
	} else if (spa_streq(type, PW_TYPE_INTERFACE_Client)) {
		kind = OBJ_CLIENT;
	} else if (spa_streq(type, PW_TYPE_INTERFACE_Module)) {
		s = spa_dict_lookup(props, PW_KEY_MODULE_NAME);
		if (s == NULL || strstr(s, "dacguard") == NULL)
			return;
		kind = OBJ_MODULE;
	} else if (spa_streq(type, PW_TYPE_INTERFACE_Metadata)) {
		if (spa_streq(spa_dict_lookup(props, "metadata.name"), "sm-settings")) {
			a->sm_settings_id = id;
			if (!a->smart_filters)
				say("routing: WirePlumber 0.5 links streams into the guards "
				    "(smart filters)");
			a->smart_filters = true;
			a->dirty = true;
			return;
		}
		if (a->md != NULL || !spa_streq(spa_dict_lookup(props, "metadata.name"), "default"))
			return;
		a->md = pw_registry_bind(a->registry, id, PW_TYPE_INTERFACE_Metadata,
					 PW_VERSION_METADATA, 0);
		if (a->md == NULL)
			return;
		a->md_id = id;
		pw_metadata_add_listener(a->md, &a->md_listener, &md_events, a);
		return;
	} else {
		return;
	}

	o = calloc(1, sizeof(*o));
	if (o == NULL)
		return;
	o->a = a;
	o->id = id;
	o->kind = kind;
	if (name)
		snprintf(o->name, sizeof(o->name), "%s", name);
	if ((s = spa_dict_lookup(props, PW_KEY_OBJECT_SERIAL)))
		o->serial = strtoull(s, NULL, 10);
	spa_list_append(&a->objs, &o->link);
	a->dirty = true;

	switch (kind) {
	case OBJ_LINK:
		if ((s = spa_dict_lookup(props, PW_KEY_LINK_OUTPUT_NODE)))
			o->link_out = (uint32_t)strtoul(s, NULL, 10);
		if ((s = spa_dict_lookup(props, PW_KEY_LINK_INPUT_NODE)))
			o->link_in = (uint32_t)strtoul(s, NULL, 10);
		return;
	case OBJ_MODULE:
		say("server has %s (id %u): waiting %d ms for its guards before making one",
		    spa_dict_lookup(props, PW_KEY_MODULE_NAME), id, RULES_GRACE_MS);
		return;
	case OBJ_PORT:
		o->port_node = (uint32_t)strtoul(spa_dict_lookup(props, PW_KEY_NODE_ID), NULL, 10);
		return;
	case OBJ_CLIENT:
		if ((o->client = calloc(1, sizeof(*o->client))) == NULL)
			return;
		o->props = pw_properties_new_dict(props);
		if ((s = spa_dict_lookup(props, PW_KEY_SEC_PID)) != NULL) {
			o->client->pid = atoi(s);
			binary_of_pid(o->client->pid, o->client->binary,
				      sizeof(o->client->binary));
		}
		client_judge(a, o);
		o->proxy = pw_registry_bind(a->registry, id, type, PW_VERSION_CLIENT, 0);
		if (o->proxy == NULL)
			return;
		pw_client_add_listener((struct pw_client *)o->proxy, &o->object_listener,
				       &client_events, o);
		/* before any update_permissions of ours, so the reply shows the original */
		pw_client_get_permissions((struct pw_client *)o->proxy, 0, UINT32_MAX);
		return;
	case OBJ_DEVICE:
		o->proxy = pw_registry_bind(a->registry, id, type, PW_VERSION_DEVICE, 0);
		if (o->proxy)
			pw_device_add_listener((struct pw_device *)o->proxy, &o->object_listener,
					       &device_events, o);
		return;
	default:
		break;
	}
	o->proxy = pw_registry_bind(a->registry, id, type, PW_VERSION_NODE, 0);
	if (o->proxy == NULL)
		return;
	if (kind == OBJ_GUARD) {
		uint32_t ids[] = { SPA_PARAM_Props };

		pw_node_add_listener((struct pw_node *)o->proxy, &o->object_listener,
				     &guard_events, o);
		pw_node_subscribe_params((struct pw_node *)o->proxy, ids, 1);
	} else {
		pw_node_add_listener((struct pw_node *)o->proxy, &o->object_listener,
				     &node_events, o);
	}
}

static void registry_global_remove(void *data, uint32_t id)
{
	struct dg_pw_apply *a = data;
	struct obj *o;

	if (a->md && id == a->md_id) {
		spa_hook_remove(&a->md_listener);
		pw_proxy_destroy((struct pw_proxy *)a->md);
		a->md = NULL;
		return;
	}
	if (a->smart_filters && id == a->sm_settings_id) {
		/* the session manager went away; whichever comes next says what it does */
		a->smart_filters = false;
		return;
	}
	if ((o = find_obj(a, id)) == NULL)
		return;
	if (o->kind == OBJ_GUARD)
		say("guard %s (id %u) gone", o->name, o->id);
	obj_free(o);
	a->dirty = true;
}

static const struct pw_registry_events registry_events = {
	PW_VERSION_REGISTRY_EVENTS,
	.global = registry_global,
	.global_remove = registry_global_remove,
};

/* ---- connection ---- */

static void core_error(void *data, uint32_t id, int seq, int res, const char *message)
{
	struct dg_pw_apply *a = data;

	if (id == PW_ID_CORE) {
		fprintf(stderr, "dacguardd: pipewire: %s (%s)\n", message ? message : "error",
			spa_strerror(res));
		/* not from inside the core's own event: after this iteration */
		if (res == -EPIPE)
			a->disconnected = true;
	} else if (a->opts.verbose) {
		fprintf(stderr, "dacguardd: pipewire: object %u: %s (%s)\n", id,
			message ? message : "error", spa_strerror(res));
	}
}

static const struct pw_core_events core_events = {
	PW_VERSION_CORE_EVENTS,
	.error = core_error,
};

static void teardown(struct dg_pw_apply *a)
{
	struct obj *o, *t;

	spa_list_for_each_safe(o, t, &a->objs, link)
		obj_free(o);
	if (a->md) {
		spa_hook_remove(&a->md_listener);
		pw_proxy_destroy((struct pw_proxy *)a->md);
		a->md = NULL;
	}
	a->configured_sink[0] = a->default_sink[0] = '\0';
	a->smart_filters = false;
	if (a->registry) {
		spa_hook_remove(&a->registry_listener);
		pw_proxy_destroy((struct pw_proxy *)a->registry);
		a->registry = NULL;
	}
	if (a->core) {
		spa_hook_remove(&a->core_listener);
		pw_core_disconnect(a->core);
		a->core = NULL;
	}
}

static void try_connect(struct dg_pw_apply *a)
{
	struct pw_properties *props = NULL;

	if (a->remote)
		props = pw_properties_new(PW_KEY_REMOTE_NAME, a->remote, NULL);
	a->core = pw_context_connect(a->context, props, 0);
	if (a->core == NULL) {
		if (a->opts.verbose)
			say("cannot connect to PipeWire (%s): retrying in %d ms", strerror(errno),
			    RECONNECT_MS);
		arm_timer(a, RECONNECT_MS);
		return;
	}
	a->generation++;
	pw_core_add_listener(a->core, &a->core_listener, &core_events, a);
	a->registry = pw_core_get_registry(a->core, PW_VERSION_REGISTRY, 0);
	pw_registry_add_listener(a->registry, &a->registry_listener, &registry_events, a);
	say("connected to PipeWire");
}

static void on_timer(void *data, uint64_t expirations)
{
	struct dg_pw_apply *a = data;

	a->timer_due = 0;
	if (a->core == NULL)
		try_connect(a);
	a->dirty = true;
}

/* ---- cards and matching ---- */

static struct card *find_card(struct dg_pw_apply *a, const char *syspath)
{
	struct card *c;

	spa_list_for_each(c, &a->cards, link)
		if (spa_streq(c->syspath, syspath))
			return c;
	return NULL;
}

static struct obj *node_device(struct dg_pw_apply *a, const struct obj *n)
{
	const char *s = obj_prop(n, PW_KEY_DEVICE_ID);
	struct obj *d;

	if (s == NULL)
		return NULL;
	d = find_obj(a, (uint32_t)strtoul(s, NULL, 10));
	return d && d->kind == OBJ_DEVICE ? d : NULL;
}

/* The node's, else its device's, value of the first key present. */
static const char *sink_prop(struct dg_pw_apply *a, const struct obj *n, const char *const *keys)
{
	const struct obj *d = node_device(a, n);

	for (const char *const *k = keys; *k; k++) {
		const char *v = obj_prop(n, *k);

		if (v == NULL && d)
			v = obj_prop(d, *k);
		if (v && *v)
			return v;
	}
	return NULL;
}

static int sink_card_number(struct dg_pw_apply *a, const struct obj *n)
{
	static const char *const card_keys[] = { "api.alsa.card", "alsa.card", "api.alsa.pcm.card",
						 NULL };
	static const char *const path_keys[] = { "api.alsa.path", NULL };
	const char *v = sink_prop(a, n, card_keys), *colon;
	char *end;
	long l;

	if (v == NULL && (v = sink_prop(a, n, path_keys)) != NULL) {
		/* "hw:1", "front:1", "hw:1,0" */
		if ((colon = strrchr(v, ':')) == NULL)
			return -1;
		v = colon + 1;
	}
	if (v == NULL)
		return -1;
	l = strtol(v, &end, 10);
	if (end == v || (*end != '\0' && *end != ','))
		return -1;
	return (int)l;
}

/* A sink belongs to the card when its bus path (ID_PATH) is the card's; without a bus
 * path, when its ALSA card number is; a serial that disagrees vetoes. */
static bool sink_matches(struct dg_pw_apply *a, const struct card *c, const struct obj *n)
{
	static const char *const bus_keys[] = { "device.bus-path", "api.alsa.path.bus", NULL };
	static const char *const serial_keys[] = { "device.serial", NULL };
	const char *bp, *serial;
	int number;

	if (n->props == NULL)
		return false;
	serial = sink_prop(a, n, serial_keys);
	if (serial && (c->serial[0] || c->serial_short[0]) && !spa_streq(serial, c->serial) &&
	    !spa_streq(serial, c->serial_short))
		return false;
	bp = sink_prop(a, n, bus_keys);
	if (bp && c->id_path[0])
		return spa_streq(bp, c->id_path);
	number = sink_card_number(a, n);
	if (number >= 0)
		return number == c->number;
	if (c->serial[0]) {
		char needle[300];

		snprintf(needle, sizeof(needle), "usb-%s-", c->serial);
		return strstr(n->name, needle) != NULL;
	}
	return false;
}

static struct card *find_card_for_guard(struct dg_pw_apply *a, const struct obj *g)
{
	const char *sink_name = g->name + strlen(GUARD_PREFIX);
	struct obj *s = find_node(a, OBJ_SINK, sink_name);
	struct card *c;

	if (s == NULL)
		return NULL;
	spa_list_for_each(c, &a->cards, link)
		if (sink_matches(a, c, s))
			return c;
	return NULL;
}

/* ---- what a guard should hold ---- */

struct want {
	double ceiling_db;
	char output[DG_ID_MAX];
	const char *mode;
	char headphone[DG_NAME_MAX];
	char table[TABLE_MAX];
};

/* What the decision says, as the guard's Props. The table is the decision's ceiling
 * per output (dacguard.output-ceilings), so that the guard itself applies an output's
 * ceiling in the write that switches to it (a pw-cli user's included), before the
 * policy hears of it. */
static void card_want(const struct card *c, struct want *w)
{
	const struct dg_decision *d = &c->decision;

	w->ceiling_db = dg_policy_clamp(d->ceiling_db, c->hard_ceiling_db);
	snprintf(w->output, sizeof(w->output), "%s", d->output[0] ? d->output : "unknown");
	w->mode = dg_mode_to_string(d->mode.mode);
	snprintf(w->headphone, sizeof(w->headphone), "%s", d->headphone);
	dg_ceiling_table_format(&d->table, w->table, sizeof(w->table));
}

/* Props as pw-cli set-param sends them: a Props object holding SPA_PROP_params. */
static void write_guard(struct dg_pw_apply *a, struct card *c, struct obj *g)
{
	uint8_t buf[2048];
	struct spa_pod_builder b = SPA_POD_BUILDER_INIT(buf, sizeof(buf));
	struct spa_pod_frame f[2];
	const struct spa_pod *pod;
	struct want w;
	int res;

	if (g->proxy == NULL)
		return;
	card_want(c, &w);
	/* written_ceiling holds the float that went out: compare like with like, or a
	 * double that float cannot hold exactly is written again on every Props event */
	if (g->written && (float)w.ceiling_db == g->written_ceiling &&
	    spa_streq(w.output, g->written_output) && spa_streq(w.mode, g->written_mode) &&
	    spa_streq(w.headphone, g->written_headphone) && spa_streq(w.table, g->written_table))
		return;

	spa_pod_builder_push_object(&b, &f[0], SPA_TYPE_OBJECT_Props, SPA_PARAM_Props);
	spa_pod_builder_prop(&b, SPA_PROP_params, 0);
	spa_pod_builder_push_struct(&b, &f[1]);
	spa_pod_builder_string(&b, "dacguard.ceiling-db");
	spa_pod_builder_float(&b, (float)w.ceiling_db);
	spa_pod_builder_string(&b, "dacguard.output");
	spa_pod_builder_string(&b, w.output);
	spa_pod_builder_string(&b, "dacguard.mode");
	spa_pod_builder_string(&b, w.mode);
	spa_pod_builder_string(&b, "dacguard.headphone");
	spa_pod_builder_string(&b, w.headphone);
	/* the module applies the lower of ceiling-db and the table's entry for the output */
	spa_pod_builder_string(&b, "dacguard.output-ceilings");
	spa_pod_builder_string(&b, w.table);
	spa_pod_builder_pop(&b, &f[1]);
	pod = spa_pod_builder_pop(&b, &f[0]);
	if (pod == NULL)
		return;

	res = pw_node_set_param((struct pw_node *)g->proxy, SPA_PARAM_Props, 0, pod);
	if (res < 0) {
		fprintf(stderr, "dacguardd: %s: set Props: %s\n", g->name, spa_strerror(res));
		return;
	}
	g->written = true;
	g->written_ceiling = (float)w.ceiling_db;
	snprintf(g->written_output, sizeof(g->written_output), "%s", w.output);
	snprintf(g->written_mode, sizeof(g->written_mode), "%s", w.mode);
	snprintf(g->written_headphone, sizeof(g->written_headphone), "%s", w.headphone);
	snprintf(g->written_table, sizeof(g->written_table), "%s", w.table);
	g->pending_until = now_ms() + PENDING_MS;
	say("%s (id %u): ceiling %.2f dB output %s mode %s headphone %s table %s (card%d)",
	    g->name, g->id, w.ceiling_db, w.output, w.mode, w.headphone[0] ? w.headphone : "-",
	    w.table, c->number);
}

/* ---- guard hosts ---- */

static struct host *find_host(struct dg_pw_apply *a, const char *sink)
{
	struct host *h;

	spa_list_for_each(h, &a->hosts, link)
		if (spa_streq(h->sink, sink))
			return h;
	return NULL;
}

static void host_paths(struct dg_pw_apply *a, const char *sink, const char *ext, char *out,
		       size_t size)
{
	char safe[SINK_NAME_MAX];
	size_t i;

	for (i = 0; sink[i] && i + 1 < sizeof(safe); i++)
		safe[i] = (sink[i] == '/' ? '_' : sink[i]);
	safe[i] = '\0';
	if (snprintf(out, size, "%s/guard-%s.%s", a->state_dir, safe, ext) >= (int)size)
		out[0] = '\0';
}

/* Stops the host recorded in the pid file, if that process is still that host. */
static void host_stop_recorded(struct dg_pw_apply *a, const char *sink)
{
	char pidfile[PATH_MAX], conf[PATH_MAX], path[64], cmdline[PATH_MAX + 64];
	FILE *f;
	long pid = 0;
	size_t n;
	int fd;

	host_paths(a, sink, "pid", pidfile, sizeof(pidfile));
	host_paths(a, sink, "conf", conf, sizeof(conf));
	f = fopen(pidfile, "re");
	if (f == NULL)
		return;
	if (fscanf(f, "%ld", &pid) != 1)
		pid = 0;
	fclose(f);
	unlink(pidfile);
	if (pid <= 1)
		return;
	snprintf(path, sizeof(path), "/proc/%ld/cmdline", pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return;
	n = (size_t)SPA_MAX(read(fd, cmdline, sizeof(cmdline) - 1), 0);
	close(fd);
	for (size_t i = 0; i < n; i++)
		if (cmdline[i] == '\0')
			cmdline[i] = ' ';
	cmdline[n] = '\0';
	if (strstr(cmdline, conf) != NULL) {
		kill((pid_t)pid, SIGTERM);
		say("stopped guard host %ld for %s", pid, sink);
	}
}

static int write_host_conf(struct dg_pw_apply *a, const struct card *c, const char *sink,
			   const char *path)
{
	char tmp[PATH_MAX + 8];
	struct want w;
	FILE *f;

	card_want(c, &w);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "we");
	if (f == NULL)
		return -errno;
	fprintf(f,
		"# Generated by dacguardd: the guard host for %s (card%d).\n"
		"# A separate process so that the guard and its limits outlive the daemon.\n"
		"context.properties = { log.level = 2 }\n"
		"context.spa-libs = {\n"
		"    audio.convert.* = audioconvert/libspa-audioconvert\n"
		"    support.*       = support/libspa-support\n"
		"}\n"
		"context.modules = [\n"
		/* the guard's DSP runs in this process's data thread: real-time, as in
		 * PipeWire's own pipewire.conf (RTKit or rlimits; quietly without) */
		"    { name = libpipewire-module-rt args = { nice.level = -11 }\n"
		"      flags = [ ifexists nofail ] }\n"
		"    { name = libpipewire-module-protocol-native }\n"
		"    { name = libpipewire-module-client-node }\n"
		"    { name = libpipewire-module-adapter }\n"
		"    { name = libpipewire-module-dacguard\n"
		"      args = {\n"
		"          target.object = \"%s\"\n"
		"          dacguard.ceiling-db = %.3f\n"
		"          dacguard.hard-ceiling-db = %.3f\n",
		sink, c->number, sink, w.ceiling_db, c->hard_ceiling_db);
	if (a->remote)
		fprintf(f, "          remote.name = \"%s\"\n", a->remote);
	fprintf(f, "      }\n    }\n]\n");
	if (fclose(f) != 0 || rename(tmp, path) < 0)
		return -errno;
	return 0;
}

/* pipewire -c CONF, detached (own session, not our child once started), signals
 * unblocked, our descriptors closed. Returns its pid or a negative errno. */
static pid_t spawn_host(const char *conf, const char *log)
{
	int p[2];
	pid_t child, pid = -1;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	child = fork();
	if (child < 0) {
		close(p[0]);
		close(p[1]);
		return -errno;
	}
	if (child == 0) {
		sigset_t none;
		pid_t me;
		int fd;

		if (setsid() < 0)
			_exit(1);
		me = fork();
		if (me != 0)
			_exit(me < 0);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGPIPE, SIG_DFL);
		fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (fd >= 0)
			dup2(fd, 0);
		fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		for (int i = 3; i < 1024; i++)
			if (i != p[1])
				close(i);
		me = getpid();
		if (write(p[1], &me, sizeof(me)) != (ssize_t)sizeof(me))
			_exit(1);
		execlp("pipewire", "pipewire", "-c", conf, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	waitpid(child, NULL, 0);
	if (read(p[0], &pid, sizeof(pid)) != (ssize_t)sizeof(pid))
		pid = -EIO;
	close(p[0]);
	return pid;
}

static void host_start(struct dg_pw_apply *a, struct card *c, struct host *h)
{
	char conf[PATH_MAX], log[PATH_MAX], pidfile[PATH_MAX];
	FILE *f;
	pid_t pid;
	int res;

	if (strpbrk(h->sink, "\"\\\n") != NULL) {
		fprintf(stderr, "dacguardd: %s: node name unusable in a config, no guard host\n",
			h->sink);
		h->pid = -1;
		return;
	}
	host_stop_recorded(a, h->sink);
	host_paths(a, h->sink, "conf", conf, sizeof(conf));
	host_paths(a, h->sink, "log", log, sizeof(log));
	host_paths(a, h->sink, "pid", pidfile, sizeof(pidfile));
	if ((res = write_host_conf(a, c, h->sink, conf)) < 0) {
		fprintf(stderr, "dacguardd: %s: %s\n", conf, strerror(-res));
		return;
	}
	pid = spawn_host(conf, log);
	if (pid < 0) {
		fprintf(stderr, "dacguardd: cannot start a guard host: %s\n", strerror(-pid));
		return;
	}
	if ((f = fopen(pidfile, "we")) != NULL) {
		fprintf(f, "%ld\n", (long)pid);
		fclose(f);
	}
	h->pid = pid;
	h->started = now_ms();
	h->generation = a->generation;
	say("started guard host %ld for %s: %s", (long)pid, h->sink, conf);
}

static bool server_has_dacguard_module(struct dg_pw_apply *a)
{
	struct obj *o;

	spa_list_for_each(o, &a->objs, link)
		if (o->kind == OBJ_MODULE)
			return true;
	return false;
}

/* The sink has no guard: wait for a server rule to make one, else start a host. */
static void ensure_host(struct dg_pw_apply *a, struct card *c, const char *sink)
{
	struct host *h = find_host(a, sink);
	uint64_t now = now_ms(), grace;

	if (a->opts.no_host)
		return;
	if (h == NULL) {
		h = calloc(1, sizeof(*h));
		if (h == NULL)
			return;
		snprintf(h->sink, sizeof(h->sink), "%s", sink);
		h->missing_since = now;
		spa_list_append(&a->hosts, &h->link);
	}
	snprintf(h->card_syspath, sizeof(h->card_syspath), "%s", c->syspath);
	if (h->pid < 0)
		return;
	if (h->pid > 0 && h->generation == a->generation && now < h->started + HOST_START_MS &&
	    kill(h->pid, 0) == 0) {
		arm_timer(a, h->started + HOST_START_MS - now);
		return;
	}
	if (h->pid == 0) {
		grace = server_has_dacguard_module(a) ? RULES_GRACE_MS : 0;
		if (now < h->missing_since + grace) {
			arm_timer(a, h->missing_since + grace - now);
			return;
		}
	}
	host_start(a, c, h);
	if (h->pid > 0)
		arm_timer(a, HOST_START_MS);
}

/* ---- routing ---- */

static void route(struct dg_pw_apply *a, struct obj *sink, struct obj *g)
{
	char value[64];
	struct obj *st, *l;

	if (a->md == NULL)
		return;
	if (spa_streq(a->configured_sink, sink->name) ||
	    (!a->configured_sink[0] && spa_streq(a->default_sink, sink->name))) {
		char json[SINK_NAME_MAX + 32];

		snprintf(json, sizeof(json), "{ \"name\": \"%s\" }", g->name);
		pw_metadata_set_property(a->md, PW_ID_CORE, "default.configured.audio.sink",
					 "Spa:String:JSON", json);
		/* until the metadata says otherwise */
		snprintf(a->configured_sink, sizeof(a->configured_sink), "%s", g->name);
		say("default sink %s -> %s", sink->name, g->name);
	}
	if (g->serial == 0)
		return;
	snprintf(value, sizeof(value), "%" PRIu64, g->serial);
	spa_list_for_each(st, &a->objs, link) {
		const char *target;
		char id_str[16];
		bool to_sink;

		if (st->kind != OBJ_STREAM || st->props == NULL || st->moved_to == g->serial)
			continue;
		snprintf(id_str, sizeof(id_str), "%u", sink->id);
		target = obj_prop(st, PW_KEY_TARGET_OBJECT);
		if (target == NULL)
			target = obj_prop(st, "node.target"); /* before 0.3.64 */
		to_sink = target && (spa_streq(target, sink->name) || spa_streq(target, id_str));
		if (!to_sink && sink->serial) {
			char serial_str[32];

			snprintf(serial_str, sizeof(serial_str), "%" PRIu64, sink->serial);
			to_sink = spa_streq(target, serial_str);
		}
		spa_list_for_each(l, &a->objs, link)
			if (!to_sink && l->kind == OBJ_LINK && l->link_out == st->id &&
			    l->link_in == sink->id)
				to_sink = true;
		if (!to_sink)
			continue;
		pw_metadata_set_property(a->md, st->id, "target.object", "Spa:Id", value);
		st->moved_to = g->serial;
		say("stream %s (id %u) moved from %s to %s", st->name, st->id, sink->name, g->name);
	}
}

/* ---- hiding the raw sinks ---- */

static bool id_in(const uint32_t *ids, uint32_t n, uint32_t id)
{
	for (uint32_t i = 0; i < n; i++)
		if (ids[i] == id)
			return true;
	return false;
}

/* The raw sinks (and their ports) to hide: those of known DACs, hiding on, whose guard
 * exists. */
static uint32_t hide_set(struct dg_pw_apply *a, uint32_t *ids, uint32_t max)
{
	char guard_name[SINK_NAME_MAX + 16];
	struct card *c;
	struct obj *s, *p;
	uint32_t n = 0;

	/* with smart filters the raw sink is the device users see and pick: a stream
	 * bound for it plays through the guard */
	if (a->smart_filters)
		return 0;
	spa_list_for_each(c, &a->cards, link) {
		if (!c->hide_raw_sink)
			continue;
		spa_list_for_each(s, &a->objs, link) {
			if (s->kind != OBJ_SINK || !sink_matches(a, c, s))
				continue;
			snprintf(guard_name, sizeof(guard_name), GUARD_PREFIX "%s", s->name);
			if (find_node(a, OBJ_GUARD, guard_name) == NULL)
				continue;
			if (n < max && !id_in(ids, n, s->id))
				ids[n++] = s->id;
			spa_list_for_each(p, &a->objs, link)
				if (p->kind == OBJ_PORT && p->port_node == s->id && n < max &&
				    !id_in(ids, n, p->id))
					ids[n++] = p->id;
		}
	}
	return n;
}

/* Each ordinary client loses every permission on the objects to hide and gets back
 * what it had on those no longer to hide; the others get everything back. */
static void hide_raw_sinks(struct dg_pw_apply *a)
{
	uint32_t want[HIDDEN_MAX], n_want = hide_set(a, want, HIDDEN_MAX);
	struct obj *o;

	spa_list_for_each(o, &a->objs, link) {
		struct client_state *cs = o->client;
		struct pw_permission perms[2 * HIDDEN_MAX];
		uint32_t n = 0, kept = 0, n_hid = 0, n_shown = 0;

		if (o->kind != OBJ_CLIENT || cs == NULL || o->proxy == NULL)
			continue;
		for (uint32_t i = 0; i < cs->n_hidden; i++) {
			uint32_t id = cs->hidden[i];

			if (!cs->keep && id_in(want, n_want, id)) {
				cs->hidden[kept++] = id;
				continue;
			}
			/* gone objects need nothing back */
			if (find_obj(a, id) != NULL) {
				perms[n++] = PW_PERMISSION_INIT(id, client_saved(cs, id));
				n_shown++;
			}
		}
		cs->n_hidden = kept;
		for (uint32_t i = 0; !cs->keep && i < n_want; i++) {
			if (id_in(cs->hidden, cs->n_hidden, want[i]))
				continue;
			perms[n++] = PW_PERMISSION_INIT(want[i], 0);
			cs->hidden[cs->n_hidden++] = want[i];
			n_hid++;
		}
		if (n == 0)
			continue;
		pw_client_update_permissions((struct pw_client *)o->proxy, n, perms);
		say("client %u (%s): raw sink objects hidden %u, shown again %u", o->id,
		    cs->binary[0] ? cs->binary : "?", n_hid, n_shown);
	}
}

/* ---- the one place that acts ---- */

static void reconcile(struct dg_pw_apply *a)
{
	struct card *c;
	struct obj *s, *g;
	char guard_name[SINK_NAME_MAX + 16];

	a->dirty = false;
	if (a->core == NULL)
		return;
	spa_list_for_each(c, &a->cards, link) {
		spa_list_for_each(s, &a->objs, link) {
			if (s->kind != OBJ_SINK || !sink_matches(a, c, s))
				continue;
			snprintf(guard_name, sizeof(guard_name), GUARD_PREFIX "%s", s->name);
			g = find_node(a, OBJ_GUARD, guard_name);
			if (g == NULL) {
				ensure_host(a, c, s->name);
				continue;
			}
			write_guard(a, c, g);
			if (!a->smart_filters)
				route(a, s, g);
		}
	}
	hide_raw_sinks(a);
}

/* ---- public ---- */

int dg_pw_apply_new(const struct dg_pw_apply_options *opts, struct dg_pw_apply **out)
{
	struct dg_pw_apply *a;
	const char *rt;
	int res;

	pw_init(NULL, NULL);
	a = calloc(1, sizeof(*a));
	if (a == NULL)
		return -ENOMEM;
	a->opts = *opts;
	spa_list_init(&a->objs);
	spa_list_init(&a->cards);
	spa_list_init(&a->hosts);
	if (opts->remote && (a->remote = strdup(opts->remote)) == NULL) {
		res = -ENOMEM;
		goto error;
	}
	a->opts.remote = NULL;
	a->opts.state_dir = NULL;
	if (opts->state_dir) {
		snprintf(a->state_dir, sizeof(a->state_dir), "%s", opts->state_dir);
	} else if ((rt = getenv("XDG_RUNTIME_DIR")) && *rt) {
		snprintf(a->state_dir, sizeof(a->state_dir), "%s/dacguard", rt);
	} else {
		snprintf(a->state_dir, sizeof(a->state_dir), "/tmp/dacguard-%ld", (long)getuid());
	}
	if (mkdir(a->state_dir, 0700) < 0 && errno != EEXIST) {
		res = -errno;
		fprintf(stderr, "dacguardd: %s: %s\n", a->state_dir, strerror(errno));
		goto error;
	}
	a->udev = udev_new();
	a->loop = pw_loop_new(NULL);
	if (a->loop == NULL) {
		res = -errno;
		goto error;
	}
	pw_loop_enter(a->loop);
	a->context = pw_context_new(a->loop,
				    pw_properties_new(PW_KEY_CONFIG_NAME, "client.conf", NULL), 0);
	if (a->context == NULL) {
		res = -errno;
		goto error;
	}
	a->timer = pw_loop_add_timer(a->loop, on_timer, a);
	if (a->timer == NULL) {
		res = -errno;
		goto error;
	}
	try_connect(a);
	*out = a;
	return 0;
error:
	dg_pw_apply_free(a);
	return res < 0 ? res : -EIO;
}

void dg_pw_apply_free(struct dg_pw_apply *a)
{
	struct card *c, *tc;
	struct host *h, *th;

	if (a == NULL)
		return;
	/* the guard hosts stay: the limits must outlive the daemon */
	teardown(a);
	spa_list_for_each_safe(c, tc, &a->cards, link) {
		spa_list_remove(&c->link);
		free(c);
	}
	spa_list_for_each_safe(h, th, &a->hosts, link) {
		spa_list_remove(&h->link);
		free(h);
	}
	if (a->timer)
		pw_loop_destroy_source(a->loop, a->timer);
	if (a->context)
		pw_context_destroy(a->context);
	if (a->loop) {
		pw_loop_leave(a->loop);
		pw_loop_destroy(a->loop);
	}
	if (a->udev)
		udev_unref(a->udev);
	free(a->remote);
	free(a);
}

int dg_pw_apply_fd(const struct dg_pw_apply *a)
{
	return pw_loop_get_fd(a->loop);
}

void dg_pw_apply_dispatch(struct dg_pw_apply *a)
{
	pw_loop_iterate(a->loop, 0);
	if (a->disconnected) {
		a->disconnected = false;
		say("disconnected from PipeWire: reconnecting");
		teardown(a);
		arm_timer(a, RECONNECT_MS);
	}
	if (a->dirty)
		reconcile(a);
}

static void read_udev_ids(struct dg_pw_apply *a, struct card *c)
{
	struct udev_device *dev;
	const char *v;

	if (a->udev == NULL)
		return;
	dev = udev_device_new_from_syspath(a->udev, c->syspath);
	if (dev == NULL)
		return;
	if ((v = udev_device_get_property_value(dev, "ID_PATH")))
		snprintf(c->id_path, sizeof(c->id_path), "%s", v);
	if ((v = udev_device_get_property_value(dev, "ID_SERIAL")))
		snprintf(c->serial, sizeof(c->serial), "%s", v);
	if ((v = udev_device_get_property_value(dev, "ID_SERIAL_SHORT")))
		snprintf(c->serial_short, sizeof(c->serial_short), "%s", v);
	udev_device_unref(dev);
}

void dg_pw_apply_decision(struct dg_pw_apply *a, const struct dg_device *dev,
			  const struct dg_config *cfg)
{
	struct card *c = find_card(a, dev->card.syspath);

	if (!dev->decided)
		return;
	if (c == NULL) {
		c = calloc(1, sizeof(*c));
		if (c == NULL)
			return;
		snprintf(c->syspath, sizeof(c->syspath), "%s", dev->card.syspath);
		spa_list_append(&a->cards, &c->link);
	}
	c->number = dev->card.number;
	read_udev_ids(a, c);
	c->decision = dev->decision;
	c->hard_ceiling_db = cfg ? SPA_MIN(cfg->hard_ceiling_db, 0.0) : 0.0;
	c->hide_raw_sink = dev->decision.dac.known &&
			   dg_config_hide_raw_sink(cfg, dg_config_find_device(cfg, dev->card.vendor_id,
									      dev->card.product_id,
									      dev->card.manufacturer,
									      dev->card.product));
	if (cfg) {
		struct obj *o;

		a->n_exempt = cfg->n_hide_raw_sink_exempt;
		memcpy(a->exempt, cfg->hide_raw_sink_exempt, sizeof(a->exempt));
		spa_list_for_each(o, &a->objs, link)
			if (o->kind == OBJ_CLIENT && o->client)
				client_judge(a, o);
	}
	reconcile(a);
}

void dg_pw_apply_removed(struct dg_pw_apply *a, const struct dg_device *dev)
{
	struct card *c = find_card(a, dev->card.syspath);
	struct host *h, *t;

	spa_list_for_each_safe(h, t, &a->hosts, link) {
		if (!spa_streq(h->card_syspath, dev->card.syspath))
			continue;
		host_stop_recorded(a, h->sink);
		spa_list_remove(&h->link);
		free(h);
	}
	if (c) {
		spa_list_remove(&c->link);
		free(c);
	}
	/* its raw sinks, if they are still there, are shown again */
	reconcile(a);
}
