/* SPDX-License-Identifier: MIT */
/* dacguardd against umockdev testbeds made from recorded devices. One case per run
 * (argv[1]); the binary runs under umockdev-wrapper so that libudev, here and in
 * the dacguardd child, sees the testbed. Daemon cases print the daemon's log when
 * they fail. Waits are readiness polls on the daemon's output, bounded by a timeout
 * that only a failing case reaches. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <umockdev.h>
#include <unistd.h>

#include <spa/utils/json.h>

#include "dg-test.h"
#include "engine.h"
#include "umockdev-util.h"

#define DEVICES_DIR DG_SOURCE_DIR "/tests/data/devices"
#define D50S_CARD   "/sys/devices/pci0000:00/0000:00:14.0/usb1/1-1/1-1:1.0/sound/card1"
#define D10S_CARD   "/sys/devices/pci0000:00/0000:00:14.0/usb1/1-2/1-2:1.0/sound/card2"
#define TIMEOUT_MS  5000
/* The bound for uevent to decision line. Measured 1-3 ms under ASan on
 * a busy 2-core machine, so the margin covers a noisy scheduler. */
#define LATENCY_FAIL_MS 100.0

static UMockdevTestbed *tb;
static char tmpdir[] = "/tmp/dg-udev-XXXXXX";

/* ---- helpers ---- */

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

static void write_file(const char *path, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void write_file(const char *path, const char *fmt, ...)
{
	char tmp[PATH_MAX];
	va_list ap;
	FILE *f;

	/* rename into place: readers never see a half-written file */
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "we");
	if (!f) {
		fprintf(stderr, "cannot write %s: %s\n", tmp, strerror(errno));
		exit(1);
	}
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fclose(f);
	if (rename(tmp, path) < 0) {
		fprintf(stderr, "rename %s: %s\n", path, strerror(errno));
		exit(1);
	}
}

static char *read_all(const char *path, size_t *len)
{
	char *data = NULL;
	size_t n = 0;
	FILE *f = fopen(path, "re");

	if (!f)
		return NULL;
	data = malloc(1 << 20);
	if (data) {
		n = fread(data, 1, (1 << 20) - 1, f);
		data[n] = '\0';
	}
	fclose(f);
	if (len)
		*len = n;
	return data;
}

static void add_device_file(const char *path)
{
	GError *err = NULL;

	if (!umockdev_testbed_add_from_file(tb, path, &err)) {
		fprintf(stderr, "umockdev: %s: %s\n", path, err ? err->message : "?");
		exit(1);
	}
}

/* Adds the blocks parents first, as the kernel does. keep_initialized = false drops
 * SOUND_INITIALIZED, as a card's "add" arrives before 78-sound-card.rules marked it on
 * "change". */
static void hotplug_device_file(const char *path, bool keep_initialized)
{
	char *data = read_all(path, NULL);
	char *blocks[64];
	size_t n;

	if (!data) {
		fprintf(stderr, "cannot read %s\n", path);
		exit(1);
	}
	n = dg_umockdev_blocks_parents_first(data, blocks, 64);
	for (size_t i = 0; i < n; i++) {
		GError *err = NULL;
		char *p;

		if (!keep_initialized && (p = strstr(blocks[i], "E: SOUND_INITIALIZED=1")))
			memcpy(p, "E: SOUND_INITIALIZED=0", 22);
		if (!umockdev_testbed_add_from_string(tb, blocks[i], &err)) {
			fprintf(stderr, "umockdev: %s: %s\n", path, err ? err->message : "?");
			exit(1);
		}
	}
	free(data);
}

static void add_device(const char *name)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), DEVICES_DIR "/%s.umockdev", name);
	add_device_file(path);
}

/* A copy of the D50s recording as a second device (usb1/1-2, card2) with another
 * product string and optionally its descriptors cut short. Only the blocks of the
 * new device are kept: the host controller is already in the testbed. */
