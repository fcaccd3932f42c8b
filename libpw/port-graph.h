/* SPDX-License-Identifier: MIT */
/* dacguard's PipeWire-side helpers: a copy of the graph's nodes, ports and links as a
 * registry shows them, and links made by hand between ports of the same audio.channel.
 *
 * Used where the session manager must not pick the peer: the guard's own links
 * (a sink's monitor -> the DSP node -> the DAC) and a capture of what reached a sink
 * (WirePlumber 0.5 routes a capture of a sink that has a smart filter through the
 * filter). Main thread only. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <spa/utils/dict.h>
#include <spa/utils/hook.h>
#include <spa/utils/list.h>

struct pw_core;
struct pw_proxy;

enum dg_port_kind {
	DG_PORT_INPUT,
	DG_PORT_OUTPUT,  /* an output that is not a monitor */
	DG_PORT_MONITOR, /* a sink's monitor output */
};

struct dg_graph_port {
	struct spa_list link;
	uint32_t id;
	uint32_t node_id;
	enum dg_port_kind kind;
	char channel[16]; /* audio.channel, "" when none */
};

struct dg_port_graph {
	struct spa_list nodes;
	struct spa_list ports;
	struct spa_list links;
};

void dg_port_graph_init(struct dg_port_graph *g);
void dg_port_graph_clear(struct dg_port_graph *g);

/* Registry events; they return true when a node, port or link was added or removed. */
bool dg_port_graph_global(struct dg_port_graph *g, uint32_t id, const char *type,
			  const struct spa_dict *props);
bool dg_port_graph_global_remove(struct dg_port_graph *g, uint32_t id);

/* The node named name; the newest of several (a sink replaced by a new one). */
uint32_t dg_port_graph_node(const struct dg_port_graph *g, const char *name);

/* node's port of kind with that channel; without one, the index-th port of the kind in
 * the registry's order; NULL when there is none. */
const struct dg_graph_port *dg_port_graph_find(const struct dg_port_graph *g, uint32_t node,
					       enum dg_port_kind kind, const char *channel,
					       uint32_t index);

/* Another node playing into node: true when a link enters one of node's input ports
 * from a node other than except (*who: that node, SPA_ID_INVALID when the link's
 * output port is not known yet, which counts as another). */
bool dg_port_graph_fed_by_other(const struct dg_port_graph *g, uint32_t node, uint32_t except,
				uint32_t *who);

/* Links one owner made (pw_core_create_object on link-factory, not lingering: they go
 * with the owner's connection). A link the graph already has is not made twice; one
 * that goes away is forgotten, to be made again by the next ensure. */
struct dg_link_set {
	struct spa_list links;
	struct pw_core *core;
	bool passive;     /* link.passive (PipeWire 0.3 honours it; 1.x decides by the nodes) */
	const char *name; /* for log messages */
};

void dg_link_set_init(struct dg_link_set *s, struct pw_core *core, bool passive,
		      const char *name);
/* Makes out -> in unless it exists or is pending; NULLs are ignored. */
void dg_link_set_ensure(struct dg_link_set *s, const struct dg_port_graph *g,
			const struct dg_graph_port *out, const struct dg_graph_port *in);
/* Links every port of from's kind to the input of the same channel of to, in order
 * where channels do not match; up to channels ports. */
void dg_link_set_channels(struct dg_link_set *s, const struct dg_port_graph *g, uint32_t from,
			  enum dg_port_kind kind, uint32_t to, const char *const *channels,
			  uint32_t n_channels);
/* Whether every link asked for so far exists in the graph. */
bool dg_link_set_complete(const struct dg_link_set *s, const struct dg_port_graph *g);
void dg_link_set_clear(struct dg_link_set *s);
