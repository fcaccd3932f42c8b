/* SPDX-License-Identifier: MIT */
/* dacguardctl measure: active channel separation through a PipeWire sink.
 *
 * Plays a sine on one channel with the other idle, captures the result (the sink's monitor
 * by default, or an ADC input fed by a loopback cable) and reports the crosstalk per
 * frequency and direction. This file runs the PipeWire side in order: the registry is
 * read until the nodes are known (measure-discover.c), then the two streams
 * (measure-streams.c) carry the run of lib/measure-run.c, which finds the stimulus in the
 * capture itself, so nothing waits a fixed time; the report follows
 * (measure-report.c). Every wait has a deadline. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <spa/utils/result.h>

#include <pipewire/pipewire.h>

#include "cmd-args.h"
#include "cmd.h"
#include "log.h"
#include "measure-discover.h"
#include "measure-report.h"
#include "measure-run.h"
#include "measure-streams.h"

#define CMD "measure"

#define DEFAULT_RATE 48000
#define DEFAULT_LEVEL_DBFS -20.0
#define SETUP_TIMEOUT_MS 10000 /* connect, find the nodes, link the streams, read a baseline */
#define TICK_MS 50

struct measure_args {
	const char *target;
	const char *source;
	unsigned rate;
	double level_dbfs;
	double freqs[DG_MEASURE_MAX_FREQS];
	size_t n_freqs;
	bool json;
};

/* The registry is read in rounds, each ended by a core sync. */
enum phase {
	PHASE_GLOBALS,   /* the globals listed, "default" metadata bound */
	PHASE_METADATA,  /* its properties arrived */
	PHASE_INFO,      /* sink and guard bound: props and Props arrived */
	PHASE_DEVICE,    /* the sink's device bound */
	PHASE_RUN,
};

struct measure {
	struct measure_args a;
	struct measure_target target;
	struct measure_discovery discovery;
	struct measure_streams streams;
	struct dg_measure_run run;

	struct pw_main_loop *loop;
	struct pw_loop *l;
	struct pw_context *context;
	struct pw_core *core;
	struct spa_hook core_listener;
	struct pw_registry *registry;
	struct spa_hook registry_listener;
	struct spa_source *timer;
	struct spa_source *sigint;
	struct spa_source *sigterm;
	enum phase phase;
	int sync_seq;
	uint64_t setup_deadline;    /* CLOCK_MONOTONIC ns */

	bool finished;
	int status;                 /* the exit status when finished */
	char error[512];
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t) ts.tv_sec * SPA_NSEC_PER_SEC + (uint64_t) ts.tv_nsec;
}

static void quit(struct measure *m, int status)
{
	if (m->finished)
		return;
	m->finished = true;
	m->status = status;
	pw_main_loop_quit(m->loop);
}

static void fail(struct measure *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(struct measure *m, const char *fmt, ...)
{
	va_list ap;

	if (m->finished)
		return;
	va_start(ap, fmt);
	vsnprintf(m->error, sizeof(m->error), fmt, ap);
	va_end(ap);
	quit(m, 1);
}

static void usage(void)
{
	fputs("Usage: dacguardctl measure [--target SINK] [--source SOURCE] [--rate HZ]\n"
	      "           [--level DBFS] [--frequencies F1,F2,...] [--json]\n"
	      "\n"
	      "Plays a sine on the left channel with the right idle, then the other way round,\n"
	      "at each frequency, and reports the channel separation (crosstalk) captured from\n"
	      "SOURCE (default: the monitor of SINK; SINK defaults to the default sink, played\n"
	      "through its dacguard guard when there is one). See dacguardctl(1).\n",
	      stdout);
}

static int parse_frequencies(struct measure_args *a, const char *val)
{
	char buf[1024];
	char *save = NULL, *tok;

	if (strlen(val) >= sizeof(buf))
		return cmd_usage_error(CMD, "--frequencies: list too long");
	strcpy(buf, val);
	a->n_freqs = 0;
	if (!*buf || buf[strlen(buf) - 1] == ',' || buf[0] == ',' || strstr(buf, ",,"))
		return cmd_usage_error(CMD, "--frequencies: expected F1,F2,... in Hz, not '%s'",
				       val);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		double f;

		if (cmd_parse_number(tok, &f) < 0)
			return cmd_usage_error(CMD, "--frequencies: '%s' is not a number", tok);
		if (f < 20.0)
			return cmd_usage_error(CMD, "--frequencies: %s Hz is below 20 Hz", tok);
		if (a->n_freqs == DG_MEASURE_MAX_FREQS)
			return cmd_usage_error(CMD, "--frequencies: at most %d", DG_MEASURE_MAX_FREQS);
		a->freqs[a->n_freqs++] = f;
	}
	return 0;
}

