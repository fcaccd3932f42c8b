/* SPDX-License-Identifier: MIT */
/* libFuzzer target: a guard host's configuration (lib/host-conf.c), which dacguardd writes
 * with a sink's node name in it and `pipewire -c` then reads. Any client may name a node
 * and give it a card's properties, so the name is anyone's. The input is the sink's name,
 * then after a NUL the remote's. What must hold: a name is refused exactly when it is not
 * dg_host_conf_name_ok() or too long; and a configuration written, read back with spa_json
 * as PipeWire reads it, holds the three sections and five modules it is meant to hold and
 * nothing else (no context.exec), with target.object and remote.name reading back as the
 * names given. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <spa/utils/json.h>

#include "host-conf.h"
#include "fuzz-check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const sections[] = { "context.properties", "context.spa-libs",
					"context.modules" };
static const char *const modules[] = {
	"libpipewire-module-rt",          "libpipewire-module-protocol-native",
	"libpipewire-module-client-node", "libpipewire-module-adapter",
	"libpipewire-module-dacguard",
};

/* The next key of obj and its value; 0 at the end. */
static int next_pair(struct spa_json *obj, char *key, size_t size, const char **val, int *len)
{
	if (spa_json_get_string(obj, key, (int)size) <= 0)
		return 0;
	CHECK((*len = spa_json_next(obj, val)) > 0);
	return 1;
}

/* The dacguard module's args: exactly the keys written, the names as given. */
static void check_args(struct spa_json *it, const char *val, int len,
		       const struct dg_host_conf *c)
{
	static const char *const keys[] = { "target.object", "dacguard.ceiling-db",
					     "dacguard.hard-ceiling-db", "dacguard.hard-ceilings",
					     "remote.name" };
	char key[64], str[1024]; /* more than any name the input holds, quoted */
	struct spa_json args;
	unsigned seen = 0, want = 0x7 | (c->hard_table && c->hard_table[0] ? 0x8 : 0) |
				  (c->remote ? 0x10 : 0);
	const char *v;
	int vlen;

	CHECK(spa_json_is_object(val, len));
	spa_json_enter(it, &args);
	while (next_pair(&args, key, sizeof(key), &v, &vlen)) {
		size_t i;

		for (i = 0; i < 5 && strcmp(key, keys[i]) != 0; i++)
			;
		CHECK(i < 5 && !(seen & 1u << i));
		seen |= 1u << i;
		if (i == 0 || i == 4) {
			CHECK(spa_json_is_string(v, vlen) && vlen < (int)sizeof(str));
			CHECK(spa_json_parse_stringn(v, vlen, str, sizeof(str)) > 0);
			CHECK(strcmp(str, i == 0 ? c->sink : c->remote) == 0);
		} else if (spa_json_is_container(v, vlen)) {
			spa_json_container_len(&args, v, vlen);
		}
	}
	CHECK(seen == want);
}

static void check_modules(struct spa_json *top, const char *val, int len,
			  const struct dg_host_conf *c)
{
	struct spa_json arr, mod;
	char key[64], name[64];
	const char *v;
	int vlen;
	size_t n = 0;

	CHECK(spa_json_is_array(val, len));
	spa_json_enter(top, &arr);
	while ((len = spa_json_next(&arr, &val)) > 0) {
		bool args = false;

		CHECK(n < 5 && spa_json_is_object(val, len));
		spa_json_enter(&arr, &mod);
		name[0] = '\0';
		while (next_pair(&mod, key, sizeof(key), &v, &vlen)) {
			if (strcmp(key, "name") == 0) {
				CHECK(spa_json_parse_stringn(v, vlen, name, sizeof(name)) > 0);
			} else if (strcmp(key, "args") == 0 && n == 4) {
				check_args(&mod, v, vlen, c);
				args = true;
			} else {
				CHECK(strcmp(key, "args") == 0 || strcmp(key, "flags") == 0);
				if (spa_json_is_container(v, vlen))
					spa_json_container_len(&mod, v, vlen);
			}
		}
		CHECK(strcmp(name, modules[n]) == 0 && args == (n == 4));
		n++;
	}
	CHECK(n == 5);
}

static void check_text(const char *text, int len, const struct dg_host_conf *c)
{
	struct spa_json top;
	char key[64];
	const char *v;
	int vlen;
	size_t n = 0;

	spa_json_init(&top, text, (size_t)len);
	while (next_pair(&top, key, sizeof(key), &v, &vlen)) {
		CHECK(n < 3 && strcmp(key, sections[n]) == 0);
		if (n == 2)
			check_modules(&top, v, vlen, c);
		else if (spa_json_is_container(v, vlen))
			spa_json_container_len(&top, v, vlen);
		n++;
	}
	CHECK(n == 3);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char input[600], text[DG_HOST_CONF_MAX];
	struct dg_host_conf c = { .card = 1, .ceiling_db = -30.0, .hard_ceiling_db = -6.0,
				  .hard_table = "{\"se-3.5\":-12.000,\"bal-4.4\":-18.000}" };
	bool ok;
	int res;

	if (size >= sizeof(input))
		return 0;
	memcpy(input, data, size);
	input[size] = '\0';
	c.sink = input;
	if (strlen(input) < size)
		c.remote = input + strlen(input) + 1;
	else
		c.hard_table = NULL;

	ok = strlen(c.sink) <= 255 && dg_host_conf_name_ok(c.sink) &&
	     (!c.remote || dg_host_conf_name_ok(c.remote));
	res = dg_host_conf_format(&c, text, sizeof(text));
	CHECK(ok ? res > 0 && res < (int)sizeof(text) : res == -EINVAL);
	if (res > 0)
		check_text(text, res, &c);
	/* a buffer one byte short is refused, not cut */
	if (res > 0) {
		char *small = malloc((size_t)res);

		CHECK(small != NULL);
		CHECK(dg_host_conf_format(&c, small, (size_t)res) == -ENOSPC);
		free(small);
	}
	return 0;
}
