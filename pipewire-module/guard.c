/* SPDX-License-Identifier: MIT */
/* dacguard module: a guard's life: the properties its two nodes (dacguard-module.h)
 * are made with, its creation, destruction and description. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <spa/utils/result.h>
#include <spa/utils/string.h>

#include <pipewire/filter.h>

#include "dacguard-module.h"

#define PW_LOG_TOPIC_DEFAULT dg_mod_topic

void guard_free(struct guard *g)
{
	struct impl *impl = g->impl;

	spa_list_remove(&g->link);
	dg_link_set_clear(&g->links);
	target_volume_clear(g);
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
	g->state.hard_ceiling_db = dg_policy_hard_ceiling(hard_ceiling_db);
	g->state.hard_table = impl->hard_table;
	/* the output is not known yet: the lowest of the hard table, fail-safe */
	g->state.ceiling_db = dg_policy_clamp(ceiling_db, dg_policy_hard_for(&g->state));
	dg_ceiling_table_format(&g->state.hard_table, g->hard_json, sizeof(g->hard_json));
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

	/* the nodes own their properties from here, made or not */
	res = guard_nodes_new(g, sink_props, dsp_props);
	sink_props = dsp_props = NULL;
	if (res < 0)
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
