/* SPDX-License-Identifier: MIT */
/* dacguardctl measure: the nodes a run plays into and captures from, found in the
 * registry. The sink is --target, else the default sink; the tone goes into its guard
 * (dacguard.SINK) when it has one; the capture is --source, else the sink's monitor. For
 * the expectation it reads the sink's USB properties (from its device when the node
 * lacks them) and the output and mode the guard's Props hold. Main thread only. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <spa/utils/dict.h>
#include <spa/utils/hook.h>

#include "measure-target.h"

struct pw_registry;
struct pw_metadata;
struct pw_node;
struct pw_device;
struct measure_node;

struct measure_discovery {
	struct pw_registry *registry;
	struct measure_target *target;
	struct measure_node *nodes; /* every node with a name, as the registry listed them */
	size_t n_nodes;
	char default_sink[MEASURE_NAME_MAX];
	uint32_t device_id; /* the sink's device; SPA_ID_INVALID until known */

	struct pw_metadata *metadata;
	struct spa_hook metadata_listener;
	struct pw_node *sink;
	struct spa_hook sink_listener;
	struct pw_node *guard;
	struct spa_hook guard_listener;
	struct pw_device *device;
	struct spa_hook device_listener;
};

void measure_discovery_init(struct measure_discovery *d, struct pw_registry *registry,
			    struct measure_target *target);
/* A registry global: the nodes by name, and the "default" metadata. */
void measure_discovery_global(struct measure_discovery *d, uint32_t id, const char *type,
			      const struct spa_dict *props);
/* Once the globals and the default sink are in: fills d->target's nodes and binds the sink
 * and the guard for their properties. 0, or -ENOENT or -EINVAL with the reason in error. */
int measure_discovery_resolve(struct measure_discovery *d, const char *target,
			      const char *source, char *error, size_t error_size);
/* Once the sink's properties are in: binds its device when they lack the USB ids. Returns
 * true when there is a device whose properties are to be waited for. */
bool measure_discovery_bind_device(struct measure_discovery *d);
void measure_discovery_clear(struct measure_discovery *d);
