/* SPDX-License-Identifier: MIT */
/* dacguard: USB Audio Class descriptor parser. Layouts and spec sections: doc/uac.md. */
#include <string.h>

#include "uac-walk.h"

/* Standard descriptor types (USB 2.0 table 9-5, plus the IAD ECN). */
#define DT_DEVICE    0x01
#define DT_CONFIG    0x02
#define DT_INTERFACE 0x04
#define DT_ENDPOINT  0x05
#define DT_IAD	     0x0b
#define DT_CS_IFACE  0x24

#define CLASS_AUDIO 0x01
#define SUBCLASS_AC 0x01
#define SUBCLASS_AS 0x02
#define PROTO_UAC1  0x00
#define PROTO_UAC2  0x20
#define PROTO_UAC3  0x30
#define BADD_FIRST  0x20 /* UAC3 function subclasses 0x20.. are BADD profiles */
#define BADD_LAST   0x2f

/* AS interface descriptor subtypes. */
enum {
	AS_GENERAL = 0x01,
	AS_FORMAT_TYPE = 0x02, /* UAC1/2; UAC3 uses 0x02 for AS_VALID_FREQ_RANGE */
};

static uint32_t uac1_format_bit(uint16_t tag)
{
	/* Type I tags 0x0001..0x0005 line up with UAC2 bmFormats bits 0..4 */
	if (tag >= 1 && tag <= 5)
		return 1u << (tag - 1);
	return 0;
}

static int parse_uac1_rates(struct walk *w, size_t off, const uint8_t *d, size_t bl, size_t at)
{
	struct dg_uac_stream *s = w->stream;
	int r;

	if ((r = need(w, off, bl, at + 1, "format type")) < 0)
		return r;
	size_t n = d[at];
	if (n == 0) {
		if ((r = need(w, off, bl, at + 7, "continuous format type")) < 0)
			return r;
		s->rates_continuous = true;
		s->rates[0] = le(d, bl, at + 1, 3);
		s->rates[1] = le(d, bl, at + 4, 3);
		s->n_rates = 2;
		return 0;
	}
	if ((r = need(w, off, bl, at + 1 + 3 * n, "format type with its bSamFreqType")) < 0)
		return r;
	if (n > DG_UAC_MAX_RATES) {
		n = DG_UAC_MAX_RATES;
		w->out->clamped |= DG_UAC_CLAMPED_RATES;
	}
	for (size_t i = 0; i < n; i++)
		s->rates[i] = le(d, bl, at + 1 + 3 * i, 3);
	s->n_rates = (uint8_t) n;
	return 0;
}

static int parse_as(struct walk *w, size_t off, const uint8_t *d, size_t bl)
{
	struct dg_uac_stream *s = w->stream;
	uint8_t v = w->cur_version;
	int r;

	if (!s || v == 0)
		return 0;
	if (d[2] == AS_GENERAL) {
		static const uint8_t min[4] = {0, 7, 11, 20};
		if ((r = need(w, off, bl, min[v], "AS_GENERAL")) < 0)
			return r;
		s->has_general = true;
		s->terminal_link = d[3];
		if (v == 1) {
			s->format_tag = w16(d, bl, 5);
			s->formats = uac1_format_bit(s->format_tag);
		} else if (v == 2) {
			s->format_type = d[5];
			s->formats = le(d, bl, 6, 4);
			s->channels = d[10];
		} else {
			s->formats = le(d, bl, 10, 4);
			s->subslot_size = d[18];
			s->bit_resolution = d[19];
		}
		return 0;
	}
	if (d[2] != AS_FORMAT_TYPE || v == 3)
		return 0;
	if ((r = need(w, off, bl, 4, "format type")) < 0)
		return r;
	s->format_type = d[3];
	if (v == 2) {
		if (d[3] == 1 || d[3] == 3) {
			if ((r = need(w, off, bl, 6, "format type I")) < 0)
				return r;
			s->subslot_size = d[4];
			s->bit_resolution = d[5];
		}
		return 0;
	}
	if (d[3] == 2)
		return parse_uac1_rates(w, off, d, bl, 8);
	if ((r = need(w, off, bl, 8, "format type I")) < 0)
		return r;
	s->channels = d[4];
	s->subslot_size = d[5];
	s->bit_resolution = d[6];
	return parse_uac1_rates(w, off, d, bl, 7);
}

static int parse_endpoint(struct walk *w, size_t off, const uint8_t *d, size_t bl)
{
	struct dg_uac_stream *s = w->stream;
	int r;

	if ((r = need(w, off, bl, 7, "endpoint")) < 0)
		return r;
	if (w->cur != IF_AS || !s)
		return 0;
	uint8_t attr = d[3];
	if (((attr >> 4) & 3) == 1) {
		s->feedback_ep = d[2];
		return 0;
	}
	if (s->has_endpoint)
		return 0;
	s->has_endpoint = true;
	s->ep_address = d[2];
	s->sync = (enum dg_uac_sync)((attr >> 2) & 3);
	s->max_packet = w16(d, bl, 4);
	return 0;
}