static int parse_name(const char *opt, const char *val, const char **out)
{
	if (!*val)
		return cmd_usage_error(CMD, "%s: empty name", opt);
	if (strlen(val) >= MEASURE_NAME_MAX - 16)
		return cmd_usage_error(CMD, "%s: name too long", opt);
	*out = val;
	return 0;
}

enum opt { OPT_TARGET, OPT_SOURCE, OPT_RATE, OPT_LEVEL, OPT_FREQUENCIES, N_OPTS };

/* in the order of enum opt */
static const char *const opt_names[N_OPTS] = { "--target", "--source", "--rate", "--level",
					       "--frequencies" };

static const struct cmd_range rate_range = {
	.expected = "a whole number of Hz", .min = 8000, .max = 384000, .whole = true,
};
static const struct cmd_range level_range = {
	.expected = "dBFS", .min = -80.0, .max = 0.0, .unit = " dBFS",
};

static int take_option(void *data, int o, const char *val)
{
	struct measure_args *a = data;
	double v;

	switch ((enum opt) o) {
	case OPT_TARGET:
		return parse_name(opt_names[o], val, &a->target);
	case OPT_SOURCE:
		return parse_name(opt_names[o], val, &a->source);
	case OPT_RATE:
		if (cmd_number_option(CMD, opt_names[o], val, &rate_range, &v))
			return 2;
		a->rate = (unsigned) v;
		return 0;
	case OPT_LEVEL:
		return cmd_number_option(CMD, opt_names[o], val, &level_range, &a->level_dbfs);
	case OPT_FREQUENCIES:
		return parse_frequencies(a, val);
	case N_OPTS:
		break;
	}
	return cmd_usage_error(CMD, "internal error");
}

/* Returns 0 to go on, 1 after --help, 2 on a usage error (already reported). */
static int parse_args(int argc, char **argv, struct measure_args *a)
{
	static const double default_freqs[] = { 100.0, 1000.0, 10000.0 };
	static const struct cmd_options options = {
		.cmd = CMD, .names = opt_names, .n_names = N_OPTS, .json = true, .usage = usage,
		.take = take_option,
	};
	uint32_t given;
	int r;

	memset(a, 0, sizeof(*a));
	a->rate = DEFAULT_RATE;
	a->level_dbfs = DEFAULT_LEVEL_DBFS;
	for (size_t i = 0; i < SPA_N_ELEMENTS(default_freqs); i++)
		a->freqs[i] = default_freqs[i];
	a->n_freqs = SPA_N_ELEMENTS(default_freqs);
	r = cmd_parse_options(&options, argc, argv, a, &given);
	if (r)
		return r;
	a->json = given & CMD_JSON;
	for (size_t i = 0; i < a->n_freqs; i++)
		if (a->freqs[i] >= 0.45 * a->rate)
			return cmd_usage_error(CMD, "--frequencies: %g Hz is too close to the "
					       "Nyquist frequency of %u Hz", a->freqs[i], a->rate);
	return 0;
}

/* After every call into the run: how it ended says how the command ends. */
static void check_end(struct measure *m)
{
	const struct dg_measure_run *run = &m->run;
	const struct dg_measure_segment *seg = &run->segs[run->cur];

	switch (run->end) {
	case DG_MEASURE_RUN_GOING:
		break;
	case DG_MEASURE_RUN_FINISHED:
		quit(m, 0);
		break;
	case DG_MEASURE_RUN_BAD_CAPTURE:
		fail(m, "%g Hz %s: %s (driven channel %.1f dBFS, %.1f dB over its floor)",
		     seg->freq, dg_measure_direction(seg->active),
		     seg->r.status == DG_MEASURE_NO_SIGNAL ? "no stimulus captured" :
							     "the capture is too noisy",
		     seg->r.active_dbfs, seg->r.snr_db);
		break;
	case DG_MEASURE_RUN_NO_ONSET:
		fail(m, "%g Hz %s: no stimulus captured from %s%s within %d ms", seg->freq,
		     dg_measure_direction(seg->active),
		     m->target.capture_monitor ? "the monitor of " : "",
		     m->target.capture_target, DG_MEASURE_ONSET_TIMEOUT_MS);
		break;
	case DG_MEASURE_RUN_STOPPED:
		fail(m, "interrupted");
		break;
	case DG_MEASURE_RUN_ANALYSIS_ERROR:
		fail(m, "internal error: cannot analyse %zu frames at %g Hz", run->collect_len,
		     seg->freq);
		break;
	}
}

