/* SPDX-License-Identifier: MIT */
/* dg-profile SECONDS: what the server's profiler (libpipewire-module-profiler, pw-top's
 * source) says about every node of the graph over SECONDS, from its first profile.
 * pw-top has a batch mode only from PipeWire 1.0; this reads the same Profiler
 * object on 0.3.65, 1.4 and 1.6 alike.
 *
 * A profile is taken at the end of each graph cycle, and also when the driver starts a
 * cycle before the last one finished ("incomplete"). A node is then:
 *   finished       its cycle was done;
 *   waiting        not triggered: an input had not arrived (another node was late);
 *   triggered,     all its inputs were in but it had not finished: the cycle was
 *   awake          late at it (awake: it was running), the count PipeWire 1.x keeps as
 *                  the node's own xruns (impl-node.c: a target still triggered or
 *                  awake when the next cycle starts).
 * pw-top's ERR column adds up everything that was not finished, plus the driver's xruns.
 *
 * Prints, one line each (times in microseconds):
 *   driver ID NAME quantum Q rate R period-us P seconds S speed V cycles C
 *       profiles N incomplete I xruns X cpu L            (one per graph)
 *   node ID NAME cycles N finished F waiting W triggered T awake A in-time L
 *       own-xruns X wait-us MEAN MAX busy-us MEAN P99 MAX
 * speed: the clock's frames over the wall time (1.0: every cycle in its period);
 * cycles: the cycles the clock ran, profiles: how many of them the profiler sent (0.3.65
 * sends its ring of 8 MB once a second: at 750 cycles a second of 70 nodes it drops
 * most; the figures are then those of a sample);
 * in-time: of its triggered or awake ends, those where it had been triggered with more
 * time left in the cycle than its longest run took (late with no input to blame);
 * xruns: the driver's count (its info) over the run; own-xruns: the node's own count
 * over the run where the server reports one (PipeWire 1.x), else "-"; wait: from its
 * trigger to its start, busy: from its start to its end. A node of the server runs on
 * the server's data thread, which also runs the driver: found triggered, it had not
 * been run yet, and never awake. Exit status 0, 1 when no profile came (no profiler
 * module, or no graph running). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <spa/param/profiler.h>
#include <spa/pod/iter.h>
#include <spa/pod/parser.h>
#include <spa/utils/string.h>

#include <pipewire/pipewire.h>
#include <pipewire/extensions/profiler.h>
#include <pipewire/impl.h>

#define MAX_NODES    512
#define HIST_US	     20000
#define MAX_DRIVERS  16
#define XRUN_INVALID UINT32_MAX

enum { ST_NOT_TRIGGERED, ST_TRIGGERED, ST_AWAKE, ST_FINISHED, ST_INACTIVE };

struct node_stats {
	uint32_t id;
	char name[128];
	uint64_t cycles, finished, waiting, triggered, awake;
	uint64_t wait_sum, wait_n, wait_max;
	uint64_t busy_sum, busy_n, busy_max;
	uint32_t busy_hist[HIST_US + 1];
	/* of its triggered or awake ends: the time it had from its trigger to the cycle's
	 * end */
	uint32_t spare_hist[HIST_US + 1];
	uint32_t xrun_first, xrun_last;
};

/* a graph: its driver's figures */
struct driver_stats {
	uint32_t id;
	char name[128];
	uint64_t profiles, incomplete;
	uint32_t xrun_first, xrun_last;
	float cpu_load;
	struct spa_fraction rate;
	int64_t duration;
	int64_t nsec_first, nsec_last, pos_first, pos_last;
};

struct data {
	struct pw_main_loop *loop;
	struct pw_core *core;
	struct pw_registry *registry;
	struct spa_hook registry_listener;
	struct pw_proxy *profiler;
	struct spa_hook profiler_listener;
	struct spa_source *timer;
	double seconds;
	bool started;

	struct node_stats *nodes[MAX_NODES];
	unsigned n_nodes;

	struct driver_stats *drivers[MAX_DRIVERS];
	unsigned n_drivers;
	uint64_t profiles;
};

static int64_t period_ns(const struct driver_stats *dr)
{
	return dr->rate.denom
		   ? (int64_t) (1e9 * (double) dr->duration * dr->rate.num / dr->rate.denom)
		   : 0;
}

struct block {
	uint32_t id;
	const char *name;
	int64_t prev_signal, signal, awake, finish;
	int32_t status;
	struct spa_fraction latency;
	uint32_t xrun_count;
};

