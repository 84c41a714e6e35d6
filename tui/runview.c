/* runview.c: fold a run's events into what the run screen shows. */
#include "runview.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *str(const json_t *ev, const char *key)
{
	const char *s = json_string_value(json_object_get(ev, key));

	return s ? s : "";
}

static long num(const json_t *ev, const char *key)
{
	return (long)json_integer_value(json_object_get(ev, key));
}

static void log_line(struct runview *rv, enum runview_tone tone, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void log_line(struct runview *rv, enum runview_tone tone, const char *fmt, ...)
{
	struct runview_line *l = &rv->log[rv->nlog % RUNVIEW_LOG_LINES];
	char *text = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&text, fmt, ap) < 0)
		text = NULL;
	va_end(ap);
	if (text == NULL)
		return;
	free(l->text);
	l->text = text;
	l->tone = tone;
	rv->nlog++;
}

void runview_init(struct runview *rv)
{
	memset(rv, 0, sizeof(*rv));
	rv->current = -1;
	rv->failures = json_array();
}

void runview_release(struct runview *rv)
{
	for (size_t i = 0; i < RUNVIEW_LOG_LINES; i++)
		free(rv->log[i].text);
	json_decref(rv->failures);
	memset(rv, 0, sizeof(*rv));
	rv->current = -1;
}

/* The phase numbered (1-based) in ev, made when the run did not list it. */
static struct runview_phase *phase_of(struct runview *rv, const json_t *ev)
{
	long k = num(ev, "phase");

	if (k < 1 || k > RUNVIEW_MAX_PHASES)
		return NULL;
	while (rv->nphases < (size_t)k) {
		struct runview_phase *p = &rv->phases[rv->nphases++];
		memset(p, 0, sizeof(*p));
		snprintf(p->status, sizeof(p->status), "pending");
		p->estimate_ms = -1;
	}
	return &rv->phases[k - 1];
}

static void on_run_start(struct runview *rv, const json_t *ev)
{
	const json_t *phases = json_object_get(ev, "phases"), *est = json_object_get(ev, "estimates_ms");
	size_t i;
	json_t *v;

	snprintf(rv->id, sizeof(rv->id), "%s", str(ev, "run"));
	snprintf(rv->project, sizeof(rv->project), "%s", str(ev, "project"));
	snprintf(rv->status, sizeof(rv->status), "running");
	rv->resumed = json_is_true(json_object_get(ev, "resumed"));
	rv->started = json_real_value(json_object_get(ev, "ts"));
	/* A resumed run starts again in the same journal: the attempt before it
	 * ended and its failures were dealt with. */
	rv->ended = 0;
	json_array_clear(rv->failures);
	rv->current = -1;
	rv->nphases = 0;
	json_array_foreach(phases, i, v)
	{
		struct runview_phase *p;
		if (i >= RUNVIEW_MAX_PHASES)
			break;
		p = &rv->phases[rv->nphases++];
		memset(p, 0, sizeof(*p));
		snprintf(p->component, sizeof(p->component), "%s", json_string_value(v) ?: "?");
		snprintf(p->status, sizeof(p->status), "pending");
		v = json_array_get(est, i);
		p->estimate_ms = json_is_integer(v) ? (double)json_integer_value(v) : -1;
	}
	log_line(rv, TONE_PLAIN, "run %s: %zu phases%s", rv->id, json_array_size(phases),
		 rv->resumed ? " (resumed)" : "");
}

static void on_phase_start(struct runview *rv, const json_t *ev)
{
	struct runview_phase *p = phase_of(rv, ev);
	const json_t *hosts = json_object_get(ev, "hosts"), *h;
	size_t i;

	if (p == NULL)
		return;
	rv->current = p - rv->phases;
	snprintf(p->component, sizeof(p->component), "%s", str(ev, "component"));
	snprintf(p->status, sizeof(p->status), "running");
	p->tasks_done = 0;
	p->tasks_total = num(ev, "tasks_estimate");
	p->started = json_real_value(json_object_get(ev, "ts"));
	rv->nhosts = 0;
	rv->hosts_total = json_array_size(hosts);
	json_array_foreach(hosts, i, h)
		if (rv->nhosts < RUNVIEW_MAX_HOSTS)
			snprintf(rv->hosts[rv->nhosts++], sizeof(rv->hosts[0]), "%s",
				 json_string_value(h) ?: "?");
	rv->ntasks = 0;
	rv->task[0] = '\0';
	rv->ok = rv->changed = rv->failed = rv->unreachable = rv->skipped = 0;
	log_line(rv, TONE_PLAIN, "phase %ld/%ld %s: started on %zu hosts", num(ev, "phase"),
		 num(ev, "phases_total"), p->component, rv->hosts_total);
}

