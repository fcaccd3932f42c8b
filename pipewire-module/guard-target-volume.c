/* SPDX-License-Identifier: MIT */
/* dacguard module: the target sink's own volume. It applies after the guard, so above
 * 1.0 it would lift what the guard let through above the ceiling (a desktop slider
 * past 100%, pactl, wpctl, a session manager restoring a stored volume). Each guard
 * watches its target's Props and keeps that gain at unity at most
 * (libpw/sink-volume.h: the converter's own limit where PipeWire has one, else each
 * volume put back). */
#include <errno.h>

#include <spa/param/props.h>
#include <spa/pod/builder.h>
#include <spa/utils/result.h>
#include <spa/utils/string.h>

#include "dacguard-module.h"
#include "sink-volume.h"

#define PW_LOG_TOPIC_DEFAULT dg_mod_topic

static void target_param(void *data, int seq, uint32_t id, uint32_t index, uint32_t next,
			 const struct spa_pod *param)
{
	struct guard *g = data;
	struct dg_sink_volume v;
	uint8_t buf[1024];
	struct spa_pod_builder b = SPA_POD_BUILDER_INIT(buf, sizeof(buf));
	const struct spa_pod *fix;
	int res;

	if (id != SPA_PARAM_Props || param == NULL || g->target_proxy == NULL ||
	    dg_sink_volume_read(param, &v) < 0)
		return;
	if ((fix = dg_sink_volume_fix(&v, &b)) == NULL)
		return;
	if (v.has_max_volume)
		pw_log_info("%s: %s: channelmix.max-volume %.2f: set to 1.0, so that its volume "
			    "never lifts the guard's output", g->node_name, g->target_name,
			    v.max_volume);
	else
		pw_log_warn("%s: %s: volume gain %.2f after the guard: put back to 1.0",
			    g->node_name, g->target_name, dg_sink_volume_gain(&v));
	res = pw_node_set_param((struct pw_node *)g->target_proxy, SPA_PARAM_Props, 0, fix);
	if (res < 0)
		pw_log_error("%s: %s: can't set Props: %s", g->node_name, g->target_name,
			     spa_strerror(res));
	else
		g->target_fixes++;
}

/* the registry shows a node's chosen few properties: the mark is in its info */
static void target_info(void *data, const struct pw_node_info *info)
{
	struct guard *g = data;

	if (!(info->change_mask & PW_NODE_CHANGE_MASK_PROPS) || info->props == NULL)
		return;
	target_hold_seen(g, info->props);
	target_hold_update(g);
}

static const struct pw_node_events target_events = {
	PW_VERSION_NODE_EVENTS,
	.info = target_info,
	.param = target_param,
};

void target_volume_clear(struct guard *g)
{
	if (g->target_proxy == NULL)
		return;
	spa_hook_remove(&g->target_listener);
	pw_proxy_destroy(g->target_proxy);
	g->target_proxy = NULL;
	g->target_id = 0;
	g->target_hold = false;
	g->target_open = false;
}

void target_volume_global(struct impl *impl, uint32_t id, const char *type,
			  const struct spa_dict *props)
{
	uint32_t ids[] = {SPA_PARAM_Props};
	const char *name;
	struct guard *g;

	if (props == NULL || !spa_streq(type, PW_TYPE_INTERFACE_Node) ||
	    (name = spa_dict_lookup(props, PW_KEY_NODE_NAME)) == NULL)
		return;
	spa_list_for_each(g, &impl->guards, link) {
		if (g->zombie || !spa_streq(g->target_name, name))
			continue;
		/* the sink made again under the same name: watch the new one */
		target_volume_clear(g);
		g->target_proxy = pw_registry_bind(impl->registry, id, type, PW_VERSION_NODE, 0);
		if (g->target_proxy == NULL) {
			pw_log_error("%s: can't bind %s: %s", g->node_name, name,
				     spa_strerror(-errno));
			continue;
		}
		g->target_id = id;
		pw_node_add_listener((struct pw_node *)g->target_proxy, &g->target_listener,
				     &target_events, g);
		pw_node_subscribe_params((struct pw_node *)g->target_proxy, ids, 1);
	}
}

void target_volume_global_remove(struct impl *impl, uint32_t id)
{
	struct guard *g;

	spa_list_for_each(g, &impl->guards, link)
		if (g->target_proxy != NULL && g->target_id == id)
			target_volume_clear(g);
}
