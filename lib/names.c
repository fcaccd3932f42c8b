/* SPDX-License-Identifier: MIT */
/* dacguard: the words files, Props and messages use for connectors (output ids), modes
 * and mode sources, both ways. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "model.h"
#include "words.h"

static const char *const connector_ids[] = {
	[DG_CONNECTOR_UNKNOWN] = "unknown",
	[DG_CONNECTOR_SE_3_5] = "se-3.5",
	[DG_CONNECTOR_SE_6_35] = "se-6.35",
	[DG_CONNECTOR_BAL_2_5] = "bal-2.5",
	[DG_CONNECTOR_BAL_4_4] = "bal-4.4",
	[DG_CONNECTOR_BAL_XLR4] = "bal-xlr4",
	[DG_CONNECTOR_BAL_XLR3X2] = "bal-xlr3x2",
	[DG_CONNECTOR_LINE_RCA] = "line-rca",
	[DG_CONNECTOR_LINE_XLR] = "line-xlr",
};

static const char *const mode_names[] = {
	[DG_MODE_UNKNOWN] = "unknown",
	[DG_MODE_SINGLE_ENDED] = "single-ended",
	[DG_MODE_BALANCED] = "balanced",
};

static const char *const mode_source_names[] = {
	[DG_MODE_SOURCE_ASSUMED] = "assumed",
	[DG_MODE_SOURCE_JACK] = "jack",
	[DG_MODE_SOURCE_SELECTOR] = "selector",
	[DG_MODE_SOURCE_CONFIG] = "config",
	[DG_MODE_SOURCE_USER] = "user",
};

const char *dg_connector_to_id(enum dg_connector c)
{
	return dg_word(DG_WORDS(connector_ids), (size_t) c, connector_ids[DG_CONNECTOR_UNKNOWN]);
}

enum dg_connector dg_connector_from_id(const char *id)
{
	int i = id ? dg_word_index(DG_WORDS(connector_ids), id) : -1;

	/* "unknown" is a name for the absence of a connector, not an id an output may carry. */
	return i > DG_CONNECTOR_UNKNOWN ? (enum dg_connector) i : DG_CONNECTOR_UNKNOWN;
}

bool dg_connector_is_balanced(enum dg_connector c)
{
	switch (c) {
	case DG_CONNECTOR_BAL_2_5:
	case DG_CONNECTOR_BAL_4_4:
	case DG_CONNECTOR_BAL_XLR4:
	case DG_CONNECTOR_BAL_XLR3X2:
	case DG_CONNECTOR_LINE_XLR:
		return true;
	default:
		return false;
	}
}

const char *dg_mode_to_string(enum dg_mode m)
{
	return dg_word(DG_WORDS(mode_names), (size_t) m, mode_names[DG_MODE_UNKNOWN]);
}

int dg_mode_from_string(const char *s, enum dg_mode *m)
{
	int i = s && m ? dg_word_index(DG_WORDS(mode_names), s) : -1;

	if (i < 0)
		return -EINVAL;
	*m = (enum dg_mode) i;
	return 0;
}

const char *dg_mode_source_to_string(enum dg_mode_source s)
{
	return dg_word(DG_WORDS(mode_source_names), (size_t) s,
		       mode_source_names[DG_MODE_SOURCE_ASSUMED]);
}
