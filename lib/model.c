/* SPDX-License-Identifier: MIT */
/* dacguard: the records of lib/model.h: an output with nothing known, a DAC's output by id. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "model.h"

void dg_output_init(struct dg_output *o, const char *id)
{
	memset(o, 0, sizeof(*o));
	snprintf(o->id, sizeof(o->id), "%s", id ? id : "");
	o->connector = dg_connector_from_id(o->id);
	o->balanced = dg_connector_is_balanced(o->connector);
	o->vout_vrms = NAN;
	o->zout_ohm = NAN;
	o->crosstalk_db = NAN;
	for (size_t i = 0; i < DG_MAX_RATINGS; i++)
		o->power[i] = (struct dg_power_rating){ NAN, NAN };
}

const struct dg_output *dg_dac_find_output(const struct dg_dac *dac, const char *id)
{
	if (!dac || !id)
		return NULL;
	for (size_t i = 0; i < dac->n_outputs && i < DG_MAX_OUTPUTS; i++)
		if (strcmp(dac->outputs[i].id, id) == 0)
			return &dac->outputs[i];
	return NULL;
}
