/* SPDX-License-Identifier: MIT */
/* dacguardctl measure: the nodes of a run, from the registry (see measure-discover.h). */
#include "config.h"

#include "measure-discover.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <spa/param/param.h>
#include <spa/pod/iter.h>

#include <pipewire/pipewire.h>
#include <pipewire/extensions/metadata.h>

#include "metadata-value.h"
#include "props-params.h"

#define GUARD_PREFIX "dacguard."

struct measure_node {
	uint32_t id;
	char name[MEASURE_NAME_MAX + 16];
	char media_class[64];
};

/* Truncating copy (names longer than the buffers are refused or cannot match anyway). */
static void copy_str(char *dst, size_t size, const char *src)
{
	size_t n = src ? strnlen(src, size - 1) : 0;

	if (n)
		memcpy(dst, src, n);
	dst[n] = '\0';
}

/* spa_dict_lookup() on an empty dict (items NULL) offsets a null pointer: UBSan says so. */
static const char *dict_get(const struct spa_dict *props, const char *key)
{
	return props && props->n_items ? spa_dict_lookup(props, key) : NULL;
}

static const struct measure_node *find_node(const struct measure_discovery *d,
					    const char *name)
{
	for (size_t i = 0; i < d->n_nodes; i++)
		if (strcmp(d->nodes[i].name, name) == 0)
			return &d->nodes[i];
	return NULL;
}

static int on_metadata_property(void *data, uint32_t subject, const char *key, const char *type,
				const char *value)
{
	struct measure_discovery *d = data;

	if (subject != PW_ID_CORE || !key || strcmp(key, "default.audio.sink") != 0)
		return 0;
	/* { "name": "alsa_output..." } */
	dg_json_object_string(value, "name", d->default_sink, sizeof(d->default_sink));
	return 0;
}

static const struct pw_metadata_events metadata_events = {
	PW_VERSION_METADATA_EVENTS,
	.property = on_metadata_property,
};

static void add_node(struct measure_discovery *d, uint32_t id, const struct spa_dict *props)
{
	const char *name = dict_get(props, PW_KEY_NODE_NAME);
	struct measure_node *n, *grown;

	if (!name)
		return;
	grown = realloc(d->nodes, (d->n_nodes + 1) * sizeof(*d->nodes));
	if (!grown)
		return;
	d->nodes = grown;
	n = &d->nodes[d->n_nodes++];
	n->id = id;
	copy_str(n->name, sizeof(n->name), name);
	copy_str(n->media_class, sizeof(n->media_class), dict_get(props, PW_KEY_MEDIA_CLASS));
}

void measure_discovery_init(struct measure_discovery *d, struct pw_registry *registry,
			    struct measure_target *target)
{
	memset(d, 0, sizeof(*d));
	d->registry = registry;
	d->target = target;
	d->device_id = SPA_ID_INVALID;
}

void measure_discovery_global(struct measure_discovery *d, uint32_t id, const char *type,
			      const struct spa_dict *props)
{
	const char *s;

	if (!props)
		return;
	if (strcmp(type, PW_TYPE_INTERFACE_Node) == 0) {
		add_node(d, id, props);
		return;
	}
	if (strcmp(type, PW_TYPE_INTERFACE_Metadata) != 0 || d->metadata)
		return;
	s = dict_get(props, PW_KEY_METADATA_NAME);
	if (!s || strcmp(s, "default") != 0)
		return;
	d->metadata = pw_registry_bind(d->registry, id, PW_TYPE_INTERFACE_Metadata,
				       PW_VERSION_METADATA, 0);
	if (d->metadata)
		pw_metadata_add_listener(d->metadata, &d->metadata_listener, &metadata_events, d);
}

/* The first value of each, from the node or else its device. */
static void read_usb_props(struct measure_target *t, const struct spa_dict *props)
{
	static const struct {
		const char *key;
		size_t offset, size;
	} fields[] = {
		{ "device.vendor.id", offsetof(struct measure_target, vendor_id),
		  sizeof(t->vendor_id) },
		{ "device.product.id", offsetof(struct measure_target, product_id),
		  sizeof(t->product_id) },
		{ "device.vendor.name", offsetof(struct measure_target, vendor_name),
		  sizeof(t->vendor_name) },
		{ "device.product.name", offsetof(struct measure_target, product_name),
		  sizeof(t->product_name) },
	};

	for (size_t i = 0; i < SPA_N_ELEMENTS(fields); i++) {
		char *field = (char *) t + fields[i].offset;
		const char *s = dict_get(props, fields[i].key);

		if (!field[0] && s)
			copy_str(field, fields[i].size, s);
	}
}

static void on_sink_info(void *data, const struct pw_node_info *info)
{
	struct measure_discovery *d = data;
	const char *s;

	read_usb_props(d->target, info->props);
	if ((s = dict_get(info->props, PW_KEY_DEVICE_ID)))
		d->device_id = (uint32_t) strtoul(s, NULL, 10);
}

static const struct pw_node_events sink_events = {
	PW_VERSION_NODE_EVENTS,
	.info = on_sink_info,
};

static int take_guard_param(void *data, const char *key, const struct spa_pod *value)
{
	struct measure_target *t = data;
	const char *s;

	if (spa_pod_get_string(value, &s) < 0)
		return 0;
	if (strcmp(key, "dacguard.output") == 0)
		copy_str(t->guard_output, sizeof(t->guard_output), s);
	else if (strcmp(key, "dacguard.mode") == 0)
		copy_str(t->guard_mode, sizeof(t->guard_mode), s);
	return 0;
}

