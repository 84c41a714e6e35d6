/* journal.c: run directories, the event log, atomic summaries and the lock. */
#include "journal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "state.h"

static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return HNSP_ERR_IO;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int journal_write_atomic(const char *path, const void *data, size_t len, unsigned mode)
{
	char tmp[PATH_MAX], dir[PATH_MAX], *slash;
	int fd, dfd, r;

	/* A name of its own per writer: threads of one process share the pid. */
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", path) >= sizeof(tmp))
		return HNSP_ERR_IO;
	if ((fd = mkostemp(tmp, O_CLOEXEC)) < 0)
		return HNSP_ERR_IO;
	r = fchmod(fd, (mode_t)mode) < 0 ? HNSP_ERR_IO : write_all(fd, data, len);
	if (r == 0 && fsync(fd) < 0)
		r = HNSP_ERR_IO;
	if (close(fd) < 0 && r == 0)
		r = HNSP_ERR_IO;
	if (r == 0 && rename(tmp, path) < 0)
		r = HNSP_ERR_IO;
	if (r < 0) {
		unlink(tmp);
		return r;
	}
	snprintf(dir, sizeof(dir), "%s", path);
	if ((slash = strrchr(dir, '/')) != NULL) {
		*slash = '\0';
		if ((dfd = open(dir[0] ? dir : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
			fsync(dfd);
			close(dfd);
		}
	}
	return 0;
}

int journal_copy_file(const char *from, const char *to, unsigned mode)
{
	FILE *in = fopen(from, "rb");
	char *data = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&data, &len);
	char buf[65536];
	size_t n;
	int r;

	if (in == NULL || mem == NULL) {
		if (in)
			fclose(in);
		if (mem)
			fclose(mem);
		free(data);
		return HNSP_ERR_IO;
	}
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		fwrite(buf, 1, n, mem);
	fclose(in);
	fclose(mem);
	r = journal_write_atomic(to, data, len, mode);
	free(data);
	return r;
}

const char *journal_path(const struct journal *j, const char *name, char *buf, size_t size)
{
	snprintf(buf, size, "%s/%s", j->dir, name);
	return buf;
}

int journal_save_summary(struct journal *j)
{
	char path[PATH_MAX], *text = json_dumps(j->summary, JSON_INDENT(2) | JSON_SORT_KEYS);
	int r;

	if (text == NULL)
		return HNSP_ERR_NOMEM;
	r = journal_write_atomic(journal_path(j, "summary.json", path, sizeof(path)), text,
				 strlen(text), 0600);
	free(text);
	return r;
}

static int open_events(struct journal *j)
{
	char path[PATH_MAX];

	j->events_fd = open(journal_path(j, "events.jsonl", path, sizeof(path)),
			    O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	return j->events_fd < 0 ? HNSP_ERR_IO : 0;
}

int journal_create(const char *state, const char *project, const json_t *started_by,
		   struct journal **out)
{
	struct journal *j = calloc(1, sizeof(*j));
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	int r = HNSP_ERR_NOMEM;

	*out = NULL;
	if (j == NULL)
		return HNSP_ERR_NOMEM;
	j->events_fd = -1;
	if (asprintf(&j->dir, "%s/runs", state) < 0) {
		j->dir = NULL;
		goto out;
	}
	if (state_mkdirs(j->dir, 0700) < 0) {
		r = HNSP_ERR_IO;
		goto out;
	}
	free(j->dir);
	j->dir = NULL;
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
	/* The pid and a counter keep ids unique within one second. */
	for (int attempt = 0; attempt < 100; attempt++) {
		free(j->id);
		free(j->dir);
		j->dir = NULL;
		if (asprintf(&j->id, "%s-%s-%ld%02d", stamp, project, (long)getpid() % 100000,
			     attempt) < 0 ||
		    asprintf(&j->dir, "%s/runs/%s", state, j->id) < 0) {
			j->id = NULL;
			goto out;
		}
		/* mkdir, not state_mkdirs: an existing directory is another run's. */
		if (mkdir(j->dir, 0700) == 0)
			break;
		if (errno != EEXIST) {
			r = HNSP_ERR_IO;
			goto out;
		}
	}
	j->summary = json_pack("{s:s, s:s, s:s, s:I, s:[]}", "id", j->id, "project", project,
			       "state", "running", "started", (json_int_t)now, "phases");
	if (j->summary == NULL ||
	    (started_by != NULL &&
	     json_object_set_new(j->summary, "started_by", json_deep_copy(started_by)) < 0))
		goto out;
	if ((r = open_events(j)) < 0 || (r = journal_save_summary(j)) < 0)
		goto out;
	*out = j;
	j = NULL;
out:
	journal_free(j);
	return r;
}

int journal_open(const char *state, const char *id, struct journal **out)
{
	struct journal *j = calloc(1, sizeof(*j));
	char path[PATH_MAX];
	json_error_t err;
	int r = HNSP_ERR_NOMEM;

	*out = NULL;
	if (j == NULL)
		return r;
	j->events_fd = -1;
	if (strchr(id, '/') != NULL || id[0] == '.' || (j->id = strdup(id)) == NULL ||
	    asprintf(&j->dir, "%s/runs/%s", state, id) < 0) {
		j->dir = NULL;
		r = HNSP_ERR_NOTFOUND;
		goto out;
	}
	if ((j->summary = json_load_file(journal_path(j, "summary.json", path, sizeof(path)), 0,
					 &err)) == NULL) {
		r = access(path, F_OK) == 0 ? HNSP_ERR_INVALID : HNSP_ERR_NOTFOUND;
		goto out;
	}
	if ((r = open_events(j)) < 0)
		goto out;
	*out = j;
	j = NULL;
out:
	journal_free(j);
	return r;
}

int journal_append(struct journal *j, const json_t *event, bool sync)
{
	char *line = json_dumps(event, JSON_COMPACT);
	size_t len;
	int r;

	if (line == NULL)
		return HNSP_ERR_NOMEM;
	len = strlen(line);
	line[len] = '\n'; /* json_dumps leaves room: it NUL-terminates */
	r = write_all(j->events_fd, line, len + 1);
	free(line);
	if (r == 0 && sync && fsync(j->events_fd) < 0)
		r = HNSP_ERR_IO;
	return r;
}

void journal_free(struct journal *j)
{
	if (j == NULL)
		return;
	if (j->events_fd >= 0)
		close(j->events_fd);
	json_decref(j->summary);
	free(j->dir);
	free(j->id);
	free(j);
}

int journal_lock(const char *state, const char *project, int *fdp, long *holder)
{
	char dir[PATH_MAX], path[PATH_MAX + 64], pid[32];
	int fd;

	*fdp = -1;
	*holder = 0;
	snprintf(dir, sizeof(dir), "%s/locks", state);
	if (state_mkdirs(dir, 0700) < 0)
		return HNSP_ERR_IO;
	snprintf(path, sizeof(path), "%s/%s.lock", dir, project);
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0)
		return HNSP_ERR_IO;
	/* flock dies with its process: a lock left by a killed run is free again.
	 * A moment's wait lets a probe (journal_project_running) pass. */
	for (int tries = 0; flock(fd, LOCK_EX | LOCK_NB) < 0 && errno == EWOULDBLOCK && tries < 20;
	     tries++)
		usleep(50 * 1000);
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int e = errno;
		ssize_t n = pread(fd, pid, sizeof(pid) - 1, 0);
		if (n > 0) {
			pid[n] = '\0';
			*holder = strtol(pid, NULL, 10);
		}
		close(fd);
		errno = e;
		return HNSP_ERR_IO;
	}
	snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) < 0 || pwrite(fd, pid, strlen(pid), 0) < 0) {
		close(fd);
		return HNSP_ERR_IO;
	}
	*fdp = fd;
	return 0;
}

