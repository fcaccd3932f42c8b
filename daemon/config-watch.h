/* SPDX-License-Identifier: MIT */
/* dacguardd's configuration watch: inotify on the directories the configuration is read
 * from (doc/formats.md), so an edited file is reloaded without a SIGHUP. Watched per
 * configuration directory: dacguard.conf, dacguard.conf.d/, devices/ and headphones/; a
 * directory that does not exist yet is watched for through its nearest existing parent
 * (as systemd's path units do). Changes are debounced: a save (write a temp file, rename
 * it over) gives one reload. Idle, nothing wakes up: the timer is armed by an event only. */
#pragma once

#include <stdbool.h>

struct dg_config_watch;

/* Watches the directories dg_paths_init() names (DACGUARD_CONFIG_DIR honoured).
 * delay_ms: quiet time after the last change before the reload is due.
 * Returns 0 or a negative errno. A directory that cannot be watched is skipped with a
 * warning (lib/log.h): SIGHUP still reloads. */
int dg_config_watch_new(unsigned int delay_ms, struct dg_config_watch **out);
void dg_config_watch_free(struct dg_config_watch *w);

/* One descriptor to poll for POLLIN (the inotify queue and the debounce timer). */
int dg_config_watch_fd(const struct dg_config_watch *w);

/* Call when the descriptor is readable. Returns true when a reload is due now (the
 * watches have then been brought up to date with the directories that exist). */
bool dg_config_watch_dispatch(struct dg_config_watch *w);
