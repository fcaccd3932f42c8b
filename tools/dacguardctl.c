/* SPDX-License-Identifier: MIT */
/* dacguardctl: the command-line face of dacguard. What a command answers goes to stdout;
 * what goes wrong goes through lib/log.h to stderr. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "log.h"

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
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	dg_error("%s%s%s (see dacguardctl --help)", cmd ? cmd : "", cmd ? ": " : "", msg);
	return 2;
}

void cmd_log_diag(void *user, const struct dg_diag *d)
{
	struct dg_diag plain = *d;
	char line[1024];

	(void) user;
	/* the level says "warning"; the line need not say it again */
	plain.severity = DG_SEVERITY_ERROR;
	dg_diag_format(&plain, line, sizeof(line));
	dg_log(d->severity == DG_SEVERITY_WARNING ? DG_LOG_WARNING : DG_LOG_ERROR, "%s", line);
}

static void usage(FILE *f)
{
	fputs("Usage: dacguardctl [--verbose] [--help] [--version] COMMAND [ARGS...]\n\n"
	      "  -v, --verbose  debug messages too (DACGUARD_DEBUG=1 does the same)\n\n"
	      "Commands:\n",
	      f);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-12s %s\n", commands[i].name, commands[i].summary);
	fputs("\nSee dacguardctl(1).\n", f);
}

int main(int argc, char **argv)
{
	int i;

	dg_log_init("dacguardctl", false);
	/* options before the command are the tool's own; those after it, the command's */
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--verbose") == 0 || strcmp(argv[i], "-v") == 0) {
			dg_log_init("dacguardctl", true);
		} else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(argv[i], "--version") == 0) {
			printf("dacguardctl %s\n", PACKAGE_VERSION);
			return 0;
		} else {
			return cmd_usage_error(NULL, "unknown option '%s'", argv[i]);
		}
	}
	if (i >= argc)
		return cmd_usage_error(NULL, "missing command");
	for (size_t c = 0; c < sizeof(commands) / sizeof(commands[0]); c++)
		if (strcmp(argv[i], commands[c].name) == 0)
			return commands[c].run(argc - i, argv + i);

	return cmd_usage_error(NULL, "unknown command '%s'", argv[i]);
}