static uint8_t version_of(uint8_t protocol)
{
	switch (protocol) {
	case PROTO_UAC1:
		return 1;
	case PROTO_UAC2:
		return 2;
	case PROTO_UAC3:
		return 3;
	default:
		return 0;
	}
}

static int parse_interface(struct walk *w, size_t off, const uint8_t *d, size_t bl)
{
	struct dg_uac *u = w->out;
	int r;

	if ((r = need(w, off, bl, 9, "interface")) < 0)
		return r;
	uint8_t num = d[2], alt = d[3], cls = d[5], sub = d[6], proto = d[7];

	w->stream = NULL;
	w->cur = IF_OTHER;
	w->cur_version = 0;
	if (cls != CLASS_AUDIO)
		return 0;

	if (sub == SUBCLASS_AC) {
		/* the first audio function is the one we describe; alt settings of it are rare */
		if (w->in_ac_function && num != u->ac_interface)
			return 0;
		uint8_t v = version_of(proto);
		if (v == 0)
			return fail(w, -EPROTONOSUPPORT,
				    "interface at offset %zu: AudioControl "
				    "protocol 0x%02x is not UAC1/2/3",
				    off, proto);
		if (!w->in_ac_function) {
			w->in_ac_function = true;
			u->has_audio_control = true;
			u->ac_interface = num;
			u->uac_version = v;
			if (v == 3 && w->iad_audio && num >= w->iad_first &&
			    num - w->iad_first < w->iad_count && w->iad_subclass >= BADD_FIRST &&
			    w->iad_subclass <= BADD_LAST) {
				u->badd = true;
				u->badd_profile = w->iad_subclass;
			}
		}
		w->cur = IF_AC;
		w->cur_version = v;
		return 0;
	}
	if (sub == SUBCLASS_AS) {
		w->cur = IF_AS;
		w->cur_version = version_of(proto);
		if (u->n_streams >= DG_UAC_MAX_STREAMS) {
			u->clamped |= DG_UAC_CLAMPED_STREAMS;
			return 0;
		}
		w->stream = &u->streams[u->n_streams++];
		w->stream->interface = num;
		w->stream->alt = alt;
	}
	return 0;
}

/* Walks [w->cfg_off, w->cfg_end): every descriptor is framed before any field is read. */
static int walk_config(struct walk *w)
{
	size_t off = w->cfg_off + w->buf[w->cfg_off];
	int r = 0;

	while (off < w->cfg_end) {
		size_t left = w->cfg_end - off;
		if (left < 2)
			return fail(w, -EBADMSG,
				    "descriptor at offset %zu: %zu byte left, a descriptor "
				    "needs 2",
				    off, left);
		const uint8_t *d = w->buf + off;
		size_t bl = d[0];
		if (bl < 2)
			return fail(w, -EBADMSG,
				    "descriptor at offset %zu: bLength %zu is less than 2", off,
				    bl);
		if (bl > left)
			return fail(w, -EBADMSG,
				    "descriptor at offset %zu: bLength %zu runs past the "
				    "end (%zu bytes)",
				    off, bl, w->cfg_end);

		switch (d[1]) {
		case DT_CONFIG:
			return fail(w, -EBADMSG,
				    "descriptor at offset %zu: configuration descriptor "
				    "inside the configuration at offset %zu",
				    off, w->cfg_off);
		case DT_IAD:
			if (bl >= 8) {
				w->iad_audio = d[4] == CLASS_AUDIO;
				w->iad_first = d[2];
				w->iad_count = d[3];
				w->iad_subclass = d[5];
			}
			break;
		case DT_INTERFACE:
			r = parse_interface(w, off, d, bl);
			break;
		case DT_ENDPOINT:
			r = parse_endpoint(w, off, d, bl);
			break;
		case DT_CS_IFACE:
			if (bl < 3)
				r = fail(w, -EBADMSG,
					 "descriptor at offset %zu: class-specific "
					 "descriptor of %zu bytes has no subtype",
					 off, bl);
			else if (w->cur == IF_AC)
				r = dg_uac_parse_ac(w, off, d, bl);
			else if (w->cur == IF_AS)
				r = parse_as(w, off, d, bl);
			break;
		default:
			break; /* CS_ENDPOINT, HID, vendor...: framing checked, content not needed
				*/
		}
		if (r < 0)
			return r;
		off += bl;
	}
	return 0;
}

