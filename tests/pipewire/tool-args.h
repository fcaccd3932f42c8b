/* SPDX-License-Identifier: MIT */
/* Command-line numbers for the test tools (wav-peak, wav-intact, wav-fixture): a
 * typo in a test's arguments must stop the tool, never read as 0. */
#pragma once

#include <stdbool.h>

/* s is a whole finite number (no trailing text); its value in *v. */
bool tool_number(const char *s, double *v);
