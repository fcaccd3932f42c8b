/* SPDX-License-Identifier: MIT */
/* dacguard: the registry's nodes, ports and links, and links made by hand. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <spa/utils/result.h>
#include <spa/utils/string.h>

#include <pipewire/pipewire.h>

#include "port-graph.h"

struct graph_node {
	struct spa_list link;
	uint32_t id;
	char *name;
};

struct graph_link {
	struct spa_list link;
	uint32_t id;
	uint32_t out_port, in_port;
};

/* A link a dg_link_set asked for. */
struct made_link {
	struct spa_list link;
	struct dg_link_set *set;
	struct pw_proxy *proxy;
	struct spa_hook proxy_listener;
	uint32_t out_port, in_port;
};

void dg_port_graph_init(struct dg_port_graph *g)
{
	spa_list_init(&g->nodes);
	spa_list_init(&g->ports);
	spa_list_init(&g->links);
}

static uint32_t dict_id(const struct spa_dict *props, const char *key)
{
	const char *s = spa_dict_lookup(props, key);
	char *end;
	unsigned long v;

	if (s == NULL || *s == '\0')
		return SPA_ID_INVALID;
	v = strtoul(s, &end, 10);
	return (*end == '\0' && v < SPA_ID_INVALID) ? (uint32_t) v : SPA_ID_INVALID;
}

static bool add_node(struct dg_port_graph *g, uint32_t id, const struct spa_dict *props)
{
	const char *name = spa_dict_lookup(props, PW_KEY_NODE_NAME);
	struct graph_node *n;

	if (name == NULL || (n = calloc(1, sizeof(*n))) == NULL)
		return false;
	if ((n->name = strdup(name)) == NULL) {
		free(n);
		return false;
	}
	n->id = id;
	spa_list_append(&g->nodes, &n->link);
	return true;
}

static bool add_port(struct dg_port_graph *g, uint32_t id, const struct spa_dict *props)
{
	const char *dir = spa_dict_lookup(props, PW_KEY_PORT_DIRECTION);
	const char *channel = spa_dict_lookup(props, PW_KEY_AUDIO_CHANNEL);
	uint32_t node = dict_id(props, PW_KEY_NODE_ID);
	struct dg_graph_port *p;

	if (node == SPA_ID_INVALID || dir == NULL || (p = calloc(1, sizeof(*p))) == NULL)
		return false;
	p->id = id;
	p->node_id = node;
	if (spa_streq(dir, "in"))
		p->kind = DG_PORT_INPUT;
	else
		p->kind = spa_atob(spa_dict_lookup(props, PW_KEY_PORT_MONITOR)) ? DG_PORT_MONITOR
										: DG_PORT_OUTPUT;
	snprintf(p->channel, sizeof(p->channel), "%s", channel ? channel : "");
	spa_list_append(&g->ports, &p->link);
	return true;
}

static bool add_link(struct dg_port_graph *g, uint32_t id, const struct spa_dict *props)
{
	struct graph_link *l;

	if ((l = calloc(1, sizeof(*l))) == NULL)
		return false;
	l->id = id;
	l->out_port = dict_id(props, PW_KEY_LINK_OUTPUT_PORT);
	l->in_port = dict_id(props, PW_KEY_LINK_INPUT_PORT);
	spa_list_append(&g->links, &l->link);
	return true;
}

bool dg_port_graph_global(struct dg_port_graph *g, uint32_t id, const char *type,
			  const struct spa_dict *props)
{
	if (props == NULL)
		return false;
	if (spa_streq(type, PW_TYPE_INTERFACE_Node))
		return add_node(g, id, props);
	if (spa_streq(type, PW_TYPE_INTERFACE_Port))
		return add_port(g, id, props);
	if (spa_streq(type, PW_TYPE_INTERFACE_Link))
		return add_link(g, id, props);
	return false;
}

bool dg_port_graph_global_remove(struct dg_port_graph *g, uint32_t id)
{
	struct graph_node *n, *tn;
	struct dg_graph_port *p, *tp;
	struct graph_link *l, *tl;
	bool removed = false;

	spa_list_for_each_safe(n, tn, &g->nodes, link) if (n->id == id)
	{
		spa_list_remove(&n->link);
		free(n->name);
		free(n);
		removed = true;
	}
	spa_list_for_each_safe(p, tp, &g->ports, link) if (p->id == id)
	{
		spa_list_remove(&p->link);
		free(p);
		removed = true;
	}
	spa_list_for_each_safe(l, tl, &g->links, link) if (l->id == id)
	{
		spa_list_remove(&l->link);
		free(l);
		removed = true;
	}
	return removed;
}

void dg_port_graph_clear(struct dg_port_graph *g)
{
	struct graph_node *n;
	struct dg_graph_port *p;
	struct graph_link *l;

	spa_list_consume(n, &g->nodes, link)
	{
		spa_list_remove(&n->link);
		free(n->name);
		free(n);
	}
	spa_list_consume(p, &g->ports, link)
	{
		spa_list_remove(&p->link);
		free(p);
	}
	spa_list_consume(l, &g->links, link)
	{
		spa_list_remove(&l->link);
		free(l);
	}
}

uint32_t dg_port_graph_node(const struct dg_port_graph *g, const char *name)
{
	struct graph_node *n;
	uint32_t id = SPA_ID_INVALID;

	spa_list_for_each(n, &g->nodes, link) if (spa_streq(n->name, name)) id = n->id;
	return id;
}

static const struct dg_graph_port *port_by_id(const struct dg_port_graph *g, uint32_t id)
{
	struct dg_graph_port *p;

	spa_list_for_each(p, &g->ports, link) if (p->id == id) return p;
	return NULL;
}