static char *make_d50s_variant(const char *product, size_t descriptor_hex_chars,
			       const char *out_name)
{
	static char out[PATH_MAX];
	char *data = read_all(DEVICES_DIR "/topping-d50s.umockdev", NULL);
	FILE *f;

	DG_CHECK(data != NULL);
	if (!data)
		exit(1);
	snprintf(out, sizeof(out), "%s/%s", tmpdir, out_name);
	f = fopen(out, "we");
	for (char *block = data; block && *block;) {
		char *end = strstr(block, "\n\n");
		bool keep;

		if (end)
			*end = '\0';
		keep = strstr(block, "P: /devices/pci0000:00/0000:00:14.0/usb1/1-1") != NULL;
		if (keep) {
			for (char *line = strtok(block, "\n"); line; line = strtok(NULL, "\n")) {
				char buf[8192];
				const char *l = line;
				char *p;

				snprintf(buf, sizeof(buf), "%s", line);
				while ((p = strstr(buf, "/1-1")))
					memcpy(p, "/1-2", 4);
				while ((p = strstr(buf, "1-1:")))
					memcpy(p, "1-2:", 4);
				while ((p = strstr(buf, "card1")))
					memcpy(p, "card2", 5);
				while ((p = strstr(buf, "C1D0p")))
					memcpy(p, "C2D0p", 5);
				while ((p = strstr(buf, "controlC1")))
					memcpy(p, "controlC2", 9);
				while ((p = strstr(buf, "001/002")))
					memcpy(p, "001/003", 7);
				l = buf;
				if (strcmp(l, "A: number=1\\n") == 0)
					l = "A: number=2\\n";
				if (strncmp(l, "A: product=", 11) == 0) {
					fprintf(f, "A: product=%s\\n\n", product);
					continue;
				}
				if (descriptor_hex_chars &&
				    strncmp(l, "H: descriptors=", 15) == 0) {
					fprintf(f, "%.*s\n", (int) (15 + descriptor_hex_chars), l);
					continue;
				}
				fprintf(f, "%s\n", l);
			}
			fputs("\n", f);
		}
		block = end ? end + 2 : NULL;
	}
	fclose(f);
	free(data);
	return out;
}

/* A configuration directory: a test database (two models on one VID:PID, the D50s with
 * a jack and a selector), one headphone profile and a distinctive fallback ceiling. */
static void write_config(const char *extra_conf)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/conf", tmpdir);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/conf/devices", tmpdir);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/conf/headphones", tmpdir);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/conf/dacguard.conf", tmpdir);
	write_file(path,
		   "dacguard.max-spl-db = 85.0\n"
		   "dacguard.fallback-ceiling-db = -33.0\n"
		   "%s\n",
		   extra_conf ? extra_conf : "");
	snprintf(path, sizeof(path), "%s/conf/headphones/00-generic.conf", tmpdir);
	write_file(path,
		   "headphones = [\n"
		   "  { id = \"generic-iem-sensitive\" name = \"Sensitive IEM\" type = \"iem\"\n"
		   "    impedance-ohm = 16 sensitivity = \"110dB/mW\" confidence = \"low\"\n"
		   "    source = \"test\" }\n"
		   "]\n");
	snprintf(path, sizeof(path), "%s/conf/devices/30-topping.conf", tmpdir);
	write_file(path,
		   "devices = [\n"
		   "  { vendor = \"Topping\" model = \"D50s\"\n"
		   "    match = { usb = \"152a:8750\" product = \"D50s\" }\n"
		   "    source = \"test\"\n"
		   "    jacks = { \"Speaker - Output Jack\" = \"bal-4.4\" }\n"
		   "    selectors = [ { control = \"Output Select\"\n"
		   "                    items = { \"SE\" = \"se-6.35\" \"BAL\" = \"bal-4.4\" "
		   "\"LINE\" = \"line-rca\" } } ]\n"
		   "    outputs = [\n"
		   "      { id = \"line-rca\" vout-vrms = 2.0 zout-ohm = 100 source = \"test\" }\n"
		   "      { id = \"se-6.35\" vout-vrms = 1.0 zout-ohm = 1 source = \"test\" }\n"
		   "      { id = \"bal-4.4\" vout-vrms = 4.0 zout-ohm = 2 source = \"test\" }\n"
		   "    ]\n"
		   "  }\n"
		   "  { vendor = \"Topping\" model = \"D10s\"\n"
		   "    match = { usb = \"152a:8750\" product = \"D10s\" }\n"
		   "    source = \"test\"\n"
		   "    outputs = [ { id = \"line-rca\" vout-vrms = 2.0 zout-ohm = 50 source = "
		   "\"test\" } ]\n"
		   "  }\n"
		   "]\n");
	snprintf(path, sizeof(path), "%s/conf", tmpdir);
	setenv("DACGUARD_CONFIG_DIR", path, 1);
}

