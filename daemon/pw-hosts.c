/* SPDX-License-Identifier: MIT */
/* dacguardd: guard hosts. A sink without a guard gets a pipewire process of its own
 * that loads libpipewire-module-dacguard for it (unless a server rule makes the guard
 * first): detached, so the guard and its limits outlive the daemon. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "host-conf.h"
#include "pw-state.h"

static struct host *find_host(struct dg_pw_apply *a, const char *sink)
{
	struct host *h;

	spa_list_for_each(h, &a->hosts, link)
		if (spa_streq(h->sink, sink))
			return h;
	return NULL;
}

static void host_paths(struct dg_pw_apply *a, const char *sink, const char *ext, char *out,
		       size_t size)
{
	char safe[SINK_NAME_MAX];
	size_t i;

	for (i = 0; sink[i] && i + 1 < sizeof(safe); i++)
		safe[i] = (sink[i] == '/' ? '_' : sink[i]);
	safe[i] = '\0';
	if (snprintf(out, size, "%s/guard-%s.%s", a->state_dir, safe, ext) >= (int)size)
		out[0] = '\0';
}

long host_pid_file_read(const char *path)
{
	FILE *f = fopen(path, "re");
	long pid = 0;

	if (f == NULL)
		return 0;
	if (fscanf(f, "%ld", &pid) != 1 || pid < 0)
		pid = 0;
	fclose(f);
	return pid;
}

/* Stops the host recorded in the pid file, if that process is still that host. */
void host_stop_recorded(struct dg_pw_apply *a, const char *sink)
{
	char pidfile[PATH_MAX], conf[PATH_MAX], path[64], cmdline[PATH_MAX + 64];
	long pid;
	size_t n;
	int fd;

	host_paths(a, sink, "pid", pidfile, sizeof(pidfile));
	host_paths(a, sink, "conf", conf, sizeof(conf));
	pid = host_pid_file_read(pidfile);
	unlink(pidfile);
	if (pid <= 1)
		return;
	snprintf(path, sizeof(path), "/proc/%ld/cmdline", pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return;
	n = (size_t)SPA_MAX(read(fd, cmdline, sizeof(cmdline) - 1), 0);
	close(fd);
	for (size_t i = 0; i < n; i++)
		if (cmdline[i] == '\0')
			cmdline[i] = ' ';
	cmdline[n] = '\0';
	if (strstr(cmdline, conf) != NULL) {
		kill((pid_t)pid, SIGTERM);
		dg_info("pw: stopped guard host %ld for %s", pid, sink);
	}
}

static int write_host_conf(struct dg_pw_apply *a, const struct card *c, const char *sink,
			   const char *path)
{
	char tmp[PATH_MAX + 8], text[DG_HOST_CONF_MAX];
	struct dg_host_conf hc;
	struct want w;
	FILE *f;
	int len;

	card_want(c, &w);
	hc = (struct dg_host_conf){ .sink = sink, .card = c->number, .ceiling_db = w.ceiling_db,
				    .hard_ceiling_db = c->hard_ceiling_db,
				    .hard_table = w.hard_table, .remote = a->remote };
	if ((len = dg_host_conf_format(&hc, text, sizeof(text))) < 0)
		return len;
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "we");
	if (f == NULL)
		return -errno;
	if (fwrite(text, 1, (size_t)len, f) != (size_t)len) {
		fclose(f);
		return -EIO;
	}
	if (fclose(f) != 0 || rename(tmp, path) < 0)
		return -errno;
	return 0;
}

/* pipewire -c CONF, detached (own session, not our child once started), signals
 * unblocked, our descriptors closed. Returns its pid or a negative errno. */
static pid_t spawn_host(const char *conf, const char *log)
{
	int p[2];
	pid_t child, pid = -1;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	child = fork();
	if (child < 0) {
		close(p[0]);
		close(p[1]);
		return -errno;
	}
	if (child == 0) {
		sigset_t none;
		pid_t me;
		int fd;

		if (setsid() < 0)
			_exit(1);
		me = fork();
		if (me != 0)
			_exit(me < 0);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGPIPE, SIG_DFL);
		fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (fd >= 0)
			dup2(fd, 0);
		fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		for (int i = 3; i < 1024; i++)
			if (i != p[1])
				close(i);
		me = getpid();
		if (write(p[1], &me, sizeof(me)) != (ssize_t)sizeof(me))
			_exit(1);
		execlp("pipewire", "pipewire", "-c", conf, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	waitpid(child, NULL, 0);
	if (read(p[0], &pid, sizeof(pid)) != (ssize_t)sizeof(pid))
		pid = -EIO;
	close(p[0]);
	return pid;
}

static void host_start(struct dg_pw_apply *a, struct card *c, struct host *h)
{
	char conf[PATH_MAX], log[PATH_MAX], pidfile[PATH_MAX];
	FILE *f;
	pid_t pid;
	int res;

	if (!dg_host_conf_name_ok(h->sink)) {
		dg_error("%s: node name unusable in a config, no guard host",
			h->sink);
		h->pid = -1;
		return;
	}
	host_stop_recorded(a, h->sink);
	host_paths(a, h->sink, "conf", conf, sizeof(conf));
	host_paths(a, h->sink, "log", log, sizeof(log));
	host_paths(a, h->sink, "pid", pidfile, sizeof(pidfile));
	if ((res = write_host_conf(a, c, h->sink, conf)) < 0) {
		dg_error("%s: %s", conf, strerror(-res));
		return;
	}
	pid = spawn_host(conf, log);
	if (pid < 0) {
		dg_error("cannot start a guard host: %s", strerror(-pid));
		return;
	}
	if ((f = fopen(pidfile, "we")) != NULL) {
		fprintf(f, "%ld\n", (long)pid);
		fclose(f);
	}
	h->pid = pid;
	h->started = now_ms();
	h->generation = a->generation;
	dg_info("pw: started guard host %ld for %s: %s", (long)pid, h->sink, conf);
}

static bool server_has_dacguard_module(struct dg_pw_apply *a)
{
	struct obj *o;

	spa_list_for_each(o, &a->objs, link)
		if (o->kind == OBJ_MODULE)
			return true;
	return false;
}

/* The sink has no guard: wait for a server rule to make one, else start a host. */
void ensure_host(struct dg_pw_apply *a, struct card *c, const char *sink)
{
	struct host *h = find_host(a, sink);
	uint64_t now = now_ms(), grace;

	if (a->opts.no_host)
		return;
	if (h == NULL) {
		h = calloc(1, sizeof(*h));
		if (h == NULL)
			return;
		snprintf(h->sink, sizeof(h->sink), "%s", sink);
		h->missing_since = now;
		spa_list_append(&a->hosts, &h->link);
	}
	snprintf(h->card_syspath, sizeof(h->card_syspath), "%s", c->syspath);
	if (h->pid < 0)
		return;
	if (h->pid > 0 && h->generation == a->generation && now < h->started + HOST_START_MS &&
	    kill(h->pid, 0) == 0) {
		arm_timer(a, h->started + HOST_START_MS - now);
		return;
	}
	if (h->pid == 0) {
		grace = server_has_dacguard_module(a) ? RULES_GRACE_MS : 0;
		if (now < h->missing_since + grace) {
			arm_timer(a, h->missing_since + grace - now);
			return;
		}
	}
	host_start(a, c, h);
	if (h->pid > 0)
		arm_timer(a, HOST_START_MS);
}
