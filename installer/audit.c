/* audit.c: append who did what to STATE/audit.jsonl, and read it back. */
#include "audit.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "diag.h"
#include "error.h"
#include "ydoc.h"

#define TIME_FORMAT "%Y-%m-%dT%H:%M:%SZ"
#define DAMAGED_MAX 1000 /* line numbers reported by audit_read, at most */

struct audit_actor audit_local_actor(const char *via, char *buf, size_t size)
{
	struct passwd pw, *found = NULL;
	char scratch[4096];

	if (getpwuid_r(getuid(), &pw, scratch, sizeof(scratch), &found) == 0 && found != NULL)
		snprintf(buf, size, "%s", found->pw_name);
	else
		snprintf(buf, size, "uid %ld", (long)getuid());
	return (struct audit_actor){.user = buf, .via = via, .address = NULL};
}

static int audit_path(const char *state, char *buf, size_t size)
{
	if ((size_t)snprintf(buf, size, "%s/audit.jsonl", state) >= size) {
		errno = ENAMETOOLONG;
		return HNSP_ERR_IO;
	}
	return 0;
}

/* A string member that never goes missing: a name that is not UTF-8 (a
 * local login name may not be) is kept as "?". */
static json_t *text(const char *s)
{
	json_t *j = s != NULL ? json_string(s) : NULL;

	return j != NULL ? j : json_string("?");
}

int audit_record(const char *state, const struct audit_actor *who, const char *action,
		 json_t *detail)
{
	char path[PATH_MAX], when[32], last = '\n';
	time_t now = time(NULL);
	struct tm tm;
	struct stat st;
	json_t *entry = json_object();
	char *line = NULL, *buf = NULL;
	size_t len;
	int fd = -1, r = HNSP_ERR_NOMEM;

	if (entry == NULL)
		goto out;
	strftime(when, sizeof(when), TIME_FORMAT, gmtime_r(&now, &tm));
	json_object_set_new(entry, "time", json_string(when));
	json_object_set_new(entry, "actor", text(who->user));
	json_object_set_new(entry, "via", text(who->via));
	if (who->address != NULL && who->address[0] != '\0')
		json_object_set_new(entry, "address", text(who->address));
	json_object_set_new(entry, "action", text(action));
	/* The fixed members win over a detail's. */
	if (detail != NULL && json_object_update_missing(entry, detail) < 0)
		goto out;
	if ((line = json_dumps(entry, JSON_COMPACT)) == NULL)
		goto out;
	r = HNSP_ERR_LIMIT;
	if ((len = strlen(line)) + 1 > AUDIT_LINE_MAX)
		goto out;
	r = HNSP_ERR_NOMEM;
	/* Room for a newline before the line, and one after. */
	if ((buf = malloc(len + 2)) == NULL)
		goto out;
	buf[0] = '\n';
	memcpy(buf + 1, line, len);
	buf[len + 1] = '\n';
	r = HNSP_ERR_IO;
	if (audit_path(state, path, sizeof(path)) < 0)
		goto out;
	/* O_NONBLOCK: a FIFO planted in its place fails instead of blocking. */
	fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0600);
	if (fd < 0 || fstat(fd, &st) < 0)
		goto out;
	if (!S_ISREG(st.st_mode)) {
		errno = EINVAL;
		goto out;
	}
	if ((st.st_mode & 07777) != 0600 && fchmod(fd, 0600) < 0)
		goto out;
	/* One write under the lock: lines from several processes never interleave. */
	if (flock(fd, LOCK_EX) < 0 || fstat(fd, &st) < 0)
		goto out;
	/* A line cut short by a full disk ends here, so that it alone is damaged. */
	if (st.st_size > 0 && pread(fd, &last, 1, st.st_size - 1) != 1)
		goto out;
	/* A short write (a full disk) is an error: the next entry starts a new line. */
	if (last == '\n' ? write(fd, buf + 1, len + 1) == (ssize_t)len + 1
			 : write(fd, buf, len + 2) == (ssize_t)len + 2)
		r = fdatasync(fd) < 0 ? HNSP_ERR_IO : 0;
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	free(line);
	json_decref(entry);
	json_decref(detail);
	return r;
}

/* ---- the diff summary ---- */

struct span {
	const char *p;
	size_t n;
};

static int span_cmp(const void *a, const void *b)
{
	const struct span *x = a, *y = b;
	int c = memcmp(x->p, y->p, x->n < y->n ? x->n : y->n);

	return c != 0 ? c : (x->n > y->n) - (x->n < y->n);
}

