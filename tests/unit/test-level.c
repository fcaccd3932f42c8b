/* SPDX-License-Identifier: MIT */
/* Level math against vectors worked by hand (the arithmetic is in each comment). */
#include <errno.h>
#include <math.h>

#include "tests/dg-test.h"
#include "lib/level.h"

#define TOL 0.005 /* dB; the hand vectors are given to 0.001 */

static struct dg_headphone hp_mw(double z, double s_mw)
{
	return (struct dg_headphone){ .impedance_ohm = z, .sensitivity_db = s_mw };
}

static struct dg_headphone hp_v(double z, double s_v)
{
	return (struct dg_headphone){
		.impedance_ohm = z, .sensitivity_db = s_v, .sensitivity_per_volt = true
	};
}

static struct dg_output out_v(const char *id, double vout, double zout)
{
	struct dg_output o;

	dg_output_init(&o, id);
	o.vout_vrms = vout;
	o.zout_ohm = zout;
	return o;
}

static void add_rating(struct dg_output *o, double mw, double ohm)
{
	o->power[o->n_power++] = (struct dg_power_rating){ mw, ohm };
}

static void test_sensitivity(void)
{
	struct dg_headphone hp;

	/* 10*log10(1000/32) = 10*log10(31.25) = 14.9485; 103.69 + 14.9485 = 118.6385 dB/V */
	hp = hp_mw(32, 103.69);
	DG_CHECK_NEAR(dg_sensitivity_db_per_v(&hp), 118.6385, TOL);
	/* 600 ohm: 10*log10(1000/600) = 2.2185; 96 + 2.2185 = 98.2185 dB/V */
	hp = hp_mw(600, 96.0);
	DG_CHECK_NEAR(dg_sensitivity_db_per_v(&hp), 98.2185, TOL);
	/* 1000 ohm: 1 mW is exactly 1 V, the two units agree */
	hp = hp_mw(1000, 90.0);
	DG_CHECK_NEAR(dg_sensitivity_db_per_v(&hp), 90.0, 1e-9);
	/* Already per volt: unchanged */
	hp = hp_v(300, 97.0);
	DG_CHECK_NEAR(dg_sensitivity_db_per_v(&hp), 97.0, 1e-9);

	hp = hp_mw(0, 100);
	DG_CHECK(isnan(dg_sensitivity_db_per_v(&hp)));
	hp = hp_mw(-32, 100);
	DG_CHECK(isnan(dg_sensitivity_db_per_v(&hp)));
	hp = hp_mw(NAN, 100);
	DG_CHECK(isnan(dg_sensitivity_db_per_v(&hp)));
	hp = hp_mw(INFINITY, 100);
	DG_CHECK(isnan(dg_sensitivity_db_per_v(&hp)));
	hp = hp_v(-32, 100);
	DG_CHECK(isnan(dg_sensitivity_db_per_v(&hp)));
	hp = hp_mw(32, NAN);
	DG_CHECK(isnan(dg_sensitivity_db_per_v(&hp)));
	DG_CHECK(isnan(dg_sensitivity_db_per_v(NULL)));
}

static void test_design_check(void)
{
	/* DESIGN.md's check: 0.037 V into 118.6385 dB/V gives
	 * 118.6385 + 20*log10(0.037) = 118.6385 - 28.6360 = 90.0025 dB SPL. */
	struct dg_headphone hp = hp_mw(32, 103.69);
	struct dg_output o = out_v("se-3.5", 0.037, 0);
	struct dg_level l;

	DG_CHECK_INT(dg_level_compute(&o, &hp, 85.0, -30.0, &l), 0);
	DG_CHECK_NEAR(l.sensitivity_db_per_v, 118.6385, TOL);
	DG_CHECK_NEAR(l.v_load, 0.037, 1e-9);
	DG_CHECK_NEAR(l.spl_at_0dbfs, 90.0025, TOL);
	/* 85 - 90.0025 = -5.0025 */
	DG_CHECK_NEAR(l.ceiling_db, -5.0025, TOL);
	DG_CHECK_INT(l.limited_by, DG_LIMIT_VOLTAGE);
}