static void write_ctl_state(int jack, const char *select)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/ctl-state", tmpdir);
	write_file(path, "jack=%d\nselect=%s\n", jack, select);
}

/* ALSA finds ctl.dgtest and its plugin library through this file alone. */
static void write_alsa_config(void)
{
	char path[PATH_MAX];

	write_ctl_state(0, "SE");
	snprintf(path, sizeof(path), "%s/asound.conf", tmpdir);
	write_file(path,
		   "ctl_type.dgtest { lib \"%s/tests/udev/libasound_module_ctl_dgtest.so\" }\n"
		   "ctl.dgtest { type dgtest state \"%s/ctl-state\" }\n",
		   DG_BUILD_DIR, tmpdir);
	setenv("ALSA_CONFIG_PATH", path, 1);
}

/* ---- the daemon as a child ---- */

struct daemon {
	pid_t pid;
	int fd; /* its stdout and stderr */
	char log[65536];
	size_t log_len;
	size_t consumed; /* lines before this offset were matched already */
};

static struct daemon daemon_proc = {.pid = -1, .fd = -1};

static void dump_log(void)
{
	fprintf(stderr, "---- dacguardd log ----\n%.*s---- end of log ----\n",
		(int) daemon_proc.log_len, daemon_proc.log);
}

static void child_start(char **argv)
{
	int p[2];

	if (pipe2(p, O_CLOEXEC) < 0)
		exit(1);
	daemon_proc.pid = fork();
	if (daemon_proc.pid == 0) {
		dup2(p[1], 1);
		dup2(p[1], 2);
		execv(argv[0], argv);
		_exit(127);
	}
	close(p[1]);
	daemon_proc.fd = p[0];
	fcntl(daemon_proc.fd, F_SETFL, O_NONBLOCK);
}

static void daemon_start(void)
{
	char *argv[] = {DG_BUILD_DIR "/daemon/dacguardd", "--verbose", "--ctl", "dgtest", NULL};

	child_start(argv);
}

/* Reads until a new line containing needle appears; returns that line (static) or NULL
 * after timeout_ms. Lines before it are passed over. */
static const char *daemon_wait(const char *needle, int timeout_ms)
{
	static char found[2048];
	double deadline = now_ms() + timeout_ms;

	for (;;) {
		char *nl;

		while ((nl = memchr(daemon_proc.log + daemon_proc.consumed, '\n',
				    daemon_proc.log_len - daemon_proc.consumed))) {
			size_t start = daemon_proc.consumed,
			       len = (size_t) (nl - daemon_proc.log) - start;

			daemon_proc.consumed = (size_t) (nl - daemon_proc.log) + 1;
			snprintf(found, sizeof(found), "%.*s", (int) len, daemon_proc.log + start);
			if (strstr(found, needle))
				return found;
		}
		double left = deadline - now_ms();
		struct pollfd pfd = {.fd = daemon_proc.fd, .events = POLLIN};
		ssize_t n;

		if (left <= 0 || poll(&pfd, 1, (int) left + 1) <= 0)
			return NULL;
		if (daemon_proc.log_len >= sizeof(daemon_proc.log) - 1)
			return NULL;
		n = read(daemon_proc.fd, daemon_proc.log + daemon_proc.log_len,
			 sizeof(daemon_proc.log) - 1 - daemon_proc.log_len);
		if (n <= 0)
			return NULL; /* EOF: the daemon died */
		daemon_proc.log_len += (size_t) n;
	}
}

/* The next line, whatever it is. */
static const char *daemon_next_line(int timeout_ms)
{
	return daemon_wait("", timeout_ms);
}

static bool daemon_ready(void)
{
	return daemon_wait("watching sound cards", TIMEOUT_MS) != NULL;
}

/* SIGTERM: it must exit 0. */
static void daemon_stop(void)
{
	int status = 0;

	if (daemon_proc.pid <= 0)
		return;
	kill(daemon_proc.pid, SIGTERM);
	DG_CHECK(waitpid(daemon_proc.pid, &status, 0) == daemon_proc.pid);
	DG_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fprintf(stderr, "dacguardd did not exit cleanly: status 0x%x\n", status);
	daemon_wait("\x01", 200); /* collect what is left of the log */
	daemon_proc.pid = -1;
}

