/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "engine.h"
#include "diag.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct dg_engine {
	struct dg_engine_options opts;
	dg_engine_fn fn;
	void *user;
	struct udev *udev;
	struct udev_monitor *mon;
	int mon_pfd; /* index in the last pollfds array, -1 = none */
	struct dg_config cfg;
	struct dg_db db;
	struct dg_headphone_db hp;
	struct dg_device *devices;
};

static void report(struct dg_engine *e, enum dg_engine_event ev, const struct dg_device *dev,
		   const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void report(struct dg_engine *e, enum dg_engine_event ev, const struct dg_device *dev,
		   const char *fmt, ...)
{
	char msg[512] = "";
	va_list ap;

	if (!e->fn)
		return;
	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
	}
	e->fn(e->user, ev, dev, msg);
}

int dg_engine_new(const struct dg_engine_options *opts, dg_engine_fn fn, void *user,
		  struct dg_engine **out)
{
	struct dg_engine *e = calloc(1, sizeof(*e));

	*out = NULL;
	if (!e)
		return -ENOMEM;
	if (opts)
		e->opts = *opts;
	e->fn = fn;
	e->user = user;
	e->mon_pfd = -1;
	dg_config_defaults(&e->cfg);
	dg_db_init(&e->db);
	dg_headphone_db_init(&e->hp);
	e->udev = udev_new();
	if (!e->udev) {
		free(e);
		return -ENOMEM;
	}
	*out = e;
	return 0;
}

static void device_free(struct dg_device *dev)
{
	dg_alsa_controls_close(dev->controls);
	dg_card_clear(&dev->card);
	free(dev);
}

void dg_engine_free(struct dg_engine *e)
{
	if (!e)
		return;
	while (e->devices) {
		struct dg_device *d = e->devices;

		e->devices = d->next;
		device_free(d);
	}
	if (e->mon)
		udev_monitor_unref(e->mon);
	udev_unref(e->udev);
	dg_db_free(&e->db);
	dg_headphone_db_free(&e->hp);
	free(e);
}

const struct dg_device *dg_engine_devices(const struct dg_engine *e)
{
	return e->devices;
}

const struct dg_config *dg_engine_config(const struct dg_engine *e)
{
	return &e->cfg;
}

/* Mode and ceiling from what is known about the device now. quiet: report only a
 * changed decision (control events also come for volume and other elements). */
static void decide_quiet(struct dg_engine *e, struct dg_device *dev, bool quiet)
{
	struct dg_decision old = dev->decision;
	bool was_decided = dev->decided;
	const struct dg_conf_device *dc;
	struct dg_mode_map map;
	struct dg_mode_result mode;
	struct dg_dac dac;
	enum dg_mode cfg_mode;

	dc = dg_config_find_device(&e->cfg, dev->card.vendor_id, dev->card.product_id,
				   dev->card.manufacturer, dev->card.product);
	cfg_mode = dc && dc->has_mode ? dc->mode : DG_MODE_UNKNOWN;
	if (dev->entry)
		dg_db_entry_to_dac(dev->entry, &dac);
	else
		dg_policy_generic_dac(dev->card.manufacturer, dev->card.product, &dac);
	dg_policy_mode_map(dev->entry, &map);
	dg_mode_resolve(dev->controls ? &dev->controls_state : NULL, &map, cfg_mode, &mode);
	dg_policy_decide(&e->cfg, &e->hp, dc, &dac, &mode, dev->uac_err == 0, dev->user_output,
			 &dev->decision);
	if (dev->user_output[0] && was_decided &&
	    !dg_policy_user_choice_stands(&old, &dev->decision)) {
		dev->user_output[0] = '\0';
		dg_policy_decide(&e->cfg, &e->hp, dc, &dac, &mode, dev->uac_err == 0, NULL,
				 &dev->decision);
	}
	dev->decided = true;
	if (quiet && was_decided && old.mode.mode == dev->decision.mode.mode &&
	    old.mode.source == dev->decision.mode.source &&
	    strcmp(old.output, dev->decision.output) == 0 &&
	    strcmp(old.mode.detail, dev->decision.mode.detail) == 0 &&
	    old.ceiling_db == dev->decision.ceiling_db)
		return;
	report(e, DG_ENGINE_DECISION, dev, NULL);
}