static void test_voltage_limited(void)
{
	/* 2 Vrms, Zout 1 ohm into 32 ohm: V = 2 * 32/33 = 1.93939 V;
	 * 20*log10(1.93939) = 5.7533; SPL = 118.6385 + 5.7533 = 124.3918;
	 * ceiling = 85 - 124.3918 = -39.3918 dBFS. */
	struct dg_headphone hp = hp_mw(32, 103.69);
	struct dg_output o = out_v("se-3.5", 2.0, 1.0);
	enum dg_limit by = DG_LIMIT_FALLBACK;
	struct dg_level l;

	DG_CHECK_NEAR(dg_output_voltage_at_load(&o, 32, &by), 1.939394, 1e-6);
	DG_CHECK_INT(by, DG_LIMIT_VOLTAGE);
	DG_CHECK_INT(dg_level_compute(&o, &hp, 85.0, -30.0, &l), 0);
	DG_CHECK_NEAR(l.v_load, 1.939394, 1e-6);
	DG_CHECK_NEAR(l.spl_at_0dbfs, 124.3918, TOL);
	DG_CHECK_NEAR(l.ceiling_db, -39.3918, TOL);
	DG_CHECK_INT(l.limited_by, DG_LIMIT_VOLTAGE);

	/* Same headphone given per volt (118.6385 dB/V) gives the same answer. */
	hp = hp_v(32, 118.6385);
	DG_CHECK_INT(dg_level_compute(&o, &hp, 85.0, -30.0, &l), 0);
	DG_CHECK_NEAR(l.ceiling_db, -39.3918, TOL);

	/* HD 600: 300 ohm, 97 dB/V on 2 V / 1 ohm: V = 2 * 300/301 = 1.993355;
	 * 20*log10 = 5.9917; SPL 102.9917; ceiling 85 - 102.9917 = -17.9917. */
	hp = hp_v(300, 97.0);
	DG_CHECK_INT(dg_level_compute(&o, &hp, 85.0, -30.0, &l), 0);
	DG_CHECK_NEAR(l.v_load, 1.993355, 1e-6);
	DG_CHECK_NEAR(l.ceiling_db, -17.9917, TOL);
}

static void test_unknown_zout_is_loud(void)
{
	/* Zout unknown is taken as 0: V = 2.0; SPL = 118.6385 + 6.0206 = 124.6591;
	 * louder than the 1 ohm case above (124.3918), so the ceiling is lower. */
	struct dg_headphone hp = hp_mw(32, 103.69);
	struct dg_output o = out_v("se-3.5", 2.0, NAN);
	struct dg_level l;

	DG_CHECK_INT(dg_level_compute(&o, &hp, 85.0, -30.0, &l), 0);
	DG_CHECK_NEAR(l.v_load, 2.0, 1e-12);
	DG_CHECK_NEAR(l.spl_at_0dbfs, 124.6591, TOL);
	DG_CHECK_NEAR(l.ceiling_db, -39.6591, TOL);

	/* A negative or infinite Zout is nonsense, read as 0 too (never as "quiet"). */
	o.zout_ohm = -5.0;
	DG_CHECK_INT(dg_level_compute(&o, &hp, 85.0, -30.0, &l), 0);
	DG_CHECK_NEAR(l.v_load, 2.0, 1e-12);
	o.zout_ohm = INFINITY;
	DG_CHECK_INT(dg_level_compute(&o, &hp, 85.0, -30.0, &l), 0);
	DG_CHECK_NEAR(l.v_load, 2.0, 1e-12);
}