static struct node_stats *find_node(struct data *d, uint32_t id, const char *name)
{
	for (unsigned i = 0; i < d->n_nodes; i++)
		if (d->nodes[i]->id == id && spa_streq(d->nodes[i]->name, name))
			return d->nodes[i];
	if (d->n_nodes == MAX_NODES)
		return NULL;
	struct node_stats *n = calloc(1, sizeof(*n));
	if (n == NULL)
		return NULL;
	n->id = id;
	snprintf(n->name, sizeof(n->name), "%s", name ? name : "");
	n->xrun_first = n->xrun_last = XRUN_INVALID;
	d->nodes[d->n_nodes++] = n;
	return n;
}

static struct driver_stats *find_driver(struct data *d, uint32_t id, const char *name)
{
	for (unsigned i = 0; i < d->n_drivers; i++)
		if (d->drivers[i]->id == id && spa_streq(d->drivers[i]->name, name))
			return d->drivers[i];
	if (d->n_drivers == MAX_DRIVERS)
		return NULL;
	struct driver_stats *dr = calloc(1, sizeof(*dr));
	if (dr == NULL)
		return NULL;
	dr->id = id;
	snprintf(dr->name, sizeof(dr->name), "%s", name ? name : "");
	dr->xrun_first = XRUN_INVALID;
	d->drivers[d->n_drivers++] = dr;
	return dr;
}

static int parse_block(const struct spa_pod *pod, struct block *b)
{
	spa_zero(*b);
	b->xrun_count = XRUN_INVALID;
	return spa_pod_parse_struct(pod, SPA_POD_Int(&b->id), SPA_POD_String(&b->name),
				    SPA_POD_Long(&b->prev_signal), SPA_POD_Long(&b->signal),
				    SPA_POD_Long(&b->awake), SPA_POD_Long(&b->finish),
				    SPA_POD_Int(&b->status), SPA_POD_OPT_Fraction(&b->latency),
				    SPA_POD_OPT_Int(&b->xrun_count));
}

/* cycle_start: the driver's signal time of this cycle (a follower's times before it are
 * from an earlier cycle), period_ns its length */
static void account(struct node_stats *n, const struct block *b, int64_t cycle_start,
		    int64_t period_ns)
{
	n->cycles++;
	switch (b->status) {
	case ST_NOT_TRIGGERED:
		n->waiting++;
		break;
	case ST_TRIGGERED:
	case ST_AWAKE:
		if (b->status == ST_TRIGGERED)
			n->triggered++;
		else
			n->awake++;
		if (b->signal >= cycle_start) {
			int64_t spare = (cycle_start + period_ns - b->signal) / 1000;
			n->spare_hist[SPA_CLAMP(spare, 0, HIST_US)]++;
		}
		break;
	case ST_FINISHED:
		n->finished++;
		break;
	default:
		break;
	}
	if (b->xrun_count != XRUN_INVALID) {
		if (n->xrun_first == XRUN_INVALID)
			n->xrun_first = b->xrun_count;
		n->xrun_last = b->xrun_count;
	}
	if (b->status != ST_FINISHED || b->signal < cycle_start || b->awake < b->signal ||
	    b->finish < b->awake)
		return;
	uint64_t wait = (uint64_t) (b->awake - b->signal) / 1000;
	uint64_t busy = (uint64_t) (b->finish - b->awake) / 1000;
	n->wait_sum += wait;
	n->wait_n++;
	n->wait_max = SPA_MAX(n->wait_max, wait);
	n->busy_sum += busy;
	n->busy_n++;
	n->busy_max = SPA_MAX(n->busy_max, busy);
	n->busy_hist[SPA_MIN(busy, (uint64_t) HIST_US)]++;
}

static void on_timer(void *data, uint64_t expirations)
{
	struct data *d = data;
	pw_main_loop_quit(d->loop);
}

static void start(struct data *d)
{
	struct timespec value = {0}, interval = {0};

	d->started = true;
	value.tv_sec = (time_t) d->seconds;
	value.tv_nsec = (long) ((d->seconds - (double) value.tv_sec) * 1e9);
	pw_loop_update_timer(pw_main_loop_get_loop(d->loop), d->timer, &value, &interval, false);
}

