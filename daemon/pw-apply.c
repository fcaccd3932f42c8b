/* SPDX-License-Identifier: MIT */
/* dacguardd's PipeWire client: detected card -> its sink nodes -> a guard in front of
 * each -> the guard's Props from the decision; default sink and streams routed through
 * the guard. Everything happens in reconcile(), which compares what the registry shows
 * with what the decisions want and is called after every change, so a reconnect, a late
 * sink or a restarted guard all take the same path. This file: the connection and the
 * public entry points; the rest is in pw-*.c (see pw-state.h). See doc/e2e.md. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libudev.h>

#include <spa/utils/result.h>


#include "pw-state.h"

static void reconcile(struct dg_pw_apply *a);

uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void arm_timer(struct dg_pw_apply *a, uint64_t delay_ms)
{
	uint64_t due = now_ms() + delay_ms;
	struct timespec value;

	if (a->timer_due != 0 && a->timer_due <= due)
		return;
	a->timer_due = due;
	/* 0 would disarm it */
	delay_ms = SPA_MAX(delay_ms, 1u);
	value.tv_sec = (time_t)(delay_ms / 1000);
	value.tv_nsec = (long)(delay_ms % 1000) * 1000000L;
	pw_loop_update_timer(a->loop, a->timer, &value, NULL, false);
}

static void core_error(void *data, uint32_t id, int seq, int res, const char *message)
{
	struct dg_pw_apply *a = data;

	if (id == PW_ID_CORE) {
		dg_error("pipewire: %s (%s)", message ? message : "error",
			spa_strerror(res));
		/* not from inside the core's own event: after this iteration */
		if (res == -EPIPE)
			a->disconnected = true;
	} else {
		/* a proxy of ours that outlived its global: routine, as the registry races */
		dg_debug("pipewire: object %u: %s (%s)", id,
			message ? message : "error", spa_strerror(res));
	}
}

static const struct pw_core_events core_events = {
	PW_VERSION_CORE_EVENTS,
	.error = core_error,
};

static void teardown(struct dg_pw_apply *a)
{
	struct obj *o, *t;

	spa_list_for_each_safe(o, t, &a->objs, link)
		obj_free(o);
	if (a->md) {
		spa_hook_remove(&a->md_listener);
		pw_proxy_destroy((struct pw_proxy *)a->md);
		a->md = NULL;
	}
	a->configured_sink[0] = a->default_sink[0] = '\0';
	a->smart_filters = false;
	if (a->registry) {
		spa_hook_remove(&a->registry_listener);
		pw_proxy_destroy((struct pw_proxy *)a->registry);
		a->registry = NULL;
	}
	if (a->core) {
		spa_hook_remove(&a->core_listener);
		pw_core_disconnect(a->core);
		a->core = NULL;
	}
}

static void try_connect(struct dg_pw_apply *a)
{
	struct pw_properties *props = NULL;

	if (a->remote)
		props = pw_properties_new(PW_KEY_REMOTE_NAME, a->remote, NULL);
	a->core = pw_context_connect(a->context, props, 0);
	if (a->core == NULL) {
		dg_debug("pw: cannot connect to PipeWire (%s): retrying in %d ms", strerror(errno),
			    RECONNECT_MS);
		arm_timer(a, RECONNECT_MS);
		return;
	}
	a->generation++;
	pw_core_add_listener(a->core, &a->core_listener, &core_events, a);
	a->registry = pw_core_get_registry(a->core, PW_VERSION_REGISTRY, 0);
	pw_registry_add_listener(a->registry, &a->registry_listener, &registry_events, a);
	dg_info("pw: connected to PipeWire");
}

static void on_timer(void *data, uint64_t expirations)
{
	struct dg_pw_apply *a = data;

	a->timer_due = 0;
	if (a->core == NULL)
		try_connect(a);
	a->dirty = true;
}

static void reconcile(struct dg_pw_apply *a)
{
	struct card *c;
	struct obj *s, *g;
	char guard_name[SINK_NAME_MAX + 16];

	a->dirty = false;
	if (a->core == NULL)
		return;
	spa_list_for_each(c, &a->cards, link) {
		spa_list_for_each(s, &a->objs, link) {
			if (s->kind != OBJ_SINK || !sink_matches(a, c, s))
				continue;
			snprintf(guard_name, sizeof(guard_name), GUARD_PREFIX "%s", s->name);
			g = find_node(a, OBJ_GUARD, guard_name);
			if (g == NULL) {
				ensure_host(a, c, s->name);
				continue;
			}
			write_guard(a, c, g);
			if (!a->smart_filters)
				route(a, s, g);
		}
	}
	hide_raw_sinks(a);
}