bool dg_port_graph_fed_by_other(const struct dg_port_graph *g, uint32_t node, uint32_t except,
				uint32_t *who)
{
	const struct dg_graph_port *in, *out;
	struct graph_link *l;

	if (node == SPA_ID_INVALID)
		return false;
	spa_list_for_each(l, &g->links, link)
	{
		in = port_by_id(g, l->in_port);
		if (in == NULL || in->node_id != node || in->kind != DG_PORT_INPUT)
			continue;
		out = port_by_id(g, l->out_port);
		if (out != NULL && out->node_id == except)
			continue;
		if (who)
			*who = out ? out->node_id : SPA_ID_INVALID;
		return true;
	}
	return false;
}

const struct dg_graph_port *dg_port_graph_find(const struct dg_port_graph *g, uint32_t node,
					       enum dg_port_kind kind, const char *channel,
					       uint32_t index)
{
	struct dg_graph_port *p, *nth = NULL;
	uint32_t i = 0;

	if (node == SPA_ID_INVALID)
		return NULL;
	spa_list_for_each(p, &g->ports, link)
	{
		if (p->node_id != node || p->kind != kind)
			continue;
		if (channel != NULL && spa_streq(p->channel, channel))
			return p;
		if (i++ == index)
			nth = p;
	}
	return nth;
}

static bool graph_has_link(const struct dg_port_graph *g, uint32_t out_port, uint32_t in_port)
{
	struct graph_link *l;

	spa_list_for_each(l, &g->links, link) if (l->out_port == out_port &&
						   l->in_port == in_port) return true;
	return false;
}

/* ---- links made by hand ---- */

static void made_link_free(struct made_link *ml)
{
	spa_list_remove(&ml->link);
	if (ml->proxy) {
		spa_hook_remove(&ml->proxy_listener);
		pw_proxy_destroy(ml->proxy);
	}
	free(ml);
}

static void made_link_removed(void *data)
{
	/* the link is gone (a port or node went away): the next ensure makes it again */
	made_link_free(data);
}

static void made_link_error(void *data, int seq, int res, const char *message)
{
	struct made_link *ml = data;

	pw_log_warn("%s: link %u -> %u: %s", ml->set->name, ml->out_port, ml->in_port, message);
}

static const struct pw_proxy_events made_link_events = {
    PW_VERSION_PROXY_EVENTS,
    .removed = made_link_removed,
    .error = made_link_error,
};

void dg_link_set_init(struct dg_link_set *s, struct pw_core *core, bool passive,
		      const char *name)
{
	spa_list_init(&s->links);
	s->core = core;
	s->passive = passive;
	s->name = name;
}

static bool set_has_link(const struct dg_link_set *s, uint32_t out_port, uint32_t in_port)
{
	struct made_link *ml;

	spa_list_for_each(ml, &s->links, link) if (ml->out_port == out_port &&
						   ml->in_port == in_port) return true;
	return false;
}

void dg_link_set_ensure(struct dg_link_set *s, const struct dg_port_graph *g,
			const struct dg_graph_port *out, const struct dg_graph_port *in)
{
	struct pw_properties *props;
	struct made_link *ml;

	if (out == NULL || in == NULL || graph_has_link(g, out->id, in->id) ||
	    set_has_link(s, out->id, in->id))
		return;
	if ((ml = calloc(1, sizeof(*ml))) == NULL)
		return;
	props = pw_properties_new(PW_KEY_OBJECT_LINGER, "false", PW_KEY_LINK_PASSIVE,
				  s->passive ? "true" : "false", NULL);
	if (props == NULL) {
		free(ml);
		return;
	}
	pw_properties_setf(props, PW_KEY_LINK_OUTPUT_NODE, "%u", out->node_id);
	pw_properties_setf(props, PW_KEY_LINK_OUTPUT_PORT, "%u", out->id);
	pw_properties_setf(props, PW_KEY_LINK_INPUT_NODE, "%u", in->node_id);
	pw_properties_setf(props, PW_KEY_LINK_INPUT_PORT, "%u", in->id);
	ml->proxy = pw_core_create_object(s->core, "link-factory", PW_TYPE_INTERFACE_Link,
					  PW_VERSION_LINK, &props->dict, 0);
	pw_properties_free(props);
	if (ml->proxy == NULL) {
		pw_log_warn("%s: can't link %u -> %u: %s", s->name, out->id, in->id,
			    spa_strerror(-errno));
		free(ml);
		return;
	}
	ml->set = s;
	ml->out_port = out->id;
	ml->in_port = in->id;
	pw_proxy_add_listener(ml->proxy, &ml->proxy_listener, &made_link_events, ml);
	spa_list_append(&s->links, &ml->link);
	pw_log_debug("%s: linking port %u -> %u", s->name, out->id, in->id);
}

void dg_link_set_channels(struct dg_link_set *s, const struct dg_port_graph *g, uint32_t from,
			  enum dg_port_kind kind, uint32_t to, const char *const *channels,
			  uint32_t n_channels)
{
	if (from == SPA_ID_INVALID || to == SPA_ID_INVALID)
		return;
	for (uint32_t c = 0; c < n_channels; c++)
		dg_link_set_ensure(s, g, dg_port_graph_find(g, from, kind, channels[c], c),
				   dg_port_graph_find(g, to, DG_PORT_INPUT, channels[c], c));
}

bool dg_link_set_complete(const struct dg_link_set *s, const struct dg_port_graph *g)
{
	struct made_link *ml;

	if (spa_list_is_empty(&s->links))
		return false;
	spa_list_for_each(ml, &s->links, link) if (!graph_has_link(g, ml->out_port,
								    ml->in_port)) return false;
	return true;
}

void dg_link_set_clear(struct dg_link_set *s)
{
	struct made_link *ml;

	spa_list_consume(ml, &s->links, link) made_link_free(ml);
}
