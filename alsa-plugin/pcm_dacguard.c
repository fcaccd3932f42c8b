/* SPDX-License-Identifier: MIT */
/* dacguard ALSA PCM plugin: the guard of lib/guard.h in front of a DAC, for players that talk to
 * ALSA directly (mpd, squeezelite, aplay -D ...).
 *
 *   pcm.dacguard {
 *       type dacguard
 *       slave.pcm "hw:DAC"
 *       ceiling_db -20          # dBFS the guard maps full scale to; default -30 (fail safe)
 *       hard_ceiling_db -10     # administrator's limit; ceiling_db is clamped to it; default 0
 *   }
 *
 * Playback only. The player's format (FLOAT, S32, S16, native endian) is passed to the slave
 * unchanged; inside, samples are converted to float, guarded, and converted back. Integer
 * output is truncated toward zero, so a guarded sample never rounds up past the ceiling. */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <alsa/asoundlib.h>
#include <alsa/pcm_external.h>

#include "guard.h"
#include "policy.h"

/* The shipped fallback ceiling (dacguard.conf's fallback-ceiling-db): a pcm.dacguard
 * without ceiling_db still protects. */
#define DEFAULT_CEILING_DB -30.0
/* Frames converted per guard call: the scratch planes are this long. */
#define BLOCK_FRAMES 1024

struct dacguard {
	snd_pcm_extplug_t ext;
	double ceiling_db;      /* after the hard ceiling */
	struct dg_guard *guard; /* from hw_params to hw_free */
	void *guard_mem;
	float *scratch;         /* channels planes of BLOCK_FRAMES */
	float **planes;
	unsigned int channels;
};

static void *area_addr(const snd_pcm_channel_area_t *a, snd_pcm_uframes_t frame)
{
	return (char *) a->addr + (a->first + frame * a->step) / 8;
}

static void read_plane(float *dst, const snd_pcm_channel_area_t *a, snd_pcm_uframes_t off,
		       snd_pcm_uframes_t n, snd_pcm_format_t fmt)
{
	for (snd_pcm_uframes_t i = 0; i < n; i++) {
		const void *p = area_addr(a, off + i);

		switch (fmt) {
		case SND_PCM_FORMAT_FLOAT:
			dst[i] = *(const float *) p;
			break;
		case SND_PCM_FORMAT_S32:
			dst[i] = (float) (*(const int32_t *) p / 2147483648.0);
			break;
		default: /* S16: hw_params refuses anything else */
			dst[i] = (float) (*(const int16_t *) p / 32768.0);
			break;
		}
	}
}

/* Truncates toward zero: |result| / full scale never exceeds |x|. */
static int32_t to_int(float x, double full_scale, double max)
{
	double v = trunc((double) x * full_scale);

	if (v > max)
		v = max;
	else if (v < -full_scale)
		v = -full_scale;
	return (int32_t) v;
}

static void write_plane(const snd_pcm_channel_area_t *a, snd_pcm_uframes_t off, const float *src,
			snd_pcm_uframes_t n, snd_pcm_format_t fmt)
{
	for (snd_pcm_uframes_t i = 0; i < n; i++) {
		void *p = area_addr(a, off + i);

		switch (fmt) {
		case SND_PCM_FORMAT_FLOAT:
			*(float *) p = src[i];
			break;
		case SND_PCM_FORMAT_S32:
			*(int32_t *) p = to_int(src[i], 2147483648.0, 2147483647.0);
			break;
		default:
			*(int16_t *) p = (int16_t) to_int(src[i], 32768.0, 32767.0);
			break;
		}
	}
}