static void test_power_limited(void)
{
	/* 5 V, Zout 0, rated 100 mW into 32 ohm: divider gives 5 V but the rating caps
	 * V at sqrt(0.1 W * 32) = sqrt(3.2) = 1.78885 V;
	 * SPL = 118.6385 + 20*log10(1.78885) = 118.6385 + 5.0515 = 123.69
	 * (= 103.69 dB/mW + 10*log10(100 mW), as it should); ceiling 85 - 123.69 = -38.69. */
	struct dg_headphone hp = hp_mw(32, 103.69);
	struct dg_output o = out_v("bal-4.4", 5.0, 0);
	enum dg_limit by = DG_LIMIT_FALLBACK;
	struct dg_level l;

	add_rating(&o, 100, 32);
	DG_CHECK_NEAR(dg_output_voltage_at_load(&o, 32, &by), 1.788854, 1e-6);
	DG_CHECK_INT(by, DG_LIMIT_POWER);
	DG_CHECK_INT(dg_level_compute(&o, &hp, 85.0, -30.0, &l), 0);
	DG_CHECK_NEAR(l.spl_at_0dbfs, 123.69, TOL);
	DG_CHECK_NEAR(l.ceiling_db, -38.69, TOL);
	DG_CHECK_INT(l.limited_by, DG_LIMIT_POWER);

	/* A rating that allows more than the divider gives does not limit:
	 * 1000 mW @ 32 ohm -> 5.657 V > 5 V, so voltage rules. */
	o.power[0].mw = 1000;
	DG_CHECK_NEAR(dg_output_voltage_at_load(&o, 32, &by), 5.0, 1e-12);
	DG_CHECK_INT(by, DG_LIMIT_VOLTAGE);
}

static void test_power_other_load_ignored(void)
{
	/* 100 mW is rated at 16 ohm: it says nothing safe about 32 ohm, so V = 5 V;
	 * SPL = 118.6385 + 20*log10(5) = 118.6385 + 13.9794 = 132.6179; ceiling -47.6179. */
	struct dg_headphone hp = hp_mw(32, 103.69);
	struct dg_output o = out_v("se-3.5", 5.0, 0);
	enum dg_limit by;
	struct dg_level l;

	add_rating(&o, 100, 16);
	add_rating(&o, 20, 300);
	DG_CHECK_INT(dg_level_compute(&o, &hp, 85.0, -30.0, &l), 0);
	DG_CHECK_NEAR(l.v_load, 5.0, 1e-12);
	DG_CHECK_NEAR(l.ceiling_db, -47.6179, TOL);
	DG_CHECK_INT(l.limited_by, DG_LIMIT_VOLTAGE);

	/* Within 1 %: 32.2 ohm (0.6 % off) applies, with the louder of the two loads:
	 * sqrt(0.1 * 32.2) = 1.794436 V. */
	o.n_power = 0;
	add_rating(&o, 100, 32.2);
	DG_CHECK_NEAR(dg_output_voltage_at_load(&o, 32, &by), 1.794436, 1e-6);
	DG_CHECK_INT(by, DG_LIMIT_POWER);
	/* 32.4 ohm (1.25 % off) does not. */
	o.power[0].ohm = 32.4;
	DG_CHECK_NEAR(dg_output_voltage_at_load(&o, 32, &by), 5.0, 1e-12);
	DG_CHECK_INT(by, DG_LIMIT_VOLTAGE);

	/* Two ratings at the load (datasheet and review): the louder one counts.
	 * 100 mW -> 1.78885 V, 250 mW -> sqrt(8) = 2.828427 V. */
	o.n_power = 0;
	add_rating(&o, 100, 32);
	add_rating(&o, 250, 32);
	DG_CHECK_NEAR(dg_output_voltage_at_load(&o, 32, &by), 2.828427, 1e-6);
	DG_CHECK_INT(by, DG_LIMIT_POWER);

	/* Broken ratings (NAN, zero, negative) are skipped, not trusted. */
	o.n_power = 0;
	add_rating(&o, NAN, 32);
	add_rating(&o, 0, 32);
	add_rating(&o, -100, 32);
	add_rating(&o, 100, NAN);
	DG_CHECK_NEAR(dg_output_voltage_at_load(&o, 32, &by), 5.0, 1e-12);
	DG_CHECK_INT(by, DG_LIMIT_VOLTAGE);
	/* A corrupt count does not read past the array. */
	o.n_power = 1000;
	DG_CHECK_NEAR(dg_output_voltage_at_load(&o, 32, &by), 5.0, 1e-12);
}