static void on_phase_skip(struct runview *rv, const json_t *ev)
{
	struct runview_phase *p = phase_of(rv, ev);
	bool earlier = strncmp(str(ev, "reason"), "completed earlier", 17) == 0;

	if (p == NULL)
		return;
	snprintf(p->component, sizeof(p->component), "%s", str(ev, "component"));
	snprintf(p->status, sizeof(p->status), "%s", earlier ? "succeeded" : "skipped");
	snprintf(p->note, sizeof(p->note), "%s", str(ev, "reason"));
	log_line(rv, TONE_DIM, "phase %ld %s: skipped, %s", num(ev, "phase"), p->component,
		 str(ev, "reason"));
}

static void on_play_start(struct runview *rv, const json_t *ev)
{
	struct runview_phase *p = rv->current >= 0 ? &rv->phases[rv->current] : NULL;
	long more = num(ev, "tasks_total");

	if (p != NULL && more > 0 && p->tasks_total < p->tasks_done + more)
		p->tasks_total = p->tasks_done + more;
}

static void task_started(struct runview *rv, const json_t *ev, bool handler)
{
	struct runview_phase *p = rv->current >= 0 ? &rv->phases[rv->current] : NULL;
	struct runview_task *t = &rv->tasks[rv->ntasks++ % RUNVIEW_MAX_TASKS];

	memset(t, 0, sizeof(*t));
	snprintf(t->name, sizeof(t->name), "%s%s", handler ? "handler: " : "", str(ev, "task"));
	snprintf(rv->task, sizeof(rv->task), "%s", t->name);
	if (p == NULL)
		return;
	if (!handler) /* handlers are not in the expected count */
		p->tasks_done++;
	log_line(rv, TONE_DIM, "  task %ld: %s", p->tasks_done, t->name);
}

/* How bad a result is, for a loop's several results per host. */
static int rank(char r)
{
	static const char order[] = "siocuf"; /* least to most */
	const char *at = r ? strchr(order, r) : NULL;

	return at ? (int)(at - order) + 1 : 0;
}

/* The failure in phase (0-based) for f's host and task, or NULL. */
static json_t *same_failure(struct runview *rv, long phase, const json_t *f)
{
	size_t i;
	json_t *g;

	json_array_foreach(rv->failures, i, g)
		if (json_integer_value(json_object_get(g, "phase")) == phase + 1 &&
		    strcmp(str(g, "host"), str(f, "host")) == 0 &&
		    strcmp(str(g, "task"), str(f, "task")) == 0)
			return g;
	return NULL;
}

/* Records a failure as it happens (a host_result) or as the phase's end
 * reports it; the two of one host and task become one, the end's fields
 * (the SSH reason, the log) added. */
static void add_failure(struct runview *rv, long phase, const json_t *f)
{
	static const char *const keys[] = {"host", "task", "status", "msg", "ssh",
					   "stderr_tail", "stdout_tail"};
	json_t *g = same_failure(rv, phase, f);

	if (phase < 0)
		return;
	if (g == NULL) {
		if (json_array_size(rv->failures) >= RUNVIEW_MAX_FAILURES ||
		    (g = json_object()) == NULL)
			return;
		json_object_set_new(g, "phase", json_integer(phase + 1));
		json_object_set_new(g, "component", json_string(rv->phases[phase].component));
		json_array_append_new(rv->failures, g);
	}
	for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
		if (str(f, keys[k])[0])
			json_object_set_new(g, keys[k], json_string(str(f, keys[k])));
}

static void on_host_result(struct runview *rv, const json_t *ev)
{
	const char *s = str(ev, "status"), *host = str(ev, "host");
	bool ignored = json_is_true(json_object_get(ev, "ignored"));
	char r = strcmp(s, "ok") == 0 ? 'o' : strcmp(s, "changed") == 0 ? 'c'
		 : strcmp(s, "unreachable") == 0 ? 'u' : strcmp(s, "skipped") == 0 ? 's' : 'f';
	struct runview_task *t = NULL;

	if (r == 'f' && ignored)
		r = 'i';
	*(r == 'o' || r == 'i' ? &rv->ok : r == 'c' ? &rv->changed : r == 'u' ? &rv->unreachable
		 : r == 's' ? &rv->skipped : &rv->failed) += 1;
	/* The newest task of that name: results come for the task running. */
	for (size_t k = rv->ntasks; k > 0 && rv->ntasks - k < RUNVIEW_MAX_TASKS && t == NULL; k--) {
		struct runview_task *c = &rv->tasks[(k - 1) % RUNVIEW_MAX_TASKS];
		const char *name = strncmp(c->name, "handler: ", 9) == 0 ? c->name + 9 : c->name;
		if (strcmp(name, str(ev, "task")) == 0)
			t = c;
	}
	if (t == NULL && rv->ntasks > 0)
		t = &rv->tasks[(rv->ntasks - 1) % RUNVIEW_MAX_TASKS];
	for (size_t h = 0; t != NULL && h < rv->nhosts; h++)
		if (strcmp(rv->hosts[h], host) == 0 && rank(r) > rank(t->result[h]))
			t->result[h] = r;
	if (r == 'f' || r == 'u') {
		log_line(rv, TONE_BAD, "  %s %s: %s: %s", host, s, str(ev, "task"), str(ev, "msg"));
		add_failure(rv, rv->current, ev);
	}
}