static void one_profile(struct data *d, const struct spa_pod_object *o)
{
	struct spa_pod_prop *p;
	struct driver_stats *dr = NULL, info = {0};
	struct block drv = {0}, b;
	bool incomplete = false, have_info = false, have_clock = false;
	uint32_t xruns = 0;
	float cpu[3] = {0};
	int64_t count = 0;

	/* info and clock come first, then the driver's block and its followers' */
	SPA_POD_OBJECT_FOREACH(o, p)
	{
		switch (p->key) {
		case SPA_PROFILER_info:
			have_info =
			    spa_pod_parse_struct(&p->value, SPA_POD_Long(&count),
						 SPA_POD_Float(&cpu[0]), SPA_POD_Float(&cpu[1]),
						 SPA_POD_Float(&cpu[2]), SPA_POD_Int(&xruns)) >= 0;
			break;
		case SPA_PROFILER_clock: {
			uint32_t flags, id;
			const char *name;
			int64_t nsec;
			have_clock = spa_pod_parse_struct(
					 &p->value, SPA_POD_Int(&flags), SPA_POD_Int(&id),
					 SPA_POD_String(&name), SPA_POD_Long(&nsec),
					 SPA_POD_Fraction(&info.rate), SPA_POD_Long(&info.pos_last),
					 SPA_POD_Long(&info.duration)) >= 0;
			break;
		}
		case SPA_PROFILER_driverBlock:
			if (parse_block(&p->value, &drv) < 0 ||
			    (dr = find_driver(d, drv.id, drv.name)) == NULL)
				break;
			dr->profiles++;
			if (have_info) {
				if (dr->xrun_first == XRUN_INVALID)
					dr->xrun_first = xruns;
				dr->xrun_last = xruns;
				dr->cpu_load = cpu[0];
			}
			if (have_clock) {
				dr->rate = info.rate;
				dr->duration = info.duration;
				if (dr->nsec_first == 0) {
					dr->nsec_first = drv.signal;
					dr->pos_first = info.pos_last;
				}
				dr->nsec_last = drv.signal;
				dr->pos_last = info.pos_last;
			}
			struct node_stats *n = find_node(d, drv.id, drv.name);
			if (n)
				account(n, &drv, drv.signal, period_ns(dr));
			break;
		case SPA_PROFILER_followerBlock:
			if (dr == NULL || parse_block(&p->value, &b) < 0)
				break;
			if (b.status != ST_FINISHED && b.status != ST_INACTIVE)
				incomplete = true;
			struct node_stats *f = find_node(d, b.id, b.name);
			if (f)
				account(f, &b, drv.signal, period_ns(dr));
			break;
		default:
			break;
		}
	}
	if (dr == NULL)
		return;
	d->profiles++;
	dr->incomplete += incomplete;
}

static void on_profile(void *data, const struct spa_pod *pod)
{
	struct data *d = data;
	struct spa_pod *o;

	if (!d->started)
		start(d);
	SPA_POD_STRUCT_FOREACH(pod, o)
	{
		if (spa_pod_is_object_type(o, SPA_TYPE_OBJECT_Profiler))
			one_profile(d, (const struct spa_pod_object *) o);
	}
}

static const struct pw_profiler_events profiler_events = {
    PW_VERSION_PROFILER_EVENTS,
    .profile = on_profile,
};

static void on_global(void *data, uint32_t id, uint32_t permissions, const char *type,
		      uint32_t version, const struct spa_dict *props)
{
	struct data *d = data;

	if (d->profiler != NULL || !spa_streq(type, PW_TYPE_INTERFACE_Profiler))
		return;
	d->profiler = pw_registry_bind(d->registry, id, type, PW_VERSION_PROFILER, 0);
	if (d->profiler)
		pw_proxy_add_object_listener(d->profiler, &d->profiler_listener, &profiler_events,
					     d);
}

static const struct pw_registry_events registry_events = {
    PW_VERSION_REGISTRY_EVENTS,
    .global = on_global,
};

static uint64_t percentile(const struct node_stats *n, double q)
{
	uint64_t want = (uint64_t) (q * (double) n->busy_n), seen = 0;

	for (uint32_t us = 0; us <= HIST_US; us++) {
		seen += n->busy_hist[us];
		if (seen > want)
			return us;
	}
	return HIST_US;
}

/* its triggered or awake ends with more time from its trigger to the cycle's end than
 * its longest run took: not an input late, it */
static uint64_t own_late(const struct node_stats *n)
{
	uint64_t c = 0;

	for (uint64_t us = n->busy_max + 1; us <= HIST_US; us++)
		c += n->spare_hist[us];
	return c;
}

