/* audit.c: append who did what to STATE/audit.jsonl. */
#include "audit.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "error.h"

struct audit_actor audit_local_actor(const char *via, char *buf, size_t size)
{
	struct passwd *pw = getpwuid(getuid());

	if (pw != NULL)
		snprintf(buf, size, "%s", pw->pw_name);
	else
		snprintf(buf, size, "uid %ld", (long)getuid());
	return (struct audit_actor){.user = buf, .via = via, .address = NULL};
}

int audit_record(const char *state, const struct audit_actor *who, const char *action,
		 json_t *detail)
{
	char path[PATH_MAX], when[32];
	time_t now = time(NULL);
	struct tm tm;
	json_t *entry = json_object();
	char *line = NULL;
	size_t len;
	int fd = -1, r = HNSP_ERR_NOMEM;

	if (entry == NULL)
		goto out;
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
	json_object_set_new(entry, "time", json_string(when));
	json_object_set_new(entry, "actor", json_string(who->user));
	json_object_set_new(entry, "via", json_string(who->via));
	if (who->address != NULL)
		json_object_set_new(entry, "address", json_string(who->address));
	json_object_set_new(entry, "action", json_string(action));
	/* The fixed members win over a detail's. */
	if (detail != NULL && json_object_update_missing(entry, detail) < 0)
		goto out;
	if ((line = json_dumps(entry, JSON_COMPACT)) == NULL)
		goto out;
	r = HNSP_ERR_LIMIT;
	if ((len = strlen(line)) + 1 > AUDIT_LINE_MAX)
		goto out;
	line[len++] = '\n'; /* json_dumps' NUL becomes the newline */
	r = HNSP_ERR_IO;
	if ((size_t)snprintf(path, sizeof(path), "%s/audit.jsonl", state) >= sizeof(path))
		goto out;
	if ((fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600)) < 0)
		goto out;
	/* One write under the lock: lines from several processes never interleave. */
	if (flock(fd, LOCK_EX) < 0)
		goto out;
	if (write(fd, line, len) != (ssize_t)len || fdatasync(fd) < 0)
		goto out;
	r = 0;
out:
	if (fd >= 0)
		close(fd);
	free(line);
	json_decref(entry);
	json_decref(detail);
	return r;
}
