/* SPDX-License-Identifier: MIT */
/* dacguardctl ceiling: the level math of lib/level.c on figures given on the command line. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd-args.h"
#include "cmd.h"
#include "headphones.h"
#include "json-out.h"
#include "level.h"
#include "log.h"

#define CMD "ceiling"

/* Figures given here are checked, so a fallback only shows for a broken profile. */
#define CTL_FALLBACK_CEILING_DB -30.0

enum opt {
	OPT_VOUT,
	OPT_ZOUT,
	OPT_POWER,
	OPT_IMPEDANCE,
	OPT_SENSITIVITY,
	OPT_HEADPHONE,
	OPT_MAX_SPL,
	N_OPTS,
};

static const char *const opt_names[N_OPTS] = {
	[OPT_VOUT] = "--vout",
	[OPT_ZOUT] = "--zout",
	[OPT_POWER] = "--power",
	[OPT_IMPEDANCE] = "--impedance",
	[OPT_SENSITIVITY] = "--sensitivity",
	[OPT_HEADPHONE] = "--headphone",
	[OPT_MAX_SPL] = "--max-spl",
};

struct ceiling_args {
	struct dg_output out;
	struct dg_headphone hp;
	const char *headphone;
	double max_spl;
	bool json;
};

static void usage(void)
{
	fputs("Usage: dacguardctl ceiling --vout V [--zout OHM] [--power MW@OHM]...\n"
	      "           (--impedance OHM --sensitivity 94dB/mW|108dB/V | --headphone NAME)\n"
	      "           --max-spl DB [--json]\n"
	      "\n"
	      "Computes the gain ceiling (dBFS) that keeps an output driving a headphone\n"
	      "under a maximum SPL. See dacguardctl(1) and doc/level-math.md.\n",
	      stdout);
}

/* "100@32": 100 mW into 32 ohm. */
static int parse_power(const char *s, struct dg_power_rating *r)
{
	char buf[64];
	char *at;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	at = strchr(buf, '@');
	if (!at)
		return -EINVAL;
	*at = '\0';
	if (cmd_parse_number(buf, &r->mw) < 0 || cmd_parse_number(at + 1, &r->ohm) < 0)
		return -EINVAL;
	return r->mw > 0 && r->ohm > 0 ? 0 : -EINVAL;
}

static const struct cmd_range above_zero = {
	.expected = "a finite number", .min = 0.0, .max = INFINITY, .min_open = true,
};
static const struct cmd_range zero_or_above = {
	.expected = "a finite number", .min = 0.0, .max = INFINITY,
};
static const struct cmd_range any_number = {
	.expected = "a finite number", .min = -INFINITY, .max = INFINITY,
};

static int take_option(void *data, int o, const char *val)
{
	struct ceiling_args *a = data;
	struct dg_output *out = &a->out;

	switch ((enum opt) o) {
	case OPT_VOUT:
		return cmd_number_option(CMD, opt_names[o], val, &above_zero, &out->vout_vrms);
	case OPT_ZOUT:
		return cmd_number_option(CMD, opt_names[o], val, &zero_or_above, &out->zout_ohm);
	case OPT_IMPEDANCE:
		return cmd_number_option(CMD, opt_names[o], val, &above_zero,
					 &a->hp.impedance_ohm);
	case OPT_MAX_SPL:
		return cmd_number_option(CMD, opt_names[o], val, &any_number, &a->max_spl);
	case OPT_POWER:
		if (out->n_power >= DG_MAX_RATINGS)
			return cmd_usage_error(CMD, "--power: at most %d ratings", DG_MAX_RATINGS);
		if (parse_power(val, &out->power[out->n_power]) < 0)
			return cmd_usage_error(CMD, "--power: expected MW@OHM, not '%s'", val);
		out->n_power++;
		return 0;
	case OPT_SENSITIVITY:
		if (dg_parse_sensitivity(val, &a->hp) < 0)
			return cmd_usage_error(CMD, "--sensitivity: want NdB/mW|NdB/V, not '%s'",
					       val);
		return 0;
	case OPT_HEADPHONE:
		if (!*val)
			return cmd_usage_error(CMD, "--headphone: empty name");
		a->headphone = val;
		return 0;
	case N_OPTS:
		break;
	}
	return cmd_usage_error(CMD, "internal error");
}

