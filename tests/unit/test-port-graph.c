/* SPDX-License-Identifier: MIT */
/* libpw/port-graph: who plays into a node, as the registry's globals show it. The
 * guard holds a marked DAC sink silent while anything but its DSP node does. */
#include <stdio.h>

#include <spa/utils/defs.h>
#include <spa/utils/dict.h>

#include <pipewire/pipewire.h>

#include "tests/dg-test.h"
#include "libpw/port-graph.h"

static void add_node(struct dg_port_graph *g, uint32_t id, const char *name)
{
	struct spa_dict_item items[] = {SPA_DICT_ITEM_INIT(PW_KEY_NODE_NAME, name)};

	DG_CHECK(dg_port_graph_global(g, id, PW_TYPE_INTERFACE_Node,
				      &SPA_DICT_INIT_ARRAY(items)));
}

static void add_port(struct dg_port_graph *g, uint32_t id, uint32_t node, const char *dir,
		     bool monitor)
{
	char node_id[16];
	struct spa_dict_item items[] = {
		SPA_DICT_ITEM_INIT(PW_KEY_NODE_ID, node_id),
		SPA_DICT_ITEM_INIT(PW_KEY_PORT_DIRECTION, dir),
		SPA_DICT_ITEM_INIT(PW_KEY_PORT_MONITOR, monitor ? "true" : "false"),
	};

	snprintf(node_id, sizeof(node_id), "%u", node);
	DG_CHECK(dg_port_graph_global(g, id, PW_TYPE_INTERFACE_Port,
				      &SPA_DICT_INIT_ARRAY(items)));
}

static void add_link(struct dg_port_graph *g, uint32_t id, uint32_t out, uint32_t in)
{
	char o[16], i[16];
	struct spa_dict_item items[] = {
		SPA_DICT_ITEM_INIT(PW_KEY_LINK_OUTPUT_PORT, o),
		SPA_DICT_ITEM_INIT(PW_KEY_LINK_INPUT_PORT, i),
	};

	snprintf(o, sizeof(o), "%u", out);
	snprintf(i, sizeof(i), "%u", in);
	DG_CHECK(dg_port_graph_global(g, id, PW_TYPE_INTERFACE_Link,
				      &SPA_DICT_INIT_ARRAY(items)));
}

int main(void)
{
	enum { DAC = 10, DAC_IN = 11, DAC_MON = 12, DSP = 20, DSP_OUT = 21, APP = 30,
	       APP_OUT = 31, REC = 40, REC_IN = 41 };
	struct dg_port_graph g;
	uint32_t who = 0;

	dg_port_graph_init(&g);
	add_node(&g, DAC, "alsa_output.usb-FiiO_K3-00.analog-stereo");
	add_port(&g, DAC_IN, DAC, "in", false);
	add_port(&g, DAC_MON, DAC, "out", true);
	add_node(&g, DSP, "dacguard.alsa_output.usb-FiiO_K3-00.analog-stereo.output");
	add_port(&g, DSP_OUT, DSP, "out", false);
	add_node(&g, APP, "app");
	add_port(&g, APP_OUT, APP, "out", false);
	add_node(&g, REC, "recorder");
	add_port(&g, REC_IN, REC, "in", false);

	/* nothing linked, then the guard's own link: nobody else */
	DG_CHECK(!dg_port_graph_fed_by_other(&g, DAC, DSP, &who));
	add_link(&g, 100, DSP_OUT, DAC_IN);
	DG_CHECK(!dg_port_graph_fed_by_other(&g, DAC, DSP, &who));
	/* a recorder of the DAC's monitor takes from it, it does not play into it */
	add_link(&g, 101, DAC_MON, REC_IN);
	DG_CHECK(!dg_port_graph_fed_by_other(&g, DAC, DSP, &who));
	/* an application linked to the DAC itself */
	add_link(&g, 102, APP_OUT, DAC_IN);
	DG_CHECK(dg_port_graph_fed_by_other(&g, DAC, DSP, &who));
	DG_CHECK_INT(who, APP);
	/* without a guard, even its DSP is another */
	DG_CHECK(dg_port_graph_fed_by_other(&g, DAC, SPA_ID_INVALID, &who));
	DG_CHECK(dg_port_graph_global_remove(&g, 102));
	DG_CHECK(!dg_port_graph_fed_by_other(&g, DAC, DSP, &who));
	/* a link whose output port is not known yet counts as another */
	add_link(&g, 103, 99, DAC_IN);
	DG_CHECK(dg_port_graph_fed_by_other(&g, DAC, DSP, &who));
	DG_CHECK_INT(who, SPA_ID_INVALID);
	DG_CHECK(dg_port_graph_global_remove(&g, 103));
	/* no such node */
	DG_CHECK(!dg_port_graph_fed_by_other(&g, SPA_ID_INVALID, DSP, NULL));
	dg_port_graph_clear(&g);
	return dg_test_done("test-port-graph");
}
