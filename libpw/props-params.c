/* SPDX-License-Identifier: MIT */
#include <errno.h>

#include <spa/param/props.h>
#include <spa/pod/iter.h>
#include <spa/pod/parser.h>

#include "props-params.h"

int dg_props_params_foreach(const struct spa_pod *param, dg_props_param_fn fn, void *data)
{
	const struct spa_pod_object *obj = (const struct spa_pod_object *) param;
	const struct spa_pod_prop *prop;
	int n = 0, res;

	if (param == NULL || !spa_pod_is_object_type(param, SPA_TYPE_OBJECT_Props))
		return 0;
	SPA_POD_OBJECT_FOREACH(obj, prop)
	{
		struct spa_pod_parser prs;
		struct spa_pod_frame f;

		if (prop->key != SPA_PROP_params)
			continue;
		spa_pod_parser_pod(&prs, &prop->value);
		if (spa_pod_parser_push_struct(&prs, &f) < 0)
			continue;
		for (;;) {
			const char *key;
			struct spa_pod *value;

			if (spa_pod_parser_get_string(&prs, &key) < 0 ||
			    spa_pod_parser_get_pod(&prs, &value) < 0)
				break;
			n++;
			if ((res = fn(data, key, value)) != 0)
				return res < 0 ? res : n;
		}
	}
	return n;
}

int dg_props_pod_number(const struct spa_pod *pod, double *v)
{
	float f;
	double d;
	int32_t i;
	int64_t l;

	if (spa_pod_get_float(pod, &f) >= 0)
		*v = f;
	else if (spa_pod_get_double(pod, &d) >= 0)
		*v = d;
	else if (spa_pod_get_int(pod, &i) >= 0)
		*v = i;
	else if (spa_pod_get_long(pod, &l) >= 0)
		*v = (double) l;
	else
		return -EINVAL;
	return 0;
}
