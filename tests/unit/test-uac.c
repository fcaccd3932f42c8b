/* SPDX-License-Identifier: MIT */
/* USB Audio Class parser: real recordings (expectations hand-copied from the *.summary.json
 * beside each), hand-built UAC2/UAC3/UAC1 blobs, and every truncation and single-byte
 * corruption of the real blobs (run under ASan to catch over-reads). */
#include <errno.h>
#include <stdlib.h>

#include "dg-test.h"
#include "uac.h"
#include "umockdev-util.h"

#define MAX_BLOB 4096

static long load(const char *name, uint8_t *buf)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/devices/%s.umockdev", DG_TEST_DATA_DIR, name);
	long n = dg_umockdev_read_descriptors(path, NULL, buf, MAX_BLOB);
	if (n < 0)
		fprintf(stderr, "%s: %s\n", path, strerror((int) -n));
	return n;
}

/* Parses from an exact-size heap copy, so ASan flags any read past the end. */
static int parse_exact(const uint8_t *src, size_t len, uint8_t cfg, struct dg_uac *u, char *err,
		       size_t errlen)
{
	uint8_t *copy = malloc(len ? len : 1);
	if (!copy)
		abort();
	if (len)
		memcpy(copy, src, len);
	int r = dg_uac_parse_config(copy, len, cfg, u, err, errlen);
	free(copy);
	return r;
}

struct exp_terminal {
	uint8_t id;
	enum dg_uac_dir dir;
	uint16_t type;
	uint8_t source;
	uint8_t clock;
	uint8_t channels;
	uint8_t name;
};

/* rates: 0-terminated, NULL for none (UAC2 keeps them in the clock source). */
struct exp_stream {
	uint8_t interface, alt, link;
	uint32_t formats;
	uint16_t format_tag;
	uint8_t channels, subslot, bits;
	const uint32_t *rates;
	uint8_t ep;
	enum dg_uac_sync sync;
	uint16_t max_packet;
	uint8_t feedback;
};

/* Short names keep one stream on one line of the tables below. */
#define PCM      DG_UAC_FORMAT_PCM
#define RAW      DG_UAC_FORMAT_RAW_DATA
#define ASYNC    DG_UAC_SYNC_ASYNC
#define ADAPTIVE DG_UAC_SYNC_ADAPTIVE

/* A recording's device descriptor and where its audio control interface is. */
struct exp_device {
	const char *name;
	long len;
	uint16_t vid, pid, bcd;
	uint8_t uac_version;
	uint8_t ac_interface;
};

struct recording {
	uint8_t b[MAX_BLOB];
	long n;
	struct dg_uac u;
};

/* Loads and parses a recording that must parse whole; false when it could not be read. */
static bool parse_recording(const struct exp_device *d, struct recording *r)
{
	char err[256];

	r->n = load(d->name, r->b);
	DG_CHECK_INT(r->n, d->len);
	if (r->n < 0)
		return false;
	DG_CHECK_INT(dg_uac_parse(r->b, (size_t) r->n, &r->u, err, sizeof(err)), 0);
	DG_CHECK_INT(r->u.vendor_id, d->vid);
	DG_CHECK_INT(r->u.product_id, d->pid);
	DG_CHECK_INT(r->u.bcd_device, d->bcd);
	DG_CHECK_INT(r->u.uac_version, d->uac_version);
	DG_CHECK_INT(r->u.ac_interface, d->ac_interface);
	return true;
}

/* The unit's source and the raw controls of each channel (master first). */
static const struct dg_uac_feature_unit *check_feature_unit(const struct dg_uac *u, uint8_t id,
							    uint8_t source,
							    const uint32_t *raw, size_t n)
{
	const struct dg_uac_feature_unit *fu = dg_uac_find_feature_unit(u, id);

	DG_CHECK(fu != NULL);
	if (!fu)
		return NULL;
	DG_CHECK_INT(fu->source_id, source);
	DG_CHECK_INT(fu->n_channels, n);
	for (size_t i = 0; i < n && i < fu->n_channels; i++)
		DG_CHECK_INT(fu->ch[i].raw, raw[i]);
	return fu;
}

static void check_terminals(const struct dg_uac *u, const struct exp_terminal *e, size_t n)
{
	DG_CHECK_INT(u->n_terminals, n);
	for (size_t i = 0; i < n; i++) {
		const struct dg_uac_terminal *t = dg_uac_find_terminal(u, e[i].id);
		DG_CHECK(t != NULL);
		if (!t)
			continue;
		DG_CHECK_INT(t->dir, e[i].dir);
		DG_CHECK_INT(t->type, e[i].type);
		DG_CHECK_INT(t->source_id, e[i].source);
		DG_CHECK_INT(t->clock_source_id, e[i].clock);
		DG_CHECK_INT(t->channels, e[i].channels);
		DG_CHECK_INT(t->name, e[i].name);
		DG_CHECK_INT(t->connector_control, DG_UAC_CTL_NONE);
	}
}

static void check_streams(const struct dg_uac *u, const struct exp_stream *e, size_t n)
{
	DG_CHECK_INT(u->n_streams, n);
	for (size_t i = 0; i < n && i < u->n_streams; i++) {
		const struct dg_uac_stream *s = &u->streams[i];
		size_t n_rates = 0;

		DG_CHECK_INT(s->interface, e[i].interface);
		DG_CHECK_INT(s->alt, e[i].alt);
		if (e[i].alt == 0) {
			/* zero-bandwidth setting: no endpoint, no format */
			DG_CHECK(!s->has_endpoint);
			DG_CHECK(!s->has_general);
			continue;
		}
		DG_CHECK_INT(s->terminal_link, e[i].link);
		DG_CHECK_INT(s->formats, e[i].formats);
		DG_CHECK_INT(s->format_tag, e[i].format_tag);
		DG_CHECK_INT(s->channels, e[i].channels);
		DG_CHECK_INT(s->subslot_size, e[i].subslot);
		DG_CHECK_INT(s->bit_resolution, e[i].bits);
		DG_CHECK(!s->rates_continuous);
		while (e[i].rates && e[i].rates[n_rates])
			n_rates++;
		DG_CHECK_INT(s->n_rates, n_rates);
		for (size_t k = 0; k < n_rates && k < s->n_rates; k++)
			DG_CHECK_INT(s->rates[k], e[i].rates[k]);
		DG_CHECK(s->has_endpoint);
		DG_CHECK_INT(s->ep_address, e[i].ep);
		DG_CHECK_INT(s->sync, e[i].sync);
		DG_CHECK_INT(s->max_packet, e[i].max_packet);
		DG_CHECK_INT(s->feedback_ep, e[i].feedback);
	}
}

