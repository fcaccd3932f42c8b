/* SPDX-License-Identifier: MIT */
/* dacguard: where the config files are (doc/formats.md, "Where files are looked for"):
 * the search directories, the files collected across them by name, and reading them, every
 * file of a load even after one fails, so one run reports the errors of all of them. */
#pragma once

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "diag.h"

#define DG_PATHS_MAX 3

struct dg_paths {
	char dirs[DG_PATHS_MAX][PATH_MAX]; /* lowest priority first */
	bool trusted[DG_PATHS_MAX];        /* root's (datadir, /etc): may set the hard ceiling */
	size_t n;
};

/* DG_DATADIR, DG_SYSCONFDIR and $XDG_CONFIG_HOME/dacguard (or ~/.config/dacguard);
 * DACGUARD_CONFIG_DIR replaces all three by one untrusted directory. */
int dg_paths_init(struct dg_paths *p);
/* Exactly one directory (tests, `dacguardctl db validate DIR`). */
void dg_paths_init_dir(struct dg_paths *p, const char *dir, bool trusted);

/* Files "<dir>/<sub>/<name><suffix>" collected across p's dirs by name: a higher-priority dir
 * replaces a same-named file; sorted by strverscmp() of the name. Every such name counts,
 * whatever it is (a directory, a FIFO, a symbolic link to nothing): reading it fails then.
 * *files is a malloc'd array of malloc'd paths; free with dg_file_list_free(). Missing
 * dirs are skipped. */
int dg_collect_files(const struct dg_paths *p, const char *sub, const char *suffix,
		     char ***files, size_t *n_files);
void dg_file_list_free(char **files, size_t n_files);

/* Larger than any config file has a reason to be: a runaway file is refused, not read. */
#define DG_MAX_FILE_SIZE      (4 * 1024 * 1024)
#define DG_MAX_FILE_SIZE_TEXT "4 MiB"

/* Reads a whole regular file (NUL-terminated, *len excludes the NUL) and never blocks.
 * Returns 0 or a negative errno: -ENOENT no such file, -ENOLINK a symbolic link to
 * nothing (the name is there: not a missing file), -EISDIR a directory, -ENODEV another
 * kind of file (a FIFO is not opened to wait for a writer), -EFBIG over DG_MAX_FILE_SIZE
 * (not read). */
int dg_read_file(const char *path, char **data, size_t *len);
/* What dg_read_file()'s error means, for "cannot read: ..." */
const char *dg_read_strerror(int res);

/* Reads every file and hands its text to add(work, ...). Every file is read, so one run
 * reports the errors of all of them. Returns 0, -ENOMEM, or -EINVAL if any file failed. */
typedef int (*dg_add_text_fn)(void *work, const char *name, const char *data, size_t len,
			      struct dg_errors *errors);
int dg_load_each_file(char *const *files, size_t n_files, dg_add_text_fn add, void *work,
		      struct dg_errors *errors);
