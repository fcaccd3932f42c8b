/* SPDX-License-Identifier: MIT */
/* dacguard module: a guard's channel layout, from the module arguments or its target,
 * and the channel names its ports and links go by. */
#include <stdlib.h>
#include <string.h>

#include <spa/debug/types.h>
#include <spa/param/audio/type-info.h>
#include <spa/utils/json.h>
#include <spa/utils/string.h>

#include "dacguard-module.h"

static uint32_t channel_from_name(const char *name)
{
	for (int i = 0; spa_type_audio_channel[i].name; i++) {
		if (spa_streq(name, spa_debug_type_short_name(spa_type_audio_channel[i].name)))
			return spa_type_audio_channel[i].type;
	}
	return SPA_AUDIO_CHANNEL_UNKNOWN;
}

static const char *channel_name(uint32_t position)
{
	for (int i = 0; spa_type_audio_channel[i].name; i++) {
		if (spa_type_audio_channel[i].type == position)
			return spa_debug_type_short_name(spa_type_audio_channel[i].name);
	}
	return "UNK";
}

const char *guard_channel_name(const struct guard *g, uint32_t c)
{
	return channel_name(g->info.position[c]);
}

static void parse_position(struct spa_audio_info_raw *info, const char *val)
{
	struct spa_json it[2];
	char v[256];

	spa_json_init(&it[0], val, strlen(val));
	if (spa_json_enter_array(&it[0], &it[1]) <= 0)
		spa_json_init(&it[1], val, strlen(val));

	info->channels = 0;
	while (spa_json_get_string(&it[1], v, sizeof(v)) > 0 && info->channels < MAX_CHANNELS)
		info->position[info->channels++] = channel_from_name(v);
}

/* The guard's channels: the module arguments, then the target's own layout, then
 * stereo. A count without a matching map gives AUX channels, linked in order. */
void guard_parse_layout(struct guard *g, const struct pw_properties *args,
			const struct spa_dict *target_props)
{
	struct spa_audio_info_raw *info = &g->info;
	const char *channels, *position;
	uint32_t n = 0;

	channels = pw_properties_get(args, PW_KEY_AUDIO_CHANNELS);
	position = pw_properties_get(args, SPA_KEY_AUDIO_POSITION);
	if (channels == NULL && position == NULL && target_props != NULL) {
		channels = spa_dict_lookup(target_props, PW_KEY_AUDIO_CHANNELS);
		position = spa_dict_lookup(target_props, SPA_KEY_AUDIO_POSITION);
	}
	*info = SPA_AUDIO_INFO_RAW_INIT(.format = SPA_AUDIO_FORMAT_F32P);
	if (position != NULL)
		parse_position(info, position);
	if (channels != NULL)
		n = (uint32_t) atoi(channels);
	if (n != 0 && n != info->channels) {
		info->channels = SPA_MIN(n, MAX_CHANNELS);
		for (uint32_t i = 0; i < info->channels; i++)
			info->position[i] = SPA_AUDIO_CHANNEL_AUX0 + i;
	}
	if (info->channels == 0) {
		info->channels = 2;
		info->position[0] = SPA_AUDIO_CHANNEL_FL;
		info->position[1] = SPA_AUDIO_CHANNEL_FR;
	}
}
