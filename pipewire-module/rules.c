/* SPDX-License-Identifier: MIT */
/* dacguard module, rules mode (dacguard.rules): guard every Audio/Sink that appears and
 * that a rule matches; a guard goes away with its sink. The registry carries only some
 * of a node's properties, so each sink is bound to read them all before matching. */
#include <errno.h>
#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <spa/utils/json.h>
#include <spa/utils/result.h>
#include <spa/utils/string.h>

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


/* Does the JSON value (a string, "~regex", null, or a bare token) match str? */
static bool value_matches(const char *value, int len, const char *str)
{
	char pattern[512];
	regex_t re;
	bool match;

	if (spa_json_is_null(value, len))
		return str == NULL;
	if (str == NULL)
		return false;
	if (spa_json_is_string(value, len)) {
		if (spa_json_parse_stringn(value, len, pattern, sizeof(pattern)) <= 0)
			return false;
	} else {
		if (len >= (int) sizeof(pattern))
			return false;
		memcpy(pattern, value, len);
		pattern[len] = '\0';
	}
	if (pattern[0] != '~')
		return spa_streq(pattern, str);
	if (regcomp(&re, pattern + 1, REG_EXTENDED | REG_NOSUB) != 0) {
		pw_log_warn("dacguard.rules: invalid regex '%s'", pattern + 1);
		return false;
	}
	match = regexec(&re, str, 0, NULL, 0) == 0;
	regfree(&re);
	return match;
}

/* All keys of one match object must match. */
static bool match_object(struct spa_json *obj, const struct spa_dict *props)
{
	char key[256];
	const char *value;
	int len;
	bool match = true;

	while (spa_json_get_string(obj, key, sizeof(key)) > 0) {
		if ((len = spa_json_next(obj, &value)) <= 0)
			return false;
		if (spa_json_is_container(value, len)) {
			pw_log_warn("dacguard.rules: %s: a match value must be a string", key);
			spa_json_container_len(obj, value, len);
			match = false;
			continue;
		}
		if (!value_matches(value, len, spa_dict_lookup(props, key)))
			match = false;
	}
	return match;
}

static bool match_any(struct spa_json *arr, const struct spa_dict *props)
{
	struct spa_json obj;
	bool match = false;

	while (spa_json_enter_object(arr, &obj) > 0)
		if (match_object(&obj, props))
			match = true;
	return match;
}

struct guard_action {
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

/* Finds the first rule matching props; fills a and returns true when it creates a guard. */
static bool rules_match(struct impl *impl, const struct spa_dict *props, struct guard_action *a)
{
	struct spa_json it[4];
	char key[64];
	const char *value;
	int len;

	spa_json_init(&it[0], impl->rules, strlen(impl->rules));
	if (spa_json_enter_array(&it[0], &it[1]) <= 0)
		return false;

	while (spa_json_enter_object(&it[1], &it[2]) > 0) {
		bool matched = false, have_action = false;
		struct guard_action act = {impl->ceiling_db, impl->hard_ceiling_db};

		while (spa_json_get_string(&it[2], key, sizeof(key)) > 0) {
			if ((len = spa_json_next(&it[2], &value)) <= 0)
				break;
			if (spa_streq(key, "matches") && spa_json_is_array(value, len)) {
				spa_json_enter(&it[2], &it[3]);
				matched = match_any(&it[3], props);
			} else if (spa_streq(key, "actions") && spa_json_is_object(value, len)) {
				struct spa_json actions, obj;
				char name[64];
				const char *v;
				int l;

				spa_json_enter(&it[2], &actions);
				while (spa_json_get_string(&actions, name, sizeof(name)) > 0) {
					if ((l = spa_json_next(&actions, &v)) <= 0)
						break;
					if (spa_streq(name, "create-guard") &&
					    spa_json_is_object(v, l)) {
						spa_json_enter(&actions, &obj);
						parse_create_guard(&obj, &act);
						have_action = true;
					} else if (spa_json_is_container(v, l)) {
						spa_json_container_len(&actions, v, l);
					}
				}
			} else if (spa_json_is_container(value, len)) {
				spa_json_container_len(&it[2], value, len);
			}
		}
		if (matched && have_action) {
			*a = act;
			return true;
		}
	}
	return false;
}

bool rules_valid(const char *rules)
{
	struct spa_json it[2], obj;

	spa_json_init(&it[0], rules, strlen(rules));
	if (spa_json_enter_array(&it[0], &it[1]) <= 0)
		return false;
	while (spa_json_enter_object(&it[1], &obj) > 0)
		;
	return true;
}

static void candidate_check(struct candidate *c, const struct spa_dict *props)
{
	struct impl *impl = c->impl;
	struct guard_action a;
	const char *name, *cls;

	if (c->checked)
		return;
	c->checked = true;

	name = spa_dict_lookup(props, PW_KEY_NODE_NAME);
	cls = spa_dict_lookup(props, PW_KEY_MEDIA_CLASS);
	if (name == NULL || spa_dict_lookup(props, GUARD_PROP) != NULL ||
	    spa_strstartswith(name, "dacguard."))
		return;
	if (!spa_streq(cls, "Audio/Sink"))
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

static void candidate_free(struct candidate *c)
{
	spa_list_remove(&c->link);
	if (c->guard)
		guard_free(c->guard);
	if (c->proxy) {
		spa_hook_remove(&c->node_listener);
		spa_hook_remove(&c->proxy_listener);
		pw_proxy_destroy(c->proxy);
	}
	free(c);
}

static void candidate_proxy_removed(void *data)
{
	struct candidate *c = data;
	spa_hook_remove(&c->node_listener);
	spa_hook_remove(&c->proxy_listener);
	pw_proxy_destroy(c->proxy);
	c->proxy = NULL;
}

static const struct pw_proxy_events candidate_proxy_events = {
    PW_VERSION_PROXY_EVENTS,
    .removed = candidate_proxy_removed,
};

void rules_global(struct impl *impl, uint32_t id, const char *type, const struct spa_dict *props)
{
	struct candidate *c;
	const char *name, *cls;

	if (impl->rules == NULL || !spa_streq(type, PW_TYPE_INTERFACE_Node) || props == NULL)
		return;
	name = spa_dict_lookup(props, PW_KEY_NODE_NAME);
	cls = spa_dict_lookup(props, PW_KEY_MEDIA_CLASS);
	if (name == NULL || spa_strstartswith(name, "dacguard.") || !spa_streq(cls, "Audio/Sink"))
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
