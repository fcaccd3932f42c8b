/* SPDX-License-Identifier: MIT */
/* dacguard module: the links of a guard, made by the module itself.
 *
 *   sink node's monitor ports -> DSP node's inputs -> DSP node's outputs -> target's inputs
 *
 * The session manager does not know the DSP node (it has no media.class), so nothing
 * else links it. Channels are paired by audio.channel, else in order. The registry
 * keeps a copy of the graph (nodes by name, ports, links); every change runs
 * links_reconcile(), which makes whatever link is missing: when the target's ports are
 * made again (a session manager reconfiguring it, a DAC unplugged and plugged back),
 * the links follow. Links are not left behind (object.linger = false): they go with
 * the guard, or with the module's connection. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <spa/utils/result.h>
#include <spa/utils/string.h>

#include <pipewire/filter.h>

#include "dacguard-module.h"

#define PW_LOG_TOPIC_DEFAULT dg_mod_topic

/* A link this module asked for. */
struct guard_link {
	struct spa_list link;
	struct guard *guard;
	struct pw_proxy *proxy;
	struct spa_hook proxy_listener;
	uint32_t out_port, in_port;
};

/* ---- the graph as the registry shows it ---- */

static uint32_t dict_uint(const struct spa_dict *props, const char *key)
{
	const char *s = spa_dict_lookup(props, key);
	char *end;
	unsigned long v;

	if (s == NULL)
		return SPA_ID_INVALID;
	v = strtoul(s, &end, 10);
	return (*s && *end == '\0' && v < SPA_ID_INVALID) ? (uint32_t) v : SPA_ID_INVALID;
}

static void add_node(struct impl *impl, uint32_t id, const struct spa_dict *props)
{
	const char *name = spa_dict_lookup(props, PW_KEY_NODE_NAME);
	struct graph_node *n;

	if (name == NULL || (n = calloc(1, sizeof(*n))) == NULL)
		return;
	if ((n->name = strdup(name)) == NULL) {
		free(n);
		return;
	}
	n->id = id;
	spa_list_append(&impl->nodes, &n->link);
}

static void add_port(struct impl *impl, uint32_t id, const struct spa_dict *props)
{
	const char *dir = spa_dict_lookup(props, PW_KEY_PORT_DIRECTION);
	const char *channel = spa_dict_lookup(props, PW_KEY_AUDIO_CHANNEL);
	struct graph_port *p;
	uint32_t node_id = dict_uint(props, PW_KEY_NODE_ID);

	if (node_id == SPA_ID_INVALID || dir == NULL || (p = calloc(1, sizeof(*p))) == NULL)
		return;
	p->id = id;
	p->node_id = node_id;
	p->direction = spa_streq(dir, "in") ? SPA_DIRECTION_INPUT : SPA_DIRECTION_OUTPUT;
	p->monitor = spa_atob(spa_dict_lookup(props, PW_KEY_PORT_MONITOR));
	snprintf(p->channel, sizeof(p->channel), "%s", channel ? channel : "");
	spa_list_append(&impl->ports, &p->link);
}

static void add_link(struct impl *impl, uint32_t id, const struct spa_dict *props)
{
	struct graph_link *l;

	if ((l = calloc(1, sizeof(*l))) == NULL)
		return;
	l->id = id;
	l->out_port = dict_uint(props, PW_KEY_LINK_OUTPUT_PORT);
	l->in_port = dict_uint(props, PW_KEY_LINK_INPUT_PORT);
	spa_list_append(&impl->graph_links, &l->link);
}

void links_global(struct impl *impl, uint32_t id, const char *type, const struct spa_dict *props)
{
	if (props == NULL)
		return;
	if (spa_streq(type, PW_TYPE_INTERFACE_Node))
		add_node(impl, id, props);
	else if (spa_streq(type, PW_TYPE_INTERFACE_Port))
		add_port(impl, id, props);
	else if (spa_streq(type, PW_TYPE_INTERFACE_Link))
		add_link(impl, id, props);
	else
		return;
	links_reconcile(impl);
}

void links_global_remove(struct impl *impl, uint32_t id)
{
	struct graph_node *n, *tn;
	struct graph_port *p, *tp;
	struct graph_link *l, *tl;
	bool removed = false;

	spa_list_for_each_safe(n, tn, &impl->nodes, link) if (n->id == id)
	{
		spa_list_remove(&n->link);
		free(n->name);
		free(n);
		removed = true;
	}
	spa_list_for_each_safe(p, tp, &impl->ports, link) if (p->id == id)
	{
		spa_list_remove(&p->link);
		free(p);
		removed = true;
	}
	spa_list_for_each_safe(l, tl, &impl->graph_links, link) if (l->id == id)
	{
		spa_list_remove(&l->link);
		free(l);
		removed = true;
	}
	if (removed)
		links_reconcile(impl);
}

/* The node named name; the newest of several (a target replaced by a new one). */
static uint32_t node_by_name(struct impl *impl, const char *name)
{
	struct graph_node *n;
	uint32_t id = SPA_ID_INVALID;

	spa_list_for_each(n, &impl->nodes, link) if (spa_streq(n->name, name)) id = n->id;
	return id;
}

/* The port of node with that direction and channel (monitor ports only when monitor);
 * without a port of that channel, the index-th such port in the registry's order. */
static struct graph_port *find_port(struct impl *impl, uint32_t node, enum spa_direction dir,
				    bool monitor, const char *channel, uint32_t index)
{
	struct graph_port *p, *nth = NULL;
	uint32_t i = 0;

	if (node == SPA_ID_INVALID)
		return NULL;
	spa_list_for_each(p, &impl->ports, link)
	{
		if (p->node_id != node || p->direction != dir || p->monitor != monitor)
			continue;
		if (spa_streq(p->channel, channel))
			return p;
		if (i++ == index)
			nth = p;
	}
	return nth;
}

