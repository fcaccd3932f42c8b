/* SPDX-License-Identifier: MIT */
/* dacguard: the objects every part talks about: a DAC, its outputs, a headphone, a mode;
 * their names are lib/names.c's. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DG_ID_MAX       32
#define DG_NAME_MAX     96
#define DG_SOURCE_MAX   512
#define DG_MAX_OUTPUTS  8
#define DG_MAX_RATINGS  4
#define DG_MAX_JACKS    8
#define DG_MAX_SELECTORS 2
#define DG_MAX_SELECTOR_VALUES 8

/* Physical connector of an output. The output id names it: "se-3.5", "bal-4.4"... */
enum dg_connector {
	DG_CONNECTOR_UNKNOWN = 0,
	DG_CONNECTOR_SE_3_5,     /* "se-3.5"     3.5 mm TRS */
	DG_CONNECTOR_SE_6_35,    /* "se-6.35"    6.35 mm TRS */
	DG_CONNECTOR_BAL_2_5,    /* "bal-2.5"    2.5 mm TRRS */
	DG_CONNECTOR_BAL_4_4,    /* "bal-4.4"    4.4 mm Pentaconn */
	DG_CONNECTOR_BAL_XLR4,   /* "bal-xlr4"   4-pin XLR */
	DG_CONNECTOR_BAL_XLR3X2, /* "bal-xlr3x2" dual 3-pin XLR */
	DG_CONNECTOR_LINE_RCA,   /* "line-rca" */
	DG_CONNECTOR_LINE_XLR,   /* "line-xlr" */
};

enum dg_mode {
	DG_MODE_UNKNOWN = 0,     /* "unknown": the worst case applies */
	DG_MODE_SINGLE_ENDED,    /* "single-ended" */
	DG_MODE_BALANCED,        /* "balanced" */
};

/* Where the active mode came from, most trusted first. */
enum dg_mode_source {
	DG_MODE_SOURCE_ASSUMED = 0, /* "assumed": nothing told us, worst case */
	DG_MODE_SOURCE_JACK,        /* "jack": UAC2 connector / UAC3 insertion control */
	DG_MODE_SOURCE_SELECTOR,    /* "selector": a vendor selector control */
	DG_MODE_SOURCE_CONFIG,      /* "config": dacguard.conf */
	DG_MODE_SOURCE_USER,        /* "user": set at run time (pw-cli, dacguardctl) */
};

/* Rated output power into a given load, as a datasheet gives it. */
struct dg_power_rating {
	double mw;
	double ohm;
};

/* One analog output of a DAC. Unknown figures are NAN. */
struct dg_output {
	char id[DG_ID_MAX];            /* "se-3.5", "bal-4.4", ... */
	enum dg_connector connector;
	bool balanced;
	double vout_vrms;              /* full-scale open-circuit voltage */
	double zout_ohm;               /* output impedance; NAN = unknown (0 is assumed: worst case) */
	struct dg_power_rating power[DG_MAX_RATINGS];
	size_t n_power;
	double crosstalk_db;           /* negative, e.g. -70.0; NAN = unknown */
	bool estimated;                /* some figure is an estimate (see note) */
	char source[DG_SOURCE_MAX];
};

struct dg_headphone {
	char id[DG_NAME_MAX];          /* "sennheiser-hd600" */
	char name[DG_NAME_MAX];        /* "Sennheiser HD 600" */
	double impedance_ohm;
	double sensitivity_db;         /* in the unit below */
	bool sensitivity_per_volt;     /* true: dB SPL/V; false: dB SPL/mW */
};

/* A DAC model as the database knows it (or a generic record built from descriptors). */
struct dg_dac {
	char vendor[DG_NAME_MAX];
	char model[DG_NAME_MAX];
	bool known;                    /* matched in the database */
	struct dg_output outputs[DG_MAX_OUTPUTS];
	size_t n_outputs;
};

const char *dg_connector_to_id(enum dg_connector c);
/* Parses an output id ("bal-4.4"); returns DG_CONNECTOR_UNKNOWN for anything else. */
enum dg_connector dg_connector_from_id(const char *id);
bool dg_connector_is_balanced(enum dg_connector c);

const char *dg_mode_to_string(enum dg_mode m);
/* Returns 0 and sets *m, or -EINVAL. */
int dg_mode_from_string(const char *s, enum dg_mode *m);
const char *dg_mode_source_to_string(enum dg_mode_source s);

/* Fills an output with every figure unknown (NAN) and its id/connector set. */
void dg_output_init(struct dg_output *o, const char *id);
const struct dg_output *dg_dac_find_output(const struct dg_dac *dac, const char *id);
