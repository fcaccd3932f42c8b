/* SPDX-License-Identifier: MIT */
/* dacguard module: the links of a guard, made by the module itself.
 *
 *   sink node's monitor ports -> DSP node's inputs -> DSP node's outputs -> target's inputs
 *
 * The session manager does not know the DSP node (it has no media.class), so nothing
 * else links it. Channels are paired by audio.channel, else in order. The module keeps
 * a copy of the graph (libpw/port-graph.h); every change runs links_reconcile(),
 * which makes whatever link is missing: when the target's ports are made again (a
 * session manager reconfiguring it, a DAC unplugged and plugged back), the links
 * follow. The links go with the guard, or with the module's connection. */
#include <pipewire/filter.h>

#include "dacguard-module.h"

void links_global(struct impl *impl, uint32_t id, const char *type, const struct spa_dict *props)
{
	if (dg_port_graph_global(&impl->graph, id, type, props))
		links_reconcile(impl);
}

void links_global_remove(struct impl *impl, uint32_t id)
{
	if (dg_port_graph_global_remove(&impl->graph, id))
		links_reconcile(impl);
}

static void guard_reconcile(struct guard *g)
{
	const struct dg_port_graph *graph = &g->impl->graph;
	const char *channels[MAX_CHANNELS];
	uint32_t sink, dsp, target;

	if (g->zombie || g->sink == NULL || g->filter == NULL)
		return;
	sink = pw_stream_get_node_id(g->sink);
	dsp = pw_filter_get_node_id(g->filter);
	target = dg_port_graph_node(graph, g->target_name);
	for (uint32_t c = 0; c < g->info.channels; c++)
		channels[c] = guard_channel_name(g, c);
	dg_link_set_channels(&g->links, graph, sink, DG_PORT_MONITOR, dsp, channels,
			     g->info.channels);
	dg_link_set_channels(&g->links, graph, dsp, DG_PORT_OUTPUT, target, channels,
			     g->info.channels);
}

void links_reconcile(struct impl *impl)
{
	struct guard *g;

	spa_list_for_each(g, &impl->guards, link) {
		guard_reconcile(g);
		target_hold_update(g);
	}
}
