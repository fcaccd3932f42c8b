/* SPDX-License-Identifier: MIT */
/* dacguard module: a DAC sink held silent until it is guarded. A sink is made before
 * its guard can be (the guard needs the sink), and a session manager links a stream
 * that is already playing to the new sink at once: a DAC plugged in, or back, would
 * play it unguarded at full scale until the guard is there. dacguard's session manager
 * rules (conf/wireplumber/) make every USB DAC sink with its converter's volume at 0
 * (node.param.Props) and mark it dacguard.hold-until-guarded. Its guard sets that
 * volume to 1.0 once the DSP node plays into the sink and nothing else does, and back
 * to 0 while anything else does (a stream linked to the sink by hand, or moved there by
 * the session manager). Only the sink's master volume is used: desktop sliders, pactl
 * and restored route volumes set its channel volumes, which stay the user's. */
#include <spa/pod/builder.h>
#include <spa/utils/result.h>
#include <spa/utils/string.h>

#include "dacguard-module.h"
#include "sink-volume.h"

#define PW_LOG_TOPIC_DEFAULT dg_mod_topic

void target_hold_seen(struct guard *g, const struct spa_dict *props)
{
	g->target_hold = spa_atob(spa_dict_lookup(props, DG_SINK_HOLD_PROP));
}

static void set_volume(struct guard *g, float volume)
{
	uint8_t buf[256];
	struct spa_pod_builder b = SPA_POD_BUILDER_INIT(buf, sizeof(buf));
	const struct spa_pod *pod;
	int res;

	pod = dg_sink_volume_master(&b, volume);
	res = pw_node_set_param((struct pw_node *)g->target_proxy, SPA_PARAM_Props, 0, pod);
	if (res < 0)
		pw_log_error("%s: %s: can't set its volume: %s", g->node_name, g->target_name,
			     spa_strerror(res));
}

void target_hold_update(struct guard *g)
{
	const struct dg_port_graph *graph = &g->impl->graph;
	uint32_t dsp, who = SPA_ID_INVALID;
	bool other, guarded;

	if (!g->target_hold || g->target_proxy == NULL || g->zombie || g->filter == NULL)
		return;
	dsp = pw_filter_get_node_id(g->filter);
	other = dg_port_graph_fed_by_other(graph, g->target_id, dsp, &who);
	/* the DSP's links into the sink are all there */
	guarded = dsp != SPA_ID_INVALID &&
		  dg_port_graph_find(graph, g->target_id, DG_PORT_INPUT, NULL, 0) != NULL &&
		  dg_link_set_complete(&g->links, graph);
	if (!g->target_open && guarded && !other) {
		pw_log_info("%s: %s: guarded, nothing else plays into it: its volume to 1.0",
			    g->node_name, g->target_name);
		set_volume(g, 1.0f);
		g->target_open = true;
	} else if (g->target_open && other) {
		pw_log_warn("%s: %s: node %d plays into it around the guard: held silent "
			    "while it does", g->node_name, g->target_name,
			    who == SPA_ID_INVALID ? -1 : (int)who);
		set_volume(g, 0.0f);
		g->target_open = false;
	}
}
