/* child.c: start apply as a child process and learn which run it is. */
#include "child.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "error.h"

void child_init(struct child *c)
{
	memset(c, 0, sizeof(*c));
	c->out = -1;
}

bool child_alive(const struct child *c)
{
	return c->pid > 0 && !c->exited;
}

int child_start(struct child *c, const char *state, const char *project, bool resume)
{
	char tmp[] = "/tmp/hnsp-tui-apply-XXXXXX";
	/* --via tui: the run is recorded as this user's, from the TUI. */
	const char *argv[] = {"hnsp-installer", "--state", state,    "apply", project, "--yes",
			      "--json", "--via", "tui", resume ? "--resume" : NULL, NULL};
	sigset_t none;
	pid_t pid;
	int fd;

	if (child_alive(c))
		return HNSP_ERR_EXISTS;
	child_release(c);
	if ((fd = mkostemp(tmp, O_CLOEXEC)) < 0)
		return HNSP_ERR_IO;
	unlink(tmp); /* it lives while the child writes it and we read it */
	sigemptyset(&none);
	if ((pid = fork()) < 0) {
		close(fd);
		return HNSP_ERR_IO;
	}
	if (pid == 0) { /* only async-signal-safe calls until exec */
		int null = open("/dev/null", O_RDONLY);
		setsid();
		sigprocmask(SIG_SETMASK, &none, NULL);
		if (null < 0 || dup2(null, STDIN_FILENO) < 0 || dup2(fd, STDOUT_FILENO) < 0 ||
		    dup2(fd, STDERR_FILENO) < 0)
			_exit(127);
		close_range(3, ~0U, 0);
		execv("/proc/self/exe", (char *const *)argv);
		_exit(127);
	}
	c->pid = pid;
	c->out = fd;
	return 0;
}

/* Keeps the last lines of text that are not events, for when apply ends
 * before its run starts. */
static void remember(struct child *c, const char *line)
{
	size_t have = strlen(c->said), len = strlen(line);

	while (have + len + 2 > sizeof(c->said) && have > 0) {
		char *nl = strchr(c->said, '\n');
		size_t drop = nl ? (size_t)(nl - c->said) + 1 : have;
		memmove(c->said, c->said + drop, have - drop + 1);
		have -= drop;
	}
	snprintf(c->said + have, sizeof(c->said) - have, "%s%.*s", have ? "\n" : "",
		 (int)(sizeof(c->said) - have - 2), line);
}

static void on_line(struct child *c, char *line)
{
	json_t *ev = line[0] == '{' ? json_loads(line, 0, NULL) : NULL;
	const char *type = json_string_value(json_object_get(ev, "event"));

	if (ev == NULL)
		remember(c, line);
	else if (type && strcmp(type, "run_start") == 0 && c->run[0] == '\0') {
		snprintf(c->run, sizeof(c->run), "%s",
			 json_string_value(json_object_get(ev, "run")) ?: "");
		snprintf(c->dir, sizeof(c->dir), "%s",
			 json_string_value(json_object_get(ev, "dir")) ?: "");
	}
	json_decref(ev);
}

bool child_poll(struct child *c)
{
	bool changed = false;
	char buf[65536];
	ssize_t n;

	if (child_alive(c) && waitpid(c->pid, &c->status, WNOHANG) == c->pid)
		c->exited = changed = true;
	/* Once the run started, the journal tells the rest. */
	while (c->out >= 0 && c->run[0] == '\0' &&
	       (n = pread(c->out, buf, sizeof(buf) - 1, c->read_off)) > 0) {
		char *start = buf, *nl;
		buf[n] = '\0';
		while ((nl = memchr(start, '\n', (size_t)(buf + n - start))) != NULL) {
			*nl = '\0';
			on_line(c, start);
			start = nl + 1;
		}
		/* No end of line in a whole buffer, or the last words of an ended
		 * child: take it as it is. */
		if (start < buf + n && (start == buf || c->exited)) {
			on_line(c, start);
			start = buf + n;
		}
		c->read_off += start - buf;
		changed = true;
		if ((size_t)(start - buf) < (size_t)n)
			break; /* a line still being written */
	}
	return changed;
}

void child_stop(const struct child *c)
{
	if (child_alive(c))
		kill(c->pid, SIGINT);
}

void child_release(struct child *c)
{
	if (c->out >= 0)
		close(c->out);
	child_init(c);
}