static void on_play(void *data, float *frames, size_t n)
{
	struct measure *m = data;

	dg_measure_run_play(&m->run, frames, n);
}

static void on_capture(void *data, const float *frames, size_t n)
{
	struct measure *m = data;

	if (m->finished)
		return;
	dg_measure_run_capture(&m->run, frames, n, now_ns());
	check_end(m);
}

static void on_stream_error(void *data, const char *message)
{
	fail(data, "stream error: %s", message ? message : "unknown");
}

static const struct measure_streams_events streams_events = {
	.play = on_play,
	.capture = on_capture,
	.error = on_stream_error,
};

static void on_global(void *data, uint32_t id, uint32_t permissions, const char *type,
		      uint32_t version, const struct spa_dict *props)
{
	struct measure *m = data;

	measure_discovery_global(&m->discovery, id, type, props);
	measure_streams_global(&m->streams, id, type, props);
}

static void on_global_remove(void *data, uint32_t id)
{
	struct measure *m = data;

	measure_streams_global_remove(&m->streams, id);
}

static const struct pw_registry_events registry_events = {
	PW_VERSION_REGISTRY_EVENTS,
	.global = on_global,
	.global_remove = on_global_remove,
};

static void sync_core(struct measure *m, enum phase p)
{
	m->phase = p;
	m->sync_seq = pw_core_sync(m->core, PW_ID_CORE, m->sync_seq);
}

static void resolve(struct measure *m)
{
	const struct measure_target *t = &m->target;
	char error[sizeof(m->error)];

	if (measure_discovery_resolve(&m->discovery, m->a.target, m->a.source, error,
				      sizeof(error)) < 0) {
		fail(m, "%s", error);
		return;
	}
	dg_debug(CMD ": playing into %s, capturing from %s%s", t->play_target,
		 t->capture_monitor ? "the monitor of " : "", t->capture_target);
	sync_core(m, PHASE_INFO);
}

static void start_run(struct measure *m)
{
	int r;

	m->phase = PHASE_RUN;
	r = measure_streams_connect(&m->streams, m->core);
	if (r < 0)
		fail(m, "cannot create the streams: %s", spa_strerror(r));
}

static void on_core_done(void *data, uint32_t id, int seq)
{
	struct measure *m = data;

	if (id != PW_ID_CORE || seq != m->sync_seq || m->finished)
		return;
	switch (m->phase) {
	case PHASE_GLOBALS:
		sync_core(m, PHASE_METADATA);
		break;
	case PHASE_METADATA:
		resolve(m);
		break;
	case PHASE_INFO:
		if (measure_discovery_bind_device(&m->discovery)) {
			sync_core(m, PHASE_DEVICE);
			break;
		}
		start_run(m);
		break;
	case PHASE_DEVICE:
		start_run(m);
		break;
	case PHASE_RUN:
		break;
	}
}

static void on_core_error(void *data, uint32_t id, int seq, int res, const char *message)
{
	struct measure *m = data;

	if (id == PW_ID_CORE)
		fail(m, "PipeWire: %s (%s)", message ? message : "error", spa_strerror(res));
}

static const struct pw_core_events core_events = {
	PW_VERSION_CORE_EVENTS,
	.done = on_core_done,
	.error = on_core_error,
};

static void on_tick(void *data, uint64_t expirations)
{
	struct measure *m = data;

	if (m->finished)
		return;
	if (m->phase != PHASE_RUN || m->run.stage == DG_MEASURE_STAGE_BASELINE) {
		if (now_ns() > m->setup_deadline)
			fail(m, "timed out: %s", m->phase != PHASE_RUN ?
				"PipeWire did not answer" :
				"no capture data (are the streams linked? is a session manager "
				"running?)");
		return;
	}
	dg_measure_run_tick(&m->run, now_ns());
	check_end(m);
}

