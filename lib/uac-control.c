/* SPDX-License-Identifier: MIT */
/* dacguard: the AudioControl interface of a USB audio function: its header, terminals, units
 * and clocks, in the layout of each UAC version. Layouts and spec sections: doc/uac.md. */
#include <string.h>

#include "uac-walk.h"

/* AC interface descriptor subtypes. UAC1 and UAC2 share 1..6; UAC3 renumbers from 4 on. */
enum {
	AC_HEADER = 0x01,
	AC_INPUT_TERMINAL = 0x02,
	AC_OUTPUT_TERMINAL = 0x03,
	/* UAC1/UAC2 */
	AC12_MIXER = 0x04,
	AC12_SELECTOR = 0x05,
	AC12_FEATURE = 0x06,
	AC1_PROCESSING = 0x07,
	AC1_EXTENSION = 0x08,
	AC2_EFFECT = 0x07,
	AC2_PROCESSING = 0x08,
	AC2_EXTENSION = 0x09,
	AC2_CLOCK_SOURCE = 0x0a,
	AC2_CLOCK_SELECTOR = 0x0b,
	AC2_CLOCK_MULTIPLIER = 0x0c,
	AC2_SRC = 0x0d,
	/* UAC3 */
	AC3_EXTENDED_TERMINAL = 0x04,
	AC3_MIXER = 0x05,
	AC3_SELECTOR = 0x06,
	AC3_FEATURE = 0x07,
	AC3_EFFECT = 0x08,
	AC3_PROCESSING = 0x09,
	AC3_EXTENSION = 0x0a,
	AC3_CLOCK_SOURCE = 0x0b,
	AC3_CLOCK_SELECTOR = 0x0c,
	AC3_CLOCK_MULTIPLIER = 0x0d,
	AC3_SRC = 0x0e,
	AC3_CONNECTORS = 0x0f,
	AC3_POWER_DOMAIN = 0x10,
};

/* UAC2/3 two-bit control pair; 0b10 is reserved, reported as read-only (present, not ours to
 * write), which is the cautious reading for a jack-detection control. */
static enum dg_uac_access pair(uint32_t controls, unsigned shift)
{
	switch ((controls >> shift) & 3) {
	case 0:
		return DG_UAC_CTL_NONE;
	case 3:
		return DG_UAC_CTL_READ_WRITE;
	default:
		return DG_UAC_CTL_READ_ONLY;
	}
}

static struct dg_uac_unit *add_unit(struct walk *w, uint8_t id, uint8_t subtype)
{
	struct dg_uac *u = w->out;

	if (u->n_units >= DG_UAC_MAX_UNITS) {
		u->clamped |= DG_UAC_CLAMPED_UNITS;
		return NULL;
	}
	struct dg_uac_unit *n = &u->units[u->n_units++];
	n->id = id;
	n->subtype = subtype;
	return n;
}

/* Copies npins source ids starting at d[off]; the caller has checked they lie inside blen. */
static uint8_t copy_pins(struct walk *w, uint8_t *dst, const uint8_t *d, size_t off, size_t npins)
{
	size_t n = npins;

	if (n > DG_UAC_MAX_INPUTS) {
		n = DG_UAC_MAX_INPUTS;
		w->out->clamped |= DG_UAC_CLAMPED_INPUTS;
	}
	for (size_t i = 0; i < n; i++)
		dst[i] = d[off + i];
	return (uint8_t) n;
}

static void unit_sources(struct walk *w, uint8_t id, uint8_t subtype, const uint8_t *d, size_t off,
			 size_t npins)
{
	struct dg_uac_unit *n = add_unit(w, id, subtype);

	if (n)
		n->n_sources = copy_pins(w, n->sources, d, off, npins);
}

static struct dg_uac_terminal *add_terminal(struct walk *w)
{
	struct dg_uac *u = w->out;

	if (u->n_terminals >= DG_UAC_MAX_TERMINALS) {
		u->clamped |= DG_UAC_CLAMPED_TERMINALS;
		return NULL;
	}
	return &u->terminals[u->n_terminals++];
}