static const char *expect_line(const char *needle)
{
	const char *l = daemon_wait(needle, TIMEOUT_MS);

	DG_CHECK(l != NULL);
	if (!l)
		fprintf(stderr, "no line with \"%s\" from dacguardd\n", needle);
	return l;
}
#define EXPECT_LINE(needle) expect_line(needle)

static void expect_in(const char *line, const char *needle, int lineno)
{
	dg_test_checks++;
	if (!line || !strstr(line, needle)) {
		dg_test_failures++;
		fprintf(stderr, "test-udev.c:%d: line: %s\n  lacks: %s\n", lineno,
			line ? line : "(none)", needle);
	}
}
#define EXPECT_IN(line, needle) expect_in((line), (needle), __LINE__)

/* ---- cases ---- */

struct summary_terminal {
	int id;
	bool output;
	unsigned type;
	bool connector_control;
};

struct summary {
	char vendor_id[8], product_id[8], manufacturer[96], product[96];
	int uac_version;
	struct summary_terminal terminals[16];
	size_t n_terminals;
	int n_configurations, total_length_declared, length_present;
};

static void json_string(const char *val, int len, char *out, int size)
{
	if (spa_json_is_null(val, len) || spa_json_parse_stringn(val, len, out, size) < 0)
		out[0] = '\0';
}

static void parse_terminal(struct spa_json *obj, struct summary *s)
{
	char key[64], buf[32];
	const char *val;
	int len;
	struct summary_terminal *t;

	if (s->n_terminals >= 16)
		return;
	t = &s->terminals[s->n_terminals++];
	while (spa_json_get_string(obj, key, sizeof(key)) > 0) {
		if ((len = spa_json_next(obj, &val)) <= 0)
			break;
		if (strcmp(key, "id") == 0)
			spa_json_parse_int(val, len, &t->id);
		else if (strcmp(key, "kind") == 0) {
			json_string(val, len, buf, sizeof(buf));
			t->output = strcmp(buf, "output") == 0;
		} else if (strcmp(key, "type") == 0) {
			json_string(val, len, buf, sizeof(buf));
			t->type = (unsigned) strtoul(buf, NULL, 16);
		} else if (strcmp(key, "connector_control") == 0)
			spa_json_parse_bool(val, len, &t->connector_control);
	}
}

/* Only the first configuration counts: the one the kernel selects here. */
static void parse_configuration(struct spa_json *obj, struct summary *s)
{
	char key[64];
	const char *val;
	int len;

	while (spa_json_get_string(obj, key, sizeof(key)) > 0) {
		if ((len = spa_json_next(obj, &val)) <= 0)
			break;
		if (s->n_configurations > 0)
			continue;
		if (strcmp(key, "total_length_declared") == 0)
			spa_json_parse_int(val, len, &s->total_length_declared);
		else if (strcmp(key, "length_present") == 0)
			spa_json_parse_int(val, len, &s->length_present);
	}
	s->n_configurations++;
}

static int load_summary(const char *name, struct summary *s)
{
	char path[PATH_MAX], key[64];
	struct spa_json it, obj, arr, sub;
	const char *val;
	size_t n;
	int len;
	char *data;

	memset(s, 0, sizeof(*s));
	snprintf(path, sizeof(path), DEVICES_DIR "/%s.summary.json", name);
	data = read_all(path, &n);
	if (!data)
		return -errno;
	spa_json_init(&it, data, n);
	if (spa_json_enter_object(&it, &obj) <= 0) {
		free(data);
		return -EINVAL;
	}
	while (spa_json_get_string(&obj, key, sizeof(key)) > 0) {
		if (strcmp(key, "terminals") == 0 || strcmp(key, "configurations") == 0) {
			bool terms = strcmp(key, "terminals") == 0;

			if (spa_json_enter_array(&obj, &arr) <= 0)
				break;
			while (spa_json_enter_object(&arr, &sub) > 0) {
				if (terms)
					parse_terminal(&sub, s);
				else
					parse_configuration(&sub, s);
			}
			continue;
		}
		if ((len = spa_json_next(&obj, &val)) <= 0)
			break;
		if (strcmp(key, "vendor_id") == 0)
			json_string(val, len, s->vendor_id, sizeof(s->vendor_id));
		else if (strcmp(key, "product_id") == 0)
			json_string(val, len, s->product_id, sizeof(s->product_id));
		else if (strcmp(key, "manufacturer") == 0)
			json_string(val, len, s->manufacturer, sizeof(s->manufacturer));
		else if (strcmp(key, "product") == 0)
			json_string(val, len, s->product, sizeof(s->product));
		else if (strcmp(key, "uac_version") == 0)
			spa_json_parse_int(val, len, &s->uac_version);
	}
	free(data);
	return 0;
}

