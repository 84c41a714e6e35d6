/* engine.h: runs a plan; the one place where a run's state changes.
 *
 * The engine runs each phase's playbook (ansible.h) in order, writes every
 * event to the run journal (journal.h) and hands it to one subscriber (a
 * front-end; NULL for unattended runs), keeps summary.json current, stops
 * cleanly when asked, and resumes a run from the first phase that did not
 * complete.  It never prints.  Events are JSON objects with "event" and
 * "ts"; the engine's own are run_start, phase_start, phase_skip, phase_end
 * and run_end, and Ansible's (playbook_start, play_start, task_start,
 * host_result, stats) come through with "phase" and "component" added.
 * docs/events.md lists every field. */
#ifndef HNSP_ENGINE_H
#define HNSP_ENGINE_H

#include <jansson.h>
#include <signal.h>
#include <stdbool.h>

#include "access.h"
#include "audit.h"
#include "catalog.h"
#include "plan.h"
#include "project.h"

struct engine_config {
	const struct project *project;   /* all borrowed; they outlive the engine */
	const struct catalog *catalog;
	const struct plan *plan;
	const struct access *access;
	const char *state_dir;
	const char *datadir;             /* holds playbooks/ and roles/ */
	bool resume;                     /* continue the newest unfinished run */
	const char *from;                /* start at this component's phase, or NULL */
	const char *only;                /* run only this component's phase, or NULL */
	const char *become_password;     /* secret, or NULL */
	const struct audit_actor *started_by; /* who starts a new run, read by engine_new
					  * only: the summary's started_by {"user",
					  * "via"}; NULL: left out */
	long runner_host;                /* -1: run Ansible here; else the index of the
					  * deployer host (remote.h) */
	/* Receives every event (borrowed, valid during the call); may be NULL. */
	void (*on_event)(void *ctx, const json_t *event);
	void *ctx;
};

enum run_outcome { RUN_SUCCEEDED, RUN_FAILED, RUN_INTERRUPTED };

struct engine;

/* Prepares a run: takes the project's lock, opens or creates the run's
 * journal and writes the Ansible files.  On failure *out is NULL and err
 * holds one line for a person.  Returns 0, HNSP_ERR_IO (e.g. the project is
 * locked), HNSP_ERR_NOTFOUND (nothing to resume, unknown phase) or
 * HNSP_ERR_NOMEM. */
int engine_new(const struct engine_config *cfg, struct engine **out, char *err, size_t errsize);

/* Runs the phases; blocks until the run ends.  Returns the outcome. */
enum run_outcome engine_run(struct engine *e);

/* Asks the run to stop after Ansible's current task.  Async-signal-safe. */
void engine_stop(struct engine *e);

/* A copy of the run's summary (what summary.json holds); new reference. */
json_t *engine_snapshot(struct engine *e);

/* The run's id and directory (owned by the engine). */
const char *engine_run_id(const struct engine *e);
const char *engine_run_dir(const struct engine *e);

void engine_free(struct engine *e);

#endif
