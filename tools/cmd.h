/* SPDX-License-Identifier: MIT */
/* dacguardctl subcommands. Each returns the process exit status:
 * 0 success, 1 a negative answer (e.g. validation failed), 2 bad usage. */
#pragma once

#include <stdio.h>

#include "diag.h"

int cmd_ceiling(int argc, char **argv);
int cmd_db(int argc, char **argv);
int cmd_headphones(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_monitor(int argc, char **argv);
int cmd_measure(int argc, char **argv);

/* One-line usage error, as every subcommand reports it; returns 2. */
int cmd_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A dg_errors sink for the loaders: each diagnostic logged at its own level, as
 * "file:line:col: key: message". */
void cmd_log_diag(void *user, const struct dg_diag *d);