static void on_engine(void *user, enum dg_engine_event ev, const struct dg_device *dev,
		      const char *msg)
{
	if (ev == DG_ENGINE_ERROR || ev == DG_ENGINE_WARNING)
		fprintf(stderr, "engine: %s\n", msg);
}

/* Enumeration of one recorded device, in process: what it reads must match the dump. */
static int case_enumerate(const char *name)
{
	struct dg_engine_options opts = {.no_controls = true};
	struct dg_engine *e = NULL;
	const struct dg_device *dev;
	struct summary s;
	char ids[16];

	write_config(NULL);
	DG_CHECK_INT(load_summary(name, &s), 0);
	add_device(name);
	DG_CHECK_INT(dg_engine_new(&opts, on_engine, NULL, &e), 0);
	DG_CHECK_INT(dg_engine_load_config(e), 0);
	DG_CHECK_INT(dg_engine_enumerate(e), 1);
	dev = dg_engine_devices(e);
	DG_CHECK(dev != NULL);
	if (!dev)
		goto out;
	DG_CHECK(dev->next == NULL);
	snprintf(ids, sizeof(ids), "%04x", dev->card.vendor_id);
	DG_CHECK_STR(ids, s.vendor_id);
	snprintf(ids, sizeof(ids), "%04x", dev->card.product_id);
	DG_CHECK_STR(ids, s.product_id);
	if (s.manufacturer[0])
		DG_CHECK_STR(dev->card.manufacturer, s.manufacturer);
	if (s.product[0])
		DG_CHECK_STR(dev->card.product, s.product);
	DG_CHECK(s.n_configurations > 0);
	if (s.length_present < s.total_length_declared) {
		/* a partial recording: the parser must refuse it and the decision fail safe */
		DG_CHECK_INT(dev->uac_err, -EBADMSG);
		DG_CHECK_NEAR(dev->decision.ceiling_db, -33.0, 1e-9);
		DG_CHECK_INT(dev->decision.limited_by, DG_LIMIT_FALLBACK);
		goto print;
	}
	DG_CHECK_INT(dev->uac_err, 0);
	DG_CHECK_INT(dev->uac.uac_version, s.uac_version);
	DG_CHECK(s.n_terminals > 0);
	DG_CHECK_INT(dev->uac.n_terminals, s.n_terminals);
	for (size_t i = 0; i < s.n_terminals; i++) {
		const struct dg_uac_terminal *t =
		    dg_uac_find_terminal(&dev->uac, (uint8_t) s.terminals[i].id);

		DG_CHECK(t != NULL);
		if (!t)
			continue;
		DG_CHECK_INT(t->dir == DG_UAC_TERMINAL_OUTPUT, s.terminals[i].output);
		DG_CHECK_INT(t->type, s.terminals[i].type);
		DG_CHECK_INT(t->connector_control != DG_UAC_CTL_NONE,
			     s.terminals[i].connector_control);
	}
	/* only the D50s is in the test database */
	DG_CHECK_INT(dev->decision.dac.known, strcmp(name, "topping-d50s") == 0);
	if (!dev->decision.dac.known) {
		DG_CHECK_NEAR(dev->decision.ceiling_db, -33.0, 1e-9);
		DG_CHECK_INT(dev->decision.limited_by, DG_LIMIT_FALLBACK);
	}
print : {
	char line[1024];

	dg_device_format(dev, line, sizeof(line));
	printf("%s\n", line);
}
out:
	dg_engine_free(e);
	return 0;
}

/* The usual start of a case: the test configuration (with extra_conf), the ALSA one
 * (its controls as jack, selector say: unplugged, SE by default), the recorded device
 * and the daemon; returns the daemon's first decision on card1. */
static const char *start_with_device(const char *device, const char *extra_conf, int jack,
				     const char *selector)
{
	write_config(extra_conf);
	write_alsa_config();
	write_ctl_state(jack, selector ? selector : "SE");
	add_device(device);
	daemon_start();
	return EXPECT_LINE("card1 \"");
}

