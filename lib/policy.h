/* SPDX-License-Identifier: MIT */
/* dacguard's policy: every decision about a ceiling is made here, once, by pure
 * functions (no I/O), for dacguardd, dacguardctl and the guard in PipeWire alike:
 *  - dg_policy_decide: from a card's identity, its output mode, a user's choice of
 *    output and the configuration to a ceiling per output and the one in force;
 *  - dg_policy_select: the one rule that picks a ceiling from the ceiling of each
 *    output for an output and a mode;
 *  - dg_policy_guard_write: what a write of the guard's Props (a user's pw-cli, the
 *    daemon's decision) leads to, with the table of ceilings the guard holds. */
#pragma once

#include <stdbool.h>

#include "ceiling-table.h"
#include "conf.h"
#include "db.h"
#include "headphones.h"
#include "level.h"
#include "output-mode.h"
#include "model.h"

struct dg_output_decision {
	char id[DG_ID_MAX];
	char headphone[DG_NAME_MAX]; /* the profile used; "" when none was found */
	struct dg_level level;	     /* ceiling_db includes the config's and the hard limit */
	/* The administrator's limit for this output: dacguard.hard-max-spl-db with its
	 * ratings and the headphone assigned to it (the loudest class when none is),
	 * under dacguard.hard-ceiling-db; for an output without ratings the
	 * administrator's fallback ceiling. */
	double hard_ceiling_db;
	bool candidate;		     /* may be the live output in the current mode */
};

struct dg_decision {
	struct dg_dac dac;
	struct dg_mode_result mode;	/* the mode in force (a user's word, or detected) */
	struct dg_mode_result detected; /* what the controls, the config or the worst case say */
	char detected_output[DG_ID_MAX]; /* the output the detection alone puts in force */
	struct dg_output_decision outputs[DG_MAX_OUTPUTS];
	size_t n_outputs;
	/* What applies now: the lowest ceiling among the candidates (fail-safe). */
	double ceiling_db;
	enum dg_limit limited_by;
	char output[DG_ID_MAX]; /* the output that set it; "" for an unknown device */
	char headphone[DG_NAME_MAX]; /* its headphone profile, "" when none */
	bool descriptors_ok;	/* false: descriptors unreadable or malformed */
	bool user_choice;	/* output and mode are a user's choice (user_output) */
	/* the ceiling of every output, for the guard to answer a switch by itself */
	struct dg_ceiling_table table;
	/* the hard limit of every output: what no write to the guard goes past */
	struct dg_ceiling_table hard_table;
	/* the output a jack or selector reports in use, "" when none does: a user's
	 * claim of another output does not raise the ceiling past this one's */
	char reported_output[DG_ID_MAX];
};

/* Builds the mode map of a database entry (its strings stay owned by the entry). */
void dg_policy_mode_map(const struct dg_db_entry *entry, struct dg_mode_map *map);

/* A record for a device the database does not know: names only, outputs unknown. */
void dg_policy_generic_dac(const char *manufacturer, const char *product, struct dg_dac *dac);

/* The decision. dev_conf may be NULL (no user settings for the device); hp may be NULL
 * (then every output falls back). descriptors_ok = false caps the ceiling at the
 * fallback: a device that does not describe itself properly is not trusted further.
 * user_output (NULL or "" for none): the output a user said is in use (the guard's
 * dacguard.output written by a client); it decides the output, mode and ceiling in
 * force: that output's ceiling, or for an output the device lacks the lowest it has. */
void dg_policy_decide(const struct dg_config *cfg, const struct dg_headphone_db *hp,
		      const struct dg_conf_device *dev_conf, const struct dg_dac *dac,
		      const struct dg_mode_result *mode, bool descriptors_ok,
		      const char *user_output, struct dg_decision *out);

/* The mode an output's kind says; DG_MODE_UNKNOWN for anything not an output id. */
enum dg_mode dg_policy_mode_of(const char *output);

/* Whether a user's choice of output still stands after a new decision: not once the
 * controls or the configuration spoke after the user (the detected mode or output
 * changed): then they win. */
