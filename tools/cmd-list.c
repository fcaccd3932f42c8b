/* SPDX-License-Identifier: MIT */
/* dacguardctl list: the USB DACs present and what dacguardd decides for them, without
 * the daemon (enumerated through libudev as `libinput list-devices` does, decided by
 * the daemon's own engine). */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cmd-args.h"
#include "cmd.h"
#include "engine.h"
#include "json-out.h"
#include "log.h"

static void on_event(void *user, enum dg_engine_event ev, const struct dg_device *dev,
		     const char *msg)
{
	if (ev == DG_ENGINE_ERROR)
		dg_error("%s", msg);
	else if (ev == DG_ENGINE_WARNING)
		dg_warning("%s", msg);
}

static const struct dg_output_decision *find_decision(const struct dg_decision *d, const char *id)
{
	for (size_t i = 0; i < d->n_outputs; i++)
		if (strcmp(d->outputs[i].id, id) == 0)
			return &d->outputs[i];
	return NULL;
}

static void json_device(struct dg_json_out *j, const struct dg_device *dev)
{
	const struct dg_decision *d = &dev->decision;
	char buf[16];

	dg_json_out_object(j, NULL);
	dg_json_out_string(j, "syspath", dev->card.syspath);
	dg_json_out_int(j, "card", dev->card.number);
	snprintf(buf, sizeof(buf), "%04x", dev->card.vendor_id);
	dg_json_out_string(j, "vendor_id", buf);
	snprintf(buf, sizeof(buf), "%04x", dev->card.product_id);
	dg_json_out_string(j, "product_id", buf);
	dg_json_out_string(j, "manufacturer", dev->card.manufacturer);
	dg_json_out_string(j, "product", dev->card.product);
	dg_json_out_bool(j, "known", d->dac.known);
	dg_json_out_string(j, "model", d->dac.known ? d->dac.model : NULL);
	if (dev->uac_err == 0)
		dg_json_out_int(j, "uac_version", dev->uac.uac_version);
	else
		dg_json_out_null(j, "uac_version");
	dg_json_out_string(j, "descriptors_error", dev->uac_err == 0 ? NULL : dev->uac_msg);

	dg_json_out_array(j, "outputs");
	for (size_t i = 0; i < d->dac.n_outputs; i++) {
		const struct dg_output *o = &d->dac.outputs[i];
		const struct dg_output_decision *od = find_decision(d, o->id);

		dg_json_out_object(j, NULL);
		dg_json_out_string(j, "id", o->id);
		dg_json_out_string(j, "connector", dg_connector_to_id(o->connector));
		dg_json_out_bool(j, "balanced", o->balanced);
		dg_json_out_number(j, "vout_vrms", o->vout_vrms);
		dg_json_out_number(j, "zout_ohm", o->zout_ohm);
		dg_json_out_array(j, "power");
		for (size_t k = 0; k < o->n_power; k++) {
			dg_json_out_object(j, NULL);
			dg_json_out_number(j, "mw", o->power[k].mw);
			dg_json_out_number(j, "ohm", o->power[k].ohm);
			dg_json_out_end(j);
		}
		dg_json_out_end(j);
		dg_json_out_number(j, "crosstalk_db", o->crosstalk_db);
		if (od) {
			dg_json_out_number(j, "ceiling_db", od->level.ceiling_db);
			dg_json_out_number(j, "hard_ceiling_db", od->hard_ceiling_db);
			dg_json_out_number(j, "spl_at_0dbfs", od->level.spl_at_0dbfs);
			dg_json_out_string(j, "limited_by",
					   dg_limit_to_string(od->level.limited_by));
			dg_json_out_string(j, "headphone", od->headphone[0] ? od->headphone : NULL);
			dg_json_out_bool(j, "candidate", od->candidate);
		}
		dg_json_out_end(j);
	}
	dg_json_out_end(j);

	dg_json_out_array(j, "terminals");
	for (size_t i = 0; dev->uac_err == 0 && i < dev->uac.n_terminals; i++) {
		const struct dg_uac_terminal *t = &dev->uac.terminals[i];

		dg_json_out_object(j, NULL);
		dg_json_out_int(j, "id", t->id);
		dg_json_out_string(j, "direction",
				   t->dir == DG_UAC_TERMINAL_OUTPUT ? "output" : "input");
		snprintf(buf, sizeof(buf), "0x%04x", t->type);
		dg_json_out_string(j, "type", buf);
		dg_json_out_string(j, "type_name", dg_uac_terminal_type_name(t->type));
		dg_json_out_bool(j, "connector_control", t->connector_control != DG_UAC_CTL_NONE);
		dg_json_out_end(j);
	}
	dg_json_out_end(j);

	dg_json_out_array(j, "jacks");
	for (size_t i = 0; dev->controls && i < dev->controls_state.n_jacks; i++) {
		dg_json_out_object(j, NULL);
		dg_json_out_string(j, "control", dev->controls_state.jacks[i].name);
		dg_json_out_bool(j, "plugged", dev->controls_state.jacks[i].plugged);
		dg_json_out_end(j);
	}
	dg_json_out_end(j);

	dg_json_out_string(j, "mode", dg_mode_to_string(d->mode.mode));
	dg_json_out_string(j, "mode_source", dg_mode_source_to_string(d->mode.source));
	dg_json_out_string(j, "mode_control", d->mode.detail[0] ? d->mode.detail : NULL);
	dg_json_out_string(j, "output", d->output[0] ? d->output : NULL);
	dg_json_out_number(j, "ceiling_db", d->ceiling_db);
	dg_json_out_string(j, "limited_by", dg_limit_to_string(d->limited_by));
	dg_json_out_end(j);
}

