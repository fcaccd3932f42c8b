/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the USB Audio Class parser on arbitrary sysfs `descriptors` bytes.
 * The first byte picks the bConfigurationValue asked for (0 = the first configuration), so
 * both entry points and the configuration skip are reached. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "uac.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dg_uac u;
	char err[256];
	uint8_t cfg = 0;
	int r;

	if (size > 0 && size % 7 == 0) {
		/* some inputs ask for a configuration by value; the rest use the default */
		cfg = data[size - 1];
	}
	r = dg_uac_parse_config(data, size, cfg, &u, err, sizeof(err));
	if (r == 0) {
		/* a success must be whole and within its arrays */
		if (!u.complete || u.n_terminals > DG_UAC_MAX_TERMINALS ||
		    u.n_streams > DG_UAC_MAX_STREAMS || u.n_units > DG_UAC_MAX_UNITS ||
		    u.uac_version < 1 || u.uac_version > 3)
			abort();
		for (size_t i = 0; i < u.n_feature_units; i++) {
			if (u.feature_units[i].n_channels > DG_UAC_MAX_FU_CHANNELS)
				abort();
		}
		for (size_t i = 0; i < u.n_terminals; i++)
			(void) dg_uac_terminal_type_name(u.terminals[i].type);
	} else if (r != -EBADMSG && r != -ENOENT && r != -EPROTONOSUPPORT) {
		abort();
	} else if (err[0] == '\0' || strlen(err) >= sizeof(err)) {
		abort(); /* every error explains itself */
	}
	(void) dg_uac_has_playback(&u);
	return 0;
}