static void test_full_scale(void)
{
	/* 600 ohm, 96 dB/mW = 98.2185 dB/V on a weak 0.2 V output:
	 * SPL = 98.2185 + 20*log10(0.2) = 98.2185 - 13.9794 = 84.2391 < 85,
	 * so full scale is safe: ceiling 0, limited by full scale. */
	struct dg_headphone hp = hp_mw(600, 96.0);
	struct dg_output o = out_v("se-3.5", 0.2, NAN);
	struct dg_level l;

	DG_CHECK_INT(dg_level_compute(&o, &hp, 85.0, -30.0, &l), 0);
	DG_CHECK_NEAR(l.spl_at_0dbfs, 84.2391, TOL);
	DG_CHECK_NEAR(l.ceiling_db, 0.0, 1e-12);
	DG_CHECK(!signbit(l.ceiling_db));
	DG_CHECK_INT(l.limited_by, DG_LIMIT_FULL_SCALE);

	/* Exactly at the max SPL is still full scale (ceiling 0, not -0.0001). */
	DG_CHECK_INT(dg_level_compute(&o, &hp, l.spl_at_0dbfs, -30.0, &l), 0);
	DG_CHECK_NEAR(l.ceiling_db, 0.0, 1e-12);
	DG_CHECK_INT(l.limited_by, DG_LIMIT_FULL_SCALE);

	/* Lower the max SPL to 80: ceiling 80 - 84.2391 = -4.2391, limited by voltage. */
	DG_CHECK_INT(dg_level_compute(&o, &hp, 80.0, -30.0, &l), 0);
	DG_CHECK_NEAR(l.ceiling_db, -4.2391, TOL);
	DG_CHECK_INT(l.limited_by, DG_LIMIT_VOLTAGE);
}

static void test_balanced(void)
{
	/* The same stage bridged swings twice the voltage: 20*log10(2) = 6.0206 dB louder,
	 * so the ceiling drops by the same 6.0206 dB. */
	struct dg_headphone hp = hp_mw(32, 103.69);
	struct dg_output se = out_v("se-3.5", 1.0, 0);
	struct dg_output bal = out_v("bal-4.4", 2.0, 0);
	struct dg_level ls, lb;

	DG_CHECK_INT(dg_level_compute(&se, &hp, 85.0, -30.0, &ls), 0);
	DG_CHECK_INT(dg_level_compute(&bal, &hp, 85.0, -30.0, &lb), 0);
	DG_CHECK_NEAR(lb.spl_at_0dbfs - ls.spl_at_0dbfs, 6.0206, TOL);
	DG_CHECK_NEAR(ls.ceiling_db - lb.ceiling_db, 6.0206, TOL);
	/* 1 V: SPL = 118.6385; ceiling 85 - 118.6385 = -33.6385; balanced -39.6591. */
	DG_CHECK_NEAR(ls.ceiling_db, -33.6385, TOL);
	DG_CHECK_NEAR(lb.ceiling_db, -39.6591, TOL);
}

static void check_fallback(const struct dg_output *o, const struct dg_headphone *hp,
			   double max_spl, double fallback, double expect)
{
	struct dg_level l = { .ceiling_db = 12345.0, .limited_by = DG_LIMIT_VOLTAGE };

	DG_CHECK_INT(dg_level_compute(o, hp, max_spl, fallback, &l), -EINVAL);
	DG_CHECK_NEAR(l.ceiling_db, expect, 1e-12);
	DG_CHECK_INT(l.limited_by, DG_LIMIT_FALLBACK);
	DG_CHECK(isnan(l.spl_at_0dbfs));
	DG_CHECK(isnan(l.v_load));
}

