/* job.h: preflight, verify or the bundle on a worker thread, so the screen stays live.
 *
 * A job reads the project file afresh, resolves how to reach its hosts
 * (access_init, with $HNSP_KEY_PASSPHRASE) when it needs them, and does its
 * work; the main loop polls job_poll() and then reads the result.  One job
 * at a time.  The worker never touches the terminal and takes no signals. */
#ifndef HNSP_TUI_JOB_H
#define HNSP_TUI_JOB_H

#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "catalog.h"
#include "preflight.h"
#include "project.h"
#include "verify.h"

enum job_kind { JOB_PREFLIGHT, JOB_VERIFY, JOB_BUNDLE };

struct job {
	enum job_kind kind;
	char path[PATH_MAX];                /* the project file */
	char state[PATH_MAX];               /* the state directory */
	char datadir[PATH_MAX];             /* holds playbooks/ (the bundle's tool) */
	const struct catalog *cat;          /* borrowed */
	/* results, read once job_poll() said it finished */
	struct project *project;            /* owned; the reports point into it */
	struct preflight_report *preflight; /* owned; JOB_PREFLIGHT */
	struct verify_report verify;        /* JOB_VERIFY */
	char why[256];                      /* why it did not run, or "" */
	char said[2048];                    /* how it ended, in one line */
	bool good;                          /* nothing failed */
	long started_ms, elapsed_ms;        /* clock_ms() */
	/* the worker */
	pthread_t thread;
	bool running;                       /* started and not joined */
	bool finished;                      /* results are there */
	atomic_bool done;                   /* set by the worker as it ends */
};

/* "preflight", "verify" or "bundle". */
const char *job_name(enum job_kind kind);
/* Frees the last results and starts kind on the project file path (all
 * strings copied; cat borrowed).  Returns 0, HNSP_ERR_EXISTS (a job is
 * running) or HNSP_ERR_NOMEM. */
int job_start(struct job *j, enum job_kind kind, const char *path, const char *state,
	      const char *datadir, const struct catalog *cat);
/* Joins a job that ended; true when it did so now. */
bool job_poll(struct job *j);
/* Waits for a running job and frees everything. */
void job_release(struct job *j);

#endif