static int parse_terminal(struct walk *w, size_t off, const uint8_t *d, size_t bl, bool input)
{
	uint8_t v = w->cur_version;
	static const uint8_t min_in[4] = {0, 8, 16, 12};
	static const uint8_t min_out[4] = {0, 8, 11, 13};
	int r = need(w, off, bl, input ? min_in[v] : min_out[v],
		     input ? "input terminal" : "output terminal");
	if (r < 0)
		return r;

	struct dg_uac_terminal *t = add_terminal(w);
	if (!t)
		return 0;
	t->id = d[3];
	t->dir = input ? DG_UAC_TERMINAL_INPUT : DG_UAC_TERMINAL_OUTPUT;
	t->type = w16(d, bl, 4);
	t->assoc_terminal = d[6];
	if (v == 1) {
		if (input) {
			t->channels = d[7];
			t->channel_config = w16(d, bl, 8);
			t->name = b8(d, bl, 11);
		} else {
			t->source_id = d[7];
			t->name = b8(d, bl, 8);
		}
	} else if (v == 2) {
		if (input) {
			t->clock_source_id = d[7];
			t->channels = d[8];
			t->channel_config = le(d, bl, 9, 4);
			t->controls = w16(d, bl, 14);
			t->name = b8(d, bl, 16);
		} else {
			t->source_id = d[7];
			t->clock_source_id = d[8];
			t->controls = w16(d, bl, 9);
			t->name = b8(d, bl, 11);
		}
		t->connector_control = pair(t->controls, 2);
	} else {
		if (input) {
			t->clock_source_id = d[7];
			t->controls = le(d, bl, 8, 4);
			t->name = w16(d, bl, 18);
		} else {
			t->source_id = d[7];
			t->clock_source_id = d[8];
			t->controls = le(d, bl, 9, 4);
			t->name = w16(d, bl, 17);
		}
		t->insertion_control = pair(t->controls, 0);
	}
	return 0;
}

static int parse_feature(struct walk *w, size_t off, const uint8_t *d, size_t bl)
{
	struct dg_uac *u = w->out;
	uint8_t v = w->cur_version;
	size_t first, size, tail;
	int r;

	if (v == 1) {
		if ((r = need(w, off, bl, 7, "feature unit")) < 0)
			return r;
		size = d[5];
		if (size == 0)
			return fail(w, -EBADMSG,
				    "descriptor at offset %zu: feature unit %u has "
				    "bControlSize 0",
				    off, d[3]);
		first = 6;
		tail = 1;
	} else {
		if ((r = need(w, off, bl, v == 2 ? 6 : 7, "feature unit")) < 0)
			return r;
		size = 4;
		first = 5;
		tail = v == 2 ? 1 : 2;
	}

	unit_sources(w, d[3], d[2], d, 4, 1);
	if (u->n_feature_units >= DG_UAC_MAX_FEATURE_UNITS) {
		u->clamped |= DG_UAC_CLAMPED_FEATURE_UNITS;
		return 0;
	}
	struct dg_uac_feature_unit *f = &u->feature_units[u->n_feature_units++];
	f->id = d[3];
	f->source_id = d[4];
	f->control_size = (uint8_t) size;
	/* bLength - first - tail is >= 0 by the minimums above */
	size_t n = (bl - first - tail) / size;
	if (n > DG_UAC_MAX_FU_CHANNELS) {
		n = DG_UAC_MAX_FU_CHANNELS;
		u->clamped |= DG_UAC_CLAMPED_FU_CHANNELS;
	}
	for (size_t i = 0; i < n; i++) {
		size_t at = first + i * size;
		struct dg_uac_fu_channel *c = &f->ch[i];
		c->raw = le(d, bl, at, size > 4 ? 4 : size);
		if (v == 1) {
			c->mute = (c->raw & 1) ? DG_UAC_CTL_READ_WRITE : DG_UAC_CTL_NONE;
			c->volume = (c->raw & 2) ? DG_UAC_CTL_READ_WRITE : DG_UAC_CTL_NONE;
		} else {
			c->mute = pair(c->raw, 0);
			c->volume = pair(c->raw, 2);
		}
	}
	f->n_channels = (uint8_t) n;
	f->name = (uint16_t) le(d, bl, bl - tail, tail);
	return 0;
}

