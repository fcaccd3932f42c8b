/* SPDX-License-Identifier: MIT */
/* dacguardctl monitor: hotplug events and the daemon's decisions as they happen,
 * computed here by the same engine, until SIGINT. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "cmd-args.h"
#include "cmd.h"
#include "engine.h"
#include "log.h"

#define MAX_POLLFDS 64

static void stamp(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	printf("%5lld.%03ld ", (long long) ts.tv_sec, ts.tv_nsec / 1000000);
}

static void on_event(void *user, enum dg_engine_event ev, const struct dg_device *dev,
		     const char *msg)
{
	static const char *const tags[] = {
		[DG_ENGINE_DECISION] = "decision", [DG_ENGINE_REMOVED] = "removed",
		[DG_ENGINE_UEVENT] = "uevent",	   [DG_ENGINE_WARNING] = "warning",
		[DG_ENGINE_ERROR] = "error",
	};
	char buf[1024];

	stamp();
	printf("%-8s %s\n", tags[ev], dg_engine_event_line(ev, dev, msg, buf, sizeof(buf)));
	fflush(stdout);
}

static void usage(void)
{
	puts("Usage: dacguardctl monitor [--ctl NAME]   (Ctrl-C to stop)");
}

int cmd_monitor(int argc, char **argv)
{
	/* --ctl: the control device opened instead of "hw:N" (tests) */
	static const char *const names[] = { "--ctl" };
	static const struct cmd_options options = {
		.cmd = "monitor", .names = names, .n_names = 1, .usage = usage,
		.take = cmd_take_string,
	};
	struct dg_engine_options eopts = {0};
	struct dg_engine *e = NULL;
	sigset_t mask;
	uint32_t given;
	int r, sfd, status = 1;

	r = cmd_parse_options(&options, argc, argv, &eopts.controls_override, &given);
	if (r)
		return r == 1 ? 0 : r;

	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0 ||
	    (sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK)) < 0) {
		dg_error("monitor: signalfd: %s", strerror(errno));
		return 1;
	}
	r = dg_engine_new(&eopts, on_event, NULL, &e);
	if (r == 0) {
		dg_engine_load_config(e);
		r = dg_engine_monitor(e);
	}
	if (r == 0)
		r = dg_engine_enumerate(e);
	if (r < 0) {
		dg_error("monitor: %s", strerror(-r));
		goto out;
	}
	/* after the enumeration: from here on nothing is missed */
	printf("monitoring sound cards (Ctrl-C to stop)\n");
	fflush(stdout);
	for (;;) {
		struct pollfd pfds[MAX_POLLFDS];
		int n = dg_engine_pollfds(e, pfds, MAX_POLLFDS - 1);

		pfds[n] = (struct pollfd){.fd = sfd, .events = POLLIN};
		if (poll(pfds, (nfds_t) n + 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		dg_engine_dispatch(e, pfds, n);
		if (pfds[n].revents & POLLIN) {
			status = 0;
			break;
		}
	}
out:
	dg_engine_free(e);
	close(sfd);
	return status;
}
