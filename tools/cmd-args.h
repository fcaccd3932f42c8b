/* SPDX-License-Identifier: MIT */
/* dacguardctl: command lines as every subcommand reads them, so that an option is spelled,
 * repeated and refused the same way everywhere (one line on stderr, exit status 2). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A finite number: "nan", "inf", "1e999", "3V" and "" are refused with -EINVAL. */
int cmd_parse_number(const char *s, double *out);

/* What a subcommand's command line may hold besides --help (and -h): the options that
 * take a value, as "--name VALUE" or "--name=VALUE", and --json where json is set. */
struct cmd_options {
	const char *cmd;          /* named in usage errors: "measure", "db list" */
	const char *const *names; /* "--target", ...: their indexes are handed to take() */
	size_t n_names;           /* at most 31 */
	uint32_t repeatable;      /* bit i: names[i] may be given more than once */
	bool json;
	void (*usage)(void);      /* --help prints it */
	/* The value of names[index]: 0, or 2 for a usage error it has reported. */
	int (*take)(void *data, int index, const char *val);
};

/* In the given set: --json was given. */
#define CMD_JSON (1u << 31)

/* Reads argv[1..argc), handing each value to o->take() with data: 0 to go on, 1 after
 * --help, 2 on a usage error (reported). Bit i of *given says whether names[i] was given. */
int cmd_parse_options(const struct cmd_options *o, int argc, char **argv, void *data,
		      uint32_t *given);

/* A take() for options that are plain strings: data is an array of one const char * per
 * name, set to the value given. */
int cmd_take_string(void *data, int index, const char *val);

/* The values a number option accepts. */
struct cmd_range {
	const char *expected; /* "a finite number", "dBFS": what a value that is none should be */
	double min, max;      /* -INFINITY, INFINITY: no bound */
	bool min_open;        /* min itself is refused (an impedance of 0 is no load) */
	bool whole;
	const char *unit;     /* after a range of two bounds in an error: " dBFS" */
};

/* The value val of option opt of cmd as a number in range, or 2 for a usage error. */
int cmd_number_option(const char *cmd, const char *opt, const char *val,
		      const struct cmd_range *range, double *out);