/* The lines of s, sorted, into *out (new); *n of them. */
static int sorted_lines(const char *s, struct span **out, size_t *n)
{
	size_t cap = 1;
	struct span *v;

	*n = 0;
	for (const char *p = s; *p; p++)
		cap += *p == '\n';
	if ((v = calloc(cap, sizeof(*v))) == NULL)
		return HNSP_ERR_NOMEM;
	while (*s != '\0') {
		size_t len = strcspn(s, "\n");
		v[(*n)++] = (struct span){s, len};
		s += len + (s[len] == '\n');
	}
	qsort(v, *n, sizeof(*v), span_cmp);
	*out = v;
	return 0;
}

/* The text as a JSON value: NULL text is an empty mapping. */
static json_t *as_json(const char *s)
{
	struct diag_list quiet;
	struct ydoc *doc = NULL;
	json_t *j;

	if (s == NULL)
		return json_object();
	diag_list_init(&quiet);
	ydoc_parse("project", s, strlen(s), &doc, &quiet);
	j = doc != NULL ? ynode_to_json(doc->root) : NULL;
	ydoc_free(doc);
	diag_list_release(&quiet);
	return j;
}

static int key_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The top-level keys of a and b whose values differ, sorted, or null when
 * either is not a mapping. */
static json_t *changed_keys(const json_t *a, const json_t *b)
{
	const char **names, *k;
	size_t n = 0;
	json_t *v, *out;

	if (!json_is_object(a) || !json_is_object(b))
		return json_null();
	if ((names = calloc(json_object_size(a) + json_object_size(b) + 1, sizeof(*names))) ==
	    NULL)
		return NULL;
	json_object_foreach((json_t *)a, k, v)
		if (!json_equal(v, json_object_get(b, k)))
			names[n++] = k;
	json_object_foreach((json_t *)b, k, v)
		if (json_object_get(a, k) == NULL)
			names[n++] = k;
	qsort(names, n, sizeof(*names), key_cmp);
	out = json_array();
	for (size_t i = 0; out != NULL && i < n && i < AUDIT_DIFF_KEYS; i++)
		json_array_append_new(out, json_string(names[i]));
	free(names);
	return out;
}

json_t *audit_diff(const char *old_text, const char *new_text)
{
	struct span *a = NULL, *b = NULL;
	size_t na = 0, nb = 0, i = 0, k = 0, added = 0, removed = 0;
	json_t *ja = NULL, *jb = NULL, *out = NULL;

	if (sorted_lines(old_text ? old_text : "", &a, &na) < 0 ||
	    sorted_lines(new_text ? new_text : "", &b, &nb) < 0)
		goto out;
	/* Both sorted: a line in one list and not the other is added or removed. */
	while (i < na || k < nb) {
		int c = i == na ? 1 : k == nb ? -1 : span_cmp(&a[i], &b[k]);
		removed += c < 0;
		added += c > 0;
		i += c <= 0;
		k += c >= 0;
	}
	ja = as_json(old_text);
	jb = as_json(new_text);
	out = json_pack("{s:I, s:I, s:o}", "lines_added", (json_int_t)added, "lines_removed",
			(json_int_t)removed, "keys", changed_keys(ja, jb));
out:
	json_decref(ja);
	json_decref(jb);
	free(a);
	free(b);
	return out;
}

/* ---- reading ---- */

int audit_parse_time(const char *s, time_t now, time_t *out)
{
	static const char *const formats[] = {"%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%M:%S",
					      "%Y-%m-%dT%H:%MZ", "%Y-%m-%dT%H:%M", "%Y-%m-%d"};
	char *end;
	size_t digits;
	long n;

	if (s == NULL || s[0] == '\0')
		return HNSP_ERR_INVALID;
	digits = strspn(s, "0123456789");
	if (digits > 0 && s[digits] != '\0' && strchr("smhd", s[digits]) != NULL &&
	    s[digits + 1] == '\0') {
		static const struct {
			char unit;
			long seconds;
		} units[] = {{'s', 1}, {'m', 60}, {'h', 3600}, {'d', 86400}};
		errno = 0;
		n = strtol(s, &end, 10);
		for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
			if (*end == units[i].unit && errno == 0 && n <= 36500L * 86400 / units[i].seconds) {
				*out = now - (time_t)(n * units[i].seconds);
				return 0;
			}
		return HNSP_ERR_INVALID;
	}
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		struct tm tm = {0};
		end = strptime(s, formats[i], &tm);
		if (end != NULL && *end == '\0') {
			*out = timegm(&tm);
			return 0;
		}
	}
	return HNSP_ERR_INVALID;
}

/* The entry's time, or -1 when the line is not an entry. */
static time_t entry_time(const json_t *e)
{
	struct tm tm = {0};
	const char *t = json_string_value(json_object_get(e, "time")), *end;

	if (t == NULL || !json_is_string(json_object_get(e, "actor")) ||
	    !json_is_string(json_object_get(e, "via")) ||
	    !json_is_string(json_object_get(e, "action")))
		return -1;
	end = strptime(t, TIME_FORMAT, &tm);
	return end != NULL && *end == '\0' ? timegm(&tm) : -1;
}

