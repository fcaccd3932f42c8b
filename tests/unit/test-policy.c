/* SPDX-License-Identifier: MIT */
/* lib/policy: every decision about a ceiling. The rule that picks a ceiling from the
 * ceiling of each output, a device's decision with and without a user's choice, the
 * choice's life, and what the guard's Props writes lead to; and the table they carry. */
#include <errno.h>
#include <math.h>
#include <stdio.h>

#include "tests/dg-test.h"
#include "lib/ceiling-table.h"
#include "lib/guard.h"
#include "lib/headphones.h"
#include "lib/policy.h"

/* se-3.5 -23, se-6.35 -21, bal-2.5 -29, bal-4.4 -27 */
static void four_outputs(struct dg_ceiling_table *t)
{
	*t = (struct dg_ceiling_table){0};
	dg_ceiling_table_set(t, "se-3.5", -23.0);
	dg_ceiling_table_set(t, "se-6.35", -21.0);
	dg_ceiling_table_set(t, "bal-2.5", -29.0);
	dg_ceiling_table_set(t, "bal-4.4", -27.0);
}

static void test_select(void)
{
	struct dg_ceiling_table t, empty = {0};
	const char *chosen;

	four_outputs(&t);
	/* an output in the table: its own ceiling */
	DG_CHECK_NEAR(dg_policy_select(&t, "se-6.35", DG_MODE_SINGLE_ENDED, &chosen), -21.0, 0);
	DG_CHECK_STR(chosen, "se-6.35");
	DG_CHECK_NEAR(dg_policy_select(&t, "bal-4.4", DG_MODE_UNKNOWN, &chosen), -27.0, 0);
	/* no output: the worst of the mode's kind, or of all */
	DG_CHECK_NEAR(dg_policy_select(&t, "unknown", DG_MODE_BALANCED, &chosen), -29.0, 0);
	DG_CHECK_STR(chosen, "bal-2.5");
	DG_CHECK_NEAR(dg_policy_select(&t, "", DG_MODE_SINGLE_ENDED, &chosen), -23.0, 0);
	DG_CHECK_STR(chosen, "se-3.5");
	DG_CHECK_NEAR(dg_policy_select(&t, NULL, DG_MODE_UNKNOWN, &chosen), -29.0, 0);
	/* an output the device lacks: the lowest it has */
	DG_CHECK_NEAR(dg_policy_select(&t, "bal-xlr4", DG_MODE_BALANCED, &chosen), -29.0, 0);
	DG_CHECK_STR(chosen, "bal-2.5");
	/* output and mode disagree: the lower of the two */
	DG_CHECK_NEAR(dg_policy_select(&t, "se-6.35", DG_MODE_BALANCED, &chosen), -29.0, 0);
	DG_CHECK_NEAR(dg_policy_select(&t, "bal-4.4", DG_MODE_SINGLE_ENDED, &chosen), -27.0, 0);
	/* a kind the table lacks: the lowest of all */
	dg_ceiling_table_parse("{ se-3.5 = -20 se-6.35 = -18 }", &t, NULL, 0);
	DG_CHECK_NEAR(dg_policy_select(&t, "", DG_MODE_BALANCED, &chosen), -20.0, 0);
	DG_CHECK(isnan(dg_policy_select(&empty, "se-3.5", DG_MODE_UNKNOWN, &chosen)));
	DG_CHECK(chosen == NULL);
}

static void test_clamp(void)
{
	DG_CHECK_NEAR(dg_policy_clamp(-10.0, -6.0), -10.0, 0);
	DG_CHECK_NEAR(dg_policy_clamp(3.0, -6.0), -6.0, 0);
	DG_CHECK_NEAR(dg_policy_clamp(-500.0, 0.0), DG_GUARD_MIN_CEILING_DB, 0);
	/* NaN reads as the lowest: fail safe */
	DG_CHECK_NEAR(dg_policy_clamp(NAN, 0.0), DG_GUARD_MIN_CEILING_DB, 0);
	/* a hard ceiling is never above full scale */
	DG_CHECK_NEAR(dg_policy_hard_ceiling(-6.0), -6.0, 0);
	DG_CHECK_NEAR(dg_policy_hard_ceiling(3.0), 0.0, 0);
	DG_CHECK_NEAR(dg_policy_hard_ceiling(0.0), 0.0, 0);
}

static struct dg_guard_state state(const char *output, enum dg_mode mode, double ceiling)
{
	struct dg_guard_state s = {.ceiling_db = ceiling, .hard_ceiling_db = -6.0, .mode = mode};

