/* job.c: the blocking checks (preflight, verify) on a worker thread. */
#include "job.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "clock.h"
#include "error.h"

static int run_preflight(struct job *j, const struct access *a)
{
	return preflight_run(j->project, a, (size_t)j->project->ssh.forks, &j->preflight);
}

static int run_verify(struct job *j, const struct access *a)
{
	return verify_run(j->project, j->cat, a, &j->verify);
}

static const struct {
	const char *name;
	int (*run)(struct job *j, const struct access *a);
} kinds[] = {
	[JOB_PREFLIGHT] = {"preflight", run_preflight},
	[JOB_VERIFY] = {"verify", run_verify},
};

const char *job_name(enum job_kind kind)
{
	return kinds[kind].name;
}

static void *work(void *arg)
{
	struct job *j = arg;
	struct diag_list diags;
	struct access acc;

	diag_list_init(&diags);
	if (project_load(j->path, j->cat, &j->project, &diags) < 0)
		snprintf(j->why, sizeof(j->why), "the project has %zu errors; fix them first",
			 diags.errors);
	else if (access_init(&acc, j->project, j->state, getenv("HNSP_KEY_PASSPHRASE"), NULL) < 0)
		snprintf(j->why, sizeof(j->why), "out of memory");
	else {
		if (kinds[j->kind].run(j, &acc) < 0)
			snprintf(j->why, sizeof(j->why), "out of memory");
		access_release(&acc);
	}
	diag_list_release(&diags);
	j->elapsed_ms = clock_ms() - j->started_ms;
	atomic_store(&j->done, true);
	return NULL;
}

static void results_release(struct job *j)
{
	preflight_report_free(j->preflight);
	verify_report_release(&j->verify);
	project_free(j->project);
	j->preflight = NULL;
	j->project = NULL;
	j->why[0] = '\0';
	j->finished = false;
}

int job_start(struct job *j, enum job_kind kind, const char *path, const char *state,
	      const struct catalog *cat)
{
	sigset_t all, old;
	int r;

	if (j->running)
		return HNSP_ERR_EXISTS;
	results_release(j);
	j->kind = kind;
	snprintf(j->path, sizeof(j->path), "%s", path);
	snprintf(j->state, sizeof(j->state), "%s", state);
	j->cat = cat;
	j->started_ms = clock_ms();
	atomic_store(&j->done, false);
	/* Signals are the main loop's: the worker starts with all of them blocked. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	r = pthread_create(&j->thread, NULL, work, j);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r != 0)
		return HNSP_ERR_NOMEM;
	j->running = true;
	return 0;
}

bool job_poll(struct job *j)
{
	if (!j->running || !atomic_load(&j->done))
		return false;
	pthread_join(j->thread, NULL);
	j->running = false;
	j->finished = true;
	return true;
}

void job_release(struct job *j)
{
	if (j->running) {
		pthread_join(j->thread, NULL);
		j->running = false;
	}
	results_release(j);
}
