/* SPDX-License-Identifier: MIT */
/* dacguardd: the raw sink of a known DAC hidden from ordinary clients once its guard
 * exists (dacguard.hide-raw-sink), so nothing plays around the guard; the server, the
 * session manager, guard hosts, ourselves and the exempt keep everything, and a client
 * gets back what it had. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pw-state.h"

/* The executable's base name, what libpipewire makes application.process.binary of
 * (from /proc/self/exe: pw-record is pw-cat): known at once from the registry's pid,
 * before the client's own properties arrive. */
void binary_of_pid(int pid, char *out, size_t size)
{
	char path[64], buf[PATH_MAX];
	const char *base;
	ssize_t n;

	out[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%d/exe", pid);
	n = readlink(path, buf, sizeof(buf) - 1);
	if (n <= 0)
		return;
	buf[n] = '\0';
	base = strrchr(buf, '/');
	base = base ? base + 1 : buf;
	n = (ssize_t)strnlen(base, size - 1);
	memcpy(out, base, (size_t)n);
	out[n] = '\0';
}

/* A guard host of ours, by its pid: the ones we started, and those an earlier
 * dacguardd started (their pid files), which a restarted daemon adopts. Known without
 * reading the process's executable, which a sandbox may not allow. */
static bool is_guard_host(struct dg_pw_apply *a, int pid)
{
	struct host *h;
	struct dirent *e;
	char path[PATH_MAX];
	bool found = false;
	DIR *dir;

	if (pid <= 0)
		return false;
	spa_list_for_each(h, &a->hosts, link)
		if (h->pid == pid)
			return true;
	if ((dir = opendir(a->state_dir)) == NULL)
		return false;
	while (!found && (e = readdir(dir)) != NULL) {
		size_t n = strlen(e->d_name);

		if (strncmp(e->d_name, "guard-", 6) != 0 || n < 4 ||
		    strcmp(e->d_name + n - 4, ".pid") != 0)
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", a->state_dir, e->d_name) >=
		    (int)sizeof(path))
			continue;
		found = host_pid_file_read(path) == pid;
	}
	closedir(dir);
	return found;
}

void client_judge(struct dg_pw_apply *a, struct obj *o)
{
	struct client_state *cs = o->client;
	const char *b = cs->binary;
	bool keep;

	/* the server and guard hosts (pipewire), the session manager, ourselves */
	keep = cs->pid == (int)getpid() || spa_streq(b, "pipewire") ||
	       spa_streq(b, "wireplumber") || spa_streq(b, "pipewire-media-session") ||
	       spa_streq(obj_prop(o, PW_KEY_APP_NAME), "WirePlumber") ||
	       is_guard_host(a, cs->pid);
	/* Nothing known of it yet (its executable unreadable, e.g. from a user namespace
	 * of our own, and its properties not in): hide nothing from it until they are.
	 * Taking a guard host for an ordinary client would destroy its guard. */
	if (!b[0])
		keep = true;
	for (size_t i = 0; !keep && i < a->n_exempt; i++)
		keep = spa_streq(b, a->exempt[i]);
	if (keep != cs->keep)
		a->dirty = true;
	cs->keep = keep;
}

static void client_info(void *data, const struct pw_client_info *info)
{
	struct obj *o = data;
	const char *b;

	if (!(info->change_mask & PW_CLIENT_CHANGE_MASK_PROPS) || info->props == NULL)
		return;
	obj_set_props(o, info->props);
	if ((b = spa_dict_lookup(info->props, PW_KEY_APP_PROCESS_BINARY)) != NULL)
		snprintf(o->client->binary, sizeof(o->client->binary), "%s", b);
	client_judge(o->a, o);
}

/* The reply to the get_permissions sent before any hiding: what to give back. */
static void client_permissions(void *data, uint32_t index, uint32_t n_permissions,
			       const struct pw_permission *permissions)
{
	struct obj *o = data;
	struct client_state *cs = o->client;

	if (cs->have_saved)
		return;
	cs->have_saved = true;
	cs->saved_default = PW_PERM_ALL;
	for (uint32_t i = 0; i < n_permissions; i++) {
		const struct pw_permission *p = &permissions[i];

		if (p->id == PW_ID_ANY)
			cs->saved_default = p->permissions;
		else if (p->permissions != PW_PERM_INVALID && cs->n_saved < SAVED_MAX)
			cs->saved[cs->n_saved++] = *p;
	}
}

