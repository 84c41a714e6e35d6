/* engine.c: phases in order, events to the journal and the subscriber, resume. */
#include "engine.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "ansible.h"
#include "batch.h"
#include "bundle.h"
#include "clock.h"
#include "error.h"
#include "journal.h"
#include "remote.h"
#include "secrets.h"

#define TAIL_FAILURES 20 /* failures kept per phase in the summary */

struct engine {
	struct engine_config cfg;
	struct journal *journal;
	int lock_fd;
	volatile sig_atomic_t stop;
	pthread_mutex_t lock;     /* guards the summary for snapshots */
	json_t *previous;         /* {component: {"tasks":n, "duration_ms":n}} of earlier runs */
	size_t phase;             /* index of the running phase in the summary */
	struct remote_runner *remote; /* NULL: ansible-playbook runs here */
	char *secret_vars;        /* the variables' secrets as extra vars (JSON), or NULL */
	char control_dir[ANSIBLE_CONTROL_DIR_MAX]; /* ssh's sockets for a local run; "" if none */
};

static double now_ts(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

/* Records an event (stolen) in the journal and hands it to the subscriber. */
static void emit(struct engine *e, json_t *ev, bool sync)
{
	if (json_object_get(ev, "ts") == NULL)
		json_object_set_new(ev, "ts", json_real(now_ts()));
	journal_append(e->journal, ev, sync);
	if (e->cfg.on_event)
		e->cfg.on_event(e->cfg.ctx, ev);
	json_decref(ev);
}

static json_t *phases(struct engine *e)
{
	return json_object_get(e->journal->summary, "phases");
}

static json_t *phase_at(struct engine *e, size_t i)
{
	return json_array_get(phases(e), i);
}

static json_t *phase_by_component(struct engine *e, const char *id, size_t *index)
{
	size_t i;
	json_t *ph;

	json_array_foreach(phases(e), i, ph)
	{
		const char *c = json_string_value(json_object_get(ph, "component"));
		if (c != NULL && strcmp(c, id) == 0) {
			if (index)
				*index = i;
			return ph;
		}
	}
	return NULL;
}

static void save(struct engine *e)
{
	pthread_mutex_lock(&e->lock);
	journal_save_summary(e->journal);
	pthread_mutex_unlock(&e->lock);
}

/* What earlier successful runs took per component, for progress estimates. */
static json_t *previous_runs(const char *state, const char *project)
{
	json_t *list = journal_list(state), *prev = json_object(), *run, *ph;
	size_t i, k;

	json_array_foreach(list, i, run)
	{
		const char *p = json_string_value(json_object_get(run, "project"));
		if (p == NULL || strcmp(p, project) != 0)
			continue;
		json_array_foreach(json_object_get(run, "phases"), k, ph)
		{
			const char *c = json_string_value(json_object_get(ph, "component"));
			const char *st = json_string_value(json_object_get(ph, "status"));
			if (c == NULL || st == NULL || strcmp(st, "succeeded") != 0 ||
			    json_object_get(prev, c) != NULL)
				continue;
			json_object_set_new(prev, c,
					    json_pack("{s:O, s:O}", "tasks",
						      json_object_get(ph, "tasks_done"), "duration_ms",
						      json_object_get(ph, "duration_ms")));
		}
	}
	json_decref(list);
	return prev;
}

static json_t *host_names(const struct plan_phase *ph)
{
	json_t *a = json_array();

	for (size_t h = 0; a && h < ph->nhosts; h++)
		json_array_append_new(a, json_string(ph->hosts[h]->name));
	return a;
}

/* Makes the summary list every phase of the plan, keeping what an earlier
 * attempt of this run recorded. */
static void sync_phases(struct engine *e)
{
	const struct plan *plan = e->cfg.plan;
	json_t *list = json_array();

	for (size_t i = 0; i < plan->count; i++) {
		const struct plan_phase *ph = &plan->phases[i];
		json_t *old = phase_by_component(e, ph->component->id, NULL);
		char playbook[PATH_MAX];
		snprintf(playbook, sizeof(playbook), "playbooks/%s", ph->component->playbook);
		if (old != NULL) {
			json_object_set_new(old, "hosts", host_names(ph));
			json_array_append(list, old);
			continue;
		}
		json_array_append_new(
			list, json_pack("{s:s, s:s, s:o, s:s, s:i, s:i, s:{}, s:[]}", "component",
					ph->component->id, "playbook", playbook, "hosts",
					host_names(ph), "status", "pending", "tasks_done", 0,
					"tasks_total", 0, "results", "failures"));
	}
	json_object_set_new(e->journal->summary, "phases", list);
}

/* Wipes the values of {NAME: {"__ansible_unsafe": value}} before it goes. */
static void wipe_values(json_t *values)
{
	const char *name;
	json_t *v;

	json_object_foreach(values, name, v) {
		json_t *s = json_object_get(v, "__ansible_unsafe");
		explicit_bzero((char *)json_string_value(s), json_string_length(s));
	}
}

/* Opens the secrets that the project's variables refer to into
 * e->secret_vars: {"hnsp_secrets": {NAME: {"__ansible_unsafe": value}}},
 * marked unsafe so that Ansible never templates a value. */
static int open_secret_vars(struct engine *e, char *err, size_t errsize)
{
	json_t *names = project_secret_vars(e->cfg.project), *values = json_object(), *doc = NULL, *n;
	char key[PATH_MAX], *value;
	size_t i;
	int r = HNSP_ERR_NOMEM;

	if (names == NULL || values == NULL)
		goto out;
	r = 0;
	if (json_array_size(names) == 0)
		goto out;
	if (e->cfg.runner_host >= 0) {
		snprintf(err, errsize,
			 "project '%s' gives Ansible secrets in its variables ('%s'); the remote "
			 "runner does not carry them: apply with --runner local",
			 e->cfg.project->name, json_string_value(json_array_get(names, 0)));
		r = HNSP_ERR_INVALID;
		goto out;
	}
	if ((r = secrets_key_path(e->cfg.state_dir, key, sizeof(key))) < 0)
		goto out;
	json_array_foreach(names, i, n) {
		const char *name = json_string_value(n);
		if ((r = secrets_get(e->cfg.state_dir, key, name, &value, err, errsize)) < 0)
			goto out;
		r = json_object_set_new(values, name, json_pack("{s:s}", "__ansible_unsafe", value));
		secret_free(value);
		if (r < 0) {
			r = HNSP_ERR_NOMEM;
			goto out;
		}
	}
	if ((doc = json_pack("{s:O}", "hnsp_secrets", values)) == NULL ||
	    (e->secret_vars = json_dumps(doc, JSON_COMPACT)) == NULL)
		r = HNSP_ERR_NOMEM;
out:
	wipe_values(values);
	json_decref(doc);
	json_decref(values);
	json_decref(names);
	return r;
}

int engine_new(const struct engine_config *cfg, struct engine **out, char *err, size_t errsize)
{
	struct engine *e = calloc(1, sizeof(*e));
	const char *name = cfg->project->name;
	char id[256], path[PATH_MAX];
	/* NULL too when a name is not UTF-8: the run goes on without it. */
	json_t *by = cfg->started_by == NULL ? NULL
		     : json_pack("{s:s, s:s}", "user", cfg->started_by->user, "via",
				 cfg->started_by->via);
	long holder = 0;
	int r = HNSP_ERR_NOMEM;

	*out = NULL;
	err[0] = '\0';
	if (e == NULL) {
		json_decref(by);
		return r;
	}
	e->cfg = *cfg;
	if (e->cfg.become_password == NULL) /* ssh.become_password: {secret: NAME} */
		e->cfg.become_password = cfg->access->become_password;
	e->lock_fd = -1;
	pthread_mutex_init(&e->lock, NULL);
	if (cfg->from || cfg->only) {
		const char *want = cfg->only ? cfg->only : cfg->from;
		bool found = false;
		for (size_t i = 0; i < cfg->plan->count; i++)
			found |= strcmp(cfg->plan->phases[i].component->id, want) == 0;
		if (!found) {
			snprintf(err, errsize, "'%s' is not a phase of the plan of project '%s' (see 'hnsp-installer plan')",
				 want, name);
			r = HNSP_ERR_NOTFOUND;
			goto fail;
		}
	}
	/* A bundle that lacks something fails here, before any host is touched:
	 * checked once (it hashes every file), when a phase pushes it. */
	if (cfg->project->artefacts.source == ARTEFACTS_OFFLINE) {
		bool pushes = false;
		for (size_t i = 0; i < cfg->plan->count; i++)
			pushes |= cfg->plan->phases[i].component->pushes_bundle;
		if (pushes && (r = bundle_check(cfg->project, cfg->catalog, err, errsize)) < 0)
			goto fail;
	}
	if ((r = open_secret_vars(e, err, errsize)) < 0)
		goto fail;
	if (journal_lock(cfg->state_dir, name, &e->lock_fd, &holder) < 0) {
		if (errno == EWOULDBLOCK)
			snprintf(err, errsize,
				 "project '%s' is being applied by another hnsp-installer (pid %ld); "
				 "wait for it, or follow it with 'hnsp-installer runs log --follow'",
				 name, holder);
		else
			snprintf(err, errsize, "cannot lock project '%s' in %s/locks: %s", name,
				 cfg->state_dir, strerror(errno));
		r = HNSP_ERR_IO;
		goto fail;
	}
	e->previous = previous_runs(cfg->state_dir, name);
	if (cfg->resume) {
		if (journal_find_unfinished(cfg->state_dir, name, id, sizeof(id)) < 0) {
			snprintf(err, errsize,
				 "project '%s' has no unfinished run to resume; its last run "
				 "succeeded or it never ran",
				 name);
			r = HNSP_ERR_NOTFOUND;
			goto fail;
		}
		if ((r = journal_open(cfg->state_dir, id, &e->journal)) < 0) {
			snprintf(err, errsize, "cannot open run %s: %s", id, hnsp_strerror(r));
			goto fail;
		}
	} else if ((r = journal_create(cfg->state_dir, name, by, &e->journal)) < 0) {
		snprintf(err, errsize, "cannot create a run directory under %s/runs: %s",
			 cfg->state_dir, strerror(errno));
		goto fail;
	} else {
		/* The project as it was applied, next to what it produced. */
		journal_copy_file(cfg->project->path,
				  journal_path(e->journal, "project.yaml", path, sizeof(path)), 0600);
	}
	snprintf(path, sizeof(path), "%s/pki/%s", cfg->state_dir, name);
	if ((r = ansible_control_dir_create(e->control_dir)) < 0) {
		snprintf(err, errsize, "cannot create a directory for ssh's sockets in /tmp: %s",
			 strerror(errno));
		goto fail;
	}
	if ((r = ansible_prepare(e->journal->dir,
				 &(struct ansible_paths){e->journal->dir, cfg->datadir,
							 cfg->access->key_file,
							 cfg->access->known_hosts, path,
							 e->control_dir},
				 cfg->project, cfg->catalog, cfg->access)) < 0) {
		snprintf(err, errsize, "cannot write the Ansible files in %s: %s", e->journal->dir,
			 strerror(errno));
		goto fail;
	}
	if (cfg->runner_host >= 0 &&
	    (r = remote_runner_open(cfg->access, (size_t)cfg->runner_host, cfg->datadir,
				    e->journal->id, cfg->project, cfg->catalog, &e->remote, err,
				    errsize)) < 0)
		goto fail;
	sync_phases(e);
	json_object_set_new(e->journal->summary, "state", json_string("running"));
	save(e);
	json_decref(by);
	*out = e;
	return 0;
fail:
	json_decref(by);
	engine_free(e);
	return r;
}

/* ---- one phase ---- */

static void count_result(json_t *phase, const char *host, const char *status)
{
	json_t *results = json_object_get(phase, "results"), *h = json_object_get(results, host);

	if (h == NULL) {
		h = json_pack("{s:i, s:i, s:i, s:i, s:i}", "ok", 0, "changed", 0, "failed", 0,
			      "unreachable", 0, "skipped", 0);
		json_object_set_new(results, host, h);
	}
	json_object_set_new(h, status, json_integer(json_integer_value(json_object_get(h, status)) + 1));
}

/* Each Ansible event: tagged with its phase, journaled, counted, passed on. */
static void on_ansible_event(void *ctx, json_t *ev)
{
	struct engine *e = ctx;
	json_t *ph = phase_at(e, e->phase);
	const char *type = json_string_value(json_object_get(ev, "event"));

	if (type == NULL)
		return;
	json_object_set_new(ev, "phase", json_integer((json_int_t)e->phase + 1));
	json_object_set(ev, "component", json_object_get(ph, "component"));
	pthread_mutex_lock(&e->lock);
	if (strcmp(type, "play_start") == 0) {
		json_int_t total = json_integer_value(json_object_get(ph, "tasks_seen_total")) +
				   json_integer_value(json_object_get(ev, "tasks_total"));
		json_object_set_new(ph, "tasks_seen_total", json_integer(total));
		if (total > json_integer_value(json_object_get(ph, "tasks_total")))
			json_object_set_new(ph, "tasks_total", json_integer(total));
	} else if (strcmp(type, "task_start") == 0) {
		json_object_set_new(ph, "tasks_done",
				    json_integer(json_integer_value(json_object_get(ph, "tasks_done")) + 1));
		json_object_set(ph, "current_task", json_object_get(ev, "task"));
	} else if (strcmp(type, "host_result") == 0) {
		const char *host = json_string_value(json_object_get(ev, "host"));
		const char *status = json_string_value(json_object_get(ev, "status"));
		json_t *failures = json_object_get(ph, "failures");
		if (host && status)
			count_result(ph, host, status);
		if (status && (strcmp(status, "failed") == 0 || strcmp(status, "unreachable") == 0) &&
		    !json_is_true(json_object_get(ev, "ignored")) &&
		    json_array_size(failures) < TAIL_FAILURES)
			json_array_append_new(
				failures, json_pack("{s:O, s:O, s:O, s:O, s:O, s:O}", "host",
						    json_object_get(ev, "host"), "task",
						    json_object_get(ev, "task"), "status",
						    json_object_get(ev, "status"), "msg",
						    json_object_get(ev, "msg"), "stderr_tail",
						    json_object_get(ev, "stderr_tail"), "stdout_tail",
						    json_object_get(ev, "stdout_tail")));
	}
	pthread_mutex_unlock(&e->lock);
	/* One write(2) per event: flushed as it happens; fsync waits for phase ends. */
	json_incref(ev);
	emit(e, ev, false);
}

/* Ansible says "unreachable"; the SSH engine says why, in its own classes. */
static void explain_unreachable(struct engine *e, json_t *failures)
{
	const struct access *a = e->cfg.access;
	size_t i;
	json_t *f;

	json_array_foreach(failures, i, f)
	{
		const char *host = json_string_value(json_object_get(f, "host"));
		const char *status = json_string_value(json_object_get(f, "status"));
		struct ssh_failure fail;
		struct ssh_conn *conn = NULL;
		char why[sizeof(fail.message) + 32];
		if (host == NULL || status == NULL || strcmp(status, "unreachable") != 0)
			continue;
		for (size_t k = 0; k < a->n; k++) {
			if (strcmp(a->endpoints[k].name, host) != 0)
				continue;
			/* Only this thread changes the summary: probe without the lock,
			 * so snapshots are not held up by connection timeouts. */
			if (ssh_conn_open(&a->view, &a->endpoints[k], &conn, &fail) == 0)
				snprintf(why, sizeof(why), "answers again now (a passing failure?)");
			else
				snprintf(why, sizeof(why), "[%s] %s", ssh_fail_name(fail.kind),
					 fail.message);
			ssh_conn_free(conn);
			pthread_mutex_lock(&e->lock);
			json_object_set_new(f, "ssh", json_string(why));
			pthread_mutex_unlock(&e->lock);
			break;
		}
	}
}

static const char *const outcome_status[] = {
	[ANSIBLE_OK] = "succeeded", [ANSIBLE_FAILED] = "failed",
	[ANSIBLE_INTERRUPTED] = "interrupted", [ANSIBLE_BROKEN] = "failed"};

/* Host index in the access endpoints of a host of the plan. */
static size_t host_index(const struct engine *e, const struct host *h)
{
	return (size_t)(h - HOST_AT(e->cfg.project, 0));
}

/* The engine's own step of a phase, reported like an Ansible task: a
 * task_start, then one host_result per host. */
static void step_start(struct engine *e, const char *task, const char *action)
{
	json_t *ev = json_pack("{s:s, s:f, s:s, s:s, s:s, s:s, s:i}", "event", "task_start", "ts",
			       0.0, "play", "hnsp-installer", "task", task, "action", action, "path",
			       "", "index", 0);
	json_object_set_new(ev, "ts", json_real(now_ts()));
	on_ansible_event(e, ev);
	json_decref(ev);
}

static void step_result(struct engine *e, const char *task, const char *host, const char *status,
			long ms, const char *msg)
{
	/* Shaped as Ansible's results are, tails included (empty), so that a
	 * failure is recorded the same way. */
	json_t *ev = json_pack("{s:s, s:s, s:s, s:i, s:b, s:s, s:b, s:I, s:s, s:s, s:s}", "event",
			       "host_result", "host", host, "task", task, "index", 0, "handler", 0,
			       "status", status, "changed", strcmp(status, "changed") == 0,
			       "duration_ms", (json_int_t)ms, "msg", msg, "stderr_tail", "",
			       "stdout_tail", "");
	json_object_set_new(ev, "ts", json_real(now_ts()));
	on_ansible_event(e, ev);
	json_decref(ev);
}

/* The last lines of a phase's log: what ansible-playbook said when it
 * stopped before any task (a playbook that does not parse, say). */
static json_t *log_tail(const char *path)
{
	char buf[4096];
	FILE *f = fopen(path, "r");
	json_t *tail;
	size_t n = 0;
	long size;

	if (f == NULL)
		return json_string("");
	if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) > (long)sizeof(buf) - 1)
		fseek(f, size - (long)sizeof(buf) + 1, SEEK_SET);
	else
		fseek(f, 0, SEEK_SET);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	tail = json_string(strchr(buf, '\n') && n == sizeof(buf) - 1 ? strchr(buf, '\n') + 1 : buf);
	return tail ? tail : json_string("(the log's end is not UTF-8)");
}

