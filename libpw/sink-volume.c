/* SPDX-License-Identifier: MIT */
#include "sink-volume.h"

#include <errno.h>
#include <string.h>

#include <spa/param/props.h>
#include <spa/pod/builder.h>
#include <spa/pod/iter.h>
#include <spa/utils/string.h>

#include "props-params.h"

/* the converter's limit; a hair over 1.0 is float noise, not gain */
#define UNITY 1.0f
#define UNITY_SLACK 1e-6f

static int read_param(void *data, const char *key, const struct spa_pod *value)
{
	struct dg_sink_volume *v = data;
	double d;

	if (spa_streq(key, "channelmix.max-volume") && dg_props_pod_number(value, &d) == 0) {
		v->has_max_volume = true;
		v->max_volume = (float)d;
	}
	return 0;
}

int dg_sink_volume_read(const struct spa_pod *props, struct dg_sink_volume *v)
{
	const struct spa_pod_object *obj = (const struct spa_pod_object *)props;
	const struct spa_pod_prop *prop;

	memset(v, 0, sizeof(*v));
	if (!spa_pod_is_object_type(props, SPA_TYPE_OBJECT_Props))
		return -EINVAL;
	SPA_POD_OBJECT_FOREACH(obj, prop) {
		switch (prop->key) {
		case SPA_PROP_volume:
			if (spa_pod_get_float(&prop->value, &v->volume) == 0)
				v->has_volume = true;
			break;
		case SPA_PROP_channelVolumes:
			v->n_channel = spa_pod_copy_array(&prop->value, SPA_TYPE_Float, v->channel,
							  DG_SINK_VOLUME_MAX_CHANNELS);
			break;
		case SPA_PROP_softVolumes:
			v->n_soft = spa_pod_copy_array(&prop->value, SPA_TYPE_Float, v->soft,
						       DG_SINK_VOLUME_MAX_CHANNELS);
			break;
		default:
			break;
		}
	}
	dg_props_params_foreach(props, read_param, v);
	return 0;
}

static float loudest(const float *vols, uint32_t n, float limit)
{
	float m = 0.0f;

	for (uint32_t i = 0; i < n; i++) {
		float x = vols[i] < limit ? vols[i] : limit;

		/* NaN reads as the limit: it cannot be trusted to be low */
		if (!(x <= limit))
			x = limit;
		if (x > m)
			m = x;
	}
	return m;
}

float dg_sink_volume_gain(const struct dg_sink_volume *v)
{
	float limit = v->has_max_volume ? v->max_volume : 1e30f;
	float volume = v->has_volume ? (v->volume < limit ? v->volume : limit) : UNITY;
	float ch = v->n_channel ? loudest(v->channel, v->n_channel, limit) : UNITY;
	float soft = v->n_soft ? loudest(v->soft, v->n_soft, limit) : 0.0f;

	if (!(volume <= limit))
		volume = limit;
	/* without a limit either set may be the one applied: the louder */
	if (!v->has_max_volume && soft > ch)
		ch = soft;
	return volume * ch;
}

static bool over(float x)
{
	return !(x <= UNITY + UNITY_SLACK);
}

static bool any_over(const float *vols, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		if (over(vols[i]))
			return true;
	return false;
}

static void put_clamped(struct spa_pod_builder *b, uint32_t key, const float *vols, uint32_t n)
{
	float out[DG_SINK_VOLUME_MAX_CHANNELS];

	for (uint32_t i = 0; i < n; i++)
		out[i] = over(vols[i]) ? UNITY : vols[i];
	spa_pod_builder_prop(b, key, 0);
	spa_pod_builder_array(b, sizeof(float), SPA_TYPE_Float, n, out);
}

struct spa_pod *dg_sink_volume_fix(const struct dg_sink_volume *v, struct spa_pod_builder *b)
{
	struct spa_pod_frame f[2];

	if (v->has_max_volume) {
		if (!over(v->max_volume))
			return NULL;
		spa_pod_builder_push_object(b, &f[0], SPA_TYPE_OBJECT_Props, SPA_PARAM_Props);
		spa_pod_builder_prop(b, SPA_PROP_params, 0);
		spa_pod_builder_push_struct(b, &f[1]);
		spa_pod_builder_string(b, "channelmix.max-volume");
		spa_pod_builder_float(b, UNITY);
		spa_pod_builder_pop(b, &f[1]);
		return spa_pod_builder_pop(b, &f[0]);
	}
	if (!(v->has_volume && over(v->volume)) && !any_over(v->channel, v->n_channel) &&
	    !any_over(v->soft, v->n_soft))
		return NULL;
	spa_pod_builder_push_object(b, &f[0], SPA_TYPE_OBJECT_Props, SPA_PARAM_Props);
	if (v->has_volume && over(v->volume)) {
		spa_pod_builder_prop(b, SPA_PROP_volume, 0);
		spa_pod_builder_float(b, UNITY);
	}
	/* only the set that is over: writing a set makes it the one the converter applies */
	if (any_over(v->channel, v->n_channel))
		put_clamped(b, SPA_PROP_channelVolumes, v->channel, v->n_channel);
	if (any_over(v->soft, v->n_soft))
		put_clamped(b, SPA_PROP_softVolumes, v->soft, v->n_soft);
	return spa_pod_builder_pop(b, &f[0]);
}

struct spa_pod *dg_sink_volume_master(struct spa_pod_builder *b, float volume)
{
	return spa_pod_builder_add_object(b, SPA_TYPE_OBJECT_Props, SPA_PARAM_Props,
					  SPA_PROP_volume, SPA_POD_Float(volume));
}