static void on_phase_end(struct runview *rv, const json_t *ev)
{
	struct runview_phase *p = phase_of(rv, ev);
	const json_t *results = json_object_get(ev, "results"), *h, *f;
	json_t *mine;
	const char *host;
	bool good = strcmp(str(ev, "status"), "succeeded") == 0;
	size_t i;

	if (p == NULL)
		return;
	snprintf(p->status, sizeof(p->status), "%s", str(ev, "status"));
	p->duration_ms = num(ev, "duration_ms");
	if (good && p->tasks_total < p->tasks_done)
		p->tasks_total = p->tasks_done;
	if (good)
		p->tasks_done = p->tasks_total;
	log_line(rv, good ? TONE_GOOD : TONE_BAD, "phase %ld %s: %s in %.1f s", num(ev, "phase"),
		 p->component, p->status, (double)p->duration_ms / 1000.0);
	json_object_foreach((json_t *)results, host, h)
		log_line(rv, TONE_DIM, "  %-16s ok=%-3ld changed=%-3ld failed=%-3ld "
				       "unreachable=%-3ld skipped=%ld",
			 host, num(h, "ok"), num(h, "changed"), num(h, "failed"),
			 num(h, "unreachable"), num(h, "skipped"));
	json_array_foreach(json_object_get(ev, "failures"), i, f)
		add_failure(rv, p - rv->phases, f);
	json_array_foreach(rv->failures, i, mine) /* where to read the whole story */
		if (json_integer_value(json_object_get(mine, "phase")) == p - rv->phases + 1)
			json_object_set_new(mine, "log", json_string(str(ev, "log")));
}

static void on_run_end(struct runview *rv, const json_t *ev)
{
	double d = (double)num(ev, "duration_ms") / 1000.0;

	snprintf(rv->status, sizeof(rv->status), "%s", str(ev, "status"));
	rv->ended = json_real_value(json_object_get(ev, "ts"));
	log_line(rv, strcmp(rv->status, "succeeded") == 0 ? TONE_GOOD : TONE_BAD,
		 "run %s: %s in %ld:%02ld; journal %s", str(ev, "run"), rv->status, (long)d / 60,
		 (long)d % 60, str(ev, "dir"));
}

static void on_task_start(struct runview *rv, const json_t *ev)
{
	task_started(rv, ev, false);
}

static void on_handler_start(struct runview *rv, const json_t *ev)
{
	task_started(rv, ev, true);
}

static const struct {
	const char *event;
	void (*fold)(struct runview *rv, const json_t *ev);
} folds[] = {
	{"run_start", on_run_start},   {"phase_start", on_phase_start},
	{"phase_skip", on_phase_skip}, {"play_start", on_play_start},
	{"host_result", on_host_result}, {"phase_end", on_phase_end},
	{"task_start", on_task_start}, {"handler_start", on_handler_start},
	{"run_end", on_run_end},
};

void runview_event(struct runview *rv, const json_t *ev)
{
	const char *type = str(ev, "event");

	for (size_t i = 0; i < sizeof(folds) / sizeof(folds[0]); i++)
		if (strcmp(type, folds[i].event) == 0)
			folds[i].fold(rv, ev);
}

void runview_line(void *rv, const char *line)
{
	json_t *ev = json_loads(line, 0, NULL);

	if (ev != NULL)
		runview_event(rv, ev);
	json_decref(ev);
}

bool runview_ended(const struct runview *rv)
{
	return rv->ended > 0;
}

size_t runview_log_count(const struct runview *rv)
{
	return rv->nlog < RUNVIEW_LOG_LINES ? rv->nlog : RUNVIEW_LOG_LINES;
}

const struct runview_line *runview_log_at(const struct runview *rv, size_t i)
{
	size_t first = rv->nlog - runview_log_count(rv);

	return &rv->log[(first + i) % RUNVIEW_LOG_LINES];
}

double runview_seconds_left(const struct runview *rv, double now)
{
	double left = 0;

	for (size_t i = rv->current >= 0 ? (size_t)rv->current : 0; i < rv->nphases; i++) {
		const struct runview_phase *p = &rv->phases[i];
		double est = p->estimate_ms / 1000.0;
		if (strcmp(p->status, "pending") != 0 && strcmp(p->status, "running") != 0)
			continue;
		if (p->estimate_ms < 0)
			return -1;
		if (strcmp(p->status, "running") == 0) /* less what it has run so far */
			est = est > now - p->started ? est - (now - p->started) : 0;
		left += est;
	}
	return left;
}