/* A host the engine could not reach is "unreachable", as Ansible says it. */
static const char *fail_status(enum ssh_fail kind)
{
	return kind == SSH_FAIL_NONE || kind == SSH_FAIL_COMMAND || kind == SSH_FAIL_LOCAL
		       ? "failed"
		       : "unreachable";
}

/* Pushes the offline bundle to the phase's hosts with the SSH engine:
 * checksummed, resumable, skipping files already there. */
static enum ansible_outcome push_bundle(struct engine *e, const struct plan_phase *pp)
{
	static const char task[] = "push the offline bundle";
	/* Owned by the login user (SUDO_USER under sudo), who writes it over SFTP. */
	static const char *const mkdir_argv[] = {
		"bash", "-c", "install -d -m 0755 -o \"${SUDO_USER:-$(id -un)}\" \"$1\"", "hnsp",
		BUNDLE_REMOTE_DIR, NULL};
	const struct access *a = e->cfg.access;
	size_t *sel = calloc(pp->nhosts + 1, sizeof(*sel)), nsel = 0;
	char *dir = bundle_dir(e->cfg.project), msg[1024];
	struct batch *made = NULL, *pushed = NULL;
	struct push_options po;
	struct ssh_exec_options xo = {.timeout_ms = 60000, .become = e->cfg.project->ssh.become,
				      .become_password = e->cfg.become_password};
	enum ansible_outcome outcome = ANSIBLE_OK;

