/* SPDX-License-Identifier: MIT */
#include "tool-args.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

bool tool_number(const char *s, double *v)
{
	char *end;

	errno = 0;
	*v = strtod(s, &end);
	return errno == 0 && end != s && *end == '\0' && isfinite(*v);
}