/* The Thesycon UAC2 firmware's terminals (Topping D50s, FiiO K3): USB streaming IT 2 through
 * FU 10 to the speaker OT 20, both clocked by the selector 40. */
static const struct exp_terminal thesycon_terminals[] = {
	{ 2, DG_UAC_TERMINAL_INPUT, 0x0101, 0, 40, 2, 6 },
	{ 20, DG_UAC_TERMINAL_OUTPUT, 0x0301, 10, 40, 0, 0 },
};

static void test_topping_d50s(void)
{
	static const struct exp_device d = { "topping-d50s", 586, 0x152a, 0x8750, 0x0103, 2, 0 };
	/* UAC2 rates live in the clock source, not in the descriptors. */
	static const struct exp_stream s[] = {
		{ .interface = 1, .alt = 0 },
		{ 1, 1, 2, PCM, 0, 2, 4, 32, NULL, 0x01, ASYNC, 776, 0x81 },
		{ 1, 2, 2, PCM, 0, 2, 4, 24, NULL, 0x01, ASYNC, 776, 0x81 },
		{ 1, 3, 2, RAW, 0, 2, 4, 32, NULL, 0x01, ASYNC, 776, 0x81 },
	};
	static const uint32_t raw[] = { 0x0f, 0, 0 };
	static struct recording r;
	const struct dg_uac_feature_unit *fu;
	char err[256];

	if (!parse_recording(&d, &r))
		return;
	DG_CHECK(r.u.complete);
	DG_CHECK_INT(r.u.i_manufacturer, 1);
	DG_CHECK_INT(r.u.i_product, 3);
	DG_CHECK_INT(r.u.n_configurations, 2);
	DG_CHECK_INT(r.u.config_value, 1);
	DG_CHECK_INT(r.u.config_index, 0);
	DG_CHECK_INT(r.u.bcd_adc, 0x0200);
	DG_CHECK(!r.u.badd);
	DG_CHECK_INT(r.u.clamped, 0);
	check_terminals(&r.u, thesycon_terminals, 2);

	DG_CHECK_INT(r.u.n_feature_units, 1);
	fu = check_feature_unit(&r.u, 10, 2, raw, 3);
	if (fu) {
		DG_CHECK_INT(fu->control_size, 4);
		DG_CHECK_INT(fu->ch[0].mute, DG_UAC_CTL_READ_WRITE);
		DG_CHECK_INT(fu->ch[0].volume, DG_UAC_CTL_READ_WRITE);
		DG_CHECK_INT(fu->ch[2].volume, DG_UAC_CTL_NONE);
	}

	DG_CHECK_INT(r.u.n_clocks, 2);
	DG_CHECK_INT(r.u.clocks[0].id, 41);
	DG_CHECK_INT(r.u.clocks[0].kind, DG_UAC_CLOCK_SOURCE);
	DG_CHECK_INT(r.u.clocks[0].attributes, 3);
	DG_CHECK_INT(r.u.clocks[0].controls, 7);
	DG_CHECK_INT(r.u.clocks[0].name, 9);
	DG_CHECK_INT(r.u.clocks[1].id, 40);
	DG_CHECK_INT(r.u.clocks[1].kind, DG_UAC_CLOCK_SELECTOR);
	DG_CHECK_INT(r.u.clocks[1].n_inputs, 1);
	DG_CHECK_INT(r.u.clocks[1].inputs[0], 41);
	DG_CHECK_INT(r.u.clocks[1].controls, 3);
	DG_CHECK_INT(r.u.clocks[1].name, 8);

	check_streams(&r.u, s, 4);
	DG_CHECK(dg_uac_has_playback(&r.u));
	DG_CHECK_STR(dg_uac_terminal_type_name(r.u.terminals[1].type), "Speaker");

	/* the variant by bConfigurationValue: 1 exists (both configs say 1), 2 does not */
	DG_CHECK_INT(dg_uac_parse_config(r.b, (size_t) r.n, 1, &r.u, err, sizeof(err)), 0);
	DG_CHECK_INT(dg_uac_parse_config(r.b, (size_t) r.n, 2, &r.u, err, sizeof(err)), -ENOENT);
	DG_CHECK(strstr(err, "bConfigurationValue 2") != NULL);
}

