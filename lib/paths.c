/* SPDX-License-Identifier: MIT */
/* dacguard: the search directories, the files collected across them, and reading them
 * (lib/paths.h). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "paths.h"

void dg_paths_init_dir(struct dg_paths *p, const char *dir, bool trusted)
{
	memset(p, 0, sizeof(*p));
	snprintf(p->dirs[0], sizeof(p->dirs[0]), "%s", dir);
	p->trusted[0] = trusted;
	p->n = 1;
}

int dg_paths_init(struct dg_paths *p)
{
	const char *env = getenv("DACGUARD_CONFIG_DIR");
	const char *xdg = getenv("XDG_CONFIG_HOME");
	const char *home = getenv("HOME");

	/* An override is whoever set the environment: never root's word. */
	if (env && *env) {
		dg_paths_init_dir(p, env, false);
		return 0;
	}
	memset(p, 0, sizeof(*p));
	snprintf(p->dirs[p->n], PATH_MAX, "%s", DG_DATADIR);
	p->trusted[p->n++] = true;
	snprintf(p->dirs[p->n], PATH_MAX, "%s", DG_SYSCONFDIR);
	p->trusted[p->n++] = true;
	if (xdg && *xdg == '/')
		snprintf(p->dirs[p->n++], PATH_MAX, "%s/dacguard", xdg);
	else if (home && *home)
		snprintf(p->dirs[p->n++], PATH_MAX, "%s/.config/dacguard", home);
	return 0;
}

struct found {
	char *name;
	char *path;
};

static int cmp_found(const void *a, const void *b)
{
	return strverscmp(((const struct found *)a)->name, ((const struct found *)b)->name);
}

static bool has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n > m && strcmp(s + n - m, suffix) == 0;
}

static int add_found(struct found **list, size_t *n, const char *name, const char *path)
{
	struct found *l;

	for (size_t i = 0; i < *n; i++) {
		if (strcmp((*list)[i].name, name) == 0) {
			char *p = strdup(path);

			if (!p)
				return -ENOMEM;
			free((*list)[i].path);
			(*list)[i].path = p;
			return 0;
		}
	}
	l = realloc(*list, (*n + 1) * sizeof(**list));
	if (!l)
		return -ENOMEM;
	*list = l;
	l[*n].name = strdup(name);
	l[*n].path = strdup(path);
	if (!l[*n].name || !l[*n].path) {
		free(l[*n].name);
		free(l[*n].path);
		return -ENOMEM;
	}
	(*n)++;
	return 0;
}

int dg_collect_files(const struct dg_paths *p, const char *sub, const char *suffix,
		     char ***files, size_t *n_files)
{
	struct found *list = NULL;
	size_t n = 0;
	char **out;
	int res = 0;

	for (size_t d = 0; d < p->n && res == 0; d++) {
		char dir[PATH_MAX], path[PATH_MAX];
		struct dirent *e;
		DIR *dp;

		if (snprintf(dir, sizeof(dir), "%s/%s", p->dirs[d], sub) >= (int)sizeof(dir))
			continue;
		if (!(dp = opendir(dir)))
			continue;
		while ((e = readdir(dp)) && res == 0) {
			if (e->d_name[0] == '.' || !has_suffix(e->d_name, suffix))
				continue;
			if (snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >=
			    (int)sizeof(path))
				continue;
			/* Whatever it is: one that cannot be read is an error when it is read,
			 * not a file skipped as if deleted (a drop-in that lowers a limit would
			 * raise it by vanishing). */
			res = add_found(&list, &n, e->d_name, path);
		}
		closedir(dp);
	}
	if (n > 0)
		qsort(list, n, sizeof(*list), cmp_found);
	out = res == 0 ? calloc(n + 1, sizeof(*out)) : NULL;
	if (!out && res == 0)
		res = -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		free(list[i].name);
		if (out)
			out[i] = list[i].path;
		else
			free(list[i].path);
	}
	free(list);
	if (res < 0)
		return res;
	*files = out;
	*n_files = n;
	return 0;
}

void dg_file_list_free(char **files, size_t n_files)
{
	if (!files)
		return;
	for (size_t i = 0; i < n_files; i++)
		free(files[i]);
	free(files);
}

int dg_load_each_file(char *const *files, size_t n_files, dg_add_text_fn add, void *work,
		      struct dg_errors *errors)
{
	int res = 0;

	for (size_t i = 0; i < n_files; i++) {
		char *data;
		size_t len;
		int r = dg_read_file(files[i], &data, &len);

		if (r < 0) {
			r = dg_diag_file_error(errors, files[i], "cannot read: %s",
					       dg_read_strerror(r));
		} else {
			r = add(work, files[i], data, len, errors);
			free(data);
		}
		if (r < 0 && res == 0)
			res = r == -ENOMEM ? r : -EINVAL;
	}
	return res;
}

const char *dg_read_strerror(int res)
{
	switch (res) {
	case -EISDIR:
		return "a directory, not a file";
	case -ENOLINK:
		return "a symbolic link to nothing";
	case -ENODEV:
		return "not a regular file (a FIFO, a socket or a device)";
	case -EFBIG:
		return "larger than " DG_MAX_FILE_SIZE_TEXT ", the most a configuration file may be";
	default:
		return strerror(-res);
	}
}

static int not_regular(const struct stat *st)
{
	if (S_ISREG(st->st_mode))
		return 0;
	return S_ISDIR(st->st_mode) ? -EISDIR : -ENODEV;
}

int dg_read_file(const char *path, char **data, size_t *len)
{
	struct stat st;
	size_t got = 0;
	char *buf;
	int fd, res = 0;

	/* Only a regular file is opened (the open of a device may do things); O_NONBLOCK in
	 * case it became a FIFO since, whose open would wait for a writer, forever. */
	if (stat(path, &st) < 0) {
		res = -errno;
		/* the name is there: not a missing file */
		if (res == -ENOENT && lstat(path, &st) == 0)
			res = -ENOLINK;
		return res;
	}
	if ((res = not_regular(&st)) < 0)
		return res;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		res = -errno;
		goto out;
	}
	if ((res = not_regular(&st)) < 0)
		goto out;
	if (st.st_size > DG_MAX_FILE_SIZE) {
		res = -EFBIG;
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		res = -ENOMEM;
		goto out;
	}
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r < 0)
				res = -errno;
			break;
		}
		got += (size_t)r;
	}
	if (res < 0) {
		free(buf);
		goto out;
	}
	buf[got] = '\0';
	*data = buf;
	*len = got;
out:
	close(fd);
	return res;
}
