/* SPDX-License-Identifier: MIT */
/* Names of connectors, modes and mode sources; output records. */
#include <errno.h>
#include <math.h>

#include "tests/dg-test.h"
#include "lib/model.h"

static void test_connector_round_trip(void)
{
	static const struct {
		const char *id;
		enum dg_connector c;
		bool balanced;
	} table[] = {
		{ "se-3.5", DG_CONNECTOR_SE_3_5, false },
		{ "se-6.35", DG_CONNECTOR_SE_6_35, false },
		{ "bal-2.5", DG_CONNECTOR_BAL_2_5, true },
		{ "bal-4.4", DG_CONNECTOR_BAL_4_4, true },
		{ "bal-xlr4", DG_CONNECTOR_BAL_XLR4, true },
		{ "bal-xlr3x2", DG_CONNECTOR_BAL_XLR3X2, true },
		{ "line-rca", DG_CONNECTOR_LINE_RCA, false },
		{ "line-xlr", DG_CONNECTOR_LINE_XLR, true },
	};

	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		DG_CHECK_INT(dg_connector_from_id(table[i].id), table[i].c);
		DG_CHECK_STR(dg_connector_to_id(table[i].c), table[i].id);
		DG_CHECK(dg_connector_is_balanced(table[i].c) == table[i].balanced);
	}
}

static void test_connector_rejects(void)
{
	/* Near misses must not match: an output id is exact. */
	DG_CHECK_INT(dg_connector_from_id(NULL), DG_CONNECTOR_UNKNOWN);
	DG_CHECK_INT(dg_connector_from_id(""), DG_CONNECTOR_UNKNOWN);
	DG_CHECK_INT(dg_connector_from_id("unknown"), DG_CONNECTOR_UNKNOWN);
	DG_CHECK_INT(dg_connector_from_id("BAL-4.4"), DG_CONNECTOR_UNKNOWN);
	DG_CHECK_INT(dg_connector_from_id("bal-4.4 "), DG_CONNECTOR_UNKNOWN);
	DG_CHECK_INT(dg_connector_from_id("bal-4"), DG_CONNECTOR_UNKNOWN);
	DG_CHECK_INT(dg_connector_from_id("se-3.55"), DG_CONNECTOR_UNKNOWN);
	DG_CHECK_STR(dg_connector_to_id(DG_CONNECTOR_UNKNOWN), "unknown");
	DG_CHECK_STR(dg_connector_to_id((enum dg_connector) 99), "unknown");
	DG_CHECK(!dg_connector_is_balanced(DG_CONNECTOR_UNKNOWN));
	DG_CHECK(!dg_connector_is_balanced((enum dg_connector) 99));
}

static void test_mode_strings(void)
{
	enum dg_mode m = DG_MODE_UNKNOWN;

	DG_CHECK_STR(dg_mode_to_string(DG_MODE_UNKNOWN), "unknown");
	DG_CHECK_STR(dg_mode_to_string(DG_MODE_SINGLE_ENDED), "single-ended");
	DG_CHECK_STR(dg_mode_to_string(DG_MODE_BALANCED), "balanced");
	DG_CHECK_STR(dg_mode_to_string((enum dg_mode) 42), "unknown");

	DG_CHECK_INT(dg_mode_from_string("balanced", &m), 0);
	DG_CHECK_INT(m, DG_MODE_BALANCED);
	DG_CHECK_INT(dg_mode_from_string("single-ended", &m), 0);
	DG_CHECK_INT(m, DG_MODE_SINGLE_ENDED);
	DG_CHECK_INT(dg_mode_from_string("unknown", &m), 0);
	DG_CHECK_INT(m, DG_MODE_UNKNOWN);

	/* A rejected string leaves *m alone. */
	m = DG_MODE_BALANCED;
	DG_CHECK_INT(dg_mode_from_string("Balanced", &m), -EINVAL);
	DG_CHECK_INT(dg_mode_from_string("se", &m), -EINVAL);
	DG_CHECK_INT(dg_mode_from_string("", &m), -EINVAL);
	DG_CHECK_INT(dg_mode_from_string(NULL, &m), -EINVAL);
	DG_CHECK_INT(m, DG_MODE_BALANCED);
	DG_CHECK_INT(dg_mode_from_string("balanced", NULL), -EINVAL);

	DG_CHECK_STR(dg_mode_source_to_string(DG_MODE_SOURCE_ASSUMED), "assumed");
	DG_CHECK_STR(dg_mode_source_to_string(DG_MODE_SOURCE_JACK), "jack");
	DG_CHECK_STR(dg_mode_source_to_string(DG_MODE_SOURCE_SELECTOR), "selector");
	DG_CHECK_STR(dg_mode_source_to_string(DG_MODE_SOURCE_CONFIG), "config");
	DG_CHECK_STR(dg_mode_source_to_string(DG_MODE_SOURCE_USER), "user");
	DG_CHECK_STR(dg_mode_source_to_string((enum dg_mode_source) 17), "assumed");
}