static void test_fiio_e10(void)
{
	static const struct exp_device d = { "fiio-e10", 404, 0x1852, 0x7022, 0x0001, 1, 1 };
	static const struct exp_terminal t[] = {
		{ 5, DG_UAC_TERMINAL_INPUT, 0x0605, 0, 0, 2, 0 },
		{ 9, DG_UAC_TERMINAL_INPUT, 0x0101, 0, 0, 2, 0 },
		{ 3, DG_UAC_TERMINAL_OUTPUT, 0x0605, 16, 0, 0, 0 },
		{ 7, DG_UAC_TERMINAL_OUTPUT, 0x0101, 5, 0, 0, 0 },
	};
	static const uint32_t in[] = { 8000, 16000, 32000, 44100, 48000, 96000, 0 };
	static const uint32_t out[] = { 32000, 44100, 48000, 96000, 0 };
	static const uint32_t ac3[] = { 48000, 0 };
	static const struct exp_stream s[] = {
		{ .interface = 2, .alt = 0 },
		{ 2, 1, 7, PCM, 1, 2, 2, 16, in, 0x82, ADAPTIVE, 388, 0 },
		{ 2, 2, 7, PCM, 1, 2, 3, 24, in, 0x82, ADAPTIVE, 582, 0 },
		{ .interface = 3, .alt = 0 },
		{ 3, 1, 9, PCM, 1, 2, 2, 16, out, 0x03, ADAPTIVE, 388, 0 },
		{ 3, 2, 9, PCM, 1, 2, 3, 24, out, 0x03, ADAPTIVE, 582, 0 },
		/* IEC61937 AC-3 (wFormatTag 0x2001, Type III): no Type I bit */
		{ 3, 3, 9, 0, 0x2001, 2, 2, 16, ac3, 0x03, ADAPTIVE, 192, 0 },
	};
	static const uint32_t raw[] = { 0x01, 0x02, 0x02 };
	static struct recording r;
	const struct dg_uac_feature_unit *fu;

	if (!parse_recording(&d, &r))
		return;
	DG_CHECK_INT(r.u.bcd_adc, 0x0100);
	check_terminals(&r.u, t, 4);
	DG_CHECK_STR(dg_uac_terminal_type_name(0x0605), "S/PDIF Interface");

	DG_CHECK_INT(r.u.n_feature_units, 1);
	fu = check_feature_unit(&r.u, 16, 9, raw, 3);
	if (fu) {
		DG_CHECK_INT(fu->control_size, 1);
		DG_CHECK_INT(fu->ch[0].mute, DG_UAC_CTL_READ_WRITE);
		DG_CHECK_INT(fu->ch[0].volume, DG_UAC_CTL_NONE);
		DG_CHECK_INT(fu->ch[1].volume, DG_UAC_CTL_READ_WRITE);
		DG_CHECK_INT(fu->ch[2].volume, DG_UAC_CTL_READ_WRITE);
	}
	DG_CHECK_INT(r.u.n_clocks, 0);

	check_streams(&r.u, s, 7);
	DG_CHECK_INT(r.u.streams[6].format_type, 3);
	DG_CHECK_INT(r.u.streams[4].format_type, 1);
	/* the S/PDIF OT 3 is fed from the USB streaming IT 9 through FU 16 */
	DG_CHECK(dg_uac_has_playback(&r.u));
}

static void test_fiio_btr3(void)
{
	static const struct exp_device d = { "fiio-btr3", 159, 0x0a12, 0x1243, 0x2520, 1, 0 };
	static const struct exp_terminal t[] = {
		{ 1, DG_UAC_TERMINAL_INPUT, 0x0101, 0, 0, 2, 0 },
		{ 3, DG_UAC_TERMINAL_OUTPUT, 0x0301, 2, 0, 0, 0 },
	};
	static const uint32_t rates[] = { 48000, 44100, 0 };
	static const struct exp_stream s[] = {
		{ .interface = 1, .alt = 0 },
		{ 1, 1, 1, PCM, 1, 2, 2, 16, rates, 0x03, DG_UAC_SYNC_NONE, 192, 0 },
	};
	static const uint32_t raw[] = { 0x01, 0x02, 0x02 };
	static struct recording r;
	const struct dg_uac_feature_unit *fu;

	if (!parse_recording(&d, &r))
		return;
	DG_CHECK_INT(r.u.i_product, 2);
	DG_CHECK_INT(r.u.i_serial, 3);
	check_terminals(&r.u, t, 2);
	fu = check_feature_unit(&r.u, 2, 1, raw, 3);
	if (fu)
		DG_CHECK_INT(fu->control_size, 2);
	check_streams(&r.u, s, 2);
	DG_CHECK(dg_uac_has_playback(&r.u));
}

/* FiiO K3 (balanced + SE, shares 2972:0047 with the BTR5): same Thesycon-style UAC2 layout as
 * the D50s, but every channel of FU 10 has its own mute and volume. */
static void test_fiio_k3(void)
{
	static const struct exp_device d = { "fiio-k3", 586, 0x2972, 0x0047, 0x0011, 2, 0 };
	static const struct exp_stream s[] = {
		{ .interface = 1, .alt = 0 },
		{ 1, 1, 2, PCM, 0, 2, 4, 32, NULL, 0x01, ASYNC, 392, 0x81 },
		{ 1, 2, 2, PCM, 0, 2, 2, 16, NULL, 0x01, ASYNC, 196, 0x81 },
		{ 1, 3, 2, RAW, 0, 2, 4, 32, NULL, 0x01, ASYNC, 392, 0x81 },
	};
	static const uint32_t raw[] = { 0x0f, 0x0f, 0x0f };
	static struct recording r;
	const struct dg_uac_feature_unit *fu;

	if (!parse_recording(&d, &r))
		return;
	DG_CHECK_INT(r.u.i_product, 3);
	DG_CHECK_INT(r.u.n_configurations, 2);
	check_terminals(&r.u, thesycon_terminals, 2);
	fu = check_feature_unit(&r.u, 10, 2, raw, 3);
	for (size_t i = 0; fu && i < 3; i++) {
		DG_CHECK_INT(fu->ch[i].mute, DG_UAC_CTL_READ_WRITE);
		DG_CHECK_INT(fu->ch[i].volume, DG_UAC_CTL_READ_WRITE);
	}
	DG_CHECK_INT(r.u.n_clocks, 2);
	DG_CHECK_INT(r.u.clocks[0].id, 41);
	DG_CHECK_INT(r.u.clocks[0].name, 9);
	DG_CHECK_INT(r.u.clocks[1].id, 40);
	DG_CHECK_INT(r.u.clocks[1].inputs[0], 41);

	check_streams(&r.u, s, 4);
	DG_CHECK(dg_uac_has_playback(&r.u));
}

/* The BTR5 recording is a fragment: the configuration claims 266 bytes and only 35 are there.
 * The parse fails (a partial device must not pass for a whole one) yet reports what it read. */
static void test_fiio_btr5_partial(void)
{
	static uint8_t b[MAX_BLOB];
	struct dg_uac u;
	char err[256];
	long n = load("fiio-btr5", b);

	DG_CHECK_INT(n, 53);
	if (n < 0)
		return;
	DG_CHECK_INT(dg_uac_parse(b, (size_t) n, &u, err, sizeof(err)), -EBADMSG);
	DG_CHECK_STR(err, "descriptor at offset 18: configuration wTotalLength 266 runs past the "
			  "end (53 bytes)");
	DG_CHECK(!u.complete);
	DG_CHECK_INT(u.vendor_id, 0x2972);
	DG_CHECK_INT(u.product_id, 0x0047);
	DG_CHECK_INT(u.bcd_device, 0x002e);
	DG_CHECK(u.has_audio_control);
	DG_CHECK_INT(u.uac_version, 2);
	DG_CHECK_INT(u.bcd_adc, 0x0200);
	DG_CHECK_INT(u.category, 0x08);
	DG_CHECK_INT(u.n_terminals, 0);
	DG_CHECK(!dg_uac_has_playback(&u));
}

