/* SPDX-License-Identifier: MIT */
/* dacguard: the DAC sink's own volume. It sits after the guard: on a real USB sink
 * any volume above 1.0 is software gain (the hardware mixer stops at 0 dB), so it
 * would lift what the guard let through above the ceiling. The guard keeps it at
 * unity at most: with PipeWire 0.3.72 and later by the converter's own limit
 * (channelmix.max-volume = 1.0, which clamps every volume and channel volume as it
 * is applied, so no later write gets past it); before that by putting each volume
 * above 1.0 back, after the fact. Reads the sink's Props as the converter publishes
 * them; pure, so unit-tested. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

struct spa_pod;
struct spa_pod_builder;

#define DG_SINK_VOLUME_MAX_CHANNELS 64

struct dg_sink_volume {
	bool has_max_volume;  /* the converter takes channelmix.max-volume (0.3.72+) */
	float max_volume;
	bool has_volume;
	float volume;
	uint32_t n_channel, n_soft;
	float channel[DG_SINK_VOLUME_MAX_CHANNELS];
	float soft[DG_SINK_VOLUME_MAX_CHANNELS];
};

/* The node property dacguard's session manager rules give a DAC sink made with its
 * master volume at 0, to be held so until its guard alone plays into it
 * (pipewire-module/guard-target-hold.c, daemon/pw-hold.c). */
#define DG_SINK_HOLD_PROP "dacguard.hold-until-guarded"

/* Reads a Props object; 0, or -EINVAL for anything else. */
int dg_sink_volume_read(const struct spa_pod *props, struct dg_sink_volume *v);

/* The most the sink's converter may multiply a sample by now: with a limit, the
 * product of the clamped volume and the loudest clamped channel volume; without, the
 * product of the volume and the loudest of the channel and soft volumes. */
float dg_sink_volume_gain(const struct dg_sink_volume *v);

/* The Props write that keeps the sink at unity gain at most, built in b, or NULL when
 * none is needed: with a limit, the limit at 1.0 (the volumes are left as they are:
 * above 1.0 they apply as 1.0, and a desktop slider keeps its place); without one,
 * every volume above 1.0 put back to 1.0. */
struct spa_pod *dg_sink_volume_fix(const struct dg_sink_volume *v, struct spa_pod_builder *b);

/* The Props write that sets the sink's master volume (the hold's 0 and 1.0), built in b. */
struct spa_pod *dg_sink_volume_master(struct spa_pod_builder *b, float volume);