static void decide(struct dg_engine *e, struct dg_device *dev)
{
	decide_quiet(e, dev, false);
}

static void read_controls(struct dg_engine *e, struct dg_device *dev)
{
	int r;

	if (!dev->controls)
		return;
	r = dg_alsa_controls_read(dev->controls, &dev->controls_state);
	if (r < 0) {
		report(e, DG_ENGINE_WARNING, dev, "card%d: reading controls of %s: %s",
		       dev->card.number, dev->controls_name, strerror(-r));
		memset(&dev->controls_state, 0, sizeof(dev->controls_state));
	}
}

static void open_controls(struct dg_engine *e, struct dg_device *dev)
{
	int r;

	if (e->opts.no_controls || dev->controls)
		return;
	if (e->opts.controls_override)
		snprintf(dev->controls_name, sizeof(dev->controls_name), "%s", e->opts.controls_override);
	else
		snprintf(dev->controls_name, sizeof(dev->controls_name), "hw:%d", dev->card.number);
	r = dg_alsa_controls_open(dev->controls_name, &dev->controls);
	dev->controls_err = r;
	if (r < 0)
		report(e, DG_ENGINE_WARNING, dev,
		       "card%d: cannot open control device %s: %s; mode from config or assumed",
		       dev->card.number, dev->controls_name, strerror(-r));
}

static void identify(struct dg_engine *e, struct dg_device *dev)
{
	struct dg_card *c = &dev->card;

	memset(&dev->uac, 0, sizeof(dev->uac));
	dev->uac_msg[0] = '\0';
	if (c->descriptors_err < 0) {
		dev->uac_err = c->descriptors_err;
		snprintf(dev->uac_msg, sizeof(dev->uac_msg), "cannot read descriptors: %s",
			 strerror(-c->descriptors_err));
	} else {
		dev->uac_err =
		    dg_uac_parse_config(c->descriptors, c->descriptors_len, c->config_value,
					&dev->uac, dev->uac_msg, sizeof(dev->uac_msg));
		/* a config value that does not exist in the blob: the first one */
		if (dev->uac_err == -ENOENT && c->config_value != 0)
			dev->uac_err = dg_uac_parse(c->descriptors, c->descriptors_len, &dev->uac,
						    dev->uac_msg, sizeof(dev->uac_msg));
	}
	if (dev->uac_err < 0)
		report(e, DG_ENGINE_WARNING, dev, "card%d: %s/descriptors: %s; failing safe",
		       c->number, c->usb_syspath,
		       dev->uac_msg[0] ? dev->uac_msg : strerror(-dev->uac_err));
	dev->entry = dg_db_match(&e->db, c->vendor_id, c->product_id, c->manufacturer, c->product);
}

static struct dg_device *find_device(struct dg_engine *e, const char *syspath)
{
	for (struct dg_device *d = e->devices; d; d = d->next)
		if (strcmp(d->card.syspath, syspath) == 0)
			return d;
	return NULL;
}

int dg_engine_set_user_output(struct dg_engine *e, const char *syspath, const char *output)
{
	struct dg_device *dev = find_device(e, syspath);

	if (dev == NULL)
		return -ENODEV;
	snprintf(dev->user_output, sizeof(dev->user_output), "%s", output ? output : "");
	decide(e, dev);
	return 0;
}

static void remove_device(struct dg_engine *e, struct dg_device *dev)
{
	struct dg_device **pp;

	for (pp = &e->devices; *pp; pp = &(*pp)->next) {
		if (*pp == dev) {
			*pp = dev->next;
			break;
		}
	}
	report(e, DG_ENGINE_REMOVED, dev, NULL);
	device_free(dev);
}

/* A card that is (now) initialized: read everything and decide. A card seen again
 * ("change", e.g. a product string that changes with the device's mode) is re-read. */
static void card_ready(struct dg_engine *e, struct udev_device *udev_dev)
{
	const char *syspath = udev_device_get_syspath(udev_dev);
	struct dg_device *dev = find_device(e, syspath);
	struct dg_card card;
	int r;

	r = dg_detect_read_card(udev_dev, &card);
	if (r == -ENODEV) {
		if (dev)
			remove_device(e, dev);
		return; /* not a USB card */
	}
	if (!dev) {
		dev = calloc(1, sizeof(*dev));
		if (!dev) {
			dg_card_clear(&card);
			report(e, DG_ENGINE_ERROR, NULL, "%s: out of memory", syspath);
			return;
		}
		dev->next = e->devices;
		e->devices = dev;
	} else {
		dg_card_clear(&dev->card);
	}
	dev->card = card;
	identify(e, dev);
	open_controls(e, dev);
	read_controls(e, dev);
	decide(e, dev);
}

