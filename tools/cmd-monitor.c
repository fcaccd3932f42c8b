/* SPDX-License-Identifier: MIT */
/* dacguardctl monitor: hotplug events and the daemon's decisions as they happen,
 * computed here by the same engine, until SIGINT. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "engine.h"

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
	char line[1024];

	stamp();
	switch (ev) {
	case DG_ENGINE_DECISION:
		dg_device_format(dev, line, sizeof(line));
		printf("decision %s\n", line);
		break;
	case DG_ENGINE_REMOVED:
		printf("removed  card%d \"%s\" %04x:%04x\n", dev->card.number, dev->card.product,
		       dev->card.vendor_id, dev->card.product_id);
		break;
	case DG_ENGINE_UEVENT:
		printf("uevent   %s\n", msg);
		break;
	case DG_ENGINE_ERROR:
		printf("error    %s\n", msg);
		break;
	}
	fflush(stdout);
}

int cmd_monitor(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"ctl", required_argument, NULL, 'c'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct dg_engine_options eopts = {0};
	struct dg_engine *e = NULL;
	sigset_t mask;
	int c, r, sfd, status = 1;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			eopts.controls_override = optarg;
			break;
		case 'h':
			puts("Usage: dacguardctl monitor [--ctl NAME]   (Ctrl-C to stop)");
			return 0;
		default:
			return cmd_usage_error("monitor", "unknown option");
		}
	}
	if (optind < argc)
		return cmd_usage_error("monitor", "unexpected argument '%s'", argv[optind]);

	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0 ||
	    (sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK)) < 0) {
		fprintf(stderr, "dacguardctl monitor: signalfd: %s\n", strerror(errno));
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
		fprintf(stderr, "dacguardctl monitor: %s\n", strerror(-r));
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
