/* SPDX-License-Identifier: MIT */
/* dacguard: USB Audio Class (UAC1/UAC2/UAC3) descriptor parser.
 *
 * Input is the raw sysfs `descriptors` attribute of a USB device: the 18-byte device descriptor
 * followed by every configuration's full descriptor set. Nothing is allocated: the result lives in
 * fixed-size arrays; lists longer than an array are cut and flagged in dg_uac.clamped.
 * Every field is read with explicit little-endian byte reads inside its descriptor's bLength.
 * See doc/uac.md for what is parsed and the spec sections behind each layout. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DG_UAC_MAX_TERMINALS	 16
#define DG_UAC_MAX_FEATURE_UNITS 8
#define DG_UAC_MAX_FU_CHANNELS	 17 /* master (0) + 16 channels */
#define DG_UAC_MAX_SELECTORS	 8
#define DG_UAC_MAX_INPUTS	 8 /* source pins kept per unit / selector / clock selector */
#define DG_UAC_MAX_CLOCKS	 8
#define DG_UAC_MAX_UNITS	 32 /* every unit/terminal id in the AC graph, for routing */
#define DG_UAC_MAX_STREAMS	 16 /* AudioStreaming alt settings */
#define DG_UAC_MAX_RATES	 16

/* Bits of dg_uac.clamped: which list had more entries than its array holds. */
enum {
	DG_UAC_CLAMPED_TERMINALS = 1u << 0,
	DG_UAC_CLAMPED_FEATURE_UNITS = 1u << 1,
	DG_UAC_CLAMPED_FU_CHANNELS = 1u << 2,
	DG_UAC_CLAMPED_SELECTORS = 1u << 3,
	DG_UAC_CLAMPED_INPUTS = 1u << 4,
	DG_UAC_CLAMPED_CLOCKS = 1u << 5,
	DG_UAC_CLAMPED_UNITS = 1u << 6,
	DG_UAC_CLAMPED_STREAMS = 1u << 7,
	DG_UAC_CLAMPED_RATES = 1u << 8,
};

/* A control's presence/access. UAC2/3 encode it as a 2-bit pair (0b01 read-only, 0b11 host
 * programmable); UAC1 has one presence bit per control, reported as read-write. */
enum dg_uac_access {
	DG_UAC_CTL_NONE = 0,
	DG_UAC_CTL_READ_ONLY = 1,
	DG_UAC_CTL_READ_WRITE = 3,
};

enum dg_uac_dir {
	DG_UAC_TERMINAL_INPUT = 0,
	DG_UAC_TERMINAL_OUTPUT = 1,
};

/* Terminal types used by the code (USB Audio Terminal Types, all versions). */
#define DG_UAC_TT_USB_STREAMING 0x0101
#define DG_UAC_TT_SPEAKER	0x0301
#define DG_UAC_TT_HEADPHONES	0x0302

struct dg_uac_terminal {
	uint8_t id;
	enum dg_uac_dir dir;
	uint16_t type;		 /* wTerminalType, e.g. 0x0302 Headphones */
	uint8_t assoc_terminal;	 /* bAssocTerminal (UAC3 IT/OT: same field) */
	uint8_t source_id;	 /* output terminals: bSourceID; 0 for inputs */
	uint8_t clock_source_id; /* UAC2/3 bCSourceID; 0 on UAC1 */
	uint8_t channels;	 /* input terminals, UAC1/2 bNrChannels; 0 when unknown (UAC3) */
	uint32_t channel_config; /* UAC1 wChannelConfig / UAC2 bmChannelConfig */
	uint32_t controls;	 /* raw bmControls (UAC2/3); 0 on UAC1 */
	enum dg_uac_access connector_control; /* UAC2 Connector control (bmControls D3..2) */
	enum dg_uac_access insertion_control; /* UAC3 Insertion control (bmControls D1..0) */
	uint16_t name; /* UAC1/2 iTerminal (string index); UAC3 wTerminalDescrStr (id) */
};