static snd_pcm_sframes_t dacguard_transfer(snd_pcm_extplug_t *ext,
					   const snd_pcm_channel_area_t *dst_areas,
					   snd_pcm_uframes_t dst_offset,
					   const snd_pcm_channel_area_t *src_areas,
					   snd_pcm_uframes_t src_offset, snd_pcm_uframes_t size)
{
	struct dacguard *dg = ext->private_data;
	snd_pcm_uframes_t done = 0;

	while (done < size) {
		snd_pcm_uframes_t n = size - done;

		if (n > BLOCK_FRAMES)
			n = BLOCK_FRAMES;
		for (unsigned int c = 0; c < dg->channels; c++)
			read_plane(dg->planes[c], &src_areas[c], src_offset + done, n, ext->format);
		dg_guard_process(dg->guard, dg->planes, (const float *const *) dg->planes,
				 (uint32_t) n);
		for (unsigned int c = 0; c < dg->channels; c++)
			write_plane(&dst_areas[c], dst_offset + done, dg->planes[c], n,
				    ext->slave_format);
		done += n;
	}
	return (snd_pcm_sframes_t) size;
}

static void free_guard(struct dacguard *dg)
{
	free(dg->guard_mem);
	free(dg->scratch);
	free(dg->planes);
	dg->guard_mem = NULL;
	dg->scratch = NULL;
	dg->planes = NULL;
	dg->guard = NULL;
	dg->channels = 0;
}

/* The format and channel count are known from here on: size the guard for them. */
static int dacguard_hw_params(snd_pcm_extplug_t *ext, snd_pcm_hw_params_t *params)
{
	struct dacguard *dg = ext->private_data;
	unsigned int ch = ext->channels;

	free_guard(dg);
	if (ext->format != ext->slave_format || ch != ext->slave_channels) {
		SNDERR("dacguard: the slave must take the player's format and channels");
		return -EINVAL;
	}
	if (ch == 0 || ch > DG_GUARD_MAX_CHANNELS || ext->rate < DG_GUARD_MIN_RATE ||
	    ext->rate > DG_GUARD_MAX_RATE) {
		SNDERR("dacguard: %u channels at %u Hz is outside what the guard handles", ch,
		       ext->rate);
		return -EINVAL;
	}

	dg->guard_mem = calloc(1, dg_guard_size(ch, ext->rate));
	dg->scratch = calloc((size_t) ch * BLOCK_FRAMES, sizeof(float));
	dg->planes = calloc(ch, sizeof(float *));
	if (!dg->guard_mem || !dg->scratch || !dg->planes)
		goto nomem;
	for (unsigned int c = 0; c < ch; c++)
		dg->planes[c] = dg->scratch + (size_t) c * BLOCK_FRAMES;
	dg->guard = dg_guard_init(dg->guard_mem, ch, ext->rate, dg->ceiling_db);
	if (!dg->guard) {
		free_guard(dg);
		return -EINVAL;
	}
	dg->channels = ch;
	return 0;

nomem:
	free_guard(dg);
	return -ENOMEM;
}

static int dacguard_hw_free(snd_pcm_extplug_t *ext)
{
	free_guard(ext->private_data);
	return 0;
}

/* Prepare or reset: a new stream starts without the last one's limiter state. */
static int dacguard_init(snd_pcm_extplug_t *ext)
{
	struct dacguard *dg = ext->private_data;

	if (dg->guard)
		dg_guard_reset(dg->guard);
	return 0;
}

static int dacguard_close(snd_pcm_extplug_t *ext)
{
	struct dacguard *dg = ext->private_data;

	free_guard(dg);
	free(dg);
	return 0;
}

static void dacguard_dump(snd_pcm_extplug_t *ext, snd_output_t *out)
{
	struct dacguard *dg = ext->private_data;

	snd_output_printf(out, "dacguard: ceiling %.2f dBFS\n", dg->ceiling_db);
}

static const snd_pcm_extplug_callback_t dacguard_callback = {
	.transfer = dacguard_transfer,
	.close = dacguard_close,
	.hw_params = dacguard_hw_params,
	.hw_free = dacguard_hw_free,
	.init = dacguard_init,
	.dump = dacguard_dump,
};