/* Reads len bytes at off into buf.  Returns 0 or HNSP_ERR_IO. */
static int read_at(int fd, char *buf, size_t len, off_t off)
{
	while (len > 0) {
		ssize_t n = pread(fd, buf, len, off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			errno = n == 0 ? EIO : errno; /* the file shrank under the lock */
			return HNSP_ERR_IO;
		}
		buf += n;
		len -= (size_t)n;
		off += n;
	}
	return 0;
}

/* The newlines in the first len bytes of fd, read in pieces, and whether the
 * last of those bytes is one. */
static int count_newlines(int fd, off_t len, size_t *count, bool *at_line_start)
{
	char chunk[65536];
	off_t off = 0;

	*count = 0;
	*at_line_start = true;
	while (off < len) {
		size_t n = len - off < (off_t)sizeof(chunk) ? (size_t)(len - off) : sizeof(chunk);
		if (read_at(fd, chunk, n, off) < 0)
			return HNSP_ERR_IO;
		for (const char *p = chunk; (p = memchr(p, '\n', n - (size_t)(p - chunk))) != NULL; p++)
			(*count)++;
		*at_line_start = chunk[n - 1] == '\n';
		off += (off_t)n;
	}
	return 0;
}

int audit_read(const char *state, time_t since, size_t limit, json_t **out)
{
	char path[PATH_MAX], *buf = NULL;
	json_t *result = json_pack("{s:[], s:[], s:b}", "entries", "damaged", "partial", 0);
	json_t *entries = json_object_get(result, "entries");
	json_t *damaged = json_object_get(result, "damaged");
	size_t len = 0, begin = 0, end, skipped_lines = 0;
	long lineno;
	bool at_line_start = true;
	struct stat st;
	off_t start = 0;
	int fd = -1, r = HNSP_ERR_NOMEM;

	*out = NULL;
	if (result == NULL)
		goto out;
	r = HNSP_ERR_IO;
	if (audit_path(state, path, sizeof(path)) < 0)
		goto out;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)) < 0) {
		if (errno == ENOENT)
			goto done; /* nothing recorded yet */
		goto out;
	}
	/* Shared: no writer is half-way through a line while this reads. */
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || flock(fd, LOCK_SH) < 0 ||
	    fstat(fd, &st) < 0)
		goto out;
	if (st.st_size > (off_t)AUDIT_READ_MAX)
		start = st.st_size - (off_t)AUDIT_READ_MAX;
	if (count_newlines(fd, start, &skipped_lines, &at_line_start) < 0)
		goto out;
	len = (size_t)(st.st_size - start);
	r = HNSP_ERR_NOMEM;
	if ((buf = malloc(len + 1)) == NULL)
		goto out;
	r = HNSP_ERR_IO;
	if (read_at(fd, buf, len, start) < 0)
		goto out;
	close(fd);
	fd = -1;
	r = HNSP_ERR_NOMEM;
	lineno = (long)skipped_lines + 1; /* the line that holds buf[0] */
	if (!at_line_start) {
		/* The tail starts inside a line: that one is older than what is read. */
		char *nl = memchr(buf, '\n', len);
		begin = nl ? (size_t)(nl - buf) + 1 : len;
		lineno++;
	}
	json_object_set_new(result, "partial", json_boolean(start > 0));
	/* From the newest line back: [s, end) is line lineno. */
	end = len > begin && buf[len - 1] == '\n' ? len - 1 : len;
	for (const char *p = buf + begin; (p = memchr(p, '\n', end - (size_t)(p - buf))) != NULL; p++)
		lineno++;
	while (end > begin && json_array_size(entries) < limit) {
		char *nl = memrchr(buf + begin, '\n', end - begin);
		size_t s = nl ? (size_t)(nl - buf) + 1 : begin;
		json_t *e = json_loadb(buf + s, end - s, JSON_REJECT_DUPLICATES, NULL);
		time_t t = json_is_object(e) ? entry_time(e) : -1;
		if (t < 0) {
			if (json_array_size(damaged) < DAMAGED_MAX &&
			    json_array_append_new(damaged, json_integer(lineno)) < 0) {
				json_decref(e);
				goto out;
			}
		} else if (t >= since) {
			if (json_array_append(entries, e) < 0) {
				json_decref(e);
				goto out;
			}
		} else if (t < since - 60) {
			/* Entries are in time order, give or take the moment between
			 * taking the time and the lock: all the rest is older. */
			json_decref(e);
			break;
		}
		json_decref(e);
		if (s == begin)
			break;
		end = s - 1;
		lineno--;
	}
done:
	*out = result;
	result = NULL;
	r = 0;
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	json_decref(result);
	return r;
}
