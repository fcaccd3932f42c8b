/* SPDX-License-Identifier: MIT */
/* dacguard: load into a copy, swap it in when whole (lib/load-swap.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "load-swap.h"

static int copy_state(const struct dg_state_type *type, void *dst, const void *src)
{
	if (!type->merge) {
		memcpy(dst, src, type->size);
		return 0;
	}
	type->init(dst);
	return type->merge(dst, src);
}

static void release(const struct dg_state_type *type, void *state)
{
	if (type->release)
		type->release(state);
}

int dg_state_replace(const struct dg_state_type *type, void *live, bool from_live,
		     dg_fill_fn fill, void *arg)
{
	/* On the heap: a configuration is tens of KiB. */
	void *work = malloc(type->size);
	int res = 0;

	if (!work)
		return -ENOMEM;
	if (from_live)
		res = copy_state(type, work, live);
	else
		type->init(work);
	if (res == 0)
		res = fill(work, arg);
	if (res == 0) {
		release(type, live);
		memcpy(live, work, type->size);
	} else {
		release(type, work);
	}
	free(work);
	return res;
}

struct list_add {
	const struct dg_list_loader *l;
	const char *name;
	const char *data;
	size_t len;
	struct dg_errors *errors;
};

/* The buffer is parsed on its own before it joins work, so checks within one buffer (an id
 * given twice) see that buffer alone, as they would if it were the only one. */
static int add_buffer(void *work, void *arg)
{
	const struct list_add *a = arg;
	const struct dg_state_type *type = a->l->type;
	struct dg_json_ctx ctx = { .file = a->name, .data = a->data, .len = a->len,
				   .errors = a->errors };
	void *tmp = malloc(type->size);
	int res;

	if (!tmp)
		return -ENOMEM;
	type->init(tmp);
	res = dg_json_parse_list_buffer(&ctx, a->l->key, a->l->parse, tmp);
	if (res == 0)
		res = type->merge(work, tmp);
	release(type, tmp);
	free(tmp);
	return res;
}

int dg_list_add_string(const struct dg_list_loader *l, void *live, const char *name,
		       const char *data, size_t len, struct dg_errors *errors)
{
	struct list_add a = { .l = l, .name = name, .data = data, .len = len, .errors = errors };

	return dg_state_replace(l->type, live, true, add_buffer, &a);
}

struct list_files {
	const struct dg_list_loader *l;
	char *const *files;
	size_t n_files;
	struct dg_errors *errors;
	void *work;
};

static int add_text(void *arg, const char *name, const char *data, size_t len,
		    struct dg_errors *errors)
{
	const struct list_files *f = arg;
	struct list_add a = { .l = f->l, .name = name, .data = data, .len = len, .errors = errors };

	return add_buffer(f->work, &a);
}

static int add_files(void *work, void *arg)
{
	struct list_files *f = arg;

	f->work = work;
	return dg_load_each_file(f->files, f->n_files, add_text, f, f->errors);
}

int dg_list_load_files(const struct dg_list_loader *l, void *live, char *const *files,
		       size_t n_files, struct dg_errors *errors)
{
	struct list_files f = { .l = l, .files = files, .n_files = n_files, .errors = errors };

	return dg_state_replace(l->type, live, false, add_files, &f);
}

int dg_list_load(const struct dg_list_loader *l, void *live, const struct dg_paths *paths,
		 const char *sub, struct dg_errors *errors)
{
	char **files;
	size_t n;
	int res;

	if ((res = dg_collect_files(paths, sub, ".conf", &files, &n)) < 0)
		return res;
	res = dg_list_load_files(l, live, files, n, errors);
	dg_file_list_free(files, n);
	return res;
}
