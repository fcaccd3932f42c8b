/* SPDX-License-Identifier: MIT */
/* dg-set-props ID KEY VALUE: writes one float Props param to node ID, the way
 * pw-cli set-param does, but VALUE may be "nan", "inf" or "-inf" (pw-cli's
 * JSON cannot carry a NaN).
 * dg-set-props ID --pod FILE: sends the POD in FILE as it is (a malformed one
 * included: only its outer size must fit the file, as the protocol demands).
 * Returns once the server has processed it. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <spa/param/props.h>
#include <spa/pod/builder.h>
#include <spa/utils/result.h>

#include <pipewire/pipewire.h>

struct data {
	struct pw_main_loop *loop;
	int seq;
	int res;
};

static void on_done(void *user, uint32_t id, int seq)
{
	struct data *d = user;
	if (id == PW_ID_CORE && seq == d->seq)
		pw_main_loop_quit(d->loop);
}

static void on_error(void *user, uint32_t id, int seq, int res, const char *message)
{
	struct data *d = user;
	fprintf(stderr, "error id:%u: %s (%s)\n", id, message, spa_strerror(res));
	d->res = res;
	pw_main_loop_quit(d->loop);
}

static const struct pw_core_events core_events = {
    PW_VERSION_CORE_EVENTS,
    .done = on_done,
    .error = on_error,
};

int main(int argc, char **argv)
{
	struct data d = {0};
	struct pw_context *context;
	struct pw_core *core;
	struct pw_registry *registry;
	struct pw_node *node;
	struct spa_hook core_listener;
	static uint64_t buffer[8192];
	struct spa_pod_builder b = SPA_POD_BUILDER_INIT(buffer, sizeof(buffer));
	struct spa_pod_frame f[2];
	struct spa_pod *pod;
	char *end;
	unsigned long id;
	float value;

	if (argc != 4) {
		fprintf(stderr, "usage: dg-set-props NODE-ID KEY VALUE | NODE-ID --pod FILE\n");
		return 2;
	}
	id = strtoul(argv[1], &end, 10);
	if (*end != '\0')
		return 2;
	if (strcmp(argv[2], "--pod") == 0) {
		FILE *in = fopen(argv[3], "rb");
		size_t n = in ? fread(buffer, 1, sizeof(buffer), in) : 0;

		if (in)
			fclose(in);
		pod = (struct spa_pod *) buffer;
		if (n < sizeof(*pod) || SPA_POD_SIZE(pod) > n) {
			fprintf(stderr, "%s: not a POD\n", argv[3]);
			return 2;
		}
		value = 0.0f;
	} else if (strcmp(argv[3], "nan") == 0)
		value = NAN;
	else if (strcmp(argv[3], "inf") == 0)
		value = INFINITY;
	else if (strcmp(argv[3], "-inf") == 0)
		value = -INFINITY;
	else
		value = strtof(argv[3], NULL);

	pw_init(&argc, &argv);
	d.loop = pw_main_loop_new(NULL);
	context = pw_context_new(pw_main_loop_get_loop(d.loop), NULL, 0);
	core = context ? pw_context_connect(context, NULL, 0) : NULL;
	if (core == NULL) {
		fprintf(stderr, "can't connect: %s\n", strerror(errno));
		return 1;
	}
	pw_core_add_listener(core, &core_listener, &core_events, &d);
	registry = pw_core_get_registry(core, PW_VERSION_REGISTRY, 0);
	node =
	    pw_registry_bind(registry, (uint32_t) id, PW_TYPE_INTERFACE_Node, PW_VERSION_NODE, 0);

	if (strcmp(argv[2], "--pod") != 0) {
		spa_pod_builder_push_object(&b, &f[0], SPA_TYPE_OBJECT_Props, SPA_PARAM_Props);
		spa_pod_builder_prop(&b, SPA_PROP_params, 0);
		spa_pod_builder_push_struct(&b, &f[1]);
		spa_pod_builder_string(&b, argv[2]);
		spa_pod_builder_float(&b, value);
		spa_pod_builder_pop(&b, &f[1]);
		pod = spa_pod_builder_pop(&b, &f[0]);
	}
	pw_node_set_param(node, SPA_PARAM_Props, 0, pod);

	d.seq = pw_core_sync(core, PW_ID_CORE, 0);
	pw_main_loop_run(d.loop);

	pw_proxy_destroy((struct pw_proxy *) node);
	pw_proxy_destroy((struct pw_proxy *) registry);
	spa_hook_remove(&core_listener);
	pw_core_disconnect(core);
	pw_context_destroy(context);
	pw_main_loop_destroy(d.loop);
	pw_deinit();
	return d.res < 0 ? 1 : 0;
}