/* a uevent of the D50s (card1) makes the daemon decide again: its line has needle */
static void d50s_uevent_decides(const char *action, const char *needle)
{
	umockdev_testbed_uevent(tb, D50S_CARD, action);
	EXPECT_IN(EXPECT_LINE("card1 \""), needle);
}

/* the whole line of the daemon's log that starts with prefix, in buf ("" if none): for
 * what enumeration logs in udev's order */
static const char *log_line(const char *prefix, char *buf, size_t size)
{
	const char *l = strstr(daemon_proc.log, prefix);

	snprintf(buf, size, "%.*s", l ? (int) strcspn(l, "\n") : 0, l ? l : "");
	return buf;
}

/* The kernel's order: "add" before the rules ran (no decision), then "change" with
 * SOUND_INITIALIZED=1; the decision must follow within LATENCY_FAIL_MS. */
static int case_hotplug(void)
{
	const char *l;
	double t0, ms;

	write_config(NULL);
	write_alsa_config();
	daemon_start();
	DG_CHECK(daemon_ready());

	hotplug_device_file(DEVICES_DIR "/topping-d50s.umockdev", false);
	EXPECT_LINE("uevent add " D50S_CARD);
	umockdev_testbed_set_property(tb, D50S_CARD, "SOUND_INITIALIZED", "1");
	t0 = now_ms();
	umockdev_testbed_uevent(tb, D50S_CARD, "change");
	/* nothing decided between the add and the change */
	l = daemon_next_line(TIMEOUT_MS);
	EXPECT_IN(l, "uevent change " D50S_CARD);
	l = EXPECT_LINE("card1 \"");
	ms = now_ms() - t0;
	EXPECT_IN(l, "\"Topping D50s\" 152a:8750 known uac2");
	EXPECT_IN(l, "ceiling");
	printf("hotplug card1 change -> decision: %.2f ms\n", ms);
	DG_CHECK(ms < LATENCY_FAIL_MS);

	/* a second card with the same VID:PID while the first stays */
	hotplug_device_file(make_d50s_variant("D10s", 0, "topping-d10s.umockdev"), false);
	EXPECT_LINE("uevent add " D10S_CARD);
	umockdev_testbed_set_property(tb, D10S_CARD, "SOUND_INITIALIZED", "1");
	t0 = now_ms();
	umockdev_testbed_uevent(tb, D10S_CARD, "change");
	l = EXPECT_LINE("card2 \"");
	ms = now_ms() - t0;
	EXPECT_IN(l, "\"Topping D10s\" 152a:8750 known uac2");
	printf("hotplug card2 change -> decision: %.2f ms\n", ms);
	DG_CHECK(ms < LATENCY_FAIL_MS);
	daemon_stop();
	return 0;
}

/* Present at start (initialized at enumeration counts), then change and remove. */
static int case_change_remove(void)
{
	const char *l;

	l = start_with_device("topping-d50s", NULL, 0, NULL);
	EXPECT_IN(l, "\"Topping D50s\" 152a:8750 known uac2");
	DG_CHECK(daemon_ready());

	d50s_uevent_decides("change", "known uac2");

	d50s_uevent_decides("remove", "removed");
	umockdev_testbed_remove_device(tb, D50S_CARD);
	daemon_stop();
	return 0;
}

static int case_unknown(void)
{
	const char *l;

	l = start_with_device("fiio-e10", NULL, 0, NULL);
	EXPECT_IN(l, "1852:7022 unknown uac1");
	EXPECT_IN(l, "mode=unknown(assumed)");
	EXPECT_IN(l, "ceiling -33.0 dB (fallback)");
	DG_CHECK(daemon_ready());
	daemon_stop();
	return 0;
}

static int case_shared_vidpid(void)
{
	const char *l;

	write_config(NULL);
	write_alsa_config();
	add_device("topping-d50s");
	add_device_file(make_d50s_variant("D10s", 0, "topping-d10s.umockdev"));
	daemon_start();
	DG_CHECK(daemon_ready());
	/* enumeration order is udev's: look at the whole log */
	l = strstr(daemon_proc.log, "card1 ");
	DG_CHECK(l != NULL);
	if (l)
		DG_CHECK(strncmp(l, "card1 \"Topping D50s\" 152a:8750 known", 36) == 0);
	l = strstr(daemon_proc.log, "card2 ");
	DG_CHECK(l != NULL);
	if (l)
		DG_CHECK(strncmp(l, "card2 \"Topping D10s\" 152a:8750 known", 36) == 0);
	daemon_stop();
	return 0;
}