/* Not an audio device: the root hub in every recording. */
static void test_hub(void)
{
	static uint8_t b[MAX_BLOB];
	struct dg_uac u;
	char err[256], path[512];

	snprintf(path, sizeof(path), "%s/devices/fiio-btr3.umockdev", DG_TEST_DATA_DIR);
	long n = dg_umockdev_read_descriptors(path, "/devices/pci0000:00/0000:00:14.0/usb1", b,
					      MAX_BLOB);
	DG_CHECK(n > 18);
	if (n < 0)
		return;
	DG_CHECK_INT(b[4], 0x09);
	DG_CHECK_INT(dg_uac_parse(b, (size_t) n, &u, err, sizeof(err)), -ENOENT);
	DG_CHECK(strstr(err, "no AudioControl") != NULL);
	DG_CHECK_INT(dg_umockdev_read_descriptors(path, "/no/such/device", b, MAX_BLOB), -ENOENT);
	DG_CHECK_INT(dg_umockdev_read_descriptors("/nonexistent.umockdev", NULL, b, MAX_BLOB),
		     -ENOENT);
	DG_CHECK_INT(dg_umockdev_read_descriptors(path, NULL, b, 10), -ENOSPC);
}

/* --- hand-built blobs ---------------------------------------------------------------------- */

struct blob {
	uint8_t b[1024];
	size_t n;
	size_t ac_header; /* offset of the AC header, 0 = none */
	size_t ac_end;
};

static void put(struct blob *bb, const uint8_t *d, size_t n)
{
	if (bb->n + n > sizeof(bb->b))
		abort();
	memcpy(bb->b + bb->n, d, n);
	bb->n += n;
}

#define PUT(bb, ...) put(bb, (const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__}))

static void begin(struct blob *bb, uint8_t ac_protocol)
{
	memset(bb, 0, sizeof(*bb));
	/* device 1234:5678 bcdDevice 0x0100, strings 1/2/0, one configuration */
	PUT(bb, 18, 1, 0x00, 0x02, 0xef, 0x02, 0x01, 64, 0x34, 0x12, 0x78, 0x56, 0x00, 0x01, 1, 2,
	    0, 1);
	PUT(bb, 9, 2, 0, 0, 2, 1, 0, 0x80, 50);
	PUT(bb, 9, 4, 0, 0, 0, 1, 1, ac_protocol, 0);
	bb->ac_header = bb->n;
}

/* Patches the configuration's and the AC header's wTotalLength. */
static void finish(struct blob *bb, size_t ac_total_at)
{
	size_t total = bb->n - 18;
	bb->b[18 + 2] = (uint8_t) total;
	bb->b[18 + 3] = (uint8_t) (total >> 8);
	size_t ac = bb->ac_end - bb->ac_header;
	bb->b[bb->ac_header + ac_total_at] = (uint8_t) ac;
	bb->b[bb->ac_header + ac_total_at + 1] = (uint8_t) (ac >> 8);
}

/* UAC2 with a read-only Connector control on the Speaker OT, as the Schiit Hel reports it. */
static void build_uac2_connector(struct blob *bb)
{
	begin(bb, 0x20);
	PUT(bb, 9, 0x24, 1, 0x00, 0x02, 0x0d, 0, 0, 0); /* header, cat. headphone */
	PUT(bb, 8, 0x24, 0x0a, 0x10, 0x01, 0x01, 0, 0); /* clock source 16 */
	PUT(bb, 17, 0x24, 2, 1, 0x01, 0x01, 0, 0x10, 2, 3, 0, 0, 0, 0, 0x00, 0x00, 0); /* IT 1 */
	PUT(bb, 18, 0x24, 6, 2, 1, 0x0f, 0, 0, 0, 0x0c, 0, 0, 0, 0x0c, 0, 0, 0, 0);    /* FU 2 */
	PUT(bb, 12, 0x24, 3, 3, 0x01, 0x03, 0, 2, 0x10, 0x04, 0x00, 5); /* OT 3 Speaker, conn RO */
	bb->ac_end = bb->n;
	PUT(bb, 9, 4, 1, 0, 0, 1, 2, 0x20, 0);
	PUT(bb, 9, 4, 1, 1, 1, 1, 2, 0x20, 0);
	PUT(bb, 16, 0x24, 1, 1, 0, 1, 0x01, 0, 0, 0, 2, 3, 0, 0, 0, 0);
	PUT(bb, 6, 0x24, 2, 1, 3, 24);
	PUT(bb, 7, 5, 0x02, 0x0d, 0x20, 0x02, 1); /* OUT, iso, synchronous */
	PUT(bb, 8, 0x25, 1, 0, 0, 0, 0, 0);
	finish(bb, 6);
}