bool dg_policy_user_choice_stands(const struct dg_decision *before, const struct dg_decision *now);

/* The ceiling a table gives an output in a mode, the one rule every ceiling in force
 * comes from: an output in the table: its ceiling (the lower of it and the mode's
 * lowest when its kind disagrees with a known mode); an output the table lacks: the
 * table's lowest; no output ("" or "unknown"): the lowest of the mode's kind
 * (balanced: bal-* and line-xlr; single-ended: se-* and line-rca), the lowest of all
 * for an unknown mode or a kind the table lacks. NAN for the empty table. *chosen (may
 * be NULL) is set to the id of the entry that gave it, or NULL. */
double dg_policy_select(const struct dg_ceiling_table *t, const char *output, enum dg_mode mode,
			const char **chosen);

/* The administrator's hard ceiling as every guard applies it: never above full scale
 * (0 dBFS). */
double dg_policy_hard_ceiling(double configured_db);

/* A ceiling within the limits: never above the hard ceiling, never below the guard's
 * lowest (DG_GUARD_MIN_CEILING_DB); NAN reads as the lowest (fail safe). */
double dg_policy_clamp(double ceiling_db, double hard_ceiling_db);

/* A guard's state as its Props show it. */
struct dg_guard_state {
	double ceiling_db;
	double hard_ceiling_db; /* the module's argument, for every output */
	char output[DG_ID_MAX]; /* an output id or "unknown" */
	enum dg_mode mode;
	struct dg_ceiling_table table;
	/* per output, from the module's arguments, lowered (never raised) by writes */
	struct dg_ceiling_table hard_table;
	char reported[DG_ID_MAX]; /* the output the hardware reports, "" for none */
};

/* What one Props write held, validated, keys given twice already folded (the lower
 * ceiling, the last output, mode, table and reported output). */
struct dg_guard_write {
	bool has_ceiling, has_output, has_mode, has_table, has_hard_table, has_reported;
	double ceiling_db;
	char output[DG_ID_MAX];
	enum dg_mode mode;
	struct dg_ceiling_table table;
	struct dg_ceiling_table hard_table;
	char reported[DG_ID_MAX];
};

/* The highest ceiling a guard in state s may have: its hard ceiling, and the hard
 * table's for the output and mode in force (dg_policy_select's rule, so an output the
 * table lacks gets its lowest). */
double dg_policy_hard_for(const struct dg_guard_state *s);

/* Lowers the hard table cur with w, never raising what any output had: each entry of
 * w applies at most at what cur gave that output (its lowest for an output it lacks).
 * An empty cur takes w as it is. */
void dg_policy_hard_table_lower(struct dg_ceiling_table *cur, const struct dg_ceiling_table *w);

/* Why the ceiling a write asked for was not the one that applies (bits). */
enum {
	DG_GUARD_ABOVE_TABLE = 1 << 0, /* above the table's ceiling for the output in force */
	DG_GUARD_ABOVE_HARD = 1 << 1,  /* above the hard ceiling */
	DG_GUARD_BELOW_MIN = 1 << 2,   /* below the lowest ceiling a guard takes */
	DG_GUARD_ABOVE_REPORTED = 1 << 3, /* an output claimed above the one reported */
};

/* The state a write leads to. With a table, a write of the output or the mode brings
 * that output's (or mode's) ceiling from it, lowered by a ceiling in the same write,
 * and keeps output and mode telling one story (an output sets the mode to its kind, a
 * mode alone the output to "unknown"); any other write is held at or below the table's
 * ceiling for the output and mode in force. Without a table the ceiling asked for
 * applies. Where the hardware reports the output in use, nothing goes above the
 * table's ceiling for that output, whatever output is claimed. The hard limit
 * (dg_policy_hard_for) bounds all of it. *why gets the DG_GUARD_* bits. */
void dg_policy_guard_write(const struct dg_guard_state *cur, const struct dg_guard_write *w,
			   struct dg_guard_state *next, unsigned *why);