	snprintf(s.output, sizeof(s.output), "%s", output);
	four_outputs(&s.table);
	return s;
}

static void test_guard_write_output(void)
{
	struct dg_guard_state cur = state("se-3.5", DG_MODE_SINGLE_ENDED, -23.0), next;
	struct dg_guard_write w = {.has_output = true, .output = "bal-2.5"};
	unsigned why;

	/* a louder output: its lower ceiling, in the same write, mode following */
	dg_policy_guard_write(&cur, &w, &next, &why);
	DG_CHECK_NEAR(next.ceiling_db, -29.0, 0);
	DG_CHECK_INT(next.mode, DG_MODE_BALANCED);
	DG_CHECK_STR(next.output, "bal-2.5");
	DG_CHECK_INT(why, 0);
	/* with a ceiling in the same write: the lower of the two */
	w.has_ceiling = true;
	w.ceiling_db = -35.0;
	dg_policy_guard_write(&cur, &w, &next, &why);
	DG_CHECK_NEAR(next.ceiling_db, -35.0, 0);
	w.ceiling_db = -10.0;
	dg_policy_guard_write(&cur, &w, &next, &why);
	DG_CHECK_NEAR(next.ceiling_db, -29.0, 0);
	/* an output the device lacks: the lowest it has */
	w = (struct dg_guard_write){.has_output = true, .output = "line-xlr"};
	dg_policy_guard_write(&cur, &w, &next, &why);
	DG_CHECK_NEAR(next.ceiling_db, -29.0, 0);
}

static void test_guard_write_mode(void)
{
	struct dg_guard_state cur = state("se-6.35", DG_MODE_SINGLE_ENDED, -21.0), next;
	struct dg_guard_write w = {.has_mode = true, .mode = DG_MODE_BALANCED};
	unsigned why;

	/* a mode alone: the output is no longer known, the worst of its kind applies */
	dg_policy_guard_write(&cur, &w, &next, &why);
	DG_CHECK_STR(next.output, "unknown");
	DG_CHECK_NEAR(next.ceiling_db, -29.0, 0);
	w.mode = DG_MODE_UNKNOWN;
	dg_policy_guard_write(&cur, &w, &next, &why);
	DG_CHECK_NEAR(next.ceiling_db, -29.0, 0);
}

static void test_guard_write_ceiling(void)
{
	struct dg_guard_state cur = state("se-6.35", DG_MODE_SINGLE_ENDED, -21.0), next;
	struct dg_guard_write w = {.has_ceiling = true, .ceiling_db = -15.0};
	unsigned why;

	/* with a table, a ceiling alone is held at the output's */
	dg_policy_guard_write(&cur, &w, &next, &why);
	DG_CHECK_NEAR(next.ceiling_db, -21.0, 0);
	DG_CHECK(why & DG_GUARD_ABOVE_TABLE);
	w.ceiling_db = -40.0;
	dg_policy_guard_write(&cur, &w, &next, &why);
	DG_CHECK_NEAR(next.ceiling_db, -40.0, 0);
	DG_CHECK_INT(why, 0);
	/* without one, the ceiling asked for applies, the hard ceiling above it all */
	cur.table.n = 0;
	w.ceiling_db = -15.0;
	dg_policy_guard_write(&cur, &w, &next, &why);
	DG_CHECK_NEAR(next.ceiling_db, -15.0, 0);
	w.ceiling_db = 0.0;
	dg_policy_guard_write(&cur, &w, &next, &why);
	DG_CHECK_NEAR(next.ceiling_db, -6.0, 0);
	DG_CHECK(why & DG_GUARD_ABOVE_HARD);
	w.ceiling_db = -1000.0;
	dg_policy_guard_write(&cur, &w, &next, &why);
	DG_CHECK_NEAR(next.ceiling_db, DG_GUARD_MIN_CEILING_DB, 0);
	DG_CHECK(why & DG_GUARD_BELOW_MIN);
	/* a table entry above the hard ceiling still stops at it */
	cur = state("se-3.5", DG_MODE_SINGLE_ENDED, -23.0);
	dg_ceiling_table_set(&cur.table, "se-3.5", 3.0);
	w = (struct dg_guard_write){.has_output = true, .output = "se-3.5"};
	dg_policy_guard_write(&cur, &w, &next, &why);
	DG_CHECK_NEAR(next.ceiling_db, -6.0, 0);
}

