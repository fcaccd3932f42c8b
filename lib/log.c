/* SPDX-License-Identifier: MIT */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static struct {
	const char *ident;
	bool verbose;
	bool journal;
} log_state = {.ident = "dacguard"};

/* $JOURNAL_STREAM is "device:inode" of the stream journald gave the service; it is the
 * journal only if stderr is still that stream (not redirected by a child's caller). */
static bool stderr_is_journal(void)
{
	const char *env = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (env == NULL || sscanf(env, "%llu:%llu", &dev, &ino) != 2)
		return false;
	if (fstat(STDERR_FILENO, &st) < 0)
		return false;
	return (unsigned long long) st.st_dev == dev && (unsigned long long) st.st_ino == ino;
}

void dg_log_init(const char *ident, bool verbose)
{
	const char *debug = getenv("DACGUARD_DEBUG");

	log_state.ident = ident ? ident : "dacguard";
	log_state.verbose = verbose || (debug && *debug && strcmp(debug, "0") != 0);
	log_state.journal = stderr_is_journal();
}

bool dg_log_enabled(enum dg_log_level level)
{
	return level != DG_LOG_DEBUG || log_state.verbose;
}

void dg_log(enum dg_log_level level, const char *fmt, ...)
{
	/* syslog(3) priorities: LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG */
	static const int priority[] = {3, 4, 6, 7};
	static const char *const word[] = {"error: ", "warning: ", "", ""};
	char msg[2048];
	va_list ap;

	if (!dg_log_enabled(level))
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (log_state.journal)
		fprintf(stderr, "<%d>%s\n", priority[level], msg);
	else if (level <= DG_LOG_WARNING)
		fprintf(stderr, "%s: %s%s\n", log_state.ident, word[level], msg);
	else
		fprintf(stderr, "%s\n", msg);
	fflush(stderr);
}
