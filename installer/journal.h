/* journal.h: the durable record of runs, under STATE/runs/<id>/.
 *
 * A run directory holds the project snapshot, the generated Ansible files,
 * events.jsonl (one JSON event per line, appended, flushed at every task
 * result and fsynced at phase boundaries), one log per phase and
 * summary.json (rewritten atomically: temp file, fsync, rename).  A lock per
 * project (flock, so a killed process never leaves it held) stops a second
 * apply of the same project. */
#ifndef HNSP_JOURNAL_H
#define HNSP_JOURNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct journal {
	char *dir;           /* owned: STATE/runs/<id> */
	char *id;            /* owned */
	int events_fd;       /* events.jsonl, append-only */
	json_t *summary;     /* owned: what summary.json holds */
};

/* Writes data to path atomically (a temp file of its own in the same
 * directory, made with mode, fsync, rename, fsync of the directory), so
 * writers in several threads or processes never share a temp file.
 * Returns 0 or HNSP_ERR_IO. */
int journal_write_atomic(const char *path, const void *data, size_t len, unsigned mode);

/* Copies the file from to path to, atomically (journal_write_atomic). */
int journal_copy_file(const char *from, const char *to, unsigned mode);

/* Creates a new run directory for project under state; summary starts as
 * {"id", "project", "state":"running", "started", "started_by", "phases":[]},
 * started_by a copy of who starts the run ({"user", "via"}; borrowed, NULL:
 * left out).  Returns 0, HNSP_ERR_IO or HNSP_ERR_NOMEM; *out is new on
 * success. */
int journal_create(const char *state, const char *project, const json_t *started_by,
		   struct journal **out);

/* Opens an existing run (for resume, show, log).  Returns 0, HNSP_ERR_NOTFOUND,
 * HNSP_ERR_IO or HNSP_ERR_INVALID (a damaged summary). */
int journal_open(const char *state, const char *id, struct journal **out);

/* The id of the newest run of project whose state is not "succeeded", into
 * buf.  Returns 0 or HNSP_ERR_NOTFOUND. */
int journal_find_unfinished(const char *state, const char *project, char *buf, size_t size);

/* Appends one event (borrowed) as a line; fsync when sync is true. */
int journal_append(struct journal *j, const json_t *event, bool sync);

/* Rewrites summary.json from j->summary. */
int journal_save_summary(struct journal *j);

/* Path of a file in the run directory, into buf.  Returns buf. */
const char *journal_path(const struct journal *j, const char *name, char *buf, size_t size);

void journal_free(struct journal *j);

/* The per-project lock.  Returns 0 and a held fd in *fd, or HNSP_ERR_IO
 * (errno EWOULDBLOCK when another process holds it: *holder gets its pid). */
int journal_lock(const char *state, const char *project, int *fd, long *holder);
void journal_unlock(int fd);
/* True while some process (this one included) holds the project's lock: its
 * run is alive. */
bool journal_project_running(const char *state, const char *project);

/* Every run's summary, newest first, as a new JSON array (NULL when none). */
json_t *journal_list(const char *state);
/* The newest summary of project in runs (from journal_list; borrowed), or NULL. */
json_t *journal_newest(json_t *runs, const char *project);

#endif