static void text_device(const struct dg_device *dev)
{
	const struct dg_decision *d = &dev->decision;
	char line[1024];

	printf("Card:            card%d\n", dev->card.number);
	printf("Syspath:         %s\n", dev->card.syspath);
	printf("USB:             %04x:%04x \"%s\" \"%s\"\n", dev->card.vendor_id,
	       dev->card.product_id, dev->card.manufacturer, dev->card.product);
	printf("Model:           %s\n",
	       d->dac.known ? d->dac.model : "unknown (not in the database)");
	if (dev->uac_err == 0) {
		printf("UAC:             %u\n", dev->uac.uac_version);
		for (size_t i = 0; i < dev->uac.n_terminals; i++) {
			const struct dg_uac_terminal *t = &dev->uac.terminals[i];

			printf("Terminal:        %u %s 0x%04x %s%s\n", t->id,
			       t->dir == DG_UAC_TERMINAL_OUTPUT ? "output" : "input", t->type,
			       dg_uac_terminal_type_name(t->type),
			       t->connector_control != DG_UAC_CTL_NONE ? " (connector control)"
								       : "");
		}
	} else {
		printf("Descriptors:     invalid: %s\n", dev->uac_msg);
	}
	for (size_t i = 0; dev->controls && i < dev->controls_state.n_jacks; i++)
		printf("Jack:            \"%s\" %s\n", dev->controls_state.jacks[i].name,
		       dev->controls_state.jacks[i].plugged ? "plugged" : "unplugged");
	printf("Mode:            %s (%s)%s%s\n", dg_mode_to_string(d->mode.mode),
	       dg_mode_source_to_string(d->mode.source), d->mode.detail[0] ? " by " : "",
	       d->mode.detail);
	for (size_t i = 0; i < d->n_outputs; i++) {
		const struct dg_output_decision *o = &d->outputs[i];

		printf("Output:          %-10s ceiling %6.1f dB (%s), hard limit %6.1f dB, %.1f dB SPL "
		       "at 0 dBFS with %s%s\n",
		       o->id, o->level.ceiling_db, dg_limit_to_string(o->level.limited_by),
		       o->hard_ceiling_db, o->level.spl_at_0dbfs,
		       o->headphone[0] ? o->headphone : "no headphone",
		       o->candidate ? "" : " (not in use)");
	}
	printf("Ceiling:         %.1f dB (%s)%s%s\n", d->ceiling_db,
	       dg_limit_to_string(d->limited_by), d->output[0] ? " from " : "", d->output);
	dg_device_format(dev, line, sizeof(line));
	printf("Decision:        %s\n\n", line);
}

static void usage(void)
{
	puts("Usage: dacguardctl list [--json] [--ctl NAME]");
}

int cmd_list(int argc, char **argv)
{
	/* --ctl: the control device opened instead of "hw:N" (tests) */
	static const char *const names[] = { "--ctl" };
	static const struct cmd_options options = {
		.cmd = "list", .names = names, .n_names = 1, .json = true, .usage = usage,
		.take = cmd_take_string,
	};
	struct dg_engine_options eopts = {0};
	struct dg_engine *e = NULL;
	uint32_t given;
	int r;

	r = cmd_parse_options(&options, argc, argv, &eopts.controls_override, &given);
	if (r)
		return r == 1 ? 0 : r;

	r = dg_engine_new(&eopts, on_event, NULL, &e);
	if (r < 0) {
		dg_error("list: %s", strerror(-r));
		return 1;
	}
	/* a rejected configuration is reported; the defaults decide, as in the daemon */
	dg_engine_load_config(e);
	r = dg_engine_enumerate(e);
	if (r < 0) {
		dg_error("list: cannot enumerate sound cards: %s", strerror(-r));
		dg_engine_free(e);
		return 1;
	}
	if (given & CMD_JSON) {
		struct dg_json_out j;

		dg_json_out_init(&j, stdout, true);
		dg_json_out_array(&j, NULL);
		for (const struct dg_device *d = dg_engine_devices(e); d; d = d->next)
			json_device(&j, d);
		dg_json_out_end(&j);
		dg_json_out_finish(&j);
	} else {
		if (!dg_engine_devices(e))
			printf("No USB audio device found.\n");
		for (const struct dg_device *d = dg_engine_devices(e); d; d = d->next)
			text_device(d);
	}
	dg_engine_free(e);
	return 0;
}