static int parse_selector(struct walk *w, size_t off, const uint8_t *d, size_t bl)
{
	struct dg_uac *u = w->out;
	int r;

	if ((r = need(w, off, bl, 5, "selector unit")) < 0)
		return r;
	size_t p = d[4];
	if ((r = need(w, off, bl, 5 + p, "selector unit with its bNrInPins")) < 0)
		return r;
	unit_sources(w, d[3], d[2], d, 5, p);
	if (u->n_selector_units >= DG_UAC_MAX_SELECTORS) {
		u->clamped |= DG_UAC_CLAMPED_SELECTORS;
		return 0;
	}
	struct dg_uac_selector_unit *s = &u->selector_units[u->n_selector_units++];
	s->id = d[3];
	s->n_inputs = copy_pins(w, s->inputs, d, 5, p);
	if (w->cur_version == 1) {
		s->name = b8(d, bl, 5 + p);
	} else if (w->cur_version == 2) {
		s->controls = b8(d, bl, 5 + p);
		s->name = b8(d, bl, 6 + p);
	} else {
		s->controls = le(d, bl, 5 + p, 4);
		s->name = w16(d, bl, 9 + p);
	}
	return 0;
}

/* Mixer, processing and extension units: only their source pins, for routing. */
static int parse_multi_input(struct walk *w, size_t off, const uint8_t *d, size_t bl,
			     size_t pins_at, const char *what)
{
	int r;

	if ((r = need(w, off, bl, pins_at + 1, what)) < 0)
		return r;
	size_t p = d[pins_at];
	if ((r = need(w, off, bl, pins_at + 1 + p, what)) < 0)
		return r;
	unit_sources(w, d[3], d[2], d, pins_at + 1, p);
	return 0;
}

static int parse_clock(struct walk *w, size_t off, const uint8_t *d, size_t bl,
		       enum dg_uac_clock_kind kind)
{
	struct dg_uac *u = w->out;
	bool v3 = w->cur_version == 3;
	size_t p = 0;
	int r;

	switch (kind) {
	case DG_UAC_CLOCK_SOURCE:
		r = need(w, off, bl, v3 ? 10 : 7, "clock source");
		break;
	case DG_UAC_CLOCK_SELECTOR:
		r = need(w, off, bl, 5, "clock selector");
		if (r == 0) {
			p = d[4];
			r = need(w, off, bl, 5 + p, "clock selector with its bNrInPins");
		}
		break;
	default:
		r = need(w, off, bl, 5, "clock multiplier");
		break;
	}
	if (r < 0)
		return r;
	if (u->n_clocks >= DG_UAC_MAX_CLOCKS) {
		u->clamped |= DG_UAC_CLAMPED_CLOCKS;
		return 0;
	}
	struct dg_uac_clock *c = &u->clocks[u->n_clocks++];
	c->id = d[3];
	c->kind = kind;
	switch (kind) {
	case DG_UAC_CLOCK_SOURCE:
		c->attributes = d[4];
		if (v3) {
			c->controls = le(d, bl, 5, 4);
			c->assoc_terminal = d[9];
			c->name = w16(d, bl, 10);
		} else {
			c->controls = d[5];
			c->assoc_terminal = d[6];
			c->name = b8(d, bl, 7);
		}
		break;
	case DG_UAC_CLOCK_SELECTOR:
		c->n_inputs = copy_pins(w, c->inputs, d, 5, p);
		if (v3) {
			c->controls = le(d, bl, 5 + p, 4);
			c->name = w16(d, bl, 9 + p);
		} else {
			c->controls = b8(d, bl, 5 + p);
			c->name = b8(d, bl, 6 + p);
		}
		break;
	default:
		c->n_inputs = 1;
		c->inputs[0] = d[4];
		if (v3) {
			c->controls = le(d, bl, 5, 4);
			c->name = w16(d, bl, 9);
		} else {
			c->controls = b8(d, bl, 5);
			c->name = b8(d, bl, 6);
		}
		break;
	}
	return 0;
}

static int parse_ac_header(struct walk *w, size_t off, const uint8_t *d, size_t bl)
{
	struct dg_uac *u = w->out;
	uint8_t v = w->cur_version;
	uint16_t total;
	int r;

	if ((r = need(w, off, bl, v == 1 ? 8 : (v == 2 ? 9 : 10), "AudioControl header")) < 0)
		return r;
	if (v == 3) {
		u->bcd_adc = 0x0300;
		u->category = d[3];
		total = w16(d, bl, 4);
	} else {
		u->bcd_adc = w16(d, bl, 3);
		if (v == 2) {
			u->category = d[5];
			total = w16(d, bl, 6);
		} else {
			total = w16(d, bl, 5);
		}
	}
	if (total < bl)
		return fail(w, -EBADMSG,
			    "descriptor at offset %zu: AudioControl wTotalLength %u is "
			    "shorter than the header (%zu)",
			    off, total, bl);
	if (off + total > w->cfg_end)
		return fail(w, -EBADMSG,
			    "descriptor at offset %zu: AudioControl wTotalLength %u runs "
			    "past the end of the configuration (offset %zu)",
			    off, total, w->cfg_end);
	return 0;
}

