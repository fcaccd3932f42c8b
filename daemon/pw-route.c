/* SPDX-License-Identifier: MIT */
/* dacguardd: routing through the guard where the session manager does not (WirePlumber
 * 0.4): the default sink becomes the guard, and streams bound for the raw sink are
 * moved to it. */
#include <inttypes.h>
#include <stdio.h>

#include "pw-state.h"

void route(struct dg_pw_apply *a, struct obj *sink, struct obj *g)
{
	char value[64];
	struct obj *st, *l;

	if (a->md == NULL)
		return;
	if (spa_streq(a->configured_sink, sink->name) ||
	    (!a->configured_sink[0] && spa_streq(a->default_sink, sink->name))) {
		char json[SINK_NAME_MAX + 32];

		snprintf(json, sizeof(json), "{ \"name\": \"%s\" }", g->name);
		pw_metadata_set_property(a->md, PW_ID_CORE, "default.configured.audio.sink",
					 "Spa:String:JSON", json);
		/* until the metadata says otherwise */
		snprintf(a->configured_sink, sizeof(a->configured_sink), "%s", g->name);
		dg_info("pw: default sink %s -> %s", sink->name, g->name);
	}
	if (g->serial == 0)
		return;
	snprintf(value, sizeof(value), "%" PRIu64, g->serial);
	spa_list_for_each(st, &a->objs, link) {
		const char *target;
		char id_str[16];
		bool to_sink;

		if (st->kind != OBJ_STREAM || st->props == NULL || st->moved_to == g->serial)
			continue;
		snprintf(id_str, sizeof(id_str), "%u", sink->id);
		target = obj_prop(st, PW_KEY_TARGET_OBJECT);
		if (target == NULL)
			target = obj_prop(st, "node.target"); /* before 0.3.64 */
		to_sink = target && (spa_streq(target, sink->name) || spa_streq(target, id_str));
		if (!to_sink && sink->serial) {
			char serial_str[32];

			snprintf(serial_str, sizeof(serial_str), "%" PRIu64, sink->serial);
			to_sink = spa_streq(target, serial_str);
		}
		spa_list_for_each(l, &a->objs, link)
			if (!to_sink && l->kind == OBJ_LINK && l->link_out == st->id &&
			    l->link_in == sink->id)
				to_sink = true;
		if (!to_sink)
			continue;
		pw_metadata_set_property(a->md, st->id, "target.object", "Spa:Id", value);
		st->moved_to = g->serial;
		dg_info("pw: stream %s (id %u) moved from %s to %s", st->name, st->id, sink->name, g->name);
	}
}