struct dg_uac_fu_channel {
	uint32_t raw; /* bmaControls(n) as read (UAC1: bControlSize bytes) */
	enum dg_uac_access mute;
	enum dg_uac_access volume;
};

struct dg_uac_feature_unit {
	uint8_t id;
	uint8_t source_id;
	uint8_t control_size; /* bytes per bmaControls entry: UAC1 bControlSize, 4 on UAC2/3 */
	uint8_t n_channels;   /* entries in ch[]: master (0) plus logical channels */
	struct dg_uac_fu_channel ch[DG_UAC_MAX_FU_CHANNELS];
	uint16_t name; /* iFeature / UAC3 wFeatureDescrStr */
};

struct dg_uac_selector_unit {
	uint8_t id;
	uint8_t n_inputs; /* bNrInPins, clamped to DG_UAC_MAX_INPUTS */
	uint8_t inputs[DG_UAC_MAX_INPUTS];
	uint32_t controls; /* UAC2/3 bmControls; 0 on UAC1 */
	uint16_t name;
};

enum dg_uac_clock_kind {
	DG_UAC_CLOCK_SOURCE = 0,
	DG_UAC_CLOCK_SELECTOR,
	DG_UAC_CLOCK_MULTIPLIER,
};

struct dg_uac_clock {
	uint8_t id;
	enum dg_uac_clock_kind kind;
	uint8_t attributes;	/* clock source bmAttributes */
	uint32_t controls;	/* bmControls */
	uint8_t assoc_terminal; /* source: bAssocTerminal (UAC3: bReferenceTerminal) */
	uint8_t n_inputs;	/* selector: bNrInPins (clamped); multiplier: 1 */
	uint8_t inputs[DG_UAC_MAX_INPUTS];
	uint16_t name;
};

/* A node of the AudioControl graph (terminals, units, clock entities excluded), kept only so
 * that routing questions (dg_uac_has_playback) can be answered. */
struct dg_uac_unit {
	uint8_t id;
	uint8_t subtype; /* bDescriptorSubtype as found (version-specific numbering) */
	uint8_t n_sources;
	uint8_t sources[DG_UAC_MAX_INPUTS];
};

/* Bits of dg_uac_stream.formats: the UAC2 Type I bmFormats numbering; UAC1 wFormatTag values
 * 0x0001..0x0005 map onto bits 0..4, so both versions read the same. */
#define DG_UAC_FORMAT_PCM      (1u << 0)
#define DG_UAC_FORMAT_PCM8     (1u << 1)
#define DG_UAC_FORMAT_FLOAT    (1u << 2)
#define DG_UAC_FORMAT_ALAW     (1u << 3)
#define DG_UAC_FORMAT_MULAW    (1u << 4)
#define DG_UAC_FORMAT_RAW_DATA (1u << 31)

enum dg_uac_sync {
	DG_UAC_SYNC_NONE = 0,
	DG_UAC_SYNC_ASYNC = 1,
	DG_UAC_SYNC_ADAPTIVE = 2,
	DG_UAC_SYNC_SYNC = 3,
};

/* One alternate setting of an AudioStreaming interface. Alt 0 (no endpoint) is listed too. */
struct dg_uac_stream {
	uint8_t interface;
	uint8_t alt;
	bool has_general; /* an AS_GENERAL descriptor was seen */
	uint8_t terminal_link;
	uint16_t format_tag;  /* UAC1 wFormatTag; 0 on UAC2/3 */
	uint32_t formats;     /* DG_UAC_FORMAT_* (UAC3: the low 32 bits of bmFormats) */
	uint8_t format_type;  /* bFormatType (1 = Type I); 0 when absent and on UAC3 */
	uint8_t channels;     /* bNrChannels; 0 when unknown (UAC3: in the cluster) */
	uint8_t subslot_size; /* bytes per sample: UAC1 bSubframeSize, UAC2/3 bSubslotSize */
	uint8_t bit_resolution;
	/* Sample rates: UAC1 only. UAC2/3 rates are asked with a GET RANGE request to the clock
	 * source and are not in the descriptors: n_rates stays 0. */
	bool rates_continuous; /* UAC1 bSamFreqType 0: rates[0] = lower, rates[1] = upper */
	uint8_t n_rates;
	uint32_t rates[DG_UAC_MAX_RATES];
	bool has_endpoint;  /* a data (non-feedback) isochronous endpoint was found */
	uint8_t ep_address; /* bEndpointAddress; bit 7 set = IN (capture) */
	enum dg_uac_sync sync;
	uint16_t max_packet; /* wMaxPacketSize, raw */
	uint8_t feedback_ep; /* address of an explicit feedback endpoint; 0 = none */
};