/* What a unit does, whatever number its UAC version gives it. */
enum unit_kind {
	/* UAC3 extended terminal, connectors, power domain: fetched or not needed */
	UNIT_OTHER = 0,
	UNIT_FEATURE,
	UNIT_SELECTOR,
	UNIT_MIXER,
	UNIT_PROCESSING, /* processing and extension units */
	UNIT_EFFECT,
	UNIT_SRC,
	UNIT_CLOCK_SOURCE,
	UNIT_CLOCK_SELECTOR,
	UNIT_CLOCK_MULTIPLIER,
};

/* The subtype of each kind in UAC1, UAC2 and UAC3. Subtype 0 is undefined in all three and
 * stands for "none" here. */
static const struct {
	uint8_t kind;
	uint8_t subtype[3];
} unit_subtypes[] = {
	{ UNIT_MIXER, { AC12_MIXER, AC12_MIXER, AC3_MIXER } },
	{ UNIT_SELECTOR, { AC12_SELECTOR, AC12_SELECTOR, AC3_SELECTOR } },
	{ UNIT_FEATURE, { AC12_FEATURE, AC12_FEATURE, AC3_FEATURE } },
	{ UNIT_PROCESSING, { AC1_PROCESSING, AC2_PROCESSING, AC3_PROCESSING } },
	{ UNIT_PROCESSING, { AC1_EXTENSION, AC2_EXTENSION, AC3_EXTENSION } },
	{ UNIT_EFFECT, { 0, AC2_EFFECT, AC3_EFFECT } },
	{ UNIT_SRC, { 0, AC2_SRC, AC3_SRC } },
	{ UNIT_CLOCK_SOURCE, { 0, AC2_CLOCK_SOURCE, AC3_CLOCK_SOURCE } },
	{ UNIT_CLOCK_SELECTOR, { 0, AC2_CLOCK_SELECTOR, AC3_CLOCK_SELECTOR } },
	{ UNIT_CLOCK_MULTIPLIER, { 0, AC2_CLOCK_MULTIPLIER, AC3_CLOCK_MULTIPLIER } },
};

/* A header that named no version known reads as UAC2, the most common. */
static enum unit_kind unit_kind(uint8_t version, uint8_t subtype)
{
	size_t v = version == 1 ? 0 : version == 3 ? 2 : 1;

	for (size_t i = 0; subtype && i < sizeof(unit_subtypes) / sizeof(unit_subtypes[0]); i++)
		if (unit_subtypes[i].subtype[v] == subtype)
			return (enum unit_kind)unit_subtypes[i].kind;
	return UNIT_OTHER;
}

int dg_uac_parse_ac(struct walk *w, size_t off, const uint8_t *d, size_t bl)
{
	uint8_t st = d[2];

	if (st == AC_HEADER)
		return parse_ac_header(w, off, d, bl);
	if (st == AC_INPUT_TERMINAL || st == AC_OUTPUT_TERMINAL)
		return parse_terminal(w, off, d, bl, st == AC_INPUT_TERMINAL);
	if (bl < 4)
		return 0; /* a unit without even an id: nothing to route */

	switch (unit_kind(w->cur_version, st)) {
	case UNIT_FEATURE:
		return parse_feature(w, off, d, bl);
	case UNIT_SELECTOR:
		return parse_selector(w, off, d, bl);
	case UNIT_MIXER:
		return parse_multi_input(w, off, d, bl, 4, "mixer unit");
	case UNIT_PROCESSING:
		return parse_multi_input(w, off, d, bl, 6, "processing/extension unit");
	case UNIT_EFFECT:
		if (bl >= 7)
			unit_sources(w, d[3], st, d, 6, 1);
		return 0;
	case UNIT_SRC:
		if (bl >= 5)
			unit_sources(w, d[3], st, d, 4, 1);
		return 0;
	case UNIT_CLOCK_SOURCE:
		return parse_clock(w, off, d, bl, DG_UAC_CLOCK_SOURCE);
	case UNIT_CLOCK_SELECTOR:
		return parse_clock(w, off, d, bl, DG_UAC_CLOCK_SELECTOR);
	case UNIT_CLOCK_MULTIPLIER:
		return parse_clock(w, off, d, bl, DG_UAC_CLOCK_MULTIPLIER);
	default:
		return 0;
	}
}
