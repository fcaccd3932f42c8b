/* SPDX-License-Identifier: MIT */
/* dacguard module, rules mode (dacguard.rules): guard every Audio/Sink that appears and
 * that a rule matches; a guard goes away with its sink. The registry carries only some
 * of a node's properties, so each sink is bound to read them all before matching. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <spa/utils/json.h>
#include <spa/utils/result.h>
#include <spa/utils/string.h>

#include <pipewire/conf.h>

#include "dacguard-module.h"

#define PW_LOG_TOPIC_DEFAULT dg_mod_topic

/* A sink seen in rules mode: bound to read its full properties. */
struct candidate {
	struct spa_list link;
	struct impl *impl;
	uint32_t id;
	struct pw_proxy *proxy;
	struct spa_hook proxy_listener;
	struct spa_hook node_listener;
	struct guard *guard;
	bool checked;
};

/* What the first matching rule's create-guard asks for. */
struct guard_action {
	bool found;
	double ceiling_db;
	double hard_ceiling_db;
};

static void parse_create_guard(struct spa_json *obj, struct guard_action *a)
{
	char key[256];
	float v;
	const char *value;
	int len;

	while (spa_json_get_string(obj, key, sizeof(key)) > 0) {
		if ((len = spa_json_next(obj, &value)) <= 0)
			break;
		if (spa_streq(key, "dacguard.ceiling-db") ||
		    spa_streq(key, "dacguard.hard-ceiling-db")) {
			if (spa_json_parse_float(value, len, &v) <= 0 || !isfinite(v)) {
				pw_log_warn(
				    "dacguard.rules: create-guard: %s: not a number, ignored", key);
				continue;
			}
			if (spa_streq(key, "dacguard.ceiling-db"))
				a->ceiling_db = v;
			else
				/* rules may lower the administrator's limit, never raise it */
				a->hard_ceiling_db = SPA_MIN(a->hard_ceiling_db, (double) v);
		} else {
			pw_log_warn("dacguard.rules: create-guard: unknown key %s, ignored", key);
			if (spa_json_is_container(value, len))
				spa_json_container_len(obj, value, len);
		}
	}
}

/* Called for each action of every matching rule, in order. The first create-guard
 * decides: a later, broader rule must not override a narrower one placed before it. */
static int rule_action(void *data, const char *location, const char *action, const char *str,
		       size_t len)
{
	struct guard_action *a = data;
	struct spa_json it[2];

	if (a->found)
		return 0;
	if (!spa_streq(action, "create-guard")) {
		pw_log_warn("%s: unknown action %s, ignored", location, action);
		return 0;
	}
	spa_json_init(&it[0], str, len);
	if (spa_json_enter_object(&it[0], &it[1]) <= 0) {
		pw_log_warn("%s: create-guard: not an object, ignored", location);
		return 0;
	}
	parse_create_guard(&it[1], a);
	a->found = true;
	return 0;
}

/* libpipewire matches as it does for its own rules (pulse.rules and others), so a
 * match here reads as one there. */
static bool rules_match(struct impl *impl, const struct spa_dict *props, struct guard_action *a)
{
	*a = (struct guard_action){false, impl->ceiling_db, impl->hard_ceiling_db};
	pw_conf_match_rules(impl->rules, strlen(impl->rules), "dacguard.rules", props, rule_action,
			    a);
	return a->found;
}

bool rules_valid(const char *rules)
{
	struct spa_json it[2];

	spa_json_init(&it[0], rules, strlen(rules));
	return spa_json_enter_array(&it[0], &it[1]) > 0;
}

/* The node.name of a sink the rules may guard; NULL for other nodes and for guards. */
static const char *sink_name(const struct spa_dict *props)
{
	const char *name = spa_dict_lookup(props, PW_KEY_NODE_NAME);

	if (name == NULL || spa_strstartswith(name, "dacguard.") ||
	    spa_dict_lookup(props, GUARD_PROP) != NULL ||
	    !spa_streq(spa_dict_lookup(props, PW_KEY_MEDIA_CLASS), "Audio/Sink"))
		return NULL;
	return name;
}

static void candidate_check(struct candidate *c, const struct spa_dict *props)
{
	struct impl *impl = c->impl;
	struct guard_action a;
	const char *name;

	if (c->checked)
		return;
	c->checked = true;

	if ((name = sink_name(props)) == NULL)
		return;
	if (!rules_match(impl, props, &a)) {
		pw_log_debug("node %u (%s): no rule matches", c->id, name);
		return;
	}
	pw_log_info("node %u (%s) matches, creating a guard", c->id, name);
	guard_new(impl, name, props, a.ceiling_db, a.hard_ceiling_db, &c->guard);
}

static void candidate_info(void *data, const struct pw_node_info *info)
{
	struct candidate *c = data;

	if (info->props != NULL && (info->change_mask & PW_NODE_CHANGE_MASK_PROPS))
		candidate_check(c, info->props);
}

static const struct pw_node_events candidate_node_events = {
    PW_VERSION_NODE_EVENTS,
    .info = candidate_info,
};

static void candidate_unbind(struct candidate *c)
{
	if (c->proxy == NULL)
		return;
	spa_hook_remove(&c->node_listener);
	spa_hook_remove(&c->proxy_listener);
	pw_proxy_destroy(c->proxy);
	c->proxy = NULL;
}

static void candidate_free(struct candidate *c)
{
	spa_list_remove(&c->link);
	if (c->guard)
		guard_free(c->guard);
	candidate_unbind(c);
	free(c);
}

static void candidate_proxy_removed(void *data)
{
	candidate_unbind(data);
}

static const struct pw_proxy_events candidate_proxy_events = {
    PW_VERSION_PROXY_EVENTS,
    .removed = candidate_proxy_removed,
};

void rules_global(struct impl *impl, uint32_t id, const char *type, const struct spa_dict *props)
{
	struct candidate *c;

	if (impl->rules == NULL || !spa_streq(type, PW_TYPE_INTERFACE_Node) || props == NULL ||
	    sink_name(props) == NULL)
		return;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		pw_log_error("node %u: %s", id, spa_strerror(-errno));
		return;
	}
	c->impl = impl;
	c->id = id;
	c->proxy = pw_registry_bind(impl->registry, id, type, PW_VERSION_NODE, 0);
	if (c->proxy == NULL) {
		pw_log_error("node %u: can't bind: %s", id, spa_strerror(-errno));
		free(c);
		return;
	}
	spa_list_append(&impl->candidates, &c->link);
	pw_proxy_add_listener(c->proxy, &c->proxy_listener, &candidate_proxy_events, c);
	pw_proxy_add_object_listener(c->proxy, &c->node_listener, &candidate_node_events, c);
}

void rules_global_remove(struct impl *impl, uint32_t id)
{
	struct candidate *c, *t;

	spa_list_for_each_safe(c, t, &impl->candidates, link)
	{
		if (c->id != id)
			continue;
		if (c->guard)
			pw_log_info("node %u went away, removing %s", id, c->guard->node_name);
		candidate_free(c);
	}
}

/* A guard destroyed on its own (its streams disconnected): no candidate keeps it. */
void rules_forget_guard(struct impl *impl, struct guard *g)
{
	struct candidate *c;

	spa_list_for_each(c, &impl->candidates, link) if (c->guard == g) c->guard = NULL;
}

void rules_clear(struct impl *impl)
{
	struct candidate *c;

	spa_list_consume(c, &impl->candidates, link) candidate_free(c);
}
