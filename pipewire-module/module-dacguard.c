/* SPDX-License-Identifier: MIT */
/* dacguard: PipeWire module putting a gain-ceiling guard in front of a DAC's sink.
 * This file: the module's arguments, its connection and registry, and the guards'
 * destruction from the main loop. dacguard-module.h describes a guard. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <spa/utils/result.h>
#include <spa/utils/string.h>

#include <pipewire/impl.h>

#include "dacguard-module.h"

/** \page page_module_dacguard PipeWire Module: dacguard
 *
 * Puts a guard in front of a DAC's sink: a virtual `Audio/Sink` node named
 * `dacguard.<sink node.name>` whose audio goes to the sink after a gain cap
 * (full scale maps to the ceiling) and a zero-overshoot limiter at the
 * ceiling, so no sample reaching the DAC exceeds the ceiling. A passive
 * channel-separation analyzer watches the first two channels.
 *
 * A guard is two nodes. The sink, `dacguard.<sink>` (media.class `Audio/Sink`),
 * is what applications play into and carries the Props below; its own volume
 * slider comes before the guard (100% is the safe maximum). The DSP node,
 * `dacguard.<sink>.output`, has one input and one output DSP port per channel
 * and no media.class: no mixer lists it, no session manager links it or
 * restores a volume on it, and it has no volume, mute, channel mixing or
 * resampling of its own, so nothing after the guard's DSP can raise a sample.
 * The module links the sink's monitor ports to the DSP node and the DSP node
 * to the target's input ports itself, and again whenever they are made anew.
 * The lookahead is the DSP node's ProcessLatency; the sink reports the
 * target's latency plus it.
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
 *   libpipewire matches them (pw_conf_match_rules(), as for its own rules
 *   such as `pulse.rules`): a match object matches when all its keys, at least one,
 *   match the node's properties (exact string, `"~regex"` for a POSIX extended
 *   regex, `null` for an absent key; from PipeWire 0.3.79 a leading `!`
 *   negates); a rule matches when any of its match objects does, and the first
 *   matching rule with a `create-guard` action wins. `create-guard` may set
 *   `dacguard.ceiling-db` and lower `dacguard.hard-ceiling-db` for that sink.
 *   A guard goes away with its sink. Guard nodes are never guarded.
 * - `audio.channels`, `audio.position`: channels of the guard; by default
 *   those of the target sink (or stereo). It runs at the graph's rate.
 * - `capture.props = {}`: properties for the sink node.
 * - `playback.props = {}`: properties for the DSP node.
 * - `remote.name`: the remote to connect to when not loaded in a server.
 *
 * ## Props of the guard (its sink node)
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

/* PW_LOG_TOPIC() spelled out: its compound literal trips -Wpedantic */
static struct spa_log_topic mod_topic_storage = {.version = 0, .topic = "mod." DG_MODULE_NAME};
struct spa_log_topic *dg_mod_topic = &mod_topic_storage;
#define PW_LOG_TOPIC_DEFAULT dg_mod_topic

static const struct spa_dict_item module_props[] = {
    {PW_KEY_MODULE_AUTHOR, "dacguard developers"},
    {PW_KEY_MODULE_DESCRIPTION, "Gain-ceiling guard in front of a DAC sink"},
    {PW_KEY_MODULE_USAGE, "( target.object=<sink node.name> ) "
			  "( dacguard.rules=[ { matches=[ { <key>=<value> ... } ] "
			  "actions={ create-guard={ dacguard.ceiling-db=<dB> } } } ] ) "
			  "[ dacguard.ceiling-db=<dB, default -30> ] "
			  "[ dacguard.hard-ceiling-db=<dB, default 0> ] "
			  "[ audio.channels=<channels> ] [ audio.position=<channel map> ] "
			  "[ capture.props={ ... } ] [ playback.props={ ... } ] "
			  "[ remote.name=<remote> ]"},
    {PW_KEY_MODULE_VERSION, PACKAGE_VERSION},
};

