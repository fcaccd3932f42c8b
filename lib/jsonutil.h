/* SPDX-License-Identifier: MIT */
/* dacguard: what the three loaders (config, device database, headphone profiles) share:
 * an error sink that names file:line:column and the key, the search paths, the match on
 * a USB device, and strict typed getters over spa/utils/json.h. This header does not
 * include spa: callers only need the types. */
#pragma once

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"

struct spa_json;

/* ---- error sink ---- */

enum dg_severity {
	DG_SEVERITY_ERROR = 0,
	DG_SEVERITY_WARNING,
};

struct dg_diag {
	enum dg_severity severity;
	const char *file;   /* as given to the loader; "<string>" for buffers without a name */
	int line;           /* 1-based; 0 when the problem is not at a place in the file */
	int col;            /* 1-based byte column */
	const char *key;    /* dotted path of the key, e.g. "devices[2].outputs[0].vout-vrms"; may be "" */
	const char *msg;
};

typedef void (*dg_diag_fn)(void *user, const struct dg_diag *d);

/* Where loaders report. A NULL sink, or one without fn, prints to stderr as
 * "file:line:col: key: message" (warnings with "warning: " after the place). */
struct dg_errors {
	dg_diag_fn fn;
	void *user;
	unsigned n_errors;
	unsigned n_warnings;
};

/* Formats a diagnostic the way the default sink prints it (no newline). */
void dg_diag_format(const struct dg_diag *d, char *buf, size_t size);

/* ---- search paths (doc/formats.md "Where files are looked for") ---- */

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
 * replaces a same-named file; sorted by strverscmp() of the name. *files is a malloc'd
 * array of malloc'd paths; free with dg_file_list_free(). Missing dirs are skipped. */
int dg_collect_files(const struct dg_paths *p, const char *sub, const char *suffix,
		     char ***files, size_t *n_files);
void dg_file_list_free(char **files, size_t n_files);

/* Reads a whole file (NUL-terminated, *len excludes the NUL). */
int dg_read_file(const char *path, char **data, size_t *len);

/* Reads every file and hands its text to add(work, ...). Every file is read, so one run
 * reports the errors of all of them. Returns 0, -ENOMEM, or -EINVAL if any file failed. */
typedef int (*dg_add_text_fn)(void *work, const char *name, const char *data, size_t len,
			      struct dg_errors *errors);
int dg_load_each_file(char *const *files, size_t n_files, dg_add_text_fn add, void *work,
		      struct dg_errors *errors);

/* ---- PipeWire metadata values ---- */

/* The string value of KEY in a flat JSON object such as the "default" metadata's
 * { "name": "alsa_output..." }; out is "" when json is NULL, not an object, has no
 * string KEY, or the value does not fit. */
void dg_json_object_string(const char *json, const char *key, char *out, size_t size);

/* ---- USB device match (shared by dacguard.devices and the database) ---- */

struct dg_match {
	bool has_usb;            /* always true in a valid file */
	uint16_t vid;
	uint16_t pid;
	bool any_pid;            /* "vvvv:*" */
	char product[DG_NAME_MAX];      /* fnmatch glob; "" = not given */
	char manufacturer[DG_NAME_MAX]; /* fnmatch glob; "" = not given */
};

/* True when every given key matches. NULL strings match only an absent glob. */
bool dg_match_device(const struct dg_match *m, uint16_t vid, uint16_t pid,
		     const char *manufacturer, const char *product);
/* Higher is more specific: a product glob beats none, then an exact PID beats "*",
 * then a manufacturer glob beats none. */
int dg_match_specificity(const struct dg_match *m);
/* "2972:0047 product=FiiO BTR5*" style, for listings. */
void dg_match_format(const struct dg_match *m, char *buf, size_t size);

/* ---- parser state and typed getters (used by the loaders' .c files) ---- */

struct dg_json_ctx {
	const char *file;
	const char *data;        /* buffer start: line/column are counted from here */
	size_t len;
	struct dg_errors *errors;
	unsigned n_errors;       /* errors in this buffer */
	/* Set by dg_json_start(): */
	const char *stop;        /* no token is read at or after this: the first syntax error */
	const char *syntax_at;   /* where that error is reported; NULL when there is none */
	char syntax_msg[128];
	const char *closed;      /* the bracket that ended the container read last */
};

/* line/column of p inside ctx's buffer. */
void dg_json_position(const struct dg_json_ctx *ctx, const char *p, int *line, int *col);
/* Reports at p; returns -EINVAL. */
int dg_json_error(struct dg_json_ctx *ctx, const char *p, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void dg_json_warning(struct dg_json_ctx *ctx, const char *p, const char *key, const char *fmt,
		     ...) __attribute__((format(printf, 4, 5)));

/* Builds a key path for messages ("devices[2].outputs[0]"); truncation is harmless. */
void dg_json_path(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Checks the syntax of the whole buffer (doc/formats.md, "Syntax and errors"); sets top to
 * its top level. The first syntax error is not reported here but by the getters below
 * when the parse reaches it, so that it names the key being read; spa_json never reads
 * past it. Every parse of a buffer starts here. */
void dg_json_start(struct dg_json_ctx *ctx, struct spa_json *top);

/* Next key of an object: 1 with key copied (unescaped) and *at set to its token, 0 at the
 * end of the object, negative on error (reported). The loaders stop at the first error of
 * a buffer. */
int dg_json_next_key(struct dg_json_ctx *ctx, struct spa_json *obj, const char *path,
		     char *key, size_t size, const char **at);
/* Next value after a key: sets *val and *len (> 0) or reports "missing value". */
int dg_json_next_value(struct dg_json_ctx *ctx, struct spa_json *it, const char *key,
		       const char *key_at, const char **val, int *len);
/* Next element of an array: 1, 0 at its end, negative on error. */
int dg_json_next_elem(struct dg_json_ctx *ctx, struct spa_json *arr, const char *path,
		      const char **val, int *len);

/* Typed conversions of a value token; each reports "expected a ..." naming the key. */
int dg_json_number(struct dg_json_ctx *ctx, const char *key, const char *val, int len, double min,
		   double max, double *out);
int dg_json_string(struct dg_json_ctx *ctx, const char *key, const char *val, int len, char *out,
		   size_t size);
/* Enters the object/array whose opening token is val (from the iterator it). */
int dg_json_enter_object(struct dg_json_ctx *ctx, struct spa_json *it, const char *key,
			 const char *val, int len, struct spa_json *sub);
int dg_json_enter_array(struct dg_json_ctx *ctx, struct spa_json *it, const char *key,
			const char *val, int len, struct spa_json *sub);

/* A buffer holding exactly one top-level key, given once, whose value is a list (the
 * device database's "devices", the headphone profiles' "headphones"): parse gets the
 * list's opening token and out. Returns 0 or the first error (reported). */
typedef int (*dg_json_list_fn)(struct dg_json_ctx *ctx, struct spa_json *top, const char *val,
			       int len, void *out);
int dg_json_parse_list_buffer(struct dg_json_ctx *ctx, const char *key, dg_json_list_fn parse,
			      void *out);

/* Parses "vvvv:pppp" / "vvvv:*" (lowercase hex only) into m. */
int dg_json_match(struct dg_json_ctx *ctx, struct spa_json *it, const char *key, const char *val,
		  int len, struct dg_match *m);