int dg_pw_apply_new(const struct dg_pw_apply_options *opts, struct dg_pw_apply **out)
{
	struct dg_pw_apply *a;
	const char *rt;
	int res;

	pw_init(NULL, NULL);
	a = calloc(1, sizeof(*a));
	if (a == NULL)
		return -ENOMEM;
	a->opts = *opts;
	spa_list_init(&a->objs);
	spa_list_init(&a->cards);
	spa_list_init(&a->hosts);
	if (opts->remote && (a->remote = strdup(opts->remote)) == NULL) {
		res = -ENOMEM;
		goto error;
	}
	a->opts.remote = NULL;
	a->opts.state_dir = NULL;
	if (opts->state_dir) {
		snprintf(a->state_dir, sizeof(a->state_dir), "%s", opts->state_dir);
	} else if ((rt = getenv("XDG_RUNTIME_DIR")) && *rt) {
		snprintf(a->state_dir, sizeof(a->state_dir), "%s/dacguard", rt);
	} else {
		snprintf(a->state_dir, sizeof(a->state_dir), "/tmp/dacguard-%ld", (long)getuid());
	}
	if (mkdir(a->state_dir, 0700) < 0 && errno != EEXIST) {
		res = -errno;
		dg_error("%s: %s", a->state_dir, strerror(errno));
		goto error;
	}
	a->udev = udev_new();
	a->loop = pw_loop_new(NULL);
	if (a->loop == NULL) {
		res = -errno;
		goto error;
	}
	pw_loop_enter(a->loop);
	a->context = pw_context_new(a->loop,
				    pw_properties_new(PW_KEY_CONFIG_NAME, "client.conf", NULL), 0);
	if (a->context == NULL) {
		res = -errno;
		goto error;
	}
	a->timer = pw_loop_add_timer(a->loop, on_timer, a);
	if (a->timer == NULL) {
		res = -errno;
		goto error;
	}
	try_connect(a);
	*out = a;
	return 0;
error:
	dg_pw_apply_free(a);
	return res < 0 ? res : -EIO;
}

void dg_pw_apply_free(struct dg_pw_apply *a)
{
	struct card *c, *tc;
	struct host *h, *th;

	if (a == NULL)
		return;
	/* the guard hosts stay: the limits must outlive the daemon */
	teardown(a);
	spa_list_for_each_safe(c, tc, &a->cards, link) {
		spa_list_remove(&c->link);
		free(c);
	}
	spa_list_for_each_safe(h, th, &a->hosts, link) {
		spa_list_remove(&h->link);
		free(h);
	}
	if (a->timer)
		pw_loop_destroy_source(a->loop, a->timer);
	if (a->context)
		pw_context_destroy(a->context);
	if (a->loop) {
		pw_loop_leave(a->loop);
		pw_loop_destroy(a->loop);
	}
	if (a->udev)
		udev_unref(a->udev);
	free(a->remote);
	free(a);
}

int dg_pw_apply_fd(const struct dg_pw_apply *a)
{
	return pw_loop_get_fd(a->loop);
}

void dg_pw_apply_dispatch(struct dg_pw_apply *a)
{
	pw_loop_iterate(a->loop, 0);
	if (a->disconnected) {
		a->disconnected = false;
		dg_info("pw: disconnected from PipeWire: reconnecting");
		teardown(a);
		arm_timer(a, RECONNECT_MS);
	}
	if (a->dirty)
		reconcile(a);
}

void dg_pw_apply_decision(struct dg_pw_apply *a, const struct dg_device *dev,
			  const struct dg_config *cfg)
{
	struct card *c = find_card(a, dev->card.syspath);

	if (!dev->decided)
		return;
	if (c == NULL) {
		c = calloc(1, sizeof(*c));
		if (c == NULL)
			return;
		snprintf(c->syspath, sizeof(c->syspath), "%s", dev->card.syspath);
		spa_list_append(&a->cards, &c->link);
	}
	c->number = dev->card.number;
	read_udev_ids(a, c);
	c->decision = dev->decision;
	c->hard_ceiling_db = dg_policy_hard_ceiling(cfg ? cfg->hard_ceiling_db : 0.0);
	c->hide_raw_sink = dev->decision.dac.known &&
			   dg_config_hide_raw_sink(cfg, dg_config_find_device(cfg, dev->card.vendor_id,
									      dev->card.product_id,
									      dev->card.manufacturer,
									      dev->card.product));
	if (cfg) {
		struct obj *o;

		a->n_exempt = cfg->n_hide_raw_sink_exempt;
		memcpy(a->exempt, cfg->hide_raw_sink_exempt, sizeof(a->exempt));
		spa_list_for_each(o, &a->objs, link)
			if (o->kind == OBJ_CLIENT && o->client)
				client_judge(a, o);
	}
	reconcile(a);
}

void dg_pw_apply_removed(struct dg_pw_apply *a, const struct dg_device *dev)
{
	struct card *c = find_card(a, dev->card.syspath);
	struct host *h, *t;

	spa_list_for_each_safe(h, t, &a->hosts, link) {
		if (!spa_streq(h->card_syspath, dev->card.syspath))
			continue;
		host_stop_recorded(a, h->sink);
		spa_list_remove(&h->link);
		free(h);
	}
	if (c) {
		spa_list_remove(&c->link);
		free(c);
	}
	/* its raw sinks, if they are still there, are shown again */
	reconcile(a);
}