	step_start(e, task, "hnsp.push");
	if (sel == NULL || dir == NULL) {
		step_result(e, task, "", "failed", 0, "out of memory");
		free(sel);
		free(dir);
		return ANSIBLE_BROKEN;
	}
	for (size_t h = 0; h < pp->nhosts; h++)
		sel[h] = host_index(e, pp->hosts[h]);
	if (batch_exec(a, sel, pp->nhosts, (size_t)e->cfg.project->ssh.forks, mkdir_argv, &xo,
		       &made) < 0) {
		step_result(e, task, "", "failed", 0, "out of memory");
		outcome = ANSIBLE_BROKEN;
		goto out;
	}
	for (size_t k = 0; k < made->n; k++) {
		const struct batch_item *it = &made->items[k];
		const char *host = HOST_AT(e->cfg.project, it->host)->name;
		if (it->fail.kind != SSH_FAIL_NONE || it->result.exit_status != 0) {
			snprintf(msg, sizeof(msg), "cannot create %s: %s", BUNDLE_REMOTE_DIR,
				 it->fail.kind != SSH_FAIL_NONE ? it->fail.message : it->result.err);
			step_result(e, task, host, fail_status(it->fail.kind), it->result.elapsed_ms,
				    msg);
			outcome = ANSIBLE_FAILED;
		} else {
			sel[nsel++] = it->host;
		}
	}
	push_options_init(&po);
	if (nsel > 0 && batch_push(a, sel, nsel, (size_t)e->cfg.project->ssh.forks, dir,
				   BUNDLE_REMOTE_DIR, &po, &pushed) < 0) {
		step_result(e, task, "", "failed", 0, "out of memory");
		outcome = ANSIBLE_BROKEN;
		goto out;
	}
	for (size_t k = 0; pushed && k < pushed->n; k++) {
		const struct batch_item *it = &pushed->items[k];
		const char *host = HOST_AT(e->cfg.project, it->host)->name;
		if (it->fail.kind != SSH_FAIL_NONE) {
			step_result(e, task, host, fail_status(it->fail.kind), it->push.elapsed_ms,
				    it->fail.message);
			outcome = ANSIBLE_FAILED;
			continue;
		}
		snprintf(msg, sizeof(msg), "%zu files sent (%.1f MB), %zu unchanged, %zu resumed",
			 it->push.files, (double)it->push.bytes_sent / 1e6, it->push.skipped,
			 it->push.resumed);
		step_result(e, task, host, it->push.files > 0 ? "changed" : "ok", it->push.elapsed_ms,
			    msg);
	}
	if (e->stop && outcome == ANSIBLE_OK)
		outcome = ANSIBLE_INTERRUPTED;
out:
	batch_free(made);
	batch_free(pushed);
	free(sel);
	free(dir);
	return outcome;
}