static void test_uac2_connector(void)
{
	struct blob bb;
	struct dg_uac u;
	char err[256];

	build_uac2_connector(&bb);
	DG_CHECK_INT(dg_uac_parse(bb.b, bb.n, &u, err, sizeof(err)), 0);
	DG_CHECK_INT(u.uac_version, 2);
	DG_CHECK_INT(u.category, 0x0d);
	const struct dg_uac_terminal *ot = dg_uac_find_terminal(&u, 3);
	DG_CHECK(ot != NULL);
	if (ot) {
		DG_CHECK_INT(ot->connector_control, DG_UAC_CTL_READ_ONLY);
		DG_CHECK_INT(ot->controls, 0x0004);
		DG_CHECK_INT(ot->source_id, 2);
		DG_CHECK_INT(ot->clock_source_id, 0x10);
		DG_CHECK_INT(ot->name, 5);
	}
	const struct dg_uac_terminal *it = dg_uac_find_terminal(&u, 1);
	DG_CHECK(it && it->connector_control == DG_UAC_CTL_NONE);
	const struct dg_uac_feature_unit *fu = dg_uac_find_feature_unit(&u, 2);
	DG_CHECK(fu && fu->n_channels == 3);
	if (fu) {
		DG_CHECK_INT(fu->ch[1].mute, DG_UAC_CTL_NONE);
		DG_CHECK_INT(fu->ch[1].volume, DG_UAC_CTL_READ_WRITE);
	}
	DG_CHECK(dg_uac_has_playback(&u));
	DG_CHECK_INT(u.n_streams, 2);
	DG_CHECK_INT(u.streams[1].subslot_size, 3);
	DG_CHECK_INT(u.streams[1].bit_resolution, 24);
	DG_CHECK_INT(u.streams[1].sync, DG_UAC_SYNC_SYNC);
	DG_CHECK_INT(u.streams[1].n_rates, 0);

	/* read-write variant (0b11) and the reserved 0b10, reported as read-only */
	size_t ot_ctl = 18 + 9 + 9 + 9 + 8 + 17 + 18 + 9;
	DG_CHECK_INT(bb.b[ot_ctl], 0x04);
	bb.b[ot_ctl] = 0x0c;
	DG_CHECK_INT(dg_uac_parse(bb.b, bb.n, &u, err, sizeof(err)), 0);
	DG_CHECK_INT(dg_uac_find_terminal(&u, 3)->connector_control, DG_UAC_CTL_READ_WRITE);
	bb.b[ot_ctl] = 0x08;
	DG_CHECK_INT(dg_uac_parse(bb.b, bb.n, &u, err, sizeof(err)), 0);
	DG_CHECK_INT(dg_uac_find_terminal(&u, 3)->connector_control, DG_UAC_CTL_READ_ONLY);

	/* cutting the route: OT 3 fed by an absent unit means no playback path */
	bb.b[ot_ctl - 2] = 0x7f;
	DG_CHECK_INT(dg_uac_parse(bb.b, bb.n, &u, err, sizeof(err)), 0);
	DG_CHECK(!dg_uac_has_playback(&u));
}

/* UAC3 with insertion controls, a power domain and a connectors descriptor to step over, in a
 * BADD headphone function (IAD subclass 0x21). */
static void build_uac3(struct blob *bb)
{
	memset(bb, 0, sizeof(*bb));
	PUT(bb, 18, 1, 0x20, 0x03, 0xef, 0x02, 0x01, 64, 0x34, 0x12, 0x78, 0x56, 0x00, 0x01, 1, 2,
	    0, 1);
	PUT(bb, 9, 2, 0, 0, 2, 1, 0, 0x80, 50);
	PUT(bb, 8, 0x0b, 0, 2, 1, 0x21, 0x30, 0);
	PUT(bb, 9, 4, 0, 0, 0, 1, 1, 0x30, 0);
	bb->ac_header = bb->n;
	PUT(bb, 10, 0x24, 1, 0x0d, 0, 0, 0, 0, 0, 0);			/* header */
	PUT(bb, 12, 0x24, 0x0b, 9, 0x01, 0x05, 0, 0, 0, 0, 0x00, 0x00); /* clock source 9 */
	PUT(bb, 20, 0x24, 2, 1, 0x01, 0x01, 0, 9, 0x11, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0); /* IT 1 */
	PUT(bb, 15, 0x24, 7, 2, 1, 0x0f, 0, 0, 0, 0x0c, 0, 0, 0, 0, 0); /* FU 2: master + 1 ch */
	PUT(bb, 19, 0x24, 3, 3, 0x02, 0x03, 0, 2, 9, 0x01, 0, 0, 0, 0, 0, 0x22, 0, 0x34, 0x12);
	PUT(bb, 19, 0x24, 3, 4, 0x01, 0x06, 0, 2, 9, 0x03, 0, 0, 0, 0, 0, 0, 0, 0, 0); /* OT 4 */
	PUT(bb, 10, 0x24, 0x10, 1, 2, 3, 2, 5, 0, 0); /* power domain: skipped */
	PUT(bb, 6, 0x24, 0x0f, 0x22, 0, 0);	      /* connectors: skipped */
	bb->ac_end = bb->n;
	PUT(bb, 9, 4, 1, 0, 0, 1, 2, 0x30, 0);
	PUT(bb, 9, 4, 1, 1, 1, 1, 2, 0x30, 0);
	PUT(bb, 23, 0x24, 1, 1, 0, 0, 0, 0, 0x01, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 2, 16, 0, 0, 0);
	PUT(bb, 7, 5, 0x01, 0x09, 0x60, 0x00, 1); /* OUT, adaptive */
	finish(bb, 4);
}