static void on_guard_param(void *data, int seq, uint32_t id, uint32_t index, uint32_t next,
			   const struct spa_pod *param)
{
	struct measure_discovery *d = data;

	if (id == SPA_PARAM_Props)
		dg_props_params_foreach(param, take_guard_param, d->target);
}

static const struct pw_node_events guard_events = {
	PW_VERSION_NODE_EVENTS,
	.param = on_guard_param,
};

static void on_device_info(void *data, const struct pw_device_info *info)
{
	struct measure_discovery *d = data;

	read_usb_props(d->target, info->props);
}

static const struct pw_device_events device_events = {
	PW_VERSION_DEVICE_EVENTS,
	.info = on_device_info,
};

static int reason(char *error, size_t size, int res, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int reason(char *error, size_t size, int res, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(error, size, fmt, ap);
	va_end(ap);
	return res;
}

/* The capture: a source as it is, a sink through its monitor. */
static int resolve_capture(struct measure_discovery *d, const char *source, char *error,
			   size_t error_size)
{
	struct measure_target *t = d->target;
	const struct measure_node *n;

	if (!source) {
		t->capture_monitor = true;
		copy_str(t->capture_target, sizeof(t->capture_target), t->sink);
		return 0;
	}
	n = find_node(d, source);
	if (!n)
		return reason(error, error_size, -ENOENT, "no source named '%s'", source);
	if (strcmp(n->media_class, "Audio/Sink") == 0)
		t->capture_monitor = true;
	else if (strncmp(n->media_class, "Audio/Source", 12) != 0)
		return reason(error, error_size, -EINVAL,
			      "'%s' is neither an audio source nor a sink (%s)", source,
			      n->media_class);
	copy_str(t->capture_target, sizeof(t->capture_target), n->name);
	return 0;
}

int measure_discovery_resolve(struct measure_discovery *d, const char *target,
			      const char *source, char *error, size_t error_size)
{
	struct measure_target *t = d->target;
	const struct measure_node *sink, *guard;
	char name[MEASURE_NAME_MAX + 16];
	int r;

	if (!target && !d->default_sink[0])
		return reason(error, error_size, -ENOENT, "no --target and no default sink");
	copy_str(name, sizeof(name), target ? target : d->default_sink);
	/* named the guard itself: its DAC sink is the rest of the name */
	if (strncmp(name, GUARD_PREFIX, strlen(GUARD_PREFIX)) == 0 && find_node(d, name) &&
	    find_node(d, name + strlen(GUARD_PREFIX)))
		memmove(name, name + strlen(GUARD_PREFIX), strlen(name) - strlen(GUARD_PREFIX) + 1);
	sink = find_node(d, name);
	if (!sink)
		return reason(error, error_size, -ENOENT, "no sink named '%s'", name);
	if (strcmp(sink->media_class, "Audio/Sink") != 0)
		return reason(error, error_size, -EINVAL, "'%s' is not an audio sink (%s)", name,
			      sink->media_class);
	copy_str(t->sink, sizeof(t->sink), sink->name);

	snprintf(name, sizeof(name), GUARD_PREFIX "%s", t->sink);
	guard = find_node(d, name);
	copy_str(t->guard, sizeof(t->guard), guard ? guard->name : "");
	copy_str(t->play_target, sizeof(t->play_target), guard ? guard->name : t->sink);
	if ((r = resolve_capture(d, source, error, error_size)) < 0)
		return r;

	d->sink = pw_registry_bind(d->registry, sink->id, PW_TYPE_INTERFACE_Node,
				   PW_VERSION_NODE, 0);
	if (d->sink)
		pw_node_add_listener(d->sink, &d->sink_listener, &sink_events, d);
	if (guard)
		d->guard = pw_registry_bind(d->registry, guard->id, PW_TYPE_INTERFACE_Node,
					    PW_VERSION_NODE, 0);
	if (d->guard) {
		pw_node_add_listener(d->guard, &d->guard_listener, &guard_events, d);
		pw_node_enum_params(d->guard, 0, SPA_PARAM_Props, 0, UINT32_MAX, NULL);
	}
	return 0;
}

bool measure_discovery_bind_device(struct measure_discovery *d)
{
	if (d->device_id == SPA_ID_INVALID || d->target->vendor_id[0])
		return false;
	d->device = pw_registry_bind(d->registry, d->device_id, PW_TYPE_INTERFACE_Device,
				     PW_VERSION_DEVICE, 0);
	if (!d->device)
		return false;
	pw_device_add_listener(d->device, &d->device_listener, &device_events, d);
	return true;
}

void measure_discovery_clear(struct measure_discovery *d)
{
	if (d->device)
		pw_proxy_destroy((struct pw_proxy *) d->device);
	if (d->guard)
		pw_proxy_destroy((struct pw_proxy *) d->guard);
	if (d->sink)
		pw_proxy_destroy((struct pw_proxy *) d->sink);
	if (d->metadata)
		pw_proxy_destroy((struct pw_proxy *) d->metadata);
	free(d->nodes);
	d->nodes = NULL;
	d->n_nodes = 0;
	d->device = NULL;
	d->guard = NULL;
	d->sink = NULL;
	d->metadata = NULL;
}