int dg_uac_parse_config(const uint8_t *buf, size_t len, uint8_t config_value, struct dg_uac *out,
			char *err, size_t errlen)
{
	struct walk w = {.buf = buf, .len = len, .out = out, .err = err, .errlen = errlen};
	size_t off, index = 0;
	int r, pending = 0;

	if (err && errlen)
		err[0] = '\0';
	if (!out)
		return fail(&w, -EINVAL, "no result structure");
	memset(out, 0, sizeof(*out));
	if (!buf)
		return fail(&w, -EINVAL, "no descriptor buffer");

	if (len < 18)
		return fail(&w, -EBADMSG,
			    "descriptor at offset 0: %zu bytes, a device descriptor "
			    "needs 18",
			    len);
	if (buf[1] != DT_DEVICE || buf[0] < 18)
		return fail(&w, -EBADMSG,
			    "descriptor at offset 0: not a device descriptor "
			    "(bLength %u, bDescriptorType 0x%02x)",
			    buf[0], buf[1]);
	if (buf[0] > len)
		return fail(&w, -EBADMSG,
			    "descriptor at offset 0: bLength %u runs past the end "
			    "(%zu bytes)",
			    buf[0], len);
	out->vendor_id = w16(buf, 18, 8);
	out->product_id = w16(buf, 18, 10);
	out->bcd_device = w16(buf, 18, 12);
	out->i_manufacturer = buf[14];
	out->i_product = buf[15];
	out->i_serial = buf[16];
	out->n_configurations = buf[17];

	/* configurations follow back to back; skip by wTotalLength to the one asked for */
	for (off = buf[0];; index++) {
		if (off >= len && index < out->n_configurations)
			return fail(&w, -EBADMSG,
				    "descriptor at offset %zu: the data ends after %zu "
				    "of %u configurations",
				    off, index, out->n_configurations);
		if (off >= len)
			return config_value ? fail(&w, -ENOENT,
						   "no configuration with "
						   "bConfigurationValue %u",
						   config_value)
					    : fail(&w, -ENOENT, "no configuration descriptor");
		size_t left = len - off;
		const uint8_t *d = buf + off;
		if (left < 2 || d[0] < 2 || d[0] > left)
			return fail(&w, -EBADMSG,
				    "descriptor at offset %zu: bLength %u runs past the "
				    "end (%zu bytes)",
				    off, left ? d[0] : 0u, len);
		if (d[1] != DT_CONFIG || d[0] < 9)
			return fail(&w, -EBADMSG,
				    "descriptor at offset %zu: expected a configuration "
				    "descriptor, found type 0x%02x bLength %u",
				    off, d[1], d[0]);
		size_t total = w16(d, d[0], 2);
		if (total < d[0])
			return fail(&w, -EBADMSG,
				    "descriptor at offset %zu: wTotalLength %zu is "
				    "shorter than the configuration descriptor",
				    off, total);
		if (config_value == 0 || d[5] == config_value) {
			w.cfg_off = off;
			w.cfg_end = off + total;
			if (total > left) {
				/* parse what is there, then report the truncation */
				pending = fail(&w, -EBADMSG,
					       "descriptor at offset %zu: configuration "
					       "wTotalLength %zu runs past the end (%zu bytes)",
					       off, total, len);
				w.cfg_end = len;
			}
			out->config_value = d[5];
			out->config_index = (uint8_t) (index > 255 ? 255 : index);
			break;
		}
		if (total > left)
			return fail(&w, -EBADMSG,
				    "descriptor at offset %zu: configuration "
				    "wTotalLength %zu runs past the end (%zu bytes)",
				    off, total, len);
		off += total;
	}

	if (pending) {
		/* keep the first error's text: the walk may find a later one */
		w.err = NULL;
		w.errlen = 0;
	}
	r = walk_config(&w);
	if (pending < 0)
		return pending;
	if (r < 0)
		return r;
	if (!out->has_audio_control)
		return fail(&w, -ENOENT, "configuration %u has no AudioControl interface",
			    out->config_value);
	out->complete = true;
	return 0;
}

int dg_uac_parse(const uint8_t *buf, size_t len, struct dg_uac *out, char *err, size_t errlen)
{
	return dg_uac_parse_config(buf, len, 0, out, err, errlen);
}