static enum ansible_outcome run_phase(struct engine *e, size_t i, size_t nphases)
{
	const struct plan_phase *pp = &e->cfg.plan->phases[i];
	json_t *ph = phase_at(e, i), *prev = json_object_get(e->previous, pp->component->id);
	char playbook[PATH_MAX], log[PATH_MAX], name[128];
	struct ansible_run_options o = {.playbook = playbook,
					.log_path = log,
					.become_password = e->cfg.become_password,
					.secret_vars = e->secret_vars,
					.stop = &e->stop,
					.on_event = on_ansible_event,
					.ctx = e};
	enum ansible_outcome outcome;
	long start = clock_ms();
	int status;

	e->phase = i;
	snprintf(playbook, sizeof(playbook), "%s/playbooks/%s", e->cfg.datadir,
		 pp->component->playbook);
	snprintf(name, sizeof(name), "phase-%02zu-%s.log", i + 1, pp->component->id);
	journal_path(e->journal, name, log, sizeof(log));
	pthread_mutex_lock(&e->lock);
	json_object_set_new(ph, "status", json_string("running"));
	json_object_set_new(ph, "started", json_integer(time(NULL)));
	json_object_set_new(ph, "log", json_string(log));
	json_object_set_new(ph, "tasks_done", json_integer(0));
	json_object_set_new(ph, "tasks_seen_total", json_integer(0));
	json_object_set_new(ph, "tasks_total", json_integer(json_integer_value(json_object_get(prev, "tasks"))));
	json_object_set_new(ph, "results", json_object());
	json_object_set_new(ph, "failures", json_array());
	pthread_mutex_unlock(&e->lock);
	save(e);
	emit(e,
	     json_pack("{s:s, s:I, s:I, s:s, s:s, s:o, s:O, s:O}", "event", "phase_start", "phase",
		       (json_int_t)i + 1, "phases_total", (json_int_t)nphases, "component",
		       pp->component->id, "playbook", playbook, "hosts", host_names(pp),
		       "tasks_estimate", json_object_get(ph, "tasks_total"), "estimate_ms",
		       json_object_get(prev, "duration_ms") ? json_object_get(prev, "duration_ms")
							     : json_null()),
	     true);
	if (access(playbook, R_OK) != 0) {
		FILE *f = fopen(log, "a");
		if (f) {
			fprintf(f, "hnsp-installer: the playbook %s is missing\n", playbook);
			fclose(f);
		}
		outcome = ANSIBLE_BROKEN;
		status = 127;
	} else if (pp->component->pushes_bundle &&
		   e->cfg.project->artefacts.source == ARTEFACTS_OFFLINE &&
		   (outcome = push_bundle(e, pp)) != ANSIBLE_OK) {
		status = outcome == ANSIBLE_INTERRUPTED ? -SIGINT : 1;
	} else {
		outcome = e->remote ? remote_runner_run(e->remote, &o, &status)
				    : ansible_run(e->journal->dir, &o, &status);
	}
	explain_unreachable(e, json_object_get(ph, "failures"));
	pthread_mutex_lock(&e->lock);
	json_object_set_new(ph, "status", json_string(outcome_status[outcome]));
	json_object_set_new(ph, "finished", json_integer(time(NULL)));
	json_object_set_new(ph, "duration_ms", json_integer(clock_ms() - start));
	json_object_set_new(ph, "exit_status", json_integer(status));
	json_object_del(ph, "current_task");
	if ((outcome == ANSIBLE_BROKEN || outcome == ANSIBLE_FAILED) &&
	    json_array_size(json_object_get(ph, "failures")) == 0)
		json_array_append_new(json_object_get(ph, "failures"),
				      json_pack("{s:s, s:s, s:s, s:o}", "host", "", "task", "",
						"msg", status == 127 ? "ansible-playbook or the playbook could not be started"
								     : "ansible-playbook stopped without a task result",
						"stdout_tail", log_tail(log)));
	pthread_mutex_unlock(&e->lock);
	save(e);
	emit(e,
	     json_pack("{s:s, s:I, s:s, s:s, s:I, s:O, s:O, s:s}", "event", "phase_end", "phase",
		       (json_int_t)i + 1, "component", pp->component->id, "status",
		       outcome_status[outcome], "duration_ms", (json_int_t)(clock_ms() - start),
		       "results", json_object_get(ph, "results"), "failures",
		       json_object_get(ph, "failures"), "log", log),
	     true);
	return outcome;
}

