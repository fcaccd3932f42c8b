/* SPDX-License-Identifier: MIT */
/* For the fuzz targets: CHECK(cond) aborts, naming the check, when an invariant fails
 * (libFuzzer keeps the input that did it). */
#pragma once

#include <stdio.h>
#include <stdlib.h>

#define CHECK(cond)                                                                        \
	do {                                                                               \
		if (!(cond)) {                                                             \
			fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, #cond);         \
			abort();                                                           \
		}                                                                          \
	} while (0)