static bool graph_has_link(struct impl *impl, uint32_t out_port, uint32_t in_port)
{
	struct graph_link *l;

	spa_list_for_each(l, &impl->graph_links, link) if (l->out_port == out_port &&
							    l->in_port == in_port) return true;
	return false;
}

/* ---- the links we make ---- */

static void guard_link_free(struct guard_link *gl)
{
	spa_list_remove(&gl->link);
	if (gl->proxy) {
		spa_hook_remove(&gl->proxy_listener);
		pw_proxy_destroy(gl->proxy);
	}
	free(gl);
}

static void link_proxy_removed(void *data)
{
	struct guard_link *gl = data;

	/* the link is gone (a port or node went away): reconcile makes it again */
	guard_link_free(gl);
}

static void link_proxy_error(void *data, int seq, int res, const char *message)
{
	struct guard_link *gl = data;

	pw_log_warn("%s: link %u -> %u: %s", gl->guard->node_name, gl->out_port, gl->in_port,
		    message);
}

static const struct pw_proxy_events link_proxy_events = {
    PW_VERSION_PROXY_EVENTS,
    .removed = link_proxy_removed,
    .error = link_proxy_error,
};

static bool guard_has_link(struct guard *g, uint32_t out_port, uint32_t in_port)
{
	struct guard_link *gl;

	spa_list_for_each(gl, &g->links, link) if (gl->out_port == out_port &&
						   gl->in_port == in_port) return true;
	return false;
}

static void ensure_link(struct guard *g, const struct graph_port *out, const struct graph_port *in)
{
	struct impl *impl = g->impl;
	struct pw_properties *props;
	struct guard_link *gl;

	if (out == NULL || in == NULL || graph_has_link(impl, out->id, in->id) ||
	    guard_has_link(g, out->id, in->id))
		return;
	if ((gl = calloc(1, sizeof(*gl))) == NULL)
		return;
	/* passive: the guard's own links never keep the DAC running (see guard.c) */
	props = pw_properties_new(PW_KEY_OBJECT_LINGER, "false", PW_KEY_LINK_PASSIVE, "true",
				  NULL);
	if (props == NULL) {
		free(gl);
		return;
	}
	pw_properties_setf(props, PW_KEY_LINK_OUTPUT_NODE, "%u", out->node_id);
	pw_properties_setf(props, PW_KEY_LINK_OUTPUT_PORT, "%u", out->id);
	pw_properties_setf(props, PW_KEY_LINK_INPUT_NODE, "%u", in->node_id);
	pw_properties_setf(props, PW_KEY_LINK_INPUT_PORT, "%u", in->id);
	gl->proxy = pw_core_create_object(impl->core, "link-factory", PW_TYPE_INTERFACE_Link,
					  PW_VERSION_LINK, &props->dict, 0);
	pw_properties_free(props);
	if (gl->proxy == NULL) {
		pw_log_warn("%s: can't link %u -> %u: %s", g->node_name, out->id, in->id,
			    spa_strerror(-errno));
		free(gl);
		return;
	}
	gl->guard = g;
	gl->out_port = out->id;
	gl->in_port = in->id;
	pw_proxy_add_listener(gl->proxy, &gl->proxy_listener, &link_proxy_events, gl);
	spa_list_append(&g->links, &gl->link);
	pw_log_debug("%s: linking port %u -> %u", g->node_name, out->id, in->id);
}

static void guard_reconcile(struct guard *g)
{
	struct impl *impl = g->impl;
	uint32_t sink, dsp, target;

	if (g->zombie || g->sink == NULL || g->filter == NULL)
		return;
	sink = pw_stream_get_node_id(g->sink);
	dsp = pw_filter_get_node_id(g->filter);
	target = node_by_name(impl, g->target_name);
	if (sink == SPA_ID_INVALID || dsp == SPA_ID_INVALID)
		return;
	for (uint32_t c = 0; c < g->info.channels; c++) {
		const char *channel = guard_channel_name(g, c);
		const struct graph_port *dsp_in, *dsp_out;

		dsp_in = find_port(impl, dsp, SPA_DIRECTION_INPUT, false, channel, c);
		dsp_out = find_port(impl, dsp, SPA_DIRECTION_OUTPUT, false, channel, c);
		ensure_link(g, find_port(impl, sink, SPA_DIRECTION_OUTPUT, true, channel, c),
			    dsp_in);
		ensure_link(g, dsp_out,
			    find_port(impl, target, SPA_DIRECTION_INPUT, false, channel, c));
	}
}

void links_reconcile(struct impl *impl)
{
	struct guard *g;

	spa_list_for_each(g, &impl->guards, link) guard_reconcile(g);
}

void links_guard_free(struct guard *g)
{
	struct guard_link *gl;

	spa_list_consume(gl, &g->links, link) guard_link_free(gl);
}

void links_clear(struct impl *impl)
{
	struct graph_node *n;
	struct graph_port *p;
	struct graph_link *l;

	spa_list_consume(n, &impl->nodes, link)
	{
		spa_list_remove(&n->link);
		free(n->name);
		free(n);
	}
	spa_list_consume(p, &impl->ports, link)
	{
		spa_list_remove(&p->link);
		free(p);
	}
	spa_list_consume(l, &impl->graph_links, link)
	{
		spa_list_remove(&l->link);
		free(l);
	}
}