static void test_uac3(void)
{
	struct blob bb;
	struct dg_uac u;
	char err[256];

	build_uac3(&bb);
	DG_CHECK_INT(dg_uac_parse(bb.b, bb.n, &u, err, sizeof(err)), 0);
	if (err[0])
		fprintf(stderr, "uac3: %s\n", err);
	DG_CHECK_INT(u.uac_version, 3);
	DG_CHECK_INT(u.bcd_adc, 0x0300);
	DG_CHECK(u.badd);
	DG_CHECK_INT(u.badd_profile, 0x21);
	DG_CHECK_INT(u.n_terminals, 3);
	const struct dg_uac_terminal *it = dg_uac_find_terminal(&u, 1);
	const struct dg_uac_terminal *hp = dg_uac_find_terminal(&u, 3);
	const struct dg_uac_terminal *line = dg_uac_find_terminal(&u, 4);
	DG_CHECK(it && hp && line);
	if (it && hp && line) {
		DG_CHECK_INT(it->clock_source_id, 9);
		DG_CHECK_INT(it->insertion_control, DG_UAC_CTL_READ_ONLY);
		DG_CHECK_INT(it->controls, 0x11);
		DG_CHECK_INT(hp->type, DG_UAC_TT_HEADPHONES);
		DG_CHECK_INT(hp->insertion_control, DG_UAC_CTL_READ_ONLY);
		DG_CHECK_INT(hp->source_id, 2);
		DG_CHECK_INT(hp->name, 0x1234);
		DG_CHECK_INT(line->type, 0x0601);
		DG_CHECK_INT(line->insertion_control, DG_UAC_CTL_READ_WRITE);
		DG_CHECK_INT(line->connector_control, DG_UAC_CTL_NONE);
	}
	const struct dg_uac_feature_unit *fu = dg_uac_find_feature_unit(&u, 2);
	DG_CHECK(fu != NULL);
	if (fu) {
		DG_CHECK_INT(fu->n_channels, 2);
		DG_CHECK_INT(fu->ch[0].mute, DG_UAC_CTL_READ_WRITE);
		DG_CHECK_INT(fu->ch[1].volume, DG_UAC_CTL_READ_WRITE);
		DG_CHECK_INT(fu->ch[1].mute, DG_UAC_CTL_NONE);
	}
	DG_CHECK_INT(u.n_clocks, 1);
	DG_CHECK_INT(u.clocks[0].id, 9);
	DG_CHECK_INT(u.n_streams, 2);
	DG_CHECK_INT(u.streams[1].formats, DG_UAC_FORMAT_PCM);
	DG_CHECK_INT(u.streams[1].subslot_size, 2);
	DG_CHECK_INT(u.streams[1].bit_resolution, 16);
	DG_CHECK_INT(u.streams[1].channels, 0);
	DG_CHECK_INT(u.streams[1].sync, DG_UAC_SYNC_ADAPTIVE);
	DG_CHECK(dg_uac_has_playback(&u));
	DG_CHECK_STR(dg_uac_terminal_type_name(hp ? hp->type : 0), "Headphones");

	/* a full ADC 3.0 function (subclass 0x01) is not BADD */
	bb.b[18 + 9 + 5] = 0x01;
	DG_CHECK_INT(dg_uac_parse(bb.b, bb.n, &u, err, sizeof(err)), 0);
	DG_CHECK(!u.badd);

	/* an unknown AudioControl protocol is refused, not guessed */
	bb.b[18 + 9 + 8 + 7] = 0x40;
	DG_CHECK_INT(dg_uac_parse(bb.b, bb.n, &u, err, sizeof(err)), -EPROTONOSUPPORT);
	DG_CHECK(strstr(err, "0x40") != NULL);
}

/* UAC1: a selector unit choosing between two feature units, discrete and continuous rates. */
static void build_uac1(struct blob *bb)
{
	begin(bb, 0x00);
	PUT(bb, 10, 0x24, 1, 0x00, 0x01, 0, 0, 1, 1, 2);	     /* header, 1 AS iface */
	PUT(bb, 12, 0x24, 2, 1, 0x01, 0x01, 0, 2, 0x03, 0x00, 0, 0); /* IT 1 USB */
	PUT(bb, 12, 0x24, 2, 2, 0x03, 0x06, 0, 2, 0x03, 0x00, 0, 0); /* IT 2 line in */
	PUT(bb, 10, 0x24, 6, 3, 1, 1, 0x01, 0x02, 0x02, 0);	     /* FU 3 <- IT 1 */
	PUT(bb, 10, 0x24, 6, 4, 2, 1, 0x00, 0x02, 0x02, 0);	     /* FU 4 <- IT 2 */
	PUT(bb, 8, 0x24, 5, 5, 2, 3, 4, 7);			     /* SU 5 <- 3, 4 */
	PUT(bb, 9, 0x24, 3, 6, 0x02, 0x03, 0, 5, 0);		     /* OT 6 Headphones */
	bb->ac_end = bb->n;
	PUT(bb, 9, 4, 1, 0, 0, 1, 2, 0, 0);
	PUT(bb, 9, 4, 1, 1, 1, 1, 2, 0, 0);
	PUT(bb, 7, 0x24, 1, 1, 1, 0x01, 0x00);
	PUT(bb, 17, 0x24, 2, 1, 2, 2, 16, 3, 0x44, 0xac, 0x00, 0x80, 0xbb, 0x00, 0x00, 0x77, 0x01);
	PUT(bb, 9, 5, 0x01, 0x09, 0xc4, 0x00, 1, 0, 0);
	PUT(bb, 7, 0x25, 1, 1, 0, 0, 0);
	PUT(bb, 9, 4, 1, 2, 1, 1, 2, 0, 0);
	PUT(bb, 7, 0x24, 1, 1, 1, 0x03, 0x00); /* IEEE float */
	PUT(bb, 14, 0x24, 2, 1, 2, 4, 32, 0, 0x40, 0x1f, 0x00, 0x00, 0xee, 0x02);
	PUT(bb, 9, 5, 0x01, 0x05, 0x88, 0x01, 1, 0, 0);
	finish(bb, 5);
}

