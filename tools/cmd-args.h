/* SPDX-License-Identifier: MIT */
/* dacguardctl: command-line values as the subcommands that take options read them. */
#pragma once

#include <stddef.h>

/* A whole, finite number: "nan", "inf", "1e999", "3V" and "" are refused with -EINVAL. */
int cmd_parse_number(const char *s, double *out);

/* Which of names[0..n_names) argv[*i] is, as "--name VALUE" or "--name=VALUE": its index,
 * with *val set and *i advanced past the value. A missing value, an unknown option or a
 * stray argument is reported as a usage error of cmd, and gives -EINVAL. */
int cmd_option(const char *cmd, int argc, char **argv, int *i, const char *const *names,
	       size_t n_names, const char **val);
