/* SPDX-License-Identifier: MIT */
/* dacguard: a card's ALSA control device: its jack and enumerated controls, read now
 * and followed by events. What they mean is lib/output-mode.h's. */
#pragma once

#include <poll.h>

#include "output-mode.h"

struct dg_alsa_controls;

/* Opens a control device ("hw:1", or any ctl name alsa-lib resolves) non-blocking
 * and subscribes to its events. Returns 0 or a negative errno. */
int dg_alsa_controls_open(const char *name, struct dg_alsa_controls **out);
void dg_alsa_controls_close(struct dg_alsa_controls *ctl);
const char *dg_alsa_controls_name(const struct dg_alsa_controls *ctl);

/* Reads every jack control (iface CARD, boolean, name ending " Jack") and every
 * enumerated control. Returns 0 or a negative errno. */
int dg_alsa_controls_read(struct dg_alsa_controls *ctl, struct dg_controls *state);

/* The descriptors to poll for ctl events; returns their count (<= max) or a negative errno. */
int dg_alsa_controls_pollfds(struct dg_alsa_controls *ctl, struct pollfd *pfds, int max);

/* Call when one of its pollfds is ready (pfds as returned by poll). Drains the
 * event queue. Returns 1 if any element was added, removed or changed, 0 if not,
 * -ENODEV when the device went away, or another negative errno. */
int dg_alsa_controls_dispatch(struct dg_alsa_controls *ctl, struct pollfd *pfds, int n);