static void print_stats(const struct data *d)
{
	for (unsigned i = 0; i < d->n_drivers; i++) {
		const struct driver_stats *dr = d->drivers[i];
		double secs = (double) (dr->nsec_last - dr->nsec_first) / 1e9;
		/* the clock's frames over the wall time: 1.0 when every cycle ran in its period */
		double speed = secs > 0.0 && dr->rate.denom
				   ? (double) (dr->pos_last - dr->pos_first) / dr->rate.denom / secs
				   : 0.0;
		printf("driver %u %s quantum %" PRId64 " rate %u period-us %.1f seconds %.1f "
		       "speed %.3f cycles %" PRId64 " profiles %" PRIu64 " incomplete %" PRIu64
		       " xruns %u cpu %.3f\n",
		       dr->id, dr->name, dr->duration, dr->rate.denom, (double) period_ns(dr) / 1e3,
		       secs, speed,
		       dr->duration ? (dr->pos_last - dr->pos_first) / dr->duration : 0,
		       dr->profiles, dr->incomplete,
		       dr->xrun_first != XRUN_INVALID ? dr->xrun_last - dr->xrun_first : 0,
		       dr->cpu_load);
	}
	for (unsigned i = 0; i < d->n_nodes; i++) {
		const struct node_stats *n = d->nodes[i];
		char own[32] = "-";
		if (n->xrun_first != XRUN_INVALID)
			snprintf(own, sizeof(own), "%u", n->xrun_last - n->xrun_first);
		printf(
		    "node %u %s cycles %" PRIu64 " finished %" PRIu64 " waiting %" PRIu64
		    " triggered %" PRIu64 " awake %" PRIu64 " in-time %" PRIu64
		    " own-xruns %s wait-us %.1f %" PRIu64 " busy-us %.1f %" PRIu64 " %" PRIu64 "\n",
		    n->id, n->name, n->cycles, n->finished, n->waiting, n->triggered, n->awake,
		    own_late(n), own, n->wait_n ? (double) n->wait_sum / (double) n->wait_n : 0.0,
		    n->wait_max, n->busy_n ? (double) n->busy_sum / (double) n->busy_n : 0.0,
		    n->busy_n ? percentile(n, 0.99) : 0, n->busy_max);
	}
}

int main(int argc, char **argv)
{
	struct data d = {0};
	struct pw_context *context;
	struct timespec give_up = {10, 0};
	char *end;
	int ret = 1;

	if (argc != 2 || ((d.seconds = strtod(argv[1], &end)), *end != '\0') ||
	    !(d.seconds > 0.0 && d.seconds < 86400.0)) {
		fprintf(stderr, "usage: dg-profile SECONDS\n");
		return 2;
	}
	pw_init(&argc, &argv);
	d.loop = pw_main_loop_new(NULL);
	context = d.loop ? pw_context_new(pw_main_loop_get_loop(d.loop), NULL, 0) : NULL;
	/* the Profiler interface's marshalling, as pw-top loads it */
	if (context)
		pw_context_load_module(context, PW_EXTENSION_MODULE_PROFILER, NULL, NULL);
	d.core = context ? pw_context_connect(context, NULL, 0) : NULL;
	if (d.core == NULL) {
		fprintf(stderr, "dg-profile: can't connect: %s\n", strerror(errno));
		return 1;
	}
	d.registry = pw_core_get_registry(d.core, PW_VERSION_REGISTRY, 0);
	pw_registry_add_listener(d.registry, &d.registry_listener, &registry_events, &d);
	/* no profile within 10 s: no profiler or no graph running */
	d.timer = pw_loop_add_timer(pw_main_loop_get_loop(d.loop), on_timer, &d);
	pw_loop_update_timer(pw_main_loop_get_loop(d.loop), d.timer, &give_up, NULL, false);
	pw_main_loop_run(d.loop);

	if (d.profiles == 0) {
		fprintf(stderr, "dg-profile: no profile (%s)\n",
			d.profiler ? "no graph running" : "no profiler in the server");
	} else {
		print_stats(&d);
		ret = 0;
	}
	for (unsigned i = 0; i < d.n_nodes; i++)
		free(d.nodes[i]);
	for (unsigned i = 0; i < d.n_drivers; i++)
		free(d.drivers[i]);
	if (d.profiler) {
		spa_hook_remove(&d.profiler_listener);
		pw_proxy_destroy(d.profiler);
	}
	spa_hook_remove(&d.registry_listener);
	pw_proxy_destroy((struct pw_proxy *) d.registry);
	pw_loop_destroy_source(pw_main_loop_get_loop(d.loop), d.timer);
	pw_core_disconnect(d.core);
	pw_context_destroy(context);
	pw_main_loop_destroy(d.loop);
	pw_deinit();
	return ret;
}
