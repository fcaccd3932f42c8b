/* SPDX-License-Identifier: MIT */
/* dacguardctl: the command-line face of dacguard. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{ "list", cmd_list, "list USB DACs and what dacguard decides for them" },
	{ "monitor", cmd_monitor, "print hotplug events and decisions as they happen" },
	{ "ceiling", cmd_ceiling, "compute the gain ceiling for an output and a headphone" },
	{ "db", cmd_db, "list or validate the device database" },
	{ "headphones", cmd_headphones, "list the headphone profiles" },
	{ "measure", cmd_measure, "measure channel separation through a PipeWire sink" },
};

int cmd_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "dacguardctl%s%s: ", cmd ? " " : "", cmd ? cmd : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(" (see dacguardctl --help)\n", stderr);
	return 2;
}

static void usage(FILE *f)
{
	fputs("Usage: dacguardctl [--help] [--version] COMMAND [ARGS...]\n\nCommands:\n", f);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-12s %s\n", commands[i].name, commands[i].summary);
	fputs("\nSee dacguardctl(1).\n", f);
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return cmd_usage_error(NULL, "missing command");
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("dacguardctl %s\n", PACKAGE_VERSION);
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);

	return cmd_usage_error(NULL, "unknown command '%s'", argv[1]);
}
