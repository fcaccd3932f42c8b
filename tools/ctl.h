/* SPDX-License-Identifier: MIT */
/* dacguardctl subcommands. Each returns the process exit status:
 * 0 success, 1 a negative answer (e.g. validation failed), 2 bad usage. */
#pragma once

#include <stdio.h>

int ctl_ceiling(int argc, char **argv);
int ctl_db(int argc, char **argv);
int ctl_headphones(int argc, char **argv);
int ctl_list(int argc, char **argv);
int ctl_monitor(int argc, char **argv);
int ctl_measure(int argc, char **argv);

/* One-line usage error, as every subcommand reports it; returns 2. */
int ctl_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
