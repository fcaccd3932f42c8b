/* SPDX-License-Identifier: MIT */
/* dacguard: the configuration of a guard host, the pipewire process dacguardd starts for a
 * sink that has no guard (daemon/pw-hosts.c). The sink's node name is anyone's: a client may
 * give its node any name and a card's properties. That name goes into the text `pipewire -c`
 * reads, and such a text can run programs (context.exec), so a name is written only when it
 * stays a name there. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "ceiling-table.h"

/* Room for any configuration dg_host_conf_format() writes. */
#define DG_HOST_CONF_MAX (DG_CEILING_TABLE_JSON_MAX + 4096)

struct dg_host_conf {
	const char *sink;          /* the node name, target.object; at most 255 bytes */
	int card;                  /* the ALSA card number, for the reader of the file */
	double ceiling_db;
	double hard_ceiling_db;
	const char *hard_table;    /* dacguard.hard-ceilings (ceiling-table JSON); NULL or "" */
	const char *remote;        /* remote.name; NULL for the default */
};

/* Whether s can go into the configuration as it is, inside quotes and in a comment: printable
 * ASCII but the quote and the backslash (they end or escape the string), and whole UTF-8
 * sequences. No control character: libspa ends a comment at CR as at LF, so a CR in a name
 * would begin a line of configuration; and a string with one, or with broken UTF-8, is a
 * syntax error that would leave the host without its modules. */
bool dg_host_conf_name_ok(const char *s);

/* Writes the configuration into buf. Returns its length, -EINVAL when the sink or the remote
 * name is not dg_host_conf_name_ok() (or the sink is longer than 255 bytes), -ENOSPC when
 * size is too small. */
int dg_host_conf_format(const struct dg_host_conf *c, char *buf, size_t size);