static void test_table(void)
{
	struct dg_ceiling_table t;
	char json[DG_CEILING_TABLE_JSON_MAX], err[160];

	DG_CHECK_INT(dg_ceiling_table_parse("{ se-3.5 = -23.07 \"bal-2.5\": -29.0945 }", &t, err,
					    sizeof(err)),
		     0);
	DG_CHECK_INT(t.n, 2);
	dg_ceiling_table_format(&t, json, sizeof(json));
	/* rounded down: writing a table out never raises a limit */
	DG_CHECK_STR(json, "{ \"se-3.5\": -23.070, \"bal-2.5\": -29.095 }");
	DG_CHECK_INT(dg_ceiling_table_parse("", &t, err, sizeof(err)), 0);
	DG_CHECK_INT(t.n, 0);
	dg_ceiling_table_format(&t, json, sizeof(json));
	DG_CHECK_STR(json, "");
	DG_CHECK_INT(dg_ceiling_table_parse("{}", &t, err, sizeof(err)), 0);
	DG_CHECK_INT(t.n, 0);

	static const struct {
		const char *text, *err;
	} bad[] = {
		{"[ -20 ]", "a table that is not a JSON object"},
		{"{ phones = -20 }", "the table: 'phones' is not an output id"},
		{"{ unknown = -20 }", "the table: 'unknown' is not an output id"},
		{"{ se-3.5 = -20 se-3.5 = -21 }", "the table: 'se-3.5' given twice"},
		{"{ se-3.5 = 1e39 }", "the table: 'se-3.5' is not a finite number"},
		{"{ se-3.5 = nan }", "the table: 'se-3.5' is not a finite number"},
		{"{ se-3.5 = loud }", "the table: 'se-3.5' is not a finite number"},
		{"{ se-3.5 }", "the table: 'se-3.5' is not a finite number"},
		{"{ se-3.5 = { db = -20 } }", "the table: 'se-3.5' is not a finite number"},
		{"{ se-3.5 = -20 } }", "the table: not valid JSON"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		DG_CHECK_INT(dg_ceiling_table_parse(bad[i].text, &t, err, sizeof(err)), -EINVAL);
		DG_CHECK_STR(err, bad[i].err);
		DG_CHECK_INT(t.n, 0);
	}
}

/* A K3-like device: se-3.5 and bal-2.5, figures that make the balanced output louder. */
static void k3(struct dg_dac *dac)
{
	*dac = (struct dg_dac){.known = true, .n_outputs = 2};
	dg_output_init(&dac->outputs[0], "se-3.5");
	dac->outputs[0].vout_vrms = 1.96;
	dg_output_init(&dac->outputs[1], "bal-2.5");
	dac->outputs[1].vout_vrms = 3.92;
}

static void test_decide_user_output(void)
{
	struct dg_config cfg;
	struct dg_dac dac;
	struct dg_mode_result mode = {.mode = DG_MODE_SINGLE_ENDED,
				      .source = DG_MODE_SOURCE_CONFIG};
	struct dg_decision d, se, bal;

	dg_config_defaults(&cfg);
	k3(&dac);
	dg_policy_decide(&cfg, NULL, NULL, &dac, &mode, true, NULL, &se);
	DG_CHECK_STR(se.output, "se-3.5");
	DG_CHECK(!se.user_choice);
	DG_CHECK_INT(se.table.n, 2);
	/* the user says balanced: that output's ceiling, its kind as the mode */
	dg_policy_decide(&cfg, NULL, NULL, &dac, &mode, true, "bal-2.5", &bal);
	DG_CHECK_STR(bal.output, "bal-2.5");
	DG_CHECK(bal.user_choice);
	DG_CHECK_INT(bal.mode.mode, DG_MODE_BALANCED);
	DG_CHECK_INT(bal.mode.source, DG_MODE_SOURCE_USER);
	DG_CHECK_NEAR(bal.ceiling_db, dg_ceiling_table_find(&bal.table, "bal-2.5")->ceiling_db, 0);
	DG_CHECK(bal.ceiling_db <= se.ceiling_db);
	/* what was detected is kept apart from the user's word */
	DG_CHECK_INT(bal.detected.mode, DG_MODE_SINGLE_ENDED);
	DG_CHECK_STR(bal.detected_output, "se-3.5");
	/* an output the device lacks: the lowest it has, mode unknown */
	dg_policy_decide(&cfg, NULL, NULL, &dac, &mode, true, "bal-4.4", &d);
	DG_CHECK_NEAR(d.ceiling_db, bal.ceiling_db, 0);
	DG_CHECK_INT(d.mode.mode, DG_MODE_UNKNOWN);
	DG_CHECK_STR(d.output, "bal-4.4");
	/* the hard ceiling is above every choice */
	cfg.hard_ceiling_db = -60.0;
	dg_policy_decide(&cfg, NULL, NULL, &dac, &mode, true, "se-3.5", &d);
	DG_CHECK_NEAR(d.ceiling_db, -60.0, 0);
	for (size_t i = 0; i < d.table.n; i++)
		DG_CHECK(d.table.entries[i].ceiling_db <= -60.0);
}

static void test_user_choice_stands(void)
{
	struct dg_config cfg;
	struct dg_dac dac;
	struct dg_mode_result se_mode = {.mode = DG_MODE_SINGLE_ENDED,
					 .source = DG_MODE_SOURCE_CONFIG};
	struct dg_mode_result bal_mode = {.mode = DG_MODE_BALANCED,
					  .source = DG_MODE_SOURCE_SELECTOR,
					  .output = "bal-2.5"};
	struct dg_decision before, same, moved;

	dg_config_defaults(&cfg);
	k3(&dac);
	dg_policy_decide(&cfg, NULL, NULL, &dac, &se_mode, true, "bal-2.5", &before);
	dg_policy_decide(&cfg, NULL, NULL, &dac, &se_mode, true, "bal-2.5", &same);
	dg_policy_decide(&cfg, NULL, NULL, &dac, &bal_mode, true, "bal-2.5", &moved);
	/* the same detection: the user's word stands; the selector spoke: it wins */
	DG_CHECK(dg_policy_user_choice_stands(&before, &same));
	DG_CHECK(!dg_policy_user_choice_stands(&before, &moved));
}

static void test_guard_write_hard_table(void)
{
	struct dg_guard_state cur = state("se-3.5", DG_MODE_SINGLE_ENDED, -23.0), next;
	struct dg_guard_write w = {.has_output = true, .output = "se-3.5"};
	unsigned why;

	dg_ceiling_table_set(&cur.hard_table, "se-3.5", -24.0);
	dg_ceiling_table_set(&cur.hard_table, "bal-2.5", -30.0);
	/* the hard table bounds an output's own entry */
	dg_policy_guard_write(&cur, &w, &next, &why);
	DG_CHECK_NEAR(next.ceiling_db, -24.0, 0);
	DG_CHECK(why & DG_GUARD_ABOVE_HARD);
	/* a client's table of full scale everywhere changes nothing past it */
	w = (struct dg_guard_write){.has_table = true, .has_output = true, .output = "bal-2.5"};
	dg_ceiling_table_set(&w.table, "se-3.5", 0.0);
	dg_ceiling_table_set(&w.table, "bal-2.5", 0.0);
	dg_policy_guard_write(&cur, &w, &next, &why);
	DG_CHECK_NEAR(next.ceiling_db, -30.0, 0);
	/* an output the hard table lacks gets its lowest */
	w.output[0] = '\0';
	snprintf(w.output, sizeof(w.output), "se-6.35");
	dg_policy_guard_write(&cur, &w, &next, &why);
	DG_CHECK_NEAR(next.ceiling_db, -30.0, 0);
	/* writes only lower it: a raise is held at what the output had ... */
	w = (struct dg_guard_write){.has_hard_table = true};
	dg_ceiling_table_set(&w.hard_table, "se-3.5", 0.0);
	dg_ceiling_table_set(&w.hard_table, "se-6.35", 0.0);
	dg_policy_guard_write(&cur, &w, &next, &why);
	DG_CHECK_NEAR(dg_ceiling_table_find(&next.hard_table, "se-3.5")->ceiling_db, -24.0, 0);
	DG_CHECK_NEAR(dg_ceiling_table_find(&next.hard_table, "se-6.35")->ceiling_db, -30.0, 0);
	DG_CHECK_NEAR(next.ceiling_db, -24.0, 0);
	/* ... and a lower entry applies at once, to the ceiling in force too */
	dg_ceiling_table_set(&w.hard_table, "se-3.5", -50.0);
	dg_policy_guard_write(&cur, &w, &next, &why);
	DG_CHECK_NEAR(next.ceiling_db, -50.0, 0);
	/* an empty hard table takes a write as it is, under the hard ceiling */
	cur.hard_table.n = 0;
	w = (struct dg_guard_write){.has_hard_table = true};
	dg_ceiling_table_set(&w.hard_table, "se-3.5", 0.0);
	dg_policy_guard_write(&cur, &w, &next, &why);
	DG_CHECK_NEAR(dg_policy_hard_for(&next), -6.0, 0);
}

static void test_guard_write_reported(void)
{
	struct dg_guard_state cur = state("bal-2.5", DG_MODE_BALANCED, -29.0), next;
	struct dg_guard_write w = {.has_output = true, .output = "se-6.35"};
	unsigned why;

	snprintf(cur.reported, sizeof(cur.reported), "bal-2.5");
	/* the jack says balanced: a claim of the louder-ceilinged se-6.35 does not raise */
	dg_policy_guard_write(&cur, &w, &next, &why);
	DG_CHECK_STR(next.output, "se-6.35");
	DG_CHECK_NEAR(next.ceiling_db, -29.0, 0);
	DG_CHECK(why & DG_GUARD_ABOVE_REPORTED);
	/* nor does a mode */
	w = (struct dg_guard_write){.has_mode = true, .mode = DG_MODE_SINGLE_ENDED};
	dg_policy_guard_write(&cur, &w, &next, &why);
	DG_CHECK_NEAR(next.ceiling_db, -29.0, 0);
	/* a lower ceiling still applies */
	w = (struct dg_guard_write){.has_output = true, .output = "se-3.5", .has_ceiling = true,
				    .ceiling_db = -40.0};
	dg_policy_guard_write(&cur, &w, &next, &why);
	DG_CHECK_NEAR(next.ceiling_db, -40.0, 0);
	/* the jack moving to single-ended (the daemon's write) brings its ceiling */
	w = (struct dg_guard_write){.has_output = true, .output = "se-3.5", .has_reported = true,
				    .reported = "se-3.5"};
	dg_policy_guard_write(&cur, &w, &next, &why);
	DG_CHECK_NEAR(next.ceiling_db, -23.0, 0);
	DG_CHECK_INT(why, 0);
}

/* profiles: the loudest class, an insensitive class, and one high-impedance model */
static const char hp_text[] =
	"headphones = [\n"
	"{ id = \"generic-iem-sensitive\" name = \"G1\" type = \"IEM (class)\"\n"
	"  impedance-ohm = 12 sensitivity = \"135dB/V\" confidence = \"low\" source = \"t\" }\n"
	"{ id = \"generic-high-impedance\" name = \"G2\" type = \"over-ear (class)\"\n"
	"  impedance-ohm = 250 sensitivity = \"103dB/V\" confidence = \"low\" source = \"t\" }\n"
	"{ id = \"hd600\" name = \"HD 600\" type = \"over-ear\"\n"
	"  impedance-ohm = 300 sensitivity = \"97dB/mW\" confidence = \"high\" source = \"t\" }\n"
	"]\n";

static void test_decide_hard_spl(void)
{
	struct dg_config cfg;
	struct dg_headphone_db hp;
	struct dg_errors errors = {0};
	struct dg_dac dac;
	struct dg_conf_device dev = {.n_outputs = 1};
	struct dg_mode_result mode = {.mode = DG_MODE_SINGLE_ENDED,
				      .source = DG_MODE_SOURCE_CONFIG};
	struct dg_decision d;
	/* 1.96 V into the loudest class (135 dB/V): 140.85 dB SPL at full scale */
	double se_iem = 100.0 - (135.0 + 20.0 * log10(1.96));
	double se_hd600 = 100.0 - (97.0 + 10.0 * log10(1000.0 / 300.0) + 20.0 * log10(1.96));

	dg_config_defaults(&cfg);
	k3(&dac);
	dg_headphone_db_init(&hp);
	DG_CHECK_INT(dg_headphone_db_add_string(&hp, "hp", hp_text, sizeof(hp_text) - 1, &errors), 0);

	/* no headphone assigned: the loudest class, for both outputs, 6 dB apart */
	dg_policy_decide(&cfg, &hp, NULL, &dac, &mode, true, NULL, &d);
	DG_CHECK_NEAR(d.outputs[0].hard_ceiling_db, se_iem, 1e-9);
	DG_CHECK_NEAR(d.outputs[1].hard_ceiling_db, se_iem - 20.0 * log10(2.0), 1e-9);
	DG_CHECK_NEAR(dg_ceiling_table_find(&d.hard_table, "se-3.5")->ceiling_db, se_iem, 1e-9);
	/* the comfort limit sits 15 dB beneath it */
	DG_CHECK_NEAR(d.ceiling_db, se_iem - 15.0, 1e-9);
	/* a user who raises the comfort limit meets the hard one */
	cfg.max_spl_db = 125.0;
	dg_policy_decide(&cfg, &hp, NULL, &dac, &mode, true, NULL, &d);
	DG_CHECK_NEAR(d.ceiling_db, se_iem, 1e-9);
	DG_CHECK_INT(d.limited_by, DG_LIMIT_HARD);
	/* an assigned headphone: its own figures */
	snprintf(dev.outputs[0].id, sizeof(dev.outputs[0].id), "se-3.5");
	snprintf(dev.outputs[0].headphone, sizeof(dev.outputs[0].headphone), "hd600");
	dev.outputs[0].ceiling_db = NAN;
	dg_policy_decide(&cfg, &hp, &dev, &dac, &mode, true, NULL, &d);
	DG_CHECK_NEAR(d.outputs[0].hard_ceiling_db, se_hd600, 1e-9);
	DG_CHECK_NEAR(d.outputs[1].hard_ceiling_db, se_iem - 20.0 * log10(2.0), 1e-9);
	/* the default headphone is the user's: it does not move the hard limit */
	snprintf(cfg.default_headphone, sizeof(cfg.default_headphone), "generic-high-impedance");
	dg_policy_decide(&cfg, &hp, NULL, &dac, &mode, true, NULL, &d);
	DG_CHECK_NEAR(d.outputs[0].hard_ceiling_db, se_iem, 1e-9);
	/* without profiles: the shipped worst case itself */
	dg_policy_decide(&cfg, NULL, NULL, &dac, &mode, true, NULL, &d);
	DG_CHECK_NEAR(d.outputs[0].hard_ceiling_db, se_iem, 1e-9);
	/* an output without ratings: root's fallback; the hard ceiling above all */
	dac.outputs[0].vout_vrms = NAN;
	cfg.fallback_ceiling_db = -10.0;
	cfg.hard_fallback_ceiling_db = -30.0;
	dg_policy_decide(&cfg, &hp, NULL, &dac, &mode, true, NULL, &d);
	DG_CHECK_NEAR(d.outputs[0].hard_ceiling_db, -30.0, 0);
	DG_CHECK_NEAR(d.ceiling_db, -30.0, 0);
	cfg.hard_ceiling_db = -50.0;
	dg_policy_decide(&cfg, &hp, NULL, &dac, &mode, true, NULL, &d);
	DG_CHECK_NEAR(d.outputs[1].hard_ceiling_db, -50.0, 0);
	dg_headphone_db_free(&hp);
}

static void test_decide_reported(void)
{
	struct dg_config cfg;
	struct dg_dac dac;
	struct dg_mode_result jack = {.mode = DG_MODE_BALANCED, .source = DG_MODE_SOURCE_JACK,
				      .output = "bal-2.5"};
	struct dg_mode_result conf = {.mode = DG_MODE_BALANCED, .source = DG_MODE_SOURCE_CONFIG};
	struct dg_decision bal, d;

	dg_config_defaults(&cfg);
	k3(&dac);
	dg_policy_decide(&cfg, NULL, NULL, &dac, &jack, true, NULL, &bal);
	DG_CHECK_STR(bal.reported_output, "bal-2.5");
	/* the jack says balanced, a user says single-ended: the output is the user's
	 * word, the ceiling no higher than the balanced one */
	dg_policy_decide(&cfg, NULL, NULL, &dac, &jack, true, "se-3.5", &d);
	DG_CHECK_STR(d.output, "se-3.5");
	DG_CHECK_NEAR(d.ceiling_db, bal.ceiling_db, 0);
	DG_CHECK_INT(d.limited_by, DG_LIMIT_REPORTED);
	/* the configuration is no report: the user's word decides */
	dg_policy_decide(&cfg, NULL, NULL, &dac, &conf, true, "se-3.5", &d);
	DG_CHECK_STR(d.reported_output, "");
	DG_CHECK(d.ceiling_db > bal.ceiling_db);
}

int main(void)
{
	DG_RUN(test_select);
	DG_RUN(test_clamp);
	DG_RUN(test_guard_write_output);
	DG_RUN(test_guard_write_mode);
	DG_RUN(test_guard_write_ceiling);
	DG_RUN(test_table);
	DG_RUN(test_decide_user_output);
	DG_RUN(test_user_choice_stands);
	DG_RUN(test_guard_write_hard_table);
	DG_RUN(test_guard_write_reported);
	DG_RUN(test_decide_hard_spl);
	DG_RUN(test_decide_reported);
	return dg_test_done("test-policy");
}
