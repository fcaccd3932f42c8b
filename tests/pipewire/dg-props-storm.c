/* SPDX-License-Identifier: MIT */
/* dg-props-storm NODE-ID RATE SECONDS [SEED]: writes a guard's Props RATE times a second
 * for SECONDS from a timer on the loop, as a misbehaving client might, then waits for
 * the server to have taken every write (a core sync).
 *
 * Each write is a random, non-empty mix of dacguard.ceiling-db (-60 .. +6 dB),
 * dacguard.output (an output id or "unknown"), dacguard.mode and
 * dacguard.output-ceilings (1 to 8 outputs, each -60 .. +6 dB), from a PRNG seeded with
 * SEED (default: the clock), printed first so a run can be repeated. The timer fires
 * every millisecond (or every 1/RATE s when slower) and sends what is due by then, so a
 * late tick is made up for; the writes are queued on the connection and sent as the
 * loop runs.
 *
 * Prints the seed, then one line:
 *   sent N writes in T s: R writes/s (wanted RATE); all taken after T2 s: R2 writes/s
 * and the mix (how many writes carried each key). Exit status: 0 done, 1 the server
 * reported an error (or the node is not there), 2 usage. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <spa/param/props.h>
#include <spa/pod/builder.h>
#include <spa/utils/result.h>

#include <pipewire/pipewire.h>

static const char *const outputs[] = {"se-3.5",	  "se-6.35",	"bal-2.5",  "bal-4.4",
				      "bal-xlr4", "bal-xlr3x2", "line-rca", "line-xlr"};
#define N_OUTPUTS SPA_N_ELEMENTS(outputs)
static const char *const modes[] = {"single-ended", "balanced", "unknown"};

enum { KEY_CEILING, KEY_OUTPUT, KEY_MODE, KEY_TABLE, N_KEYS };
static const char *const key_names[N_KEYS] = {"dacguard.ceiling-db", "dacguard.output",
					      "dacguard.mode", "dacguard.output-ceilings"};

struct storm {
	struct pw_main_loop *loop;
	struct pw_core *core;
	struct pw_node *node;
	struct spa_source *timer;
	uint64_t rng;
	uint32_t rate;
	uint64_t total, sent, with_key[N_KEYS];
	struct timespec start, sent_at, done_at;
	int sync_seq;
	int errors;
};

/* splitmix64: the same writes for the same seed, on any libc */
static uint64_t next_u64(struct storm *s)
{
	uint64_t z = (s->rng += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint32_t below(struct storm *s, uint32_t n)
{
	return (uint32_t) (next_u64(s) % n);
}

/* -60 .. +6 dB in steps of 0.001 dB */
static double random_db(struct storm *s)
{
	return -60.0 + (double) below(s, 66001) / 1000.0;
}

static double seconds_since(const struct timespec *a, const struct timespec *b)
{
	return (double) (b->tv_sec - a->tv_sec) + (double) (b->tv_nsec - a->tv_nsec) / 1e9;
}

/* A JSON object of 1 to 8 distinct outputs, each at a random ceiling. */
static void random_table(struct storm *s, char *buf, size_t size)
{
	const char *ids[N_OUTPUTS];
	uint32_t n = 1 + below(s, N_OUTPUTS);
	size_t len;

	memcpy(ids, outputs, sizeof(ids));
	for (uint32_t i = 0; i < n; i++) {
		uint32_t j = i + below(s, (uint32_t) N_OUTPUTS - i);
		const char *t = ids[i];
		ids[i] = ids[j];
		ids[j] = t;
	}
	len = (size_t) snprintf(buf, size, "{");
	for (uint32_t i = 0; i < n && len < size; i++)
		len += (size_t) snprintf(buf + len, size - len, "%s \"%s\": %.3f", i ? "," : "",
					 ids[i], random_db(s));
	if (len < size)
		snprintf(buf + len, size - len, " }");
}

static void send_write(struct storm *s)
{
	uint8_t buffer[4096];
	struct spa_pod_builder b = SPA_POD_BUILDER_INIT(buffer, sizeof(buffer));
	struct spa_pod_frame f[2];
	struct spa_pod *pod;
	char table[512];
	uint32_t keys = 1 + below(s, (1u << N_KEYS) - 1);

	spa_pod_builder_push_object(&b, &f[0], SPA_TYPE_OBJECT_Props, SPA_PARAM_Props);
	spa_pod_builder_prop(&b, SPA_PROP_params, 0);
	spa_pod_builder_push_struct(&b, &f[1]);
	for (int k = 0; k < N_KEYS; k++) {
		if (!(keys & (1u << k)))
			continue;
		s->with_key[k]++;
		spa_pod_builder_string(&b, key_names[k]);
		switch (k) {
		case KEY_CEILING:
			spa_pod_builder_float(&b, (float) random_db(s));
			break;
		case KEY_OUTPUT: {
			uint32_t i = below(s, N_OUTPUTS + 1);
			spa_pod_builder_string(&b, i < N_OUTPUTS ? outputs[i] : "unknown");
			break;
		}
		case KEY_MODE:
			spa_pod_builder_string(&b, modes[below(s, SPA_N_ELEMENTS(modes))]);
			break;
		case KEY_TABLE:
			random_table(s, table, sizeof(table));
			spa_pod_builder_string(&b, table);
			break;
		}
	}
	spa_pod_builder_pop(&b, &f[1]);
	pod = spa_pod_builder_pop(&b, &f[0]);
	pw_node_set_param(s->node, SPA_PARAM_Props, 0, pod);
	s->sent++;
}

static void on_timer(void *data, uint64_t expirations)
{
	struct storm *s = data;
	struct timespec now;
	uint64_t due;

	clock_gettime(CLOCK_MONOTONIC, &now);
	due = (uint64_t) (seconds_since(&s->start, &now) * s->rate) + 1;
	if (due > s->total)
		due = s->total;
	while (s->sent < due)
		send_write(s);
	if (s->sent == s->total && s->sync_seq == 0) {
		s->sent_at = now;
		pw_loop_update_timer(pw_main_loop_get_loop(s->loop), s->timer, NULL, NULL, false);
		s->sync_seq = pw_core_sync(s->core, PW_ID_CORE, 0);
	}
}

static void on_done(void *data, uint32_t id, int seq)
{
	struct storm *s = data;

	if (id != PW_ID_CORE || seq != s->sync_seq)
		return;
	clock_gettime(CLOCK_MONOTONIC, &s->done_at);
	pw_main_loop_quit(s->loop);
}

static void on_error(void *data, uint32_t id, int seq, int res, const char *message)
{
	struct storm *s = data;

	fprintf(stderr, "dg-props-storm: error on id %u: %s (%s)\n", id, message,
		spa_strerror(res));
	s->errors++;
	pw_main_loop_quit(s->loop);
}

static const struct pw_core_events core_events = {
    PW_VERSION_CORE_EVENTS,
    .done = on_done,
    .error = on_error,
};

static int usage(void)
{
	fprintf(stderr, "usage: dg-props-storm NODE-ID RATE SECONDS [SEED]\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct storm s = {0};
	struct pw_context *context = NULL;
	struct pw_registry *registry = NULL;
	struct spa_hook core_listener;
	struct timespec interval = {0, 1000000}, value = {0, 1};
	unsigned long id, rate;
	double secs;
	uint64_t seed;
	char *end;
	int ret = 1;

	if (argc < 4 || argc > 5)
		return usage();
	id = strtoul(argv[1], &end, 10);
	if (*end != '\0' || end == argv[1])
		return usage();
	rate = strtoul(argv[2], &end, 10);
	if (*end != '\0' || rate == 0 || rate > 1000000)
		return usage();
	secs = strtod(argv[3], &end);
	if (*end != '\0' || !(secs > 0.0 && secs <= 3600.0))
		return usage();
	if (argc == 5) {
		seed = strtoull(argv[4], &end, 0);
		if (*end != '\0' || end == argv[4])
			return usage();
	} else {
		struct timespec t;
		clock_gettime(CLOCK_REALTIME, &t);
		seed = (uint64_t) t.tv_nsec ^ ((uint64_t) t.tv_sec << 20) ^ (uint64_t) getpid();
	}
	s.rng = seed;
	s.rate = (uint32_t) rate;
	printf("dg-props-storm: seed %" PRIu64 ", %lu writes/s for %g s to node %lu\n", seed, rate,
	       secs, id);
	fflush(stdout);

	pw_init(&argc, &argv);
	s.loop = pw_main_loop_new(NULL);
	if (s.loop == NULL)
		goto out;
	context = pw_context_new(pw_main_loop_get_loop(s.loop), NULL, 0);
	s.core = context ? pw_context_connect(context, NULL, 0) : NULL;
	if (s.core == NULL) {
		fprintf(stderr, "dg-props-storm: can't connect: %s\n", strerror(errno));
		goto out;
	}
	pw_core_add_listener(s.core, &core_listener, &core_events, &s);
	registry = pw_core_get_registry(s.core, PW_VERSION_REGISTRY, 0);
	s.node =
	    pw_registry_bind(registry, (uint32_t) id, PW_TYPE_INTERFACE_Node, PW_VERSION_NODE, 0);

	/* the node bound (an error ends it here), then the storm */
	s.sync_seq = pw_core_sync(s.core, PW_ID_CORE, 0);
	pw_main_loop_run(s.loop);
	if (s.errors > 0)
		goto out;

	s.total = (uint64_t) (secs * (double) rate + 0.5);
	s.sync_seq = 0;
	if (rate < 1000)
		interval.tv_nsec = (long) (1000000000UL / rate);
	s.timer = pw_loop_add_timer(pw_main_loop_get_loop(s.loop), on_timer, &s);
	clock_gettime(CLOCK_MONOTONIC, &s.start);
	pw_loop_update_timer(pw_main_loop_get_loop(s.loop), s.timer, &value, &interval, false);
	pw_main_loop_run(s.loop);
	if (s.errors > 0)
		goto out;

	double t_sent = seconds_since(&s.start, &s.sent_at);
	double t_done = seconds_since(&s.start, &s.done_at);
	printf("sent %" PRIu64 " writes in %.3f s: %.0f writes/s (wanted %lu); all taken after "
	       "%.3f s: %.0f writes/s\n",
	       s.sent, t_sent, t_sent > 0.0 ? (double) (s.sent - 1) / t_sent : 0.0, rate, t_done,
	       (double) s.sent / t_done);
	printf("mix: %" PRIu64 " with %s, %" PRIu64 " with %s, %" PRIu64 " with %s, %" PRIu64
	       " with %s\n",
	       s.with_key[0], key_names[0], s.with_key[1], key_names[1], s.with_key[2],
	       key_names[2], s.with_key[3], key_names[3]);
	ret = 0;
out:
	if (s.timer)
		pw_loop_destroy_source(pw_main_loop_get_loop(s.loop), s.timer);
	if (s.node)
		pw_proxy_destroy((struct pw_proxy *) s.node);
	if (registry)
		pw_proxy_destroy((struct pw_proxy *) registry);
	if (s.core) {
		spa_hook_remove(&core_listener);
		pw_core_disconnect(s.core);
	}
	if (context)
		pw_context_destroy(context);
	if (s.loop)
		pw_main_loop_destroy(s.loop);
	pw_deinit();
	return ret;
}