static void handle_card(struct dg_engine *e, struct udev_device *udev_dev, const char *action)
{
	struct dg_device *dev;

	if (!dg_detect_is_card(udev_dev))
		return;
	report(e, DG_ENGINE_UEVENT, NULL, "%s %s", action, udev_device_get_syspath(udev_dev));
	if (strcmp(action, "remove") == 0) {
		dev = find_device(e, udev_device_get_syspath(udev_dev));
		if (dev)
			remove_device(e, dev);
		return;
	}
	if (strcmp(action, "add") != 0 && strcmp(action, "change") != 0)
		return;
	if (!dg_detect_is_initialized(udev_dev))
		return; /* its "change" follows once 78-sound-card.rules ran */
	card_ready(e, udev_dev);
}

static void enumerated(struct udev_device *dev, void *data)
{
	struct dg_engine *e = data;

	if (dg_detect_is_initialized(dev))
		card_ready(e, dev);
}

int dg_engine_enumerate(struct dg_engine *e)
{
	return dg_detect_enumerate(e->udev, enumerated, e);
}

int dg_engine_monitor(struct dg_engine *e)
{
	if (e->mon)
		return 0;
	e->mon = dg_detect_monitor_new(e->udev);
	return e->mon ? 0 : -EIO;
}

/* The loaders' diagnostics, each at its own level rather than printed by lib/diag. */
static void on_diag(void *user, const struct dg_diag *d)
{
	struct dg_diag plain = *d;
	char line[1024];

	/* the event's level says "warning"; the line need not say it again */
	plain.severity = DG_SEVERITY_ERROR;
	dg_diag_format(&plain, line, sizeof(line));
	report(user, d->severity == DG_SEVERITY_WARNING ? DG_ENGINE_WARNING : DG_ENGINE_ERROR, NULL,
	       "%s", line);
}

int dg_engine_load_config(struct dg_engine *e)
{
	struct dg_paths paths;
	struct dg_headphone_db hp;
	struct dg_db db;
	struct dg_config cfg;
	struct dg_errors errors = {.fn = on_diag, .user = e};
	int r;

	r = dg_paths_init(&paths);
	if (r < 0)
		return r;
	dg_headphone_db_init(&hp);
	dg_db_init(&db);
	dg_config_defaults(&cfg);
	r = dg_headphone_db_load(&hp, &paths, &errors);
	if (r == 0)
		r = dg_db_load(&db, &paths, &errors);
	if (r == 0)
		r = dg_config_load(&cfg, &paths, &hp, &errors);
	if (r < 0) {
		dg_headphone_db_free(&hp);
		dg_db_free(&db);
		report(e, DG_ENGINE_ERROR, NULL,
		       "configuration rejected (%u errors); the last good one stays in force",
		       errors.n_errors);
		return r;
	}
	dg_headphone_db_free(&e->hp);
	dg_db_free(&e->db);
	e->hp = hp;
	e->db = db;
	e->cfg = cfg;
	/* entries pointed into the old database */
	for (struct dg_device *d = e->devices; d; d = d->next) {
		d->entry = dg_db_match(&e->db, d->card.vendor_id, d->card.product_id,
				       d->card.manufacturer, d->card.product);
		decide(e, d);
	}
	return 0;
}

int dg_engine_pollfds(struct dg_engine *e, struct pollfd *pfds, int max)
{
	int n = 0;

	e->mon_pfd = -1;
	if (e->mon && n < max) {
		pfds[n].fd = udev_monitor_get_fd(e->mon);
		pfds[n].events = POLLIN;
		pfds[n].revents = 0;
		e->mon_pfd = n++;
	}
	for (struct dg_device *d = e->devices; d; d = d->next) {
		int r;

		d->pfd_first = n;
		d->pfd_count = 0;
		if (!d->controls)
			continue;
		r = dg_alsa_controls_pollfds(d->controls, pfds + n, max - n);
		if (r > 0) {
			d->pfd_count = r;
			n += r;
		}
	}
	return n;
}

