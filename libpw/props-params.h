/* SPDX-License-Identifier: MIT */
/* dacguard: the Props surface of a guard, as pw-cli set-param writes it and as the
 * guard publishes it: a Props object whose SPA_PROP_params is a struct of key/value
 * pairs. One reader for the module, dacguardd and dacguardctl. */
#pragma once

#include <stdbool.h>

struct spa_pod;

/* Called for each key/value pair of every SPA_PROP_params in a Props object, in order;
 * return non-zero to stop. */
typedef int (*dg_props_param_fn)(void *data, const char *key, const struct spa_pod *value);

/* Walks param (any pod: non-Props objects and malformed structs are skipped). Returns the
 * number of pairs handed to fn, or the non-zero value fn stopped with if negative. */
int dg_props_params_foreach(const struct spa_pod *param, dg_props_param_fn fn, void *data);

/* A number of any PipeWire type (Float, Double, Int, Long) as a double: 0 or -EINVAL. */
int dg_props_pod_number(const struct spa_pod *pod, double *v);
