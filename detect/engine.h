/* SPDX-License-Identifier: MIT */
/* dacguardd's detection engine: the configuration, the cards udev shows, their ALSA
 * control devices and the decision for each. dacguardd, `dacguardctl list` and
 * `dacguardctl monitor` all run it, so the tool shows what the daemon decides. */
#pragma once

#include <poll.h>
#include <stdbool.h>

#include "conf.h"
#include "db.h"
#include "detect.h"
#include "headphones.h"
#include "alsa-controls.h"
#include "policy.h"
#include "uac.h"

struct dg_device {
	struct dg_card card;
	struct dg_uac uac;
	int uac_err; /* 0 or the dg_uac_parse error */
	char uac_msg[160];
	const struct dg_db_entry *entry; /* NULL: unknown device */
	struct dg_alsa_controls *controls;	 /* NULL when the control device could not be opened */
	int controls_err;
	char controls_name[64];
	struct dg_controls controls_state;
	struct dg_decision decision;
	bool decided;
	char user_output[DG_ID_MAX]; /* a user's word on the output in use, "" none */
	/* poll bookkeeping, owned by the engine */
	int pfd_first;
	int pfd_count;
	struct dg_device *next;
};

enum dg_engine_event {
	DG_ENGINE_DECISION, /* a card was (re)identified or its mode changed */
	DG_ENGINE_REMOVED,  /* a card went away (dev is still valid during the call) */
	DG_ENGINE_UEVENT,   /* any uevent on a card, before it is acted on (msg = action) */
	DG_ENGINE_WARNING,  /* something is amiss and the engine fails safe around it (dev may
			     * be NULL); msg says what */
	DG_ENGINE_ERROR,    /* something failed; msg says what (dev may be NULL) */
};

typedef void (*dg_engine_fn)(void *user, enum dg_engine_event ev, const struct dg_device *dev,
			     const char *msg);

struct dg_engine_options {
	const char *controls_override; /* open this control device instead of "hw:N" (tests) */
	bool no_controls;		  /* do not open control devices */
};

struct dg_engine;

/* Returns 0 or a negative errno. */
int dg_engine_new(const struct dg_engine_options *opts, dg_engine_fn fn, void *user,
		  struct dg_engine **out);
void dg_engine_free(struct dg_engine *e);

/* (Re)loads headphones, database and config from the standard paths (DACGUARD_CONFIG_DIR
 * honoured). All-or-nothing: on error the last good set stays (defaults at first) and the
 * error is returned. Cards present are decided again. Each problem in the files is an
 * event of its own, "file:line:col: key: message". */
int dg_engine_load_config(struct dg_engine *e);

/* Decides every card present now. Returns the number of cards or a negative errno. */
int dg_engine_enumerate(struct dg_engine *e);

/* Starts the udev monitor. Call before dg_engine_enumerate so no event is lost. */
int dg_engine_monitor(struct dg_engine *e);

/* Fills pfds with the monitor's and the control devices' descriptors; returns the count. */
int dg_engine_pollfds(struct dg_engine *e, struct pollfd *pfds, int max);
/* Handles what poll reported for the array dg_engine_pollfds filled. */
void dg_engine_dispatch(struct dg_engine *e, struct pollfd *pfds, int n);

/* A user said which output of the card at syspath is in use ("" or NULL: forget it):
 * the card is decided again with it (until its controls or the configuration speak
 * again). -ENODEV for a card the engine does not have. */
int dg_engine_set_user_output(struct dg_engine *e, const char *syspath, const char *output);

const struct dg_device *dg_engine_devices(const struct dg_engine *e);
const struct dg_config *dg_engine_config(const struct dg_engine *e);

/* One line, journal-friendly: card, names, ids, known, uac, mode, ceiling. */
void dg_device_format(const struct dg_device *dev, char *buf, size_t size);

/* What an event is about, as one line for a log or a terminal: a decision as
 * dg_device_format writes it, a removal as the card's 'cardN "NAME" VID:PID', the
 * message otherwise. Returns buf or msg. */
const char *dg_engine_event_line(enum dg_engine_event ev, const struct dg_device *dev,
				 const char *msg, char *buf, size_t size);