static void test_uac1_selector_rates(void)
{
	struct blob bb;
	struct dg_uac u;
	char err[256];

	build_uac1(&bb);
	DG_CHECK_INT(dg_uac_parse(bb.b, bb.n, &u, err, sizeof(err)), 0);
	if (err[0])
		fprintf(stderr, "uac1: %s\n", err);
	DG_CHECK_INT(u.uac_version, 1);
	DG_CHECK_INT(u.n_selector_units, 1);
	DG_CHECK_INT(u.selector_units[0].id, 5);
	DG_CHECK_INT(u.selector_units[0].n_inputs, 2);
	DG_CHECK_INT(u.selector_units[0].inputs[0], 3);
	DG_CHECK_INT(u.selector_units[0].inputs[1], 4);
	DG_CHECK_INT(u.selector_units[0].name, 7);
	DG_CHECK_INT(u.n_feature_units, 2);
	DG_CHECK_STR(dg_uac_terminal_type_name(dg_uac_find_terminal(&u, 6)->type), "Headphones");
	DG_CHECK(dg_uac_has_playback(&u));

	DG_CHECK_INT(u.n_streams, 3);
	const struct dg_uac_stream *s1 = &u.streams[1], *s2 = &u.streams[2];
	DG_CHECK(!s1->rates_continuous);
	DG_CHECK_INT(s1->n_rates, 3);
	DG_CHECK_INT(s1->rates[0], 44100);
	DG_CHECK_INT(s1->rates[1], 48000);
	DG_CHECK_INT(s1->rates[2], 96000);
	DG_CHECK_INT(s1->formats, DG_UAC_FORMAT_PCM);
	DG_CHECK_INT(s1->max_packet, 196);
	DG_CHECK(s2->rates_continuous);
	DG_CHECK_INT(s2->n_rates, 2);
	DG_CHECK_INT(s2->rates[0], 8000);
	DG_CHECK_INT(s2->rates[1], 192000);
	DG_CHECK_INT(s2->formats, DG_UAC_FORMAT_FLOAT);
	DG_CHECK_INT(s2->bit_resolution, 32);
	DG_CHECK_INT(s2->sync, DG_UAC_SYNC_ASYNC);

	/* the selector's only route from USB goes through FU 3: cut it and playback is gone */
	size_t su = 18 + 9 + 9 + 10 + 12 + 12 + 10 + 10;
	DG_CHECK_INT(bb.b[su + 5], 3);
	bb.b[su + 5] = 4;
	DG_CHECK_INT(dg_uac_parse(bb.b, bb.n, &u, err, sizeof(err)), 0);
	DG_CHECK(!dg_uac_has_playback(&u));
	bb.b[su + 5] = 3;

	/* bSamFreqType promising more rates than bLength holds */
	size_t ft = su + 8 + 9 + 9 + 9 + 7;
	DG_CHECK_INT(bb.b[ft + 7], 3);
	bb.b[ft + 7] = 4;
	DG_CHECK_INT(dg_uac_parse(bb.b, bb.n, &u, err, sizeof(err)), -EBADMSG);
	DG_CHECK(strstr(err, "bSamFreqType") != NULL);
	bb.b[ft + 7] = 3;

	/* a selector claiming more pins than its bLength holds */
	bb.b[su + 4] = 9;
	DG_CHECK_INT(dg_uac_parse(bb.b, bb.n, &u, err, sizeof(err)), -EBADMSG);
	bb.b[su + 4] = 2;

	/* bControlSize 0 would divide by zero */
	size_t fu = 18 + 9 + 9 + 10 + 12 + 12;
	bb.b[fu + 5] = 0;
	DG_CHECK_INT(dg_uac_parse(bb.b, bb.n, &u, err, sizeof(err)), -EBADMSG);
	DG_CHECK(strstr(err, "bControlSize 0") != NULL);
	bb.b[fu + 5] = 1;

	/* a zero bLength must end the walk with an error, not loop */
	bb.b[su] = 0;
	DG_CHECK_INT(dg_uac_parse(bb.b, bb.n, &u, err, sizeof(err)), -EBADMSG);
	char want[96];
	snprintf(want, sizeof(want), "descriptor at offset %zu: bLength 0 is less than 2", su);
	DG_CHECK_STR(err, want);
	bb.b[su] = 8;
	DG_CHECK_INT(dg_uac_parse(bb.b, bb.n, &u, err, sizeof(err)), 0);
}

/* More entries than the arrays hold: cut and flagged, never written past. */
static void test_clamping(void)
{
	struct blob bb;
	struct dg_uac u;
	char err[256];

	begin(&bb, 0x00);
	PUT(&bb, 9, 0x24, 1, 0x00, 0x01, 0, 0, 0, 0);
	for (int i = 0; i < DG_UAC_MAX_TERMINALS + 4; i++)
		PUT(&bb, 9, 0x24, 3, (uint8_t) (i + 1), 0x02, 0x03, 0, 0, 0);
	/* a feature unit with 40 channels of 1 byte */
	uint8_t fu[7 + 40] = {7 + 40, 0x24, 6, 100, 1, 1};
	put(&bb, fu, sizeof(fu));
	/* a selector with 20 pins */
	uint8_t su[6 + 20] = {6 + 20, 0x24, 5, 101, 20};
	put(&bb, su, sizeof(su));
	bb.ac_end = bb.n;
	finish(&bb, 5);
	DG_CHECK_INT(dg_uac_parse(bb.b, bb.n, &u, err, sizeof(err)), 0);
	DG_CHECK_INT(u.n_terminals, DG_UAC_MAX_TERMINALS);
	DG_CHECK(u.clamped & DG_UAC_CLAMPED_TERMINALS);
	DG_CHECK_INT(u.feature_units[0].n_channels, DG_UAC_MAX_FU_CHANNELS);
	DG_CHECK(u.clamped & DG_UAC_CLAMPED_FU_CHANNELS);
	DG_CHECK_INT(u.selector_units[0].n_inputs, DG_UAC_MAX_INPUTS);
	DG_CHECK(u.clamped & DG_UAC_CLAMPED_INPUTS);
	DG_CHECK(!(u.clamped & DG_UAC_CLAMPED_STREAMS));
}

static void test_bad_arguments(void)
{
	struct dg_uac u;
	char err[256];
	uint8_t b[18] = {18, 1};

	DG_CHECK_INT(dg_uac_parse(NULL, 0, &u, err, sizeof(err)), -EINVAL);
	DG_CHECK_INT(dg_uac_parse(b, sizeof(b), NULL, err, sizeof(err)), -EINVAL);
	DG_CHECK_INT(dg_uac_parse(b, 0, &u, NULL, 0), -EBADMSG);
	DG_CHECK_INT(dg_uac_parse(b, 17, &u, err, sizeof(err)), -EBADMSG);
	DG_CHECK_STR(err, "descriptor at offset 0: 17 bytes, a device descriptor needs 18");
	/* a device descriptor alone: no configuration; truncated when it promised one */
	DG_CHECK_INT(dg_uac_parse(b, 18, &u, err, sizeof(err)), -ENOENT);
	b[17] = 1;
	DG_CHECK_INT(dg_uac_parse(b, 18, &u, err, sizeof(err)), -EBADMSG);
	DG_CHECK_STR(err, "descriptor at offset 18: the data ends after 0 of 1 configurations");
	b[1] = 2;
	DG_CHECK_INT(dg_uac_parse(b, 18, &u, err, sizeof(err)), -EBADMSG);
	DG_CHECK_STR(dg_uac_terminal_type_name(0x0302), "Headphones");
	DG_CHECK_STR(dg_uac_terminal_type_name(0x0101), "USB Streaming");
	DG_CHECK_STR(dg_uac_terminal_type_name(0x0603), "Line Connector");
	DG_CHECK_STR(dg_uac_terminal_type_name(0x7777), "Unknown");
	DG_CHECK(!dg_uac_has_playback(NULL));
}

