/* SPDX-License-Identifier: MIT */
/* dacguardd's PipeWire side: finds each detected card's sink nodes, makes sure a guard
 * (libpipewire-module-dacguard) sits in front of them, sets the guard's Props from the
 * decision and routes the default sink and the DAC's streams through the guard.
 * Runs on the daemon's poll loop: no thread, no pw_main_loop; see doc/e2e.md. */
#pragma once

#include <stdbool.h>

#include "conf.h"
#include "engine.h"

struct dg_pw_apply;

struct dg_pw_apply_options {
	const char *remote;     /* NULL: PIPEWIRE_REMOTE or the default */
	const char *state_dir;  /* guard host configs and logs; NULL: $XDG_RUNTIME_DIR/dacguard */
	bool no_host;           /* never spawn a guard host: only adopt guards a server rule made */
	/* A client wrote a guard's dacguard.output: the card at card_syspath is to be
	 * decided again with it (dg_engine_set_user_output), and the decision handed back
	 * with dg_pw_apply_decision. NULL, or a negative errno: the guard is written with
	 * the decision it had. */
	int (*user_output)(void *user_data, const char *card_syspath, const char *output);
	void *user_data;
};

/* Creates the loop and starts connecting (a missing server is retried, not an error).
 * Returns 0 or a negative errno. */
int dg_pw_apply_new(const struct dg_pw_apply_options *opts, struct dg_pw_apply **out);
void dg_pw_apply_free(struct dg_pw_apply *a);

/* The descriptor to poll for POLLIN; call dg_pw_apply_dispatch when it is readable. */
int dg_pw_apply_fd(const struct dg_pw_apply *a);
void dg_pw_apply_dispatch(struct dg_pw_apply *a);

/* A card was decided (again): remember the decision and enforce it. cfg gives the
 * administrator's hard ceiling for guards this daemon creates. */
void dg_pw_apply_decision(struct dg_pw_apply *a, const struct dg_device *dev,
			  const struct dg_config *cfg);
/* A card went away: forget it and stop the guard hosts made for it. */
void dg_pw_apply_removed(struct dg_pw_apply *a, const struct dg_device *dev);
