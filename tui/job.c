/* job.c: the blocking work (preflight, verify, the bundle) on a worker thread. */
#include "job.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "bundle.h"
#include "clock.h"
#include "error.h"

static int run_preflight(struct job *j, const struct access *a)
{
	size_t fails = 0, warns = 0;
	int r = preflight_run(j->project, a, (size_t)j->project->ssh.forks, &j->preflight);

	for (size_t i = 0; r == 0 && i < j->preflight->n; i++)
		for (size_t k = 0; k < j->preflight->hosts[i].nchecks; k++) {
			fails += j->preflight->hosts[i].checks[k].status == CHECK_FAIL;
			warns += j->preflight->hosts[i].checks[k].status == CHECK_WARN;
		}
	snprintf(j->said, sizeof(j->said), "preflight: %zu hosts, %zu failed, %zu warned",
		 j->preflight ? j->preflight->n : 0, fails, warns);
	j->good = r == 0 && fails == 0;
	return r;
}

static int run_verify(struct job *j, const struct access *a)
{
	size_t fails = 0;
	int r = verify_run(j->project, j->cat, a, &j->verify);

	for (size_t i = 0; i < j->verify.n; i++)
		fails += j->verify.rows[i].status == VERIFY_FAIL;
	snprintf(j->said, sizeof(j->said), "%s: %zu checks, %zu failed",
		 j->verify.ok ? "verified" : "NOT verified", j->verify.n, fails);
	j->good = r == 0 && j->verify.ok;
	return r;
}

static int run_bundle(struct job *j, const struct access *a)
{
	char *dir = bundle_dir(j->project), err[1024] = "";
	const json_t *first;
	json_t *result = NULL;
	int r = 0;

	(void)a;
	if (dir == NULL) {
		snprintf(j->said, sizeof(j->said), "project '%s' has no offline bundle: set "
						   "artefacts.source offline and a bundle directory (s)",
			 j->project->name);
		return 0;
	}
	switch ((r = bundle_build(j->project, j->cat, j->datadir, dir, &result, err, sizeof(err)))) {
	case 0:
		snprintf(j->said, sizeof(j->said), "bundle built in %s: %zu packages, %zu binaries, "
						   "%zu images", dir,
			 json_array_size(json_object_get(result, "packages")),
			 json_array_size(json_object_get(result, "binaries")),
			 json_array_size(json_object_get(result, "images")));
		j->good = true;
		break;
	case HNSP_ERR_NOTFOUND:
		first = json_array_get(result, 0);
		snprintf(j->said, sizeof(j->said), "no bundle: %zu artefacts have no source, first "
						   "%s %s of %s: %s; nothing was written",
			 json_array_size(result), json_string_value(json_object_get(first, "kind")) ?: "",
			 json_string_value(json_object_get(first, "name")) ?: "",
			 json_string_value(json_object_get(first, "component")) ?: "",
			 json_string_value(json_object_get(first, "reason")) ?: "");
		r = 0;
		break;
	default: /* a tool failed and err says how; without a word it was memory */
		snprintf(j->said, sizeof(j->said), "no bundle: %s", err[0] ? err : "out of memory");
		r = err[0] ? 0 : r;
	}
	json_decref(result);
	free(dir);
	return r;
}

/* What each kind runs, and whether it reaches the hosts. */
static const struct {
	const char *name;
	int (*run)(struct job *j, const struct access *a);
	bool remote;
} kinds[] = {
	[JOB_PREFLIGHT] = {"preflight", run_preflight, true},
	[JOB_VERIFY] = {"verify", run_verify, true},
	[JOB_BUNDLE] = {"bundle", run_bundle, false},
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
	int r = 0;

	diag_list_init(&diags);
	if (project_load(j->path, j->state, j->cat, &j->project, &diags) < 0)
		snprintf(j->why, sizeof(j->why), "the project has %zu errors; fix them first",
			 diags.errors);
	else if (!kinds[j->kind].remote)
		r = kinds[j->kind].run(j, NULL);
	else if ((r = access_init(&acc, j->project, j->state, getenv("HNSP_KEY_PASSPHRASE"),
				  NULL)) == 0) {
		if ((r = access_use_secrets(&acc, j->project, j->state, j->why, sizeof(j->why))) == 0)
			r = kinds[j->kind].run(j, &acc);
		access_release(&acc);
	}
	if (r < 0 && j->why[0] == '\0')
		snprintf(j->why, sizeof(j->why), "%s", hnsp_strerror(r));
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
	j->said[0] = '\0';
	j->good = false;
	j->finished = false;
}

int job_start(struct job *j, enum job_kind kind, const char *path, const char *state,
	      const char *datadir, const struct catalog *cat)
{
	sigset_t all, old;
	int r;

	if (j->running)
		return HNSP_ERR_EXISTS;
	results_release(j);
	j->kind = kind;
	snprintf(j->path, sizeof(j->path), "%s", path);
	snprintf(j->state, sizeof(j->state), "%s", state);
	snprintf(j->datadir, sizeof(j->datadir), "%s", datadir);
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