static bool sane(const struct dg_uac *u)
{
	if (u->n_terminals > DG_UAC_MAX_TERMINALS ||
	    u->n_feature_units > DG_UAC_MAX_FEATURE_UNITS ||
	    u->n_selector_units > DG_UAC_MAX_SELECTORS || u->n_clocks > DG_UAC_MAX_CLOCKS ||
	    u->n_units > DG_UAC_MAX_UNITS || u->n_streams > DG_UAC_MAX_STREAMS)
		return false;
	for (size_t i = 0; i < u->n_feature_units; i++) {
		if (u->feature_units[i].n_channels > DG_UAC_MAX_FU_CHANNELS)
			return false;
	}
	for (size_t i = 0; i < u->n_streams; i++) {
		if (u->streams[i].n_rates > DG_UAC_MAX_RATES)
			return false;
	}
	return u->uac_version >= 1 && u->uac_version <= 3;
}

/* Every prefix of a blob: an error unless the prefix still holds the whole first configuration;
 * errors name an offset. ok_from is the shortest length that must parse. */
static void truncations(const char *what, const uint8_t *b, size_t len, size_t ok_from)
{
	struct dg_uac u;
	char err[256];
	int bad = 0;

	for (size_t n = 0; n <= len; n++) {
		int r = parse_exact(b, n, 0, &u, err, sizeof(err));
		bool want_ok = n >= ok_from;
		if ((r == 0) != want_ok || (r < 0 && !strstr(err, "offset") && n >= 18) ||
		    (r == 0 && (!u.complete || !sane(&u)))) {
			if (bad++ < 5)
				fprintf(stderr, "%s: truncated to %zu: %d (%s)\n", what, n, r, err);
		}
		dg_uac_has_playback(&u);
	}
	DG_CHECK_INT(bad, 0);
}

/* Every byte of a blob set to a few values: a result or a clean error, and sane counts. */
static void corruptions(const char *what, const uint8_t *b, size_t len)
{
	static const uint8_t vals[] = {0x00, 0x01, 0x02, 0x09, 0x7f, 0x80, 0xff};
	uint8_t *copy = malloc(len);
	struct dg_uac u;
	char err[256];
	int bad = 0, ok = 0, runs = 0;

	if (!copy)
		abort();
	for (size_t i = 0; i < len; i++) {
		for (size_t k = 0; k < sizeof(vals) + 1; k++) {
			memcpy(copy, b, len);
			copy[i] = k < sizeof(vals) ? vals[k] : (uint8_t) (b[i] ^ 0x01);
			int r = dg_uac_parse(copy, len, &u, err, sizeof(err));
			runs++;
			if (r == 0) {
				ok++;
				if (!sane(&u) || !u.complete)
					bad++;
				dg_uac_has_playback(&u);
			} else if (r != -EBADMSG && r != -ENOENT && r != -EPROTONOSUPPORT) {
				bad++;
			} else if (!err[0] || u.complete) {
				bad++;
			}
		}
	}
	free(copy);
	printf("%s: %d corruptions, %d parsed\n", what, runs, ok);
	DG_CHECK_INT(bad, 0);
	/* most single-byte changes hit fields, not framing: many must still parse */
	DG_CHECK(ok > runs / 4);
}

static void test_robustness(void)
{
	static uint8_t b[MAX_BLOB];
	static const struct {
		const char *name;
		size_t ok_from; /* device descriptor + first configuration */
	} real[] = {
	    {"topping-d50s", 18 + 284}, {"fiio-e10", 18 + 386},	    {"fiio-btr3", 18 + 141},
	    {"fiio-k3", 18 + 284},	{"fiio-btr5", (size_t) -1},
	};
	struct blob bb;

	for (size_t i = 0; i < sizeof(real) / sizeof(real[0]); i++) {
		long n = load(real[i].name, b);
		DG_CHECK(n > 0);
		if (n <= 0)
			continue;
		truncations(real[i].name, b, (size_t) n, real[i].ok_from);
		if (real[i].ok_from != (size_t) -1)
			corruptions(real[i].name, b, (size_t) n);
	}
	build_uac2_connector(&bb);
	truncations("uac2-connector", bb.b, bb.n, bb.n);
	corruptions("uac2-connector", bb.b, bb.n);
	build_uac3(&bb);
	truncations("uac3", bb.b, bb.n, bb.n);
	corruptions("uac3", bb.b, bb.n);
	build_uac1(&bb);
	truncations("uac1", bb.b, bb.n, bb.n);
	corruptions("uac1", bb.b, bb.n);
}

/* `test-uac --write-corpus DIR` stores the hand-built blobs as fuzz seeds. */
static int write_corpus(const char *dir)
{
	static void (*const build[])(struct blob *) = {build_uac2_connector, build_uac3,
						       build_uac1};
	static const char *const names[] = {"uac2-connector", "uac3-badd", "uac1-selector"};
	struct blob bb;
	char path[512];

	for (size_t i = 0; i < 3; i++) {
		build[i](&bb);
		snprintf(path, sizeof(path), "%s/%s.bin", dir, names[i]);
		FILE *f = fopen(path, "we");
		if (!f || fwrite(bb.b, 1, bb.n, f) != bb.n) {
			perror(path);
			return 1;
		}
		fclose(f);
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "--write-corpus") == 0)
		return write_corpus(argv[2]);
	DG_RUN(test_topping_d50s);
	DG_RUN(test_fiio_e10);
	DG_RUN(test_fiio_btr3);
	DG_RUN(test_fiio_k3);
	DG_RUN(test_fiio_btr5_partial);
	DG_RUN(test_hub);
	DG_RUN(test_uac2_connector);
	DG_RUN(test_uac3);
	DG_RUN(test_uac1_selector_rates);
	DG_RUN(test_clamping);
	DG_RUN(test_bad_arguments);
	DG_RUN(test_robustness);
	return dg_test_done("test-uac");
}
