/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cmd-args.h"
#include "cmd.h"

int cmd_parse_number(const char *s, double *out)
{
	char *end;
	double v;

	if (!*s)
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (end == s || *end || errno == ERANGE || !isfinite(v))
		return -EINVAL;
	*out = v;
	return 0;
}

/* 1 with *val set, 0 for another option, -EINVAL when the value is missing. */
static int match_option(int argc, char **argv, int *i, const char *name, const char **val)
{
	const char *arg = argv[*i];
	size_t n = strlen(name);

	if (strncmp(arg, name, n) != 0)
		return 0;
	if (arg[n] == '=') {
		*val = arg + n + 1;
		return 1;
	}
	if (arg[n] != '\0')
		return 0;
	if (*i + 1 >= argc)
		return -EINVAL;
	*val = argv[++*i];
	return 1;
}

int cmd_option(const char *cmd, int argc, char **argv, int *i, const char *const *names,
	       size_t n_names, const char **val)
{
	for (size_t o = 0; o < n_names; o++) {
		int r = match_option(argc, argv, i, names[o], val);

		if (r < 0) {
			cmd_usage_error(cmd, "%s needs a value", names[o]);
			return -EINVAL;
		}
		if (r > 0)
			return (int) o;
	}
	if (argv[*i][0] == '-')
		cmd_usage_error(cmd, "unknown option '%s'", argv[*i]);
	else
		cmd_usage_error(cmd, "unexpected argument '%s'", argv[*i]);
	return -EINVAL;
}