enum run_outcome engine_run(struct engine *e)
{
	const struct plan *plan = e->cfg.plan;
	json_t *summary = e->journal->summary, *names = json_array();
	enum ansible_outcome outcome = ANSIBLE_OK;
	enum run_outcome result;
	long start = clock_ms();
	bool started = e->cfg.from == NULL;

	json_t *estimates = json_array();

	/* What each phase took last time it succeeded: the basis of "time left". */
	for (size_t i = 0; i < plan->count; i++) {
		const char *id = plan->phases[i].component->id;
		json_t *prev = json_object_get(json_object_get(e->previous, id), "duration_ms");
		json_array_append_new(names, json_string(id));
		json_array_append_new(estimates, prev ? json_incref(prev) : json_null());
	}
	emit(e,
	     json_pack("{s:s, s:s, s:s, s:b, s:o, s:o, s:s}", "event", "run_start", "run",
		       e->journal->id, "project", e->cfg.project->name, "resumed", e->cfg.resume,
		       "phases", names, "estimates_ms", estimates, "dir", e->journal->dir),
	     true);
	for (size_t i = 0; i < plan->count && outcome == ANSIBLE_OK; i++) {
		const char *id = plan->phases[i].component->id;
		const char *st = json_string_value(json_object_get(phase_at(e, i), "status"));
		const char *skip = NULL;
		if (e->cfg.from && strcmp(e->cfg.from, id) == 0)
			started = true;
		if (e->cfg.only && strcmp(e->cfg.only, id) != 0)
			skip = "not selected by --only";
		else if (!started)
			skip = "before the --from phase";
		else if (e->cfg.resume && !e->cfg.only && !e->cfg.from && st &&
			 strcmp(st, "succeeded") == 0)
			skip = "completed earlier in this run";
		if (skip != NULL) {
			emit(e,
			     json_pack("{s:s, s:I, s:s, s:s}", "event", "phase_skip", "phase",
				       (json_int_t)i + 1, "component", id, "reason", skip),
			     false);
			continue;
		}
		if (e->stop) {
			outcome = ANSIBLE_INTERRUPTED;
			break;
		}
		outcome = run_phase(e, i, plan->count);
	}
	result = outcome == ANSIBLE_OK ? RUN_SUCCEEDED
		 : outcome == ANSIBLE_INTERRUPTED ? RUN_INTERRUPTED : RUN_FAILED;
	/* --only and --from runs leave the run's own state as its phases say. */
	{
		bool all_done = true;
		size_t i;
		json_t *ph;
		json_array_foreach(phases(e), i, ph)
		{
			const char *st = json_string_value(json_object_get(ph, "status"));
			all_done &= st != NULL && strcmp(st, "succeeded") == 0;
		}
		pthread_mutex_lock(&e->lock);
		json_object_set_new(summary, "state",
				    json_string(result == RUN_SUCCEEDED
							? (all_done ? "succeeded" : "partial")
						: result == RUN_INTERRUPTED ? "interrupted"
									    : "failed"));
		json_object_set_new(summary, "finished", json_integer(time(NULL)));
		pthread_mutex_unlock(&e->lock);
	}
	save(e);
	emit(e,
	     json_pack("{s:s, s:s, s:O, s:I, s:s}", "event", "run_end", "run", e->journal->id,
		       "status", json_object_get(summary, "state"), "duration_ms",
		       (json_int_t)(clock_ms() - start), "dir", e->journal->dir),
	     true);
	return result;
}

void engine_stop(struct engine *e)
{
	e->stop = 1;
}

json_t *engine_snapshot(struct engine *e)
{
	json_t *copy;

	pthread_mutex_lock(&e->lock);
	copy = json_deep_copy(e->journal->summary);
	pthread_mutex_unlock(&e->lock);
	return copy;
}

const char *engine_run_id(const struct engine *e)
{
	return e->journal->id;
}

const char *engine_run_dir(const struct engine *e)
{
	return e->journal->dir;
}

void engine_free(struct engine *e)
{
	if (e == NULL)
		return;
	remote_runner_free(e->remote);
	secret_free(e->secret_vars);
	ansible_control_dir_remove(e->control_dir);
	journal_free(e->journal);
	journal_unlock(e->lock_fd);
	json_decref(e->previous);
	pthread_mutex_destroy(&e->lock);
	free(e);
}
