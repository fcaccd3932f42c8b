/* SPDX-License-Identifier: MIT */
/* dacguardd: the registry mirrored. Each global of interest becomes an obj (sinks,
 * guards, streams, devices, links, ports of sinks, clients, dacguard modules), bound
 * for its properties where they matter; the "default" metadata gives the default sink,
 * "sm-settings" says WirePlumber 0.5 (smart filters) runs. */
#include <stdlib.h>
#include <string.h>

#include "metadata-value.h"

#include "pw-state.h"

const char *obj_prop(const struct obj *o, const char *key)
{
	return o->props ? pw_properties_get(o->props, key) : NULL;
}

struct obj *find_obj(struct dg_pw_apply *a, uint32_t id)
{
	struct obj *o;

	spa_list_for_each(o, &a->objs, link)
		if (o->id == id)
			return o;
	return NULL;
}

struct obj *find_node(struct dg_pw_apply *a, enum obj_kind kind, const char *name)
{
	struct obj *o;

	spa_list_for_each(o, &a->objs, link)
		if (o->kind == kind && spa_streq(o->name, name))
			return o;
	return NULL;
}

void obj_free(struct obj *o)
{
	spa_list_remove(&o->link);
	if (o->proxy) {
		spa_hook_remove(&o->object_listener);
		pw_proxy_destroy(o->proxy);
	}
	pw_properties_free(o->props);
	free(o->client);
	free(o);
}

void obj_set_props(struct obj *o, const struct spa_dict *props)
{
	pw_properties_free(o->props);
	o->props = pw_properties_new_dict(props);
	o->a->dirty = true;
}

void node_info(void *data, const struct pw_node_info *info)
{
	struct obj *o = data;

	if ((info->change_mask & PW_NODE_CHANGE_MASK_PROPS) && info->props)
		obj_set_props(o, info->props);
}

static void device_info(void *data, const struct pw_device_info *info)
{
	struct obj *o = data;

	if ((info->change_mask & PW_DEVICE_CHANGE_MASK_PROPS) && info->props)
		obj_set_props(o, info->props);
}

static const struct pw_node_events node_events = {
	PW_VERSION_NODE_EVENTS,
	.info = node_info,
};

static const struct pw_device_events device_events = {
	PW_VERSION_DEVICE_EVENTS,
	.info = device_info,
};

static int md_property(void *data, uint32_t subject, const char *key, const char *type,
		       const char *value)
{
	struct dg_pw_apply *a = data;

	if (subject != PW_ID_CORE)
		return 0;
	if (key == NULL) {
		a->configured_sink[0] = a->default_sink[0] = '\0';
	} else if (spa_streq(key, "default.configured.audio.sink")) {
		dg_json_object_string(value, "name", a->configured_sink, sizeof(a->configured_sink));
	} else if (spa_streq(key, "default.audio.sink")) {
		dg_json_object_string(value, "name", a->default_sink, sizeof(a->default_sink));
	} else {
		return 0;
	}
	a->dirty = true;
	return 0;
}

static const struct pw_metadata_events md_events = {
	PW_VERSION_METADATA_EVENTS,
	.property = md_property,
};