/* Descriptors cut inside the AudioControl interface: an error naming them, a decision
 * capped at the fallback even though the name matches a known model, no crash. */
static int case_truncated(void)
{
	char line[1024];
	const char *l;

	write_config(NULL);
	write_alsa_config();
	/* line-rca: -31.8 dB from the ratings, above the -33 dB fallback */
	write_ctl_state(0, "LINE");
	add_device("topping-d50s");
	add_device_file(make_d50s_variant("D50s", 200, "topping-d50s-truncated.umockdev"));
	daemon_start();
	DG_CHECK(daemon_ready());
	l = strstr(daemon_proc.log, "card2: ");
	DG_CHECK(l &&
		 strncmp(l, "card2: /sys/devices/pci0000:00/0000:00:14.0/usb1/1-2/descriptors: ",
			 66) == 0);
	l = log_line("card2 \"", line, sizeof(line));
	EXPECT_IN(l, "known descriptors-invalid");
	EXPECT_IN(l, "line-rca: ceiling -33.0 dB (fallback)");
	l = log_line("card1 \"", line, sizeof(line));
	EXPECT_IN(l, "known uac2");
	EXPECT_IN(l, "line-rca: ceiling -31.8 dB (voltage)");
	/* still alive and deciding */
	d50s_uevent_decides("change", "known uac2");
	daemon_stop();
	return 0;
}

/* Jack and selector controls through the dgtest ALSA plugin. */
static int case_controls_mode(void)
{
	const char *l;
	double t0, ms;

	l = start_with_device("topping-d50s", NULL, 0, "SE");
	EXPECT_IN(l, "mode=single-ended(selector) [Output Select=SE] se-6.35:");
	DG_CHECK(daemon_ready());

	t0 = now_ms();
	write_ctl_state(1, "SE");
	l = EXPECT_LINE("card1 \"");
	ms = now_ms() - t0;
	EXPECT_IN(l, "mode=balanced(jack) [Speaker - Output Jack] bal-4.4:");
	printf("jack plugged -> decision: %.2f ms\n", ms);
	DG_CHECK(ms < LATENCY_FAIL_MS);

	t0 = now_ms();
	write_ctl_state(0, "LINE");
	l = EXPECT_LINE("card1 \"");
	ms = now_ms() - t0;
	/* the jack and the selector change at once: one or two decisions */
	if (l && strstr(l, "mode=single-ended(selector) [Output Select=SE]"))
		l = EXPECT_LINE("card1 \"");
	EXPECT_IN(l, "mode=single-ended(selector) [Output Select=LINE] line-rca:");
	printf("selector changed -> decision: %.2f ms\n", ms);
	DG_CHECK(ms < LATENCY_FAIL_MS);
	daemon_stop();
	return 0;
}

/* The user's word: no control tells, the config says balanced. */
static int case_config_mode(void)
{
	const char *conf =
	    "dacguard.devices = [\n"
	    "  { match = { usb = \"152a:8750\" product = \"D50s\" } mode = \"balanced\" }\n"
	    "]";
	const char *l;

	l = start_with_device("topping-d50s", conf, 0, "OFF");
	EXPECT_IN(l, "mode=balanced(config) bal-4.4:");
	DG_CHECK(daemon_ready());
	daemon_stop();
	return 0;
}