struct dg_uac {
	/* device descriptor */
	uint16_t vendor_id;
	uint16_t product_id;
	uint16_t bcd_device;
	uint8_t i_manufacturer;
	uint8_t i_product;
	uint8_t i_serial;
	uint8_t n_configurations; /* bNumConfigurations */
	/* the parsed configuration */
	uint8_t config_value; /* its bConfigurationValue */
	uint8_t config_index; /* its position in the blob, 0-based */
	/* AudioControl */
	bool has_audio_control;
	uint8_t uac_version;  /* 1, 2 or 3 (AC interface protocol 0x00/0x20/0x30) */
	uint16_t bcd_adc;     /* UAC1/2 header bcdADC; 0x0300 for UAC3 (not in its header) */
	uint8_t ac_interface; /* bInterfaceNumber of the AudioControl interface */
	uint8_t category;     /* UAC2/3 header bCategory */
	bool badd;	      /* UAC3 Basic Audio Device (function subclass 0x20..0x2f) */
	uint8_t badd_profile; /* the function subclass when badd */

	struct dg_uac_terminal terminals[DG_UAC_MAX_TERMINALS];
	uint8_t n_terminals;
	struct dg_uac_feature_unit feature_units[DG_UAC_MAX_FEATURE_UNITS];
	uint8_t n_feature_units;
	struct dg_uac_selector_unit selector_units[DG_UAC_MAX_SELECTORS];
	uint8_t n_selector_units;
	struct dg_uac_clock clocks[DG_UAC_MAX_CLOCKS];
	uint8_t n_clocks;
	struct dg_uac_unit units[DG_UAC_MAX_UNITS];
	uint8_t n_units;
	struct dg_uac_stream streams[DG_UAC_MAX_STREAMS];
	uint8_t n_streams;

	unsigned clamped; /* DG_UAC_CLAMPED_* */
	bool complete;	  /* false when parsing stopped at an error (see below) */
};

/* Parses the first configuration. Returns 0, or a negative errno with a message in err:
 *   -EBADMSG  malformed or truncated descriptors (the message names the byte offset),
 *   -ENOENT   no AudioControl interface in the configuration (not an audio device),
 *   -EPROTONOSUPPORT  an AudioControl interface protocol other than UAC1/2/3,
 *   -EINVAL   a NULL argument.
 * On -EBADMSG, *out holds what was parsed before the bad byte with out->complete == false, so a
 * caller may log it; it must not treat it as the whole device (fail to the safe side). */
int dg_uac_parse(const uint8_t *buf, size_t len, struct dg_uac *out, char *err, size_t errlen);

/* The same for the configuration whose bConfigurationValue is config_value (0 = the first one);
 * -ENOENT when there is none. */
int dg_uac_parse_config(const uint8_t *buf, size_t len, uint8_t config_value, struct dg_uac *out,
			char *err, size_t errlen);

/* "Headphones" for 0x0302 (USB Audio Terminal Types); "Unknown" when not in the table. */
const char *dg_uac_terminal_type_name(uint16_t type);

/* true when a USB-streaming input terminal reaches a non-streaming output terminal through the
 * parsed units (a path the host can play through). */
bool dg_uac_has_playback(const struct dg_uac *uac);

/* Lookups by id; NULL when absent. */
const struct dg_uac_terminal *dg_uac_find_terminal(const struct dg_uac *uac, uint8_t id);
const struct dg_uac_feature_unit *dg_uac_find_feature_unit(const struct dg_uac *uac, uint8_t id);