static void registry_global(void *data, uint32_t id, uint32_t permissions, const char *type,
			    uint32_t version, const struct spa_dict *props)
{
	struct dg_pw_apply *a = data;
	const char *name = props ? spa_dict_lookup(props, PW_KEY_NODE_NAME) : NULL;
	const char *cls = props ? spa_dict_lookup(props, PW_KEY_MEDIA_CLASS) : NULL;
	const char *s;
	struct obj *o;
	enum obj_kind kind;

	if (props == NULL)
		return;
	if (spa_streq(type, PW_TYPE_INTERFACE_Node)) {
		if (spa_streq(cls, "Audio/Sink"))
			kind = spa_strstartswith(name, GUARD_PREFIX) ? OBJ_GUARD : OBJ_SINK;
		else if (spa_streq(cls, "Stream/Output/Audio") &&
			 !spa_strstartswith(name, GUARD_PREFIX))
			kind = OBJ_STREAM;
		else
			return;
	} else if (spa_streq(type, PW_TYPE_INTERFACE_Device)) {
		if (!spa_streq(cls, "Audio/Device"))
			return;
		kind = OBJ_DEVICE;
	} else if (spa_streq(type, PW_TYPE_INTERFACE_Link)) {
		kind = OBJ_LINK;
	} else if (spa_streq(type, PW_TYPE_INTERFACE_Port)) {
		struct obj *n;

		if ((s = spa_dict_lookup(props, PW_KEY_NODE_ID)) == NULL ||
		    (n = find_obj(a, (uint32_t)strtoul(s, NULL, 10))) == NULL || n->kind != OBJ_SINK)
			return;
		kind = OBJ_PORT;
	} else if (spa_streq(type, PW_TYPE_INTERFACE_Client)) {
		kind = OBJ_CLIENT;
	} else if (spa_streq(type, PW_TYPE_INTERFACE_Module)) {
		s = spa_dict_lookup(props, PW_KEY_MODULE_NAME);
		if (s == NULL || strstr(s, "dacguard") == NULL)
			return;
		kind = OBJ_MODULE;
	} else if (spa_streq(type, PW_TYPE_INTERFACE_Metadata)) {
		if (spa_streq(spa_dict_lookup(props, "metadata.name"), "sm-settings")) {
			a->sm_settings_id = id;
			if (!a->smart_filters)
				dg_info("pw: routing: WirePlumber 0.5 links streams into the guards "
				    "(smart filters)");
			a->smart_filters = true;
			a->dirty = true;
			return;
		}
		if (a->md != NULL || !spa_streq(spa_dict_lookup(props, "metadata.name"), "default"))
			return;
		a->md = pw_registry_bind(a->registry, id, PW_TYPE_INTERFACE_Metadata,
					 PW_VERSION_METADATA, 0);
		if (a->md == NULL)
			return;
		a->md_id = id;
		pw_metadata_add_listener(a->md, &a->md_listener, &md_events, a);
		return;
	} else {
		return;
	}

	o = calloc(1, sizeof(*o));
	if (o == NULL)
		return;
	o->a = a;
	o->id = id;
	o->kind = kind;
	if (name)
		snprintf(o->name, sizeof(o->name), "%s", name);
	if ((s = spa_dict_lookup(props, PW_KEY_OBJECT_SERIAL)))
		o->serial = strtoull(s, NULL, 10);
	spa_list_append(&a->objs, &o->link);
	a->dirty = true;

	switch (kind) {
	case OBJ_LINK:
		if ((s = spa_dict_lookup(props, PW_KEY_LINK_OUTPUT_NODE)))
			o->link_out = (uint32_t)strtoul(s, NULL, 10);
		if ((s = spa_dict_lookup(props, PW_KEY_LINK_INPUT_NODE)))
			o->link_in = (uint32_t)strtoul(s, NULL, 10);
		return;
	case OBJ_MODULE:
		dg_info("pw: server has %s (id %u): waiting %d ms for its guards before making one",
		    spa_dict_lookup(props, PW_KEY_MODULE_NAME), id, RULES_GRACE_MS);
		return;
	case OBJ_PORT:
		o->port_node = (uint32_t)strtoul(spa_dict_lookup(props, PW_KEY_NODE_ID), NULL, 10);
		return;
	case OBJ_CLIENT:
		if ((o->client = calloc(1, sizeof(*o->client))) == NULL)
			return;
		o->props = pw_properties_new_dict(props);
		if ((s = spa_dict_lookup(props, PW_KEY_SEC_PID)) != NULL) {
			o->client->pid = atoi(s);
			binary_of_pid(o->client->pid, o->client->binary,
				      sizeof(o->client->binary));
		}
		client_judge(a, o);
		o->proxy = pw_registry_bind(a->registry, id, type, PW_VERSION_CLIENT, 0);
		if (o->proxy == NULL)
			return;
		pw_client_add_listener((struct pw_client *)o->proxy, &o->object_listener,
				       &client_events, o);
		/* before any update_permissions of ours, so the reply shows the original */
		pw_client_get_permissions((struct pw_client *)o->proxy, 0, UINT32_MAX);
		return;
	case OBJ_DEVICE:
		o->proxy = pw_registry_bind(a->registry, id, type, PW_VERSION_DEVICE, 0);
		if (o->proxy)
			pw_device_add_listener((struct pw_device *)o->proxy, &o->object_listener,
					       &device_events, o);
		return;
	default:
		break;
	}
	o->proxy = pw_registry_bind(a->registry, id, type, PW_VERSION_NODE, 0);
	if (o->proxy == NULL)
		return;
	if (kind == OBJ_GUARD) {
		uint32_t ids[] = { SPA_PARAM_Props };

		pw_node_add_listener((struct pw_node *)o->proxy, &o->object_listener,
				     &guard_events, o);
		pw_node_subscribe_params((struct pw_node *)o->proxy, ids, 1);
	} else {
		pw_node_add_listener((struct pw_node *)o->proxy, &o->object_listener,
				     &node_events, o);
	}
}

static void registry_global_remove(void *data, uint32_t id)
{
	struct dg_pw_apply *a = data;
	struct obj *o;

	if (a->md && id == a->md_id) {
		spa_hook_remove(&a->md_listener);
		pw_proxy_destroy((struct pw_proxy *)a->md);
		a->md = NULL;
		return;
	}
	if (a->smart_filters && id == a->sm_settings_id) {
		/* the session manager went away; whichever comes next says what it does */
		a->smart_filters = false;
		return;
	}
	if ((o = find_obj(a, id)) == NULL)
		return;
	if (o->kind == OBJ_GUARD) {
		dg_info("pw: guard %s (id %u) gone", o->name, o->id);
		sink_hold_again(a, o);
	}
	obj_free(o);
	a->dirty = true;
}

const struct pw_registry_events registry_events = {
	PW_VERSION_REGISTRY_EVENTS,
	.global = registry_global,
	.global_remove = registry_global_remove,
};
