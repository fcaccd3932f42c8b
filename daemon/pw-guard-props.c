/* SPDX-License-Identifier: MIT */
/* dacguardd: a guard's Props. What the decision says is written as pw-cli set-param
 * would; a client's write of dacguard.output goes to the policy through the daemon;
 * a ceiling raised above the decision is put back. */
#include <math.h>
#include <stdio.h>

#include <spa/param/props.h>
#include <spa/pod/builder.h>
#include <spa/pod/iter.h>
#include <spa/utils/result.h>

#include "props-params.h"

#include "pw-state.h"

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
		dg_info("pw: %s: output set to '%s' by a client: mode switch", g->name, p.output);
		/* the policy decides again with it and the decision comes back to us */
		g->written = false;
		if (a->opts.user_output == NULL ||
		    a->opts.user_output(a->opts.user_data, c->syspath, p.output) < 0)
			write_guard(a, c, g);
	} else if (p.ceiling > g->written_ceiling + CEILING_EPSILON_DB) {
		dg_info("pw: %s: ceiling raised to %.2f dB by a client, above the decision: put back",
		    g->name, p.ceiling);
		g->written = false;
		write_guard(a, c, g);
	}
}

const struct pw_node_events guard_events = {
	PW_VERSION_NODE_EVENTS,
	.info = node_info,
	.param = guard_param,
};

/* What the decision says, as the guard's Props. The table is the decision's ceiling
 * per output (dacguard.output-ceilings), so that the guard itself applies an output's
 * ceiling in the write that switches to it (a pw-cli user's included), before the
 * policy hears of it. */
void card_want(const struct card *c, struct want *w)
{
	const struct dg_decision *d = &c->decision;

	w->ceiling_db = dg_policy_clamp(d->ceiling_db, c->hard_ceiling_db);
	snprintf(w->output, sizeof(w->output), "%s", d->output[0] ? d->output : "unknown");
	w->mode = dg_mode_to_string(d->mode.mode);
	snprintf(w->headphone, sizeof(w->headphone), "%s", d->headphone);
	dg_ceiling_table_format(&d->table, w->table, sizeof(w->table));
	dg_ceiling_table_format(&d->hard_table, w->hard_table, sizeof(w->hard_table));
	snprintf(w->reported, sizeof(w->reported), "%s", d->reported_output);
}

/* Props as pw-cli set-param sends them: a Props object holding SPA_PROP_params. */
void write_guard(struct dg_pw_apply *a, struct card *c, struct obj *g)
{
	uint8_t buf[4096];
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
	    spa_streq(w.headphone, g->written_headphone) && spa_streq(w.table, g->written_table) &&
	    spa_streq(w.hard_table, g->written_hard) && spa_streq(w.reported, g->written_reported))
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
	/* the guard only ever lowers its hard limits with it: a guard a server rule made
	 * gets them here, a host's has them from its arguments */
	spa_pod_builder_string(&b, "dacguard.hard-ceilings");
	spa_pod_builder_string(&b, w.hard_table);
	spa_pod_builder_string(&b, "dacguard.output-reported");
	spa_pod_builder_string(&b, w.reported);
	spa_pod_builder_pop(&b, &f[1]);
	pod = spa_pod_builder_pop(&b, &f[0]);
	if (pod == NULL)
		return;

	res = pw_node_set_param((struct pw_node *)g->proxy, SPA_PARAM_Props, 0, pod);
	if (res < 0) {
		dg_error("%s: set Props: %s", g->name, spa_strerror(res));
		return;
	}
	g->written = true;
	g->written_ceiling = (float)w.ceiling_db;
	snprintf(g->written_output, sizeof(g->written_output), "%s", w.output);
	snprintf(g->written_mode, sizeof(g->written_mode), "%s", w.mode);
	snprintf(g->written_headphone, sizeof(g->written_headphone), "%s", w.headphone);
	snprintf(g->written_table, sizeof(g->written_table), "%s", w.table);
	snprintf(g->written_hard, sizeof(g->written_hard), "%s", w.hard_table);
	snprintf(g->written_reported, sizeof(g->written_reported), "%s", w.reported);
	g->pending_until = now_ms() + PENDING_MS;
	dg_info("pw: %s (id %u): ceiling %.2f dB output %s (reported %s) mode %s headphone %s "
		"table %s hard %s (card%d)",
	    g->name, g->id, w.ceiling_db, w.output, w.reported[0] ? w.reported : "-", w.mode,
	    w.headphone[0] ? w.headphone : "-", w.table, w.hard_table, c->number);
}
