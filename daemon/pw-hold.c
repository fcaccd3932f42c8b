/* SPDX-License-Identifier: MIT */
/* dacguardd: a DAC sink held silent again when its guard goes and the sink stays (a
 * guard host that crashed or was killed). The guard had opened the sink (volume 1.0,
 * pipewire-module/guard-target-hold.c); without it the session manager moves or links
 * streams there until the next guard is made. Only a sink made held (the
 * dacguard.hold-until-guarded mark of conf/wireplumber/) is touched: the next guard
 * opens it again. */
#include <string.h>

#include <spa/pod/builder.h>
#include <spa/utils/result.h>

#include "sink-volume.h"

#include "pw-state.h"

void sink_hold_again(struct dg_pw_apply *a, const struct obj *guard)
{
	const char *target = obj_prop(guard, "dacguard.target");
	uint8_t buf[256];
	struct spa_pod_builder b = SPA_POD_BUILDER_INIT(buf, sizeof(buf));
	const struct spa_pod *pod;
	struct obj *s;
	int res;

	if (target == NULL && spa_strstartswith(guard->name, GUARD_PREFIX))
		target = guard->name + strlen(GUARD_PREFIX);
	if (target == NULL || (s = find_node(a, OBJ_SINK, target)) == NULL || s->proxy == NULL ||
	    !spa_atob(obj_prop(s, DG_SINK_HOLD_PROP)))
		return;
	pod = dg_sink_volume_master(&b, 0.0f);
	res = pw_node_set_param((struct pw_node *)s->proxy, SPA_PARAM_Props, 0, pod);
	if (res < 0)
		dg_error("pw: %s: can't hold it silent: %s", target, spa_strerror(res));
	else
		dg_info("pw: %s: its guard is gone: held silent until the next one opens it",
			target);
}
