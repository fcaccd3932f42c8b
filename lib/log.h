/* SPDX-License-Identifier: MIT */
/* dacguard: the one log of dacguardd and dacguardctl. Four levels; debug is shown with
 * --verbose or DACGUARD_DEBUG=1. One line per message on stderr: under systemd (stderr
 * is the journal's stream, $JOURNAL_STREAM) each line carries its syslog priority as a
 * "<N>" prefix, which journald reads and strips; elsewhere errors and warnings say
 * "error: " and "warning: " after the program's name, and the rest is the message.
 * Not for the real-time path: it writes and flushes. */
#pragma once

#include <stdbool.h>

enum dg_log_level {
	DG_LOG_ERROR,
	DG_LOG_WARNING,
	DG_LOG_INFO,
	DG_LOG_DEBUG,
};

/* ident: the program's name, as errors and warnings are prefixed with. verbose: show
 * debug messages (DACGUARD_DEBUG=1 in the environment does too). */
void dg_log_init(const char *ident, bool verbose);

bool dg_log_enabled(enum dg_log_level level);

void dg_log(enum dg_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define dg_error(...)	dg_log(DG_LOG_ERROR, __VA_ARGS__)
#define dg_warning(...) dg_log(DG_LOG_WARNING, __VA_ARGS__)
#define dg_info(...)	dg_log(DG_LOG_INFO, __VA_ARGS__)
#define dg_debug(...)	dg_log(DG_LOG_DEBUG, __VA_ARGS__)