static const struct {
	uint16_t type;
	const char *name;
} terminal_types[] = {
    {0x0100, "USB Undefined"},
    {0x0101, "USB Streaming"},
    {0x01ff, "USB Vendor Specific"},
    {0x0200, "Input Undefined"},
    {0x0201, "Microphone"},
    {0x0202, "Desktop Microphone"},
    {0x0203, "Personal Microphone"},
    {0x0204, "Omni-directional Microphone"},
    {0x0205, "Microphone Array"},
    {0x0206, "Processing Microphone Array"},
    {0x0300, "Output Undefined"},
    {0x0301, "Speaker"},
    {0x0302, "Headphones"},
    {0x0303, "Head Mounted Display Audio"},
    {0x0304, "Desktop Speaker"},
    {0x0305, "Room Speaker"},
    {0x0306, "Communication Speaker"},
    {0x0307, "Low Frequency Effects Speaker"},
    {0x0400, "Bi-directional Undefined"},
    {0x0401, "Handset"},
    {0x0402, "Headset"},
    {0x0403, "Speakerphone"},
    {0x0404, "Echo-suppressing Speakerphone"},
    {0x0405, "Echo-canceling Speakerphone"},
    {0x0500, "Telephony Undefined"},
    {0x0501, "Phone Line"},
    {0x0502, "Telephone"},
    {0x0503, "Down Line Phone"},
    {0x0600, "External Undefined"},
    {0x0601, "Analog Connector"},
    {0x0602, "Digital Audio Interface"},
    {0x0603, "Line Connector"},
    {0x0604, "Legacy Audio Connector"},
    {0x0605, "S/PDIF Interface"},
    {0x0606, "1394 DA Stream"},
    {0x0607, "1394 DV Stream Soundtrack"},
    {0x0608, "ADAT Lightpipe"},
    {0x0609, "TDIF"},
    {0x060a, "MADI"},
    {0x0700, "Embedded Undefined"},
    {0x0701, "Level Calibration Noise Source"},
    {0x0702, "Equalization Noise"},
    {0x0703, "CD Player"},
    {0x0704, "DAT"},
    {0x0705, "DCC"},
    {0x0706, "MiniDisk"},
    {0x0707, "Analog Tape"},
    {0x0708, "Phonograph"},
    {0x0709, "VCR Audio"},
    {0x070a, "Video Disc Audio"},
    {0x070b, "DVD Audio"},
    {0x070c, "TV Tuner Audio"},
    {0x070d, "Satellite Receiver Audio"},
    {0x070e, "Cable Tuner Audio"},
    {0x070f, "DSS Audio"},
    {0x0710, "Radio Receiver"},
    {0x0711, "Radio Transmitter"},
    {0x0712, "Multi-track Recorder"},
    {0x0713, "Synthesizer"},
    {0x0714, "Piano"},
    {0x0715, "Guitar"},
    {0x0716, "Drums/Rhythm"},
    {0x0717, "Other Musical Instrument"},
};

const char *dg_uac_terminal_type_name(uint16_t type)
{
	for (size_t i = 0; i < sizeof(terminal_types) / sizeof(terminal_types[0]); i++) {
		if (terminal_types[i].type == type)
			return terminal_types[i].name;
	}
	return "Unknown";
}

const struct dg_uac_terminal *dg_uac_find_terminal(const struct dg_uac *uac, uint8_t id)
{
	for (size_t i = 0; uac && i < uac->n_terminals; i++) {
		if (uac->terminals[i].id == id)
			return &uac->terminals[i];
	}
	return NULL;
}

const struct dg_uac_feature_unit *dg_uac_find_feature_unit(const struct dg_uac *uac, uint8_t id)
{
	for (size_t i = 0; uac && i < uac->n_feature_units; i++) {
		if (uac->feature_units[i].id == id)
			return &uac->feature_units[i];
	}
	return NULL;
}

/* Depth-first search upstream from entity id; seen[] breaks cycles a bad device may declare. */
static bool reaches_usb_input(const struct dg_uac *uac, uint8_t id, uint8_t seen[32])
{
	if (seen[id / 8] & (1u << (id % 8)))
		return false;
	seen[id / 8] |= (uint8_t) (1u << (id % 8));

	for (size_t i = 0; i < uac->n_terminals; i++) {
		const struct dg_uac_terminal *t = &uac->terminals[i];
		if (t->id == id && t->dir == DG_UAC_TERMINAL_INPUT)
			return t->type == DG_UAC_TT_USB_STREAMING;
	}
	for (size_t i = 0; i < uac->n_units; i++) {
		const struct dg_uac_unit *n = &uac->units[i];
		if (n->id != id)
			continue;
		for (size_t k = 0; k < n->n_sources; k++) {
			if (reaches_usb_input(uac, n->sources[k], seen))
				return true;
		}
	}
	return false;
}

bool dg_uac_has_playback(const struct dg_uac *uac)
{
	if (!uac)
		return false;
	for (size_t i = 0; i < uac->n_terminals; i++) {
		const struct dg_uac_terminal *t = &uac->terminals[i];
		uint8_t seen[32] = {0};
		/* an output terminal of a USB type is a capture path to the host */
		if (t->dir != DG_UAC_TERMINAL_OUTPUT || (t->type >> 8) == 0x01)
			continue;
		if (reaches_usb_input(uac, t->source_id, seen))
			return true;
	}
	return false;
}
