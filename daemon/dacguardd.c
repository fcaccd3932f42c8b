/* SPDX-License-Identifier: MIT */
/* dacguardd: watches USB DACs come and go and decides each one's gain ceiling.
 * Idle means blocked in poll(): no timeouts, no wakeups. Everything it says goes through
 * lib/log.h to stderr: decisions and removals are info, uevents debug. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "config-watch.h"
#include "engine.h"
#include "log.h"
#include "pw-apply.h"

#define MAX_POLLFDS 64
/* quiet time after a change to the configuration files before they are read again */
#define RELOAD_DELAY_MS 100

struct daemon {
	struct dg_engine *engine;
	struct dg_pw_apply *pw;	       /* NULL with --no-pipewire */
	struct dg_config_watch *watch; /* NULL when inotify is not available */
};

static void on_event(void *user, enum dg_engine_event ev, const struct dg_device *dev,
		     const char *msg)
{
	static const enum dg_log_level level[] = {
		[DG_ENGINE_DECISION] = DG_LOG_INFO,   [DG_ENGINE_REMOVED] = DG_LOG_INFO,
		[DG_ENGINE_UEVENT] = DG_LOG_DEBUG,    [DG_ENGINE_WARNING] = DG_LOG_WARNING,
		[DG_ENGINE_ERROR] = DG_LOG_ERROR,
	};
	struct daemon *d = user;
	char buf[1024];
	const char *line = dg_engine_event_line(ev, dev, msg, buf, sizeof(buf));

	dg_log(level[ev], "%s%s%s", ev == DG_ENGINE_UEVENT ? "uevent " : "", line,
	       ev == DG_ENGINE_REMOVED ? " removed" : "");
	if (d->pw && ev == DG_ENGINE_DECISION)
		dg_pw_apply_decision(d->pw, dev, dg_engine_config(d->engine));
	else if (d->pw && ev == DG_ENGINE_REMOVED)
		dg_pw_apply_removed(d->pw, dev);
}

static void usage(FILE *f)
{
	fputs("Usage: dacguardd [--verbose] [--once] [--ctl NAME]\n"
	      "  --verbose   debug messages too, every uevent on a sound card among them\n"
	      "              (DACGUARD_DEBUG=1 does the same)\n"
	      "  --once      decide for the cards present now and exit\n"
	      "  --ctl NAME  open this ALSA control device instead of hw:N (tests)\n"
	      "  --no-pipewire  decide only: no guards, no PipeWire connection\n"
	      "Configuration: DACGUARD_CONFIG_DIR or the standard directories, see dacguardd(8).\n",
	      f);
}

/* A client said which output is in use: the policy decides with it, the decision comes
 * back through on_event. */
static int on_user_output(void *user, const char *card_syspath, const char *output)
{
	struct daemon *d = user;

	return dg_engine_set_user_output(d->engine, card_syspath, output);
}

int main(int argc, char **argv)
{
	static const struct option long_opts[] = {
	    {"verbose", no_argument, NULL, 'v'},   {"once", no_argument, NULL, '1'},
	    {"ctl", required_argument, NULL, 'c'}, {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},   {"no-pipewire", no_argument, NULL, 'P'},
	    {NULL, 0, NULL, 0},
	};
	struct dg_engine_options opts = {0};
	struct daemon d = {0};
	struct dg_engine *engine = NULL;
	bool verbose = false, once = false, no_pipewire = false;
	sigset_t mask;
	int sfd = -1, r, c, status = EXIT_FAILURE;

	while ((c = getopt_long(argc, argv, "v1c:h", long_opts, NULL)) != -1) {
		switch (c) {
		case 'v':
			verbose = true;
			break;
		case '1':
			once = true;
			break;
		case 'c':
			opts.controls_override = optarg;
			break;
		case 'P':
			no_pipewire = true;
			break;
		case 'h':
			usage(stdout);
			return EXIT_SUCCESS;
		case 'V':
			printf("dacguardd %s\n", PACKAGE_VERSION);
			return EXIT_SUCCESS;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		usage(stderr);
		return 2;
	}
	dg_log_init("dacguardd", verbose);

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	if (!once) {
		if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0 ||
		    (sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK)) < 0) {
			dg_error("signalfd: %s", strerror(errno));
			return EXIT_FAILURE;
		}
	}

	r = dg_engine_new(&opts, on_event, &d, &engine);
	if (r < 0) {
		dg_error("%s", strerror(-r));
		goto out;
	}
	d.engine = engine;
	if (!once && !no_pipewire) {
		struct dg_pw_apply_options pw_opts = {
			.user_output = on_user_output,
			.user_data = &d,
		};

		r = dg_pw_apply_new(&pw_opts, &d.pw);
		/* decisions go on, but no guard enforces them */
		if (r < 0)
			dg_error("no PipeWire client: %s", strerror(-r));
	}
	/* Watch before the first load, so no change after it is missed. */
	if (!once) {
		r = dg_config_watch_new(RELOAD_DELAY_MS, &d.watch);
		if (r < 0)
			dg_warning("no configuration watch (SIGHUP reloads): %s", strerror(-r));
	}
	/* A bad configuration leaves the defaults: fail-safe ceilings, still running. */
	dg_engine_load_config(engine);
	if (!once) {
		r = dg_engine_monitor(engine);
		if (r < 0) {
			dg_error("cannot monitor udev: %s", strerror(-r));
			goto out;
		}
	}
	r = dg_engine_enumerate(engine);
	if (r < 0) {
		dg_error("cannot enumerate sound cards: %s", strerror(-r));
		goto out;
	}
	if (once) {
		status = EXIT_SUCCESS;
		goto out;
	}
	dg_info("dacguardd %s: watching sound cards", PACKAGE_VERSION);

	for (;;) {
		struct pollfd pfds[MAX_POLLFDS];
		int n = dg_engine_pollfds(engine, pfds, MAX_POLLFDS - 3);

		pfds[n].fd = sfd;
		pfds[n].events = POLLIN;
		pfds[n].revents = 0;
		pfds[n + 1].fd = d.pw ? dg_pw_apply_fd(d.pw) : -1;
		pfds[n + 1].events = POLLIN;
		pfds[n + 1].revents = 0;
		pfds[n + 2].fd = d.watch ? dg_config_watch_fd(d.watch) : -1;
		pfds[n + 2].events = POLLIN;
		pfds[n + 2].revents = 0;
		if (poll(pfds, (nfds_t) n + 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			dg_error("poll: %s", strerror(errno));
			goto out;
		}
		dg_engine_dispatch(engine, pfds, n);
		if (d.pw && (pfds[n + 1].revents & POLLIN))
			dg_pw_apply_dispatch(d.pw);
		if (d.watch && (pfds[n + 2].revents & POLLIN) &&
		    dg_config_watch_dispatch(d.watch)) {
			dg_info("configuration files changed, reloading");
			dg_engine_load_config(engine);
		}
		if (pfds[n].revents & POLLIN) {
			struct signalfd_siginfo si;

			while (read(sfd, &si, sizeof(si)) == (ssize_t) sizeof(si)) {
				if (si.ssi_signo == SIGHUP) {
					dg_info("reloading configuration");
					dg_engine_load_config(engine);
				} else {
					dg_debug("signal %u, exiting", si.ssi_signo);
					status = EXIT_SUCCESS;
					goto out;
				}
			}
		}
	}
out:
	dg_config_watch_free(d.watch);
	dg_pw_apply_free(d.pw);
	dg_engine_free(engine);
	if (sfd >= 0)
		close(sfd);
	fflush(stdout);
	return status;
}