/* Runs from the main loop, outside any stream or filter callback. */
static void on_destroy_event(void *data, uint64_t count)
{
	struct impl *impl = data;
	struct guard *g, *t;

	spa_list_for_each_safe(g, t, &impl->guards, link)
	{
		if (!g->zombie)
			continue;
		rules_forget_guard(impl, g);
		guard_free(g);
	}
	if (impl->rules == NULL && spa_list_is_empty(&impl->guards))
		pw_impl_module_schedule_destroy(impl->module);
}

static void registry_global(void *data, uint32_t id, uint32_t permissions, const char *type,
			    uint32_t version, const struct spa_dict *props)
{
	struct impl *impl = data;
	const char *name;

	if (props != NULL && spa_streq(type, PW_TYPE_INTERFACE_Node) &&
	    (name = spa_dict_lookup(props, PW_KEY_NODE_NAME)) != NULL)
		guard_describe(impl, name, props);
	rules_global(impl, id, type, props);
	links_global(impl, id, type, props);
	target_volume_global(impl, id, type, props);
}

static void registry_global_remove(void *data, uint32_t id)
{
	struct impl *impl = data;

	rules_global_remove(impl, id);
	links_global_remove(impl, id);
	target_volume_global_remove(impl, id);
}

static const struct pw_registry_events registry_events = {
    PW_VERSION_REGISTRY_EVENTS,
    .global = registry_global,
    .global_remove = registry_global_remove,
};


static void core_error(void *data, uint32_t id, int seq, int res, const char *message)
{
	struct impl *impl = data;

	/* an object gone before we got to it is routine in a changing graph */
	pw_log(res == -ENOENT ? SPA_LOG_LEVEL_INFO : SPA_LOG_LEVEL_WARN,
	       "error id:%u seq:%d res:%d (%s): %s", id, seq, res, spa_strerror(res), message);

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
	struct guard *g;

	rules_clear(impl);
	spa_list_consume(g, &impl->guards, link) guard_free(g);
	dg_port_graph_clear(&impl->graph);
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

/* dacguard.hard-ceilings: the administrator's limit per output, as dacguardd computes
 * it from dacguard.hard-max-spl-db; a table that does not parse fails the module, as
 * any bad limit does, rather than guard without it. */
static int parse_hard_table(const struct pw_properties *props, struct dg_ceiling_table *t)
{
	const char *str = pw_properties_get(props, "dacguard.hard-ceilings");
	char err[160];

	*t = (struct dg_ceiling_table){0};
	if (str == NULL)
		return 0;
	if (strlen(str) >= DG_CEILING_TABLE_TEXT_MAX ||
	    dg_ceiling_table_parse(str, t, err, sizeof(err)) < 0) {
		pw_log_error("dacguard.hard-ceilings: refusing %s",
			     strlen(str) >= DG_CEILING_TABLE_TEXT_MAX ? "a table this long" : err);
		return -EINVAL;
	}
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

	PW_LOG_TOPIC_INIT(dg_mod_topic);

	if ((impl = calloc(1, sizeof(*impl))) == NULL)
		return -errno;
	spa_list_init(&impl->guards);
	spa_list_init(&impl->candidates);
	dg_port_graph_init(&impl->graph);
	impl->module = module;
	impl->context = context;
	impl->main_loop = pw_context_get_main_loop(context);

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
	}
	impl->hard_ceiling_db = dg_policy_hard_ceiling(impl->hard_ceiling_db);
	if ((res = parse_hard_table(impl->props, &impl->hard_table)) < 0)
		goto error;
	if (impl->ceiling_db > impl->hard_ceiling_db)
		pw_log_warn(
		    "dacguard.ceiling-db: %.2f dB is above the hard ceiling, clamped to %.2f",
		    impl->ceiling_db, impl->hard_ceiling_db);
	impl->ceiling_db = dg_policy_clamp(impl->ceiling_db, impl->hard_ceiling_db);

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

	/* the graph: the targets' ports to link to, sinks to guard (rules mode), the
	 * target's description (target mode) */
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