static void test_output_init(void)
{
	struct dg_output o;

	memset(&o, 0x5a, sizeof(o));
	dg_output_init(&o, "bal-4.4");
	DG_CHECK_STR(o.id, "bal-4.4");
	DG_CHECK_INT(o.connector, DG_CONNECTOR_BAL_4_4);
	DG_CHECK(o.balanced);
	DG_CHECK(isnan(o.vout_vrms));
	DG_CHECK(isnan(o.zout_ohm));
	DG_CHECK(isnan(o.crosstalk_db));
	DG_CHECK_INT(o.n_power, 0);
	DG_CHECK(!o.estimated);
	DG_CHECK_STR(o.source, "");

	dg_output_init(&o, "se-3.5");
	DG_CHECK_INT(o.connector, DG_CONNECTOR_SE_3_5);
	DG_CHECK(!o.balanced);

	/* An id too long for the record is cut, never overflows, and names no connector. */
	dg_output_init(&o, "an-output-id-that-is-far-too-long-for-the-field");
	DG_CHECK_INT(strlen(o.id), DG_ID_MAX - 1);
	DG_CHECK_INT(o.connector, DG_CONNECTOR_UNKNOWN);
	DG_CHECK(!o.balanced);

	dg_output_init(&o, NULL);
	DG_CHECK_STR(o.id, "");
	DG_CHECK_INT(o.connector, DG_CONNECTOR_UNKNOWN);
}

static void test_find_output(void)
{
	struct dg_dac dac = { .n_outputs = 2 };

	dg_output_init(&dac.outputs[0], "se-3.5");
	dg_output_init(&dac.outputs[1], "bal-4.4");
	dg_output_init(&dac.outputs[2], "line-rca"); /* beyond n_outputs: not there */

	DG_CHECK(dg_dac_find_output(&dac, "se-3.5") == &dac.outputs[0]);
	DG_CHECK(dg_dac_find_output(&dac, "bal-4.4") == &dac.outputs[1]);
	DG_CHECK(dg_dac_find_output(&dac, "line-rca") == NULL);
	DG_CHECK(dg_dac_find_output(&dac, "bal-2.5") == NULL);
	DG_CHECK(dg_dac_find_output(&dac, NULL) == NULL);
	DG_CHECK(dg_dac_find_output(NULL, "se-3.5") == NULL);

	/* A corrupt count must not walk off the array. */
	dac.n_outputs = 1000;
	DG_CHECK(dg_dac_find_output(&dac, "no-such-output") == NULL);
}

int main(void)
{
	DG_RUN(test_connector_round_trip);
	DG_RUN(test_connector_rejects);
	DG_RUN(test_mode_strings);
	DG_RUN(test_output_init);
	DG_RUN(test_find_output);
	return dg_test_done("test-model");
}