/* Returns 0 to go on, 1 after --help, 2 on a usage error (already reported). */
static int parse_args(int argc, char **argv, struct ceiling_args *a)
{
	static const struct cmd_options options = {
		.cmd = CMD, .names = opt_names, .n_names = N_OPTS, .repeatable = 1u << OPT_POWER,
		.json = true, .usage = usage, .take = take_option,
	};
	uint32_t given;
	int r;

	memset(a, 0, sizeof(*a));
	dg_output_init(&a->out, "");
	a->hp.impedance_ohm = NAN;
	a->hp.sensitivity_db = NAN;
	a->max_spl = NAN;
	r = cmd_parse_options(&options, argc, argv, a, &given);
	if (r)
		return r;
	a->json = given & CMD_JSON;

	if (!(given & (1u << OPT_VOUT)))
		return cmd_usage_error(CMD, "--vout is required");
	if (!(given & (1u << OPT_MAX_SPL)))
		return cmd_usage_error(CMD, "--max-spl is required");
	if (a->headphone && (given & (1u << OPT_IMPEDANCE | 1u << OPT_SENSITIVITY)))
		return cmd_usage_error(CMD, "--headphone excludes --impedance and --sensitivity");
	if (!a->headphone && (~given & (1u << OPT_IMPEDANCE | 1u << OPT_SENSITIVITY)))
		return cmd_usage_error(CMD, "give --impedance and --sensitivity, or --headphone");
	return 0;
}

/* Loads the profiles from the standard paths and copies the one asked for. */
static int lookup_headphone(struct ceiling_args *a)
{
	struct dg_headphone_db db;
	struct dg_paths paths;
	struct dg_errors errors = {.fn = cmd_log_diag};
	const struct dg_headphone *hp;
	int r;

	dg_headphone_db_init(&db);
	r = dg_paths_init(&paths);
	if (r < 0) {
		dg_error(CMD ": cannot find the config directories: %s", strerror(-r));
		return 1;
	}
	r = dg_headphone_db_load(&db, &paths, &errors);
	if (r < 0) {
		dg_error(CMD ": the headphone profiles could not be read");
		dg_headphone_db_free(&db);
		return 1;
	}
	hp = dg_headphone_db_find(&db, a->headphone);
	if (hp)
		a->hp = *hp;
	dg_headphone_db_free(&db);
	if (!hp)
		return cmd_usage_error(CMD, "unknown headphone '%s' (see dacguardctl headphones)",
				       a->headphone);
	return 0;
}

static void print_json(const struct ceiling_args *a, const struct dg_level *l)
{
	struct dg_json_out j;

	dg_json_out_init(&j, stdout, false);
	dg_json_out_object(&j, NULL);
	if (a->headphone) {
		dg_json_out_string(&j, "headphone", a->hp.id[0] ? a->hp.id : a->headphone);
	}
	dg_json_out_number(&j, "impedance_ohm", a->hp.impedance_ohm);
	dg_json_out_number(&j, "max_spl_db", a->max_spl);
	dg_json_out_number(&j, "sensitivity_db_per_v", l->sensitivity_db_per_v);
	dg_json_out_number(&j, "v_load", l->v_load);
	dg_json_out_number(&j, "spl_at_0dbfs", l->spl_at_0dbfs);
	dg_json_out_number(&j, "ceiling_db", l->ceiling_db);
	dg_json_out_string(&j, "limited_by", dg_limit_to_string(l->limited_by));
	dg_json_out_bool(&j, "fallback", l->limited_by == DG_LIMIT_FALLBACK);
	dg_json_out_end(&j);
	dg_json_out_finish(&j);
}

static void print_human(const struct ceiling_args *a, const struct dg_level *l)
{
	if (a->headphone)
		printf("headphone:       %s (%g ohm)\n", a->hp.name[0] ? a->hp.name : a->headphone,
		       a->hp.impedance_ohm);
	printf("sensitivity:     %.2f dB SPL/V\n", l->sensitivity_db_per_v);
	if (l->limited_by == DG_LIMIT_FALLBACK) {
		printf("ceiling:         %.2f dBFS (fallback: the figures give no level)\n",
		       l->ceiling_db);
		return;
	}
	printf("voltage at load: %.4f Vrms into %g ohm\n", l->v_load, a->hp.impedance_ohm);
	printf("SPL at 0 dBFS:   %.2f dB SPL\n", l->spl_at_0dbfs);
	printf("ceiling:         %.2f dBFS (max %.1f dB SPL)\n", l->ceiling_db, a->max_spl);
	printf("limited by:      %s\n", dg_limit_to_string(l->limited_by));
}

int cmd_ceiling(int argc, char **argv)
{
	struct ceiling_args a;
	struct dg_level level;
	int r;

	r = parse_args(argc, argv, &a);
	if (r == 1)
		return 0;
	if (r)
		return r;
	if (a.headphone) {
		r = lookup_headphone(&a);
		if (r)
			return r;
	}

	dg_level_compute(&a.out, &a.hp, a.max_spl, CTL_FALLBACK_CEILING_DB, &level);
	if (a.json)
		print_json(&a, &level);
	else
		print_human(&a, &level);
	return 0;
}
