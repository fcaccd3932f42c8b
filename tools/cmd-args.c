/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
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

/* Which of o->names argv[*i] is: its index, with *val set and *i advanced past the value;
 * -2 after a usage error. */
static int find_option(const struct cmd_options *o, int argc, char **argv, int *i,
		       const char **val)
{
	for (size_t n = 0; n < o->n_names; n++) {
		int r = match_option(argc, argv, i, o->names[n], val);

		if (r < 0)
			return -cmd_usage_error(o->cmd, "%s needs a value", o->names[n]);
		if (r > 0)
			return (int) n;
	}
	if (argv[*i][0] == '-')
		return -cmd_usage_error(o->cmd, "unknown option '%s'", argv[*i]);
	return -cmd_usage_error(o->cmd, "unexpected argument '%s'", argv[*i]);
}

int cmd_parse_options(const struct cmd_options *o, int argc, char **argv, void *data,
		      uint32_t *given)
{
	*given = 0;
	for (int i = 1; i < argc; i++) {
		const char *val = NULL;
		int n;

		if (o->json && strcmp(argv[i], "--json") == 0) {
			*given |= CMD_JSON;
			continue;
		}
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			o->usage();
			return 1;
		}
		n = find_option(o, argc, argv, &i, &val);
		if (n < 0)
			return -n;
		if ((*given & (1u << n)) && !(o->repeatable & (1u << n)))
			return cmd_usage_error(o->cmd, "%s given twice", o->names[n]);
		*given |= 1u << n;
		if (o->take(data, n, val))
			return 2;
	}
	return 0;
}

int cmd_take_string(void *data, int index, const char *val)
{
	((const char **) data)[index] = val;
	return 0;
}

int cmd_number_option(const char *cmd, const char *opt, const char *val,
		      const struct cmd_range *range, double *out)
{
	double v;

	if (cmd_parse_number(val, &v) < 0 || (range->whole && v != floor(v)))
		return cmd_usage_error(cmd, "%s: expected %s, not '%s'", opt, range->expected, val);
	if (v >= range->min && !(range->min_open && v == range->min) && v <= range->max) {
		*out = v;
		return 0;
	}
	if (isfinite(range->min) && isfinite(range->max))
		return cmd_usage_error(cmd, "%s: %s is out of range (%g..%g%s)", opt, val,
				       range->min, range->max, range->unit ? range->unit : "");
	return cmd_usage_error(cmd, "%s: %s is out of range (must be %s %g)", opt, val,
			       range->min_open ? ">" : ">=", range->min);
}