const struct pw_client_events client_events = {
	PW_VERSION_CLIENT_EVENTS,
	.info = client_info,
	.permissions = client_permissions,
};

/* What the client had on the object before we hid it. An explicit 0 is taken for an
 * earlier dacguardd's doing (it does not know): the client's default then. */
static uint32_t client_saved(const struct client_state *cs, uint32_t id)
{
	if (!cs->have_saved)
		return PW_PERM_ALL;
	for (uint32_t i = 0; i < cs->n_saved; i++)
		if (cs->saved[i].id == id && cs->saved[i].permissions != 0)
			return cs->saved[i].permissions;
	return cs->saved_default;
}

static bool id_in(const uint32_t *ids, uint32_t n, uint32_t id)
{
	for (uint32_t i = 0; i < n; i++)
		if (ids[i] == id)
			return true;
	return false;
}

/* The raw sinks (and their ports) to hide: those of known DACs, hiding on, whose guard
 * exists. */
static uint32_t hide_set(struct dg_pw_apply *a, uint32_t *ids, uint32_t max)
{
	char guard_name[SINK_NAME_MAX + 16];
	struct card *c;
	struct obj *s, *p;
	uint32_t n = 0;

	/* with smart filters the raw sink is the device users see and pick: a stream
	 * bound for it plays through the guard */
	if (a->smart_filters)
		return 0;
	spa_list_for_each(c, &a->cards, link) {
		if (!c->hide_raw_sink)
			continue;
		spa_list_for_each(s, &a->objs, link) {
			if (s->kind != OBJ_SINK || !sink_matches(a, c, s))
				continue;
			snprintf(guard_name, sizeof(guard_name), GUARD_PREFIX "%s", s->name);
			if (find_node(a, OBJ_GUARD, guard_name) == NULL)
				continue;
			if (n < max && !id_in(ids, n, s->id))
				ids[n++] = s->id;
			spa_list_for_each(p, &a->objs, link)
				if (p->kind == OBJ_PORT && p->port_node == s->id && n < max &&
				    !id_in(ids, n, p->id))
					ids[n++] = p->id;
		}
	}
	return n;
}

/* Each ordinary client loses every permission on the objects to hide and gets back
 * what it had on those no longer to hide; the others get everything back. */
void hide_raw_sinks(struct dg_pw_apply *a)
{
	uint32_t want[HIDDEN_MAX], n_want = hide_set(a, want, HIDDEN_MAX);
	struct obj *o;

	spa_list_for_each(o, &a->objs, link) {
		struct client_state *cs = o->client;
		struct pw_permission perms[2 * HIDDEN_MAX];
		uint32_t n = 0, kept = 0, n_hid = 0, n_shown = 0;

		if (o->kind != OBJ_CLIENT || cs == NULL || o->proxy == NULL)
			continue;
		for (uint32_t i = 0; i < cs->n_hidden; i++) {
			uint32_t id = cs->hidden[i];

			if (!cs->keep && id_in(want, n_want, id)) {
				cs->hidden[kept++] = id;
				continue;
			}
			/* gone objects need nothing back */
			if (find_obj(a, id) != NULL) {
				perms[n++] = PW_PERMISSION_INIT(id, client_saved(cs, id));
				n_shown++;
			}
		}
		cs->n_hidden = kept;
		for (uint32_t i = 0; !cs->keep && i < n_want; i++) {
			if (id_in(cs->hidden, cs->n_hidden, want[i]))
				continue;
			perms[n++] = PW_PERMISSION_INIT(want[i], 0);
			cs->hidden[cs->n_hidden++] = want[i];
			n_hid++;
		}
		if (n == 0)
			continue;
		pw_client_update_permissions((struct pw_client *)o->proxy, n, perms);
		dg_info("pw: client %u (%s): raw sink objects hidden %u, shown again %u", o->id,
		    cs->binary[0] ? cs->binary : "?", n_hid, n_shown);
	}
}
