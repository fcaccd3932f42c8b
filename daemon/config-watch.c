/* SPDX-License-Identifier: MIT */
#include "config-watch.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "log.h"
#include "paths.h"

/* per configuration directory: the directory itself (for dacguard.conf) and these */
static const char *const subdirs[] = {"dacguard.conf.d", "devices", "headphones"};
#define N_TARGETS   (1 + sizeof(subdirs) / sizeof(subdirs[0]))
#define MAX_WATCHES (DG_PATHS_MAX * N_TARGETS)

#define WATCH_MASK                                                                                 \
	(IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE | IN_DELETE_SELF |   \
	 IN_MOVE_SELF | IN_ONLYDIR)

struct watch {
	int wd;
	char dir[PATH_MAX];
};

struct dg_config_watch {
	int epfd;
	int ifd;
	int tfd;
	unsigned int delay_ms;
	struct dg_paths paths;
	struct watch watches[MAX_WATCHES];
	size_t n_watches;
};

static void target_path(const struct dg_config_watch *w, size_t dir, size_t t, char *buf,
			size_t size)
{
	if (t == 0)
		snprintf(buf, size, "%s", w->paths.dirs[dir]);
	else
		snprintf(buf, size, "%s/%s", w->paths.dirs[dir], subdirs[t - 1]);
}

static bool is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The nearest existing directory at or above path ("." for a relative path's top). */
static void nearest_existing(const char *path, char *buf, size_t size)
{
	snprintf(buf, size, "%s", path);
	while (!is_dir(buf)) {
		char *slash = strrchr(buf, '/');

		if (!slash) {
			snprintf(buf, size, ".");
			return;
		}
		if (slash == buf) {
			buf[1] = '\0';
			return;
		}
		*slash = '\0';
	}
}

static void add_watch(struct dg_config_watch *w, const char *dir)
{
	int wd;

	for (size_t i = 0; i < w->n_watches; i++)
		if (strcmp(w->watches[i].dir, dir) == 0)
			return;
	if (w->n_watches == MAX_WATCHES)
		return;
	wd = inotify_add_watch(w->ifd, dir, WATCH_MASK);
	if (wd < 0) {
		dg_warning("cannot watch %s: %s (SIGHUP reloads)", dir, strerror(errno));
		return;
	}
	w->watches[w->n_watches].wd = wd;
	snprintf(w->watches[w->n_watches].dir, PATH_MAX, "%s", dir);
	w->n_watches++;
}

/* Drops every watch and watches what exists now: a target directory itself, or the
 * nearest parent that exists, where it will appear. */
static void rewatch(struct dg_config_watch *w)
{
	char target[PATH_MAX], dir[PATH_MAX];

	for (size_t i = 0; i < w->n_watches; i++)
		inotify_rm_watch(w->ifd, w->watches[i].wd);
	w->n_watches = 0;
	for (size_t d = 0; d < w->paths.n; d++) {
		for (size_t t = 0; t < N_TARGETS; t++) {
			target_path(w, d, t, target, sizeof(target));
			nearest_existing(target, dir, sizeof(dir));
			add_watch(w, dir);
		}
	}
}

static bool has_conf_suffix(const char *name)
{
	size_t n = strlen(name);

	return n > 5 && strcmp(name + n - 5, ".conf") == 0;
}

/* Whether a change to dir/name can change what the loaders read: dacguard.conf, a *.conf
 * in one of the subdirectories, or a directory on the way to a target (created, removed,
 * renamed). Editors' temporary files and the rest of a shared parent do not count. */
static bool relevant(const struct dg_config_watch *w, const char *dir, const char *name)
{
	char full[PATH_MAX], target[PATH_MAX];
	size_t len;

	if (snprintf(full, sizeof(full), "%s/%s", dir, name) >= (int) sizeof(full))
		return false;
	len = strlen(full);
	for (size_t d = 0; d < w->paths.n; d++) {
		for (size_t t = 0; t < N_TARGETS; t++) {
			target_path(w, d, t, target, sizeof(target));
			if (strncmp(target, full, len) == 0 &&
			    (target[len] == '\0' || target[len] == '/'))
				return true;
			if (t == 0 && strcmp(dir, target) == 0 &&
			    strcmp(name, "dacguard.conf") == 0)
				return true;
			if (t > 0 && strcmp(dir, target) == 0 && has_conf_suffix(name))
				return true;
		}
	}
	return false;
}

static const struct watch *find_watch(const struct dg_config_watch *w, int wd)
{
	for (size_t i = 0; i < w->n_watches; i++)
		if (w->watches[i].wd == wd)
			return &w->watches[i];
	return NULL;
}

static void arm(struct dg_config_watch *w)
{
	struct itimerspec its = {
	    .it_value = {.tv_sec = w->delay_ms / 1000,
			 .tv_nsec = (long) (w->delay_ms % 1000) * 1000000L + 1},
	};

	timerfd_settime(w->tfd, 0, &its, NULL);
}

static bool read_inotify(struct dg_config_watch *w)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	bool changed = false;
	ssize_t n;

	while ((n = read(w->ifd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const struct inotify_event *) p;
			const struct watch *wa = find_watch(w, ev->wd);

			p += sizeof(*ev) + ev->len;
			if (ev->mask & IN_Q_OVERFLOW)
				changed = true;
			/* events of watches dropped by rewatch() */
			else if (!wa)
				continue;
			else if (ev->mask &
				 (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED | IN_UNMOUNT))
				changed = true;
			else if (ev->len > 0 && relevant(w, wa->dir, ev->name))
				changed = true;
		}
	}
	return changed;
}

int dg_config_watch_new(unsigned int delay_ms, struct dg_config_watch **out)
{
	struct dg_config_watch *w = calloc(1, sizeof(*w));
	struct epoll_event ev = {.events = EPOLLIN};
	int r;

	*out = NULL;
	if (!w)
		return -ENOMEM;
	w->epfd = w->ifd = w->tfd = -1;
	w->delay_ms = delay_ms;
	r = dg_paths_init(&w->paths);
	if (r < 0)
		goto error;
	w->epfd = epoll_create1(EPOLL_CLOEXEC);
	w->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	w->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (w->epfd < 0 || w->ifd < 0 || w->tfd < 0)
		goto error_errno;
	ev.data.fd = w->ifd;
	if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->ifd, &ev) < 0)
		goto error_errno;
	ev.data.fd = w->tfd;
	if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->tfd, &ev) < 0)
		goto error_errno;
	rewatch(w);
	*out = w;
	return 0;

error_errno:
	r = -errno;
error:
	dg_config_watch_free(w);
	return r;
}

void dg_config_watch_free(struct dg_config_watch *w)
{
	if (!w)
		return;
	if (w->tfd >= 0)
		close(w->tfd);
	if (w->ifd >= 0)
		close(w->ifd);
	if (w->epfd >= 0)
		close(w->epfd);
	free(w);
}

int dg_config_watch_fd(const struct dg_config_watch *w)
{
	return w->epfd;
}

bool dg_config_watch_dispatch(struct dg_config_watch *w)
{
	uint64_t expirations = 0;

	/* every change (re)starts the quiet time: a burst gives one reload */
	if (read_inotify(w))
		arm(w);
	if (read(w->tfd, &expirations, sizeof(expirations)) != (ssize_t) sizeof(expirations) ||
	    expirations == 0)
		return false;
	/* directories may have come or gone: watch what is there before it is read, so a
	 * change from now on is seen */
	rewatch(w);
	return true;
}
