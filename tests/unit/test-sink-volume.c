/* SPDX-License-Identifier: MIT */
/* libpw/sink-volume: the DAC sink's Props as its converter publishes them, and the write
 * that keeps its gain at unity at most, with and without the converter's limit. */
#include <math.h>
#include <string.h>

#include <spa/param/props.h>
#include <spa/pod/builder.h>
#include <spa/pod/iter.h>

#include "tests/dg-test.h"
#include "libpw/sink-volume.h"

/* A converter's Props: volume, channel and soft volumes, and max-volume when given
 * (max < 0: a converter without the limit, PipeWire before 0.3.72). */
static struct spa_pod *sink_props(struct spa_pod_builder *b, float volume, float ch, float soft,
				  float max)
{
	struct spa_pod_frame f[2];
	float chs[2] = {ch, ch}, softs[2] = {soft, soft};

	spa_pod_builder_push_object(b, &f[0], SPA_TYPE_OBJECT_Props, SPA_PARAM_Props);
	spa_pod_builder_add(b, SPA_PROP_volume, SPA_POD_Float(volume), 0);
	spa_pod_builder_prop(b, SPA_PROP_channelVolumes, 0);
	spa_pod_builder_array(b, sizeof(float), SPA_TYPE_Float, 2, chs);
	spa_pod_builder_prop(b, SPA_PROP_softVolumes, 0);
	spa_pod_builder_array(b, sizeof(float), SPA_TYPE_Float, 2, softs);
	spa_pod_builder_prop(b, SPA_PROP_params, 0);
	spa_pod_builder_push_struct(b, &f[1]);
	spa_pod_builder_string(b, "channelmix.normalize");
	spa_pod_builder_bool(b, false);
	if (max >= 0.0f) {
		spa_pod_builder_string(b, "channelmix.max-volume");
		spa_pod_builder_float(b, max);
	}
	spa_pod_builder_pop(b, &f[1]);
	return spa_pod_builder_pop(b, &f[0]);
}

static void test_with_limit(void)
{
	uint8_t buf[1024], out[1024];
	struct spa_pod_builder b = SPA_POD_BUILDER_INIT(buf, sizeof(buf));
	struct spa_pod_builder o = SPA_POD_BUILDER_INIT(out, sizeof(out));
	struct dg_sink_volume v, w;
	struct spa_pod *fix;

	/* the default limit of 10: set to 1.0, the volumes left alone */
	DG_CHECK_INT(dg_sink_volume_read(sink_props(&b, 1.5f, 2.0f, 1.0f, 10.0f), &v), 0);
	DG_CHECK(v.has_max_volume);
	DG_CHECK_NEAR(dg_sink_volume_gain(&v), 3.0, 1e-6);
	fix = dg_sink_volume_fix(&v, &o);
	DG_CHECK(fix != NULL);
	DG_CHECK_INT(dg_sink_volume_read(fix, &w), 0);
	DG_CHECK(w.has_max_volume);
	DG_CHECK_NEAR(w.max_volume, 1.0, 0);
	DG_CHECK(!w.has_volume && w.n_channel == 0 && w.n_soft == 0);
	/* at 1.0 a volume above it applies as 1.0: nothing to write */
	spa_pod_builder_init(&b, buf, sizeof(buf));
	dg_sink_volume_read(sink_props(&b, 1.5f, 2.0f, 1.0f, 1.0f), &v);
	DG_CHECK_NEAR(dg_sink_volume_gain(&v), 1.0, 0);
	DG_CHECK(dg_sink_volume_fix(&v, &o) == NULL);
}

static void test_without_limit(void)
{
	uint8_t buf[1024], out[1024];
	struct spa_pod_builder b = SPA_POD_BUILDER_INIT(buf, sizeof(buf));
	struct spa_pod_builder o = SPA_POD_BUILDER_INIT(out, sizeof(out));
	struct dg_sink_volume v, w;
	struct spa_pod *fix;

	/* each set above 1.0 put back, the one below left */
	dg_sink_volume_read(sink_props(&b, 1.5f, 0.5f, 2.0f, -1.0f), &v);
	DG_CHECK(!v.has_max_volume);
	DG_CHECK_NEAR(dg_sink_volume_gain(&v), 3.0, 1e-6);
	fix = dg_sink_volume_fix(&v, &o);
	DG_CHECK(fix != NULL);
	dg_sink_volume_read(fix, &w);
	DG_CHECK(w.has_volume);
	DG_CHECK_NEAR(w.volume, 1.0, 0);
	DG_CHECK_INT(w.n_channel, 0);
	DG_CHECK_INT(w.n_soft, 2);
	DG_CHECK_NEAR(w.soft[0], 1.0, 0);
	DG_CHECK_NEAR(dg_sink_volume_gain(&w), 1.0, 0);
	/* at or below unity: nothing */
	spa_pod_builder_init(&b, buf, sizeof(buf));
	dg_sink_volume_read(sink_props(&b, 1.0f, 0.8f, 1.0f, -1.0f), &v);
	DG_CHECK(dg_sink_volume_fix(&v, &o) == NULL);
	/* NaN is not low */
	spa_pod_builder_init(&b, buf, sizeof(buf));
	dg_sink_volume_read(sink_props(&b, 1.0f, NAN, 1.0f, -1.0f), &v);
	spa_pod_builder_init(&o, out, sizeof(out));
	fix = dg_sink_volume_fix(&v, &o);
	DG_CHECK(fix != NULL);
	dg_sink_volume_read(fix, &w);
	DG_CHECK_INT(w.n_channel, 2);
	DG_CHECK_NEAR(w.channel[1], 1.0, 0);
	/* not Props: refused */
	DG_CHECK_INT(dg_sink_volume_read((struct spa_pod *)&(struct spa_pod){0, SPA_TYPE_Int}, &v),
		     -22);
}

/* The hold's write: the master volume alone. */
static void test_master(void)
{
	uint8_t buf[256];
	struct spa_pod_builder b = SPA_POD_BUILDER_INIT(buf, sizeof(buf));
	struct dg_sink_volume v;

	DG_CHECK_INT(dg_sink_volume_read(dg_sink_volume_master(&b, 0.0f), &v), 0);
	DG_CHECK(v.has_volume);
	DG_CHECK_NEAR(v.volume, 0.0, 0);
	DG_CHECK_INT(v.n_channel + v.n_soft, 0);
	DG_CHECK(!v.has_max_volume);
}

int main(void)
{
	DG_RUN(test_with_limit);
	DG_RUN(test_without_limit);
	DG_RUN(test_master);
	return dg_test_done("test-sink-volume");
}