void dg_engine_dispatch(struct dg_engine *e, struct pollfd *pfds, int n)
{
	/* controls first: a udev remove below may free their device */
	for (struct dg_device *d = e->devices; d; d = d->next) {
		bool ready = false;
		int r;

		if (!d->controls || d->pfd_count == 0 || d->pfd_first + d->pfd_count > n)
			continue;
		for (int i = 0; i < d->pfd_count; i++)
			if (pfds[d->pfd_first + i].revents)
				ready = true;
		if (!ready)
			continue;
		r = dg_alsa_controls_dispatch(d->controls, pfds + d->pfd_first, d->pfd_count);
		if (r < 0) {
			/* the card is going; udev's remove event follows */
			report(e, DG_ENGINE_WARNING, d, "card%d: control device %s: %s",
			       d->card.number, d->controls_name, strerror(-r));
			dg_alsa_controls_close(d->controls);
			d->controls = NULL;
			d->pfd_count = 0;
			memset(&d->controls_state, 0, sizeof(d->controls_state));
			decide(e, d);
		} else if (r > 0) {

			read_controls(e, d);
			decide_quiet(e, d, true);
		}
	}
	if (e->mon_pfd >= 0 && e->mon_pfd < n && (pfds[e->mon_pfd].revents & POLLIN)) {
		struct udev_device *dev;

		while ((dev = udev_monitor_receive_device(e->mon))) {
			const char *action = udev_device_get_action(dev);

			handle_card(e, dev, action ? action : "");
			udev_device_unref(dev);
		}
	}
}

const char *dg_engine_event_line(enum dg_engine_event ev, const struct dg_device *dev,
				 const char *msg, char *buf, size_t size)
{
	switch (ev) {
	case DG_ENGINE_DECISION:
		dg_device_format(dev, buf, size);
		return buf;
	case DG_ENGINE_REMOVED:
		snprintf(buf, size, "card%d \"%s\" %04x:%04x", dev->card.number, dev->card.product,
			 dev->card.vendor_id, dev->card.product_id);
		return buf;
	default:
		return msg ? msg : "";
	}
}

void dg_device_format(const struct dg_device *dev, char *buf, size_t size)
{
	const struct dg_decision *d = &dev->decision;
	const struct dg_card *c = &dev->card;
	size_t len = 0;
	int n;

#define APPEND(...)                                                                                \
	do {                                                                                       \
		n = snprintf(buf + len, len < size ? size - len : 0, __VA_ARGS__);                 \
		if (n > 0)                                                                         \
			len += (size_t) n;                                                         \
	} while (0)

	if (size == 0)
		return;
	buf[0] = '\0';
	APPEND("card%d \"%s%s%s\" %04x:%04x %s", c->number, d->dac.vendor,
	       d->dac.vendor[0] ? " " : "", d->dac.model, c->vendor_id, c->product_id,
	       d->dac.known ? "known" : "unknown");
	if (dev->uac_err == 0)
		APPEND(" uac%u", dev->uac.uac_version);
	else
		APPEND(" descriptors-invalid");
	APPEND(" mode=%s(%s)", dg_mode_to_string(d->mode.mode),
	       dg_mode_source_to_string(d->mode.source));
	if (d->mode.detail[0])
		APPEND(" [%s]", d->mode.detail);
	if (d->output[0])
		APPEND(" %s:", d->output);
	APPEND(" ceiling %.1f dB (%s)", d->ceiling_db, dg_limit_to_string(d->limited_by));
	for (size_t i = 0; i < d->n_outputs; i++) {
		const struct dg_output_decision *o = &d->outputs[i];

		if (strcmp(o->id, d->output) == 0)
			APPEND(" headphone=%s spl@0dBFS=%.1f",
			       o->headphone[0] ? o->headphone : "none", o->level.spl_at_0dbfs);
	}
	if (d->n_outputs > 1) {
		APPEND(" others:");
		for (size_t i = 0; i < d->n_outputs; i++)
			if (strcmp(d->outputs[i].id, d->output) != 0)
				APPEND(" %s=%.1f", d->outputs[i].id,
				       d->outputs[i].level.ceiling_db);
	}
#undef APPEND
}