static void test_fallback(void)
{
	struct dg_headphone hp = hp_mw(32, 103.69);
	struct dg_headphone bad;
	struct dg_output o = out_v("se-3.5", 2.0, 1.0);
	struct dg_output nov = out_v("se-3.5", NAN, 1.0);
	enum dg_limit by;

	/* Unknown Vout */
	check_fallback(&nov, &hp, 85.0, -30.0, -30.0);
	DG_CHECK(isnan(dg_output_voltage_at_load(&nov, 32, &by)));
	/* Zero, negative, infinite Vout */
	nov.vout_vrms = 0.0;
	check_fallback(&nov, &hp, 85.0, -30.0, -30.0);
	nov.vout_vrms = -2.0;
	check_fallback(&nov, &hp, 85.0, -25.0, -25.0);
	nov.vout_vrms = INFINITY;
	check_fallback(&nov, &hp, 85.0, -30.0, -30.0);
	/* Power alone does not stand in for Vout here (the database derives one). */
	nov.vout_vrms = NAN;
	add_rating(&nov, 100, 32);
	check_fallback(&nov, &hp, 85.0, -30.0, -30.0);
	DG_CHECK(isnan(dg_output_voltage_at_load(NULL, 32, &by)));
	DG_CHECK(isnan(dg_output_voltage_at_load(&o, 0, &by)));
	DG_CHECK(isnan(dg_output_voltage_at_load(&o, -32, &by)));
	DG_CHECK(isnan(dg_output_voltage_at_load(&o, NAN, &by)));

	/* Bad headphones */
	bad = hp_mw(0, 103.69);
	check_fallback(&o, &bad, 85.0, -30.0, -30.0);
	bad = hp_mw(-32, 103.69);
	check_fallback(&o, &bad, 85.0, -30.0, -30.0);
	bad = hp_mw(NAN, 103.69);
	check_fallback(&o, &bad, 85.0, -30.0, -30.0);
	bad = hp_mw(32, NAN);
	check_fallback(&o, &bad, 85.0, -30.0, -30.0);
	bad = hp_v(32, INFINITY);
	check_fallback(&o, &bad, 85.0, -30.0, -30.0);
	check_fallback(&o, NULL, 85.0, -30.0, -30.0);
	check_fallback(NULL, &hp, 85.0, -30.0, -30.0);

	/* A max SPL that is not a number cannot give a ceiling. */
	check_fallback(&o, &hp, NAN, -30.0, -30.0);
	check_fallback(&o, &hp, INFINITY, -30.0, -30.0);

	/* The fallback itself is kept <= 0, and a NAN fallback becomes the shipped -30. */
	check_fallback(&nov, &hp, 85.0, 6.0, 0.0);
	check_fallback(&nov, &hp, 85.0, NAN, -30.0);

	DG_CHECK_INT(dg_level_compute(&o, &hp, 85.0, -30.0, NULL), -EINVAL);
}

static void test_limit_strings(void)
{
	DG_CHECK_STR(dg_limit_to_string(DG_LIMIT_FULL_SCALE), "full-scale");
	DG_CHECK_STR(dg_limit_to_string(DG_LIMIT_VOLTAGE), "voltage");
	DG_CHECK_STR(dg_limit_to_string(DG_LIMIT_POWER), "power");
	DG_CHECK_STR(dg_limit_to_string(DG_LIMIT_FALLBACK), "fallback");
	DG_CHECK_STR(dg_limit_to_string((enum dg_limit) 9), "unknown");
}

int main(void)
{
	DG_RUN(test_sensitivity);
	DG_RUN(test_design_check);
	DG_RUN(test_voltage_limited);
	DG_RUN(test_unknown_zout_is_loud);
	DG_RUN(test_power_limited);
	DG_RUN(test_power_other_load_ignored);
	DG_RUN(test_full_scale);
	DG_RUN(test_balanced);
	DG_RUN(test_fallback);
	DG_RUN(test_limit_strings);
	return dg_test_done("test-level");
}