/* dacguardctl list --json shows the same decision, with the descriptors' terminals. */
static int case_dacguardctl_list(void)
{
	char *argv[] = {
	    DG_BUILD_DIR "/tools/dacguardctl", "list", "--json", "--ctl", "dgtest", NULL};
	int status = 0;

	write_config(NULL);
	write_alsa_config();
	write_ctl_state(1, "SE");
	add_device("topping-d50s");
	child_start(argv);
	daemon_wait("\x01", TIMEOUT_MS); /* read to EOF */
	DG_CHECK(waitpid(daemon_proc.pid, &status, 0) == daemon_proc.pid);
	DG_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	daemon_proc.pid = -1;
	daemon_proc.log[daemon_proc.log_len] = '\0';
	EXPECT_IN(daemon_proc.log, "\"syspath\": \"" D50S_CARD "\"");
	EXPECT_IN(daemon_proc.log, "\"vendor_id\": \"152a\"");
	EXPECT_IN(daemon_proc.log, "\"product_id\": \"8750\"");
	EXPECT_IN(daemon_proc.log, "\"known\": true");
	EXPECT_IN(daemon_proc.log, "\"model\": \"D50s\"");
	EXPECT_IN(daemon_proc.log, "\"uac_version\": 2");
	EXPECT_IN(daemon_proc.log,
		  "\"id\": 20,\n        \"direction\": \"output\",\n        \"type\": \"0x0301\"");
	EXPECT_IN(daemon_proc.log,
		  "\"control\": \"Speaker - Output Jack\",\n        \"plugged\": true");
	EXPECT_IN(daemon_proc.log, "\"mode\": \"balanced\",\n    \"mode_source\": \"jack\"");
	EXPECT_IN(daemon_proc.log, "\"output\": \"bal-4.4\",\n    \"ceiling_db\": -53.9");
	return 0;
}

/* dacguardctl monitor prints the uevent and the decision as they happen. */
static int case_dacguardctl_monitor(void)
{
	char *argv[] = {DG_BUILD_DIR "/tools/dacguardctl", "monitor", "--ctl", "dgtest", NULL};
	const char *l;

	write_config(NULL);
	write_alsa_config();
	child_start(argv);
	EXPECT_LINE("monitoring sound cards");
	hotplug_device_file(DEVICES_DIR "/topping-d50s.umockdev", true);
	l = EXPECT_LINE("uevent   add " D50S_CARD);
	l = EXPECT_LINE("decision card1 \"Topping D50s\" 152a:8750 known uac2");
	(void) l;
	write_ctl_state(1, "SE");
	l = EXPECT_LINE("decision card1 ");
	EXPECT_IN(l, "mode=balanced(jack)");
	umockdev_testbed_uevent(tb, D50S_CARD, "remove");
	EXPECT_LINE("removed  card1");
	kill(daemon_proc.pid, SIGINT);
	{
		int status = 0;

		DG_CHECK(waitpid(daemon_proc.pid, &status, 0) == daemon_proc.pid);
		DG_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
		daemon_proc.pid = -1;
	}
	return 0;
}

/* the meson test names (tests/udev/meson.build), beside enumerate-<recording> */
static const struct {
	const char *name;
	int (*run)(void);
} cases[] = {
    {"hotplug", case_hotplug},
    {"change-remove", case_change_remove},
    {"unknown-device", case_unknown},
    {"shared-vidpid", case_shared_vidpid},
    {"truncated-descriptors", case_truncated},
    {"controls-mode", case_controls_mode},
    {"config-mode", case_config_mode},
    {"dacguardctl-list", case_dacguardctl_list},
    {"dacguardctl-monitor", case_dacguardctl_monitor},
};

int main(int argc, char **argv)
{
	const char *c = argc > 1 ? argv[1] : "";
	int r = 0;

	/* umockdev_in_mock_environment() only answers once a testbed exists */
	if (!getenv("LD_PRELOAD") || !strstr(getenv("LD_PRELOAD"), "umockdev-preload")) {
		fprintf(stderr, "run under umockdev-wrapper\n");
		return 77;
	}
	if (!mkdtemp(tmpdir))
		return 1;
	tb = umockdev_testbed_new();
	setvbuf(stdout, NULL, _IOLBF, 0);

	if (strncmp(c, "enumerate-", 10) == 0) {
		r = case_enumerate(c + 10);
	} else {
		size_t i = 0;

		while (i < SPA_N_ELEMENTS(cases) && strcmp(c, cases[i].name) != 0)
			i++;
		if (i == SPA_N_ELEMENTS(cases)) {
			fprintf(stderr, "unknown case '%s'\n", c);
			return 2;
		}
		r = cases[i].run();
	}
	if (daemon_proc.pid > 0) {
		kill(daemon_proc.pid, SIGKILL);
		waitpid(daemon_proc.pid, NULL, 0);
	}
	if (r || dg_test_failures)
		dump_log();
	g_object_unref(tb);
	{
		char cmd[PATH_MAX + 16];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", tmpdir);
	}
	return r ? r : dg_test_done(c);
}