void journal_unlock(int fd)
{
	if (fd >= 0)
		close(fd);
}

static int newest_first(const void *a, const void *b)
{
	const char *x = json_string_value(json_object_get(*(json_t *const *)a, "id"));
	const char *y = json_string_value(json_object_get(*(json_t *const *)b, "id"));

	return strcmp(y ? y : "", x ? x : "");
}

json_t *journal_list(const char *state)
{
	char dir[PATH_MAX], path[PATH_MAX + 300];
	json_t **items = NULL, *list;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/runs", state);
	if ((list = json_array()) == NULL || (d = opendir(dir)) == NULL)
		return list;
	while ((de = readdir(d)) != NULL) {
		json_t *s;
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s/summary.json", dir, de->d_name);
		if ((s = json_load_file(path, 0, NULL)) == NULL)
			continue;
		if (n == cap) {
			json_t **more = realloc(items, (cap = cap ? cap * 2 : 16) * sizeof(*items));
			if (more == NULL) {
				json_decref(s);
				break;
			}
			items = more;
		}
		items[n++] = s;
	}
	closedir(d);
	if (n > 1)
		qsort(items, n, sizeof(*items), newest_first);
	for (size_t i = 0; i < n; i++)
		json_array_append_new(list, items[i]);
	free(items);
	return list;
}

int journal_find_unfinished(const char *state, const char *project, char *buf, size_t size)
{
	json_t *list = journal_list(state), *s;
	size_t i;
	int r = HNSP_ERR_NOTFOUND;

	json_array_foreach(list, i, s)
	{
		const char *p = json_string_value(json_object_get(s, "project"));
		const char *st = json_string_value(json_object_get(s, "state"));
		if (p == NULL || strcmp(p, project) != 0)
			continue;
		/* Only the newest run of the project counts. */
		if (st != NULL && strcmp(st, "succeeded") != 0) {
			snprintf(buf, size, "%s", json_string_value(json_object_get(s, "id")));
			r = 0;
		}
		break;
	}
	json_decref(list);
	return r;
}

bool journal_project_running(const char *state, const char *project)
{
	char path[PATH_MAX];
	bool held;
	int fd;

	snprintf(path, sizeof(path), "%s/locks/%s.lock", state, project);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return false;
	/* A shared probe: it never blocks a run, and fails only while one holds it. */
	held = flock(fd, LOCK_SH | LOCK_NB) < 0 && errno == EWOULDBLOCK;
	close(fd);
	return held;
}

json_t *journal_newest(json_t *runs, const char *project)
{
	size_t i;
	json_t *r;

	json_array_foreach(runs, i, r)
		if (strcmp(json_string_value(json_object_get(r, "project")) ?: "", project) == 0)
			return r;
	return NULL;
}