/* A dB value as a number or a numeric string; NaN and infinities are refused. */
static int get_db(snd_config_t *n, const char *id, double *out)
{
	const char *s;
	char *end;
	double v;

	if (snd_config_get_ireal(n, &v) < 0) {
		if (snd_config_get_string(n, &s) < 0) {
			SNDERR("dacguard: %s: expected a number", id);
			return -EINVAL;
		}
		v = strtod(s, &end);
		if (end == s || *end) {
			SNDERR("dacguard: %s: expected a number, got \"%s\"", id, s);
			return -EINVAL;
		}
	}
	if (!isfinite(v)) {
		SNDERR("dacguard: %s: expected a finite number", id);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

/* Keys any PCM definition may hold; alsa-lib keeps its own test for them private. */
static bool generic_key(const char *id)
{
	static const char *const keys[] = {"comment", "type", "hint"};

	for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
		if (strcmp(id, keys[k]) == 0)
			return true;
	return false;
}

/* alsa-lib looks the entry point up by name; the prototype keeps -Wmissing-prototypes quiet. */
int SND_PCM_PLUGIN_ENTRY(dacguard)(snd_pcm_t **pcmp, const char *name, snd_config_t *root,
				   snd_config_t *conf, snd_pcm_stream_t stream, int mode);

SND_PCM_PLUGIN_DEFINE_FUNC(dacguard)
{
	static const unsigned int formats[] = {
		SND_PCM_FORMAT_FLOAT,
		SND_PCM_FORMAT_S32,
		SND_PCM_FORMAT_S16,
	};
	snd_config_iterator_t i, next;
	snd_config_t *slave = NULL;
	double ceiling = DEFAULT_CEILING_DB, hard = 0.0;
	struct dacguard *dg;
	int err;

	snd_config_for_each(i, next, conf) {
		snd_config_t *n = snd_config_iterator_entry(i);
		const char *id;

		if (snd_config_get_id(n, &id) < 0 || generic_key(id))
			continue;
		if (strcmp(id, "slave") == 0) {
			slave = n;
			err = 0;
		} else if (strcmp(id, "ceiling_db") == 0) {
			err = get_db(n, id, &ceiling);
		} else if (strcmp(id, "hard_ceiling_db") == 0) {
			err = get_db(n, id, &hard);
		} else {
			/* A typo must not leave a limit unset. */
			SNDERR("dacguard: unknown field %s", id);
			err = -EINVAL;
		}
		if (err < 0)
			return err;
	}
	if (!slave) {
		SNDERR("dacguard: no slave.pcm defined");
		return -EINVAL;
	}
	if (stream != SND_PCM_STREAM_PLAYBACK) {
		SNDERR("dacguard: playback only");
		return -EINVAL;
	}

	dg = calloc(1, sizeof(*dg));
	if (!dg)
		return -ENOMEM;
	/* Nothing goes above full scale or the administrator's limit (lib/policy). */
	dg->ceiling_db = dg_policy_clamp(ceiling, dg_policy_hard_ceiling(hard));
	dg->ext.version = SND_PCM_EXTPLUG_VERSION;
	dg->ext.name = "dacguard output guard";
	dg->ext.callback = &dacguard_callback;
	dg->ext.private_data = dg;

	err = snd_pcm_extplug_create(&dg->ext, name, root, slave, stream, mode);
	if (err < 0) {
		free(dg);
		return err;
	}
	/* Only the player's side is constrained, so the slave is linked to the same format. */
	err = snd_pcm_extplug_set_param_list(&dg->ext, SND_PCM_EXTPLUG_HW_FORMAT,
					     sizeof(formats) / sizeof(formats[0]), formats);
	if (err < 0) {
		snd_pcm_extplug_delete(&dg->ext);
		return err;
	}
	*pcmp = dg->ext.pcm;
	return 0;
}

SND_PCM_PLUGIN_SYMBOL(dacguard)