static void on_signal(void *data, int signal_number)
{
	struct measure *m = data;

	if (m->phase != PHASE_RUN) {
		fail(m, "interrupted");
		return;
	}
	/* a tone that sounds fades out first: a tick ends the run after it */
	dg_measure_run_stop(&m->run, now_ns());
	check_end(m);
}

static void destroy(struct measure *m)
{
	measure_streams_clear(&m->streams);
	measure_discovery_clear(&m->discovery);
	if (m->registry)
		pw_proxy_destroy((struct pw_proxy *) m->registry);
	if (m->core)
		pw_core_disconnect(m->core);
	if (m->context)
		pw_context_destroy(m->context);
	if (m->loop) {
		if (m->timer)
			pw_loop_destroy_source(m->l, m->timer);
		if (m->sigint)
			pw_loop_destroy_source(m->l, m->sigint);
		if (m->sigterm)
			pw_loop_destroy_source(m->l, m->sigterm);
		pw_main_loop_destroy(m->loop);
	}
}

static int run(struct measure *m)
{
	struct timespec tick = { .tv_nsec = TICK_MS * SPA_NSEC_PER_MSEC };

	m->loop = pw_main_loop_new(NULL);
	if (!m->loop)
		return fail(m, "cannot create a main loop: %s", strerror(errno)), -errno;
	m->l = pw_main_loop_get_loop(m->loop);
	m->sigint = pw_loop_add_signal(m->l, SIGINT, on_signal, m);
	m->sigterm = pw_loop_add_signal(m->l, SIGTERM, on_signal, m);
	m->timer = pw_loop_add_timer(m->l, on_tick, m);
	if (!m->timer)
		return fail(m, "cannot create a timer"), -ENOMEM;
	pw_loop_update_timer(m->l, m->timer, &tick, &tick, false);

	m->context = pw_context_new(m->l, NULL, 0);
	if (!m->context)
		return fail(m, "cannot create a PipeWire context: %s", strerror(errno)), -errno;
	m->core = pw_context_connect(m->context, NULL, 0);
	if (!m->core)
		return fail(m, "cannot connect to PipeWire: %s", strerror(errno)), -errno;
	pw_core_add_listener(m->core, &m->core_listener, &core_events, m);
	m->registry = pw_core_get_registry(m->core, PW_VERSION_REGISTRY, 0);
	if (!m->registry)
		return fail(m, "cannot get the PipeWire registry"), -ENOMEM;
	measure_discovery_init(&m->discovery, m->registry, &m->target);
	pw_registry_add_listener(m->registry, &m->registry_listener, &registry_events, m);

	m->setup_deadline = now_ns() + (uint64_t) SETUP_TIMEOUT_MS * SPA_NSEC_PER_MSEC;
	sync_core(m, PHASE_GLOBALS);
	pw_main_loop_run(m->loop);
	return 0;
}

int cmd_measure(int argc, char **argv)
{
	struct measure *m;
	struct measure_expectation e;
	bool found;
	int r, status;

	m = calloc(1, sizeof(*m));
	if (!m) {
		dg_error(CMD ": out of memory");
		return 1;
	}
	r = parse_args(argc, argv, &m->a);
	if (r) {
		free(m);
		return r == 1 ? 0 : r;
	}
	r = dg_measure_run_init(&m->run, m->a.freqs, m->a.n_freqs, m->a.rate, m->a.level_dbfs);
	if (r < 0) {
		dg_error(CMD ": %s", strerror(-r));
		dg_measure_run_free(&m->run);
		free(m);
		return 1;
	}
	measure_streams_init(&m->streams, m->a.rate, &m->target, &streams_events, m);

	pw_init(NULL, NULL);
	run(m);
	if (!m->finished)
		fail(m, "the main loop ended early");
	status = m->status;
	if (status != 0)
		dg_error(CMD ": %s", m->error);
	destroy(m);
	pw_deinit();

	found = m->target.sink[0];
	if (found)
		measure_expect(&m->target, &m->run, &e);
	if (m->a.json)
		measure_print_json(&m->target, &m->run, found ? &e : NULL, m->error);
	else
		measure_print_human(&m->target, &m->run, found ? &e : NULL);
	dg_measure_run_free(&m->run);
	free(m);
	return status;
}
