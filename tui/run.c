/* run.c: a run live or replayed: phases with progress bars, the current
 * phase's host x task matrix, the log, and what failed with its root cause. */
#include <stdio.h>
#include <string.h>

#include "app.h"

struct run_screen {
	struct list log;          /* a pager over the log, or over what failed */
	bool pinned;              /* the log shows its newest lines */
	bool failures;            /* what failed is shown instead of the log */
	bool shown_failures;      /* switched to it once, when the run ended failing */
	size_t nfailures;         /* failures folded into details */
	int width;                /* the width they were wrapped to */
	unsigned gen;             /* the app's generation folded, + 1 */
	struct lines details;     /* every failure, whole */
	struct lines note;        /* the app's run_note */
};

/* How each state of a phase looks. */
static const struct {
	const char *status;
	const char *glyph;
	enum style st;
} phase_looks[] = {
	{"succeeded", "✓", ST_OK},   {"failed", "✗", ST_FAIL}, {"interrupted", "✗", ST_WARN},
	{"running", "▶", ST_RUN},    {"skipped", "-", ST_DIM}, {"pending", "·", ST_DIM},
};

/* How each result of a host x task cell looks (runview.h). */
static const struct {
	char result;
	const char *glyph;
	enum style st;
	const char *meaning;
} cell_looks[] = {
	{'o', "✓", ST_OK, "ok"},     {'c', "*", ST_RUN, "changed"}, {'f', "F", ST_FAIL, "failed"},
	{'u', "U", ST_FAIL, "unreachable"}, {'s', "-", ST_DIM, "skipped"},
	{'i', "i", ST_WARN, "ignored"}, {0, "·", ST_DIM, "waiting"},
};

static int run_open(struct app *app, void *s, const void *arg)
{
	struct run_screen *r = s;

	(void)app;
	(void)arg;
	r->log.pager = true;
	r->pinned = true;
	return 0;
}

/* The last want lines of text, under label, indented, wrapped to width. */
static void add_tail(struct lines *l, const char *label, const char *text, int want, int width)
{
	const char *start = text + strlen(text);
	int lines = 0;

	while (start > text && start[-1] == '\n')
		start--;
	if (start == text)
		return;
	while (start > text && lines <= want)
		if (*--start == '\n' && ++lines > want)
			start++;
	lines_add(l, ST_DIM, "    %s", label);
	lines_add_text(l, ST_NORMAL, 6, width, start);
}

static const char *field(const json_t *f, const char *key)
{
	const char *s = json_string_value(json_object_get(f, key));

	return s ? s : "";
}

/* Every failure, whole, wrapped to width. */
static void add_failures(struct lines *l, const json_t *failures, int width)
{
	static const char *const labels[][2] = {
		{"task", "task: "}, {"msg", "message: "}, {"ssh", "ssh: "}};
	const json_t *f;
	size_t i;

	json_array_foreach(failures, i, f)
	{
		if (field(f, "host")[0]) /* the engine's own failure of a phase names no host */
			lines_add(l, ST_FAIL, "%s %s in phase %lld %s", field(f, "host"),
				  field(f, "status")[0] ? field(f, "status") : "failed",
				  (long long)json_integer_value(json_object_get(f, "phase")),
				  field(f, "component"));
		else
			lines_add(l, ST_FAIL, "phase %lld %s failed",
				  (long long)json_integer_value(json_object_get(f, "phase")),
				  field(f, "component"));
		for (size_t k = 0; k < sizeof(labels) / sizeof(labels[0]); k++) {
			char text[8192];
			if (!field(f, labels[k][0])[0])
				continue;
			snprintf(text, sizeof(text), "%s%s", labels[k][1], field(f, labels[k][0]));
			lines_add_text(l, ST_NORMAL, 4, width, text);
		}
		add_tail(l, "stderr, last lines:", field(f, "stderr_tail"), 10, width);
		add_tail(l, "stdout, last lines:", field(f, "stdout_tail"), 5, width);
		if (field(f, "log")[0]) {
			lines_add(l, ST_DIM, "    the phase's full log:");
			lines_add_text(l, ST_DIM, 6, width, field(f, "log"));
		}
		lines_add(l, ST_NORMAL, " ");
	}
}

static void run_tick(struct app *app, void *s)
{
	struct run_screen *r = s;
	const json_t *failures = app->run.failures;
	int width = COLS - 2;

	/* Again when failures come, or the window's width changes. */
	if (json_array_size(failures) != r->nfailures || width != r->width ||
	    app->generation + 1 != r->gen) {
		r->nfailures = json_array_size(failures);
		r->width = width;
		r->gen = app->generation + 1;
		lines_clear(&r->details);
		add_failures(&r->details, failures, width);
		lines_clear(&r->note);
		lines_add_text(&r->note, ST_FAIL, 0, width, app->run_note);
	}
	if (runview_ended(&app->run) && r->nfailures > 0 && !r->shown_failures) {
		r->failures = r->shown_failures = true;
		r->log.cursor = 0;
	}
}

static void clock_text(double seconds, char *buf, size_t size)
{
	long t = seconds < 0 ? 0 : (long)(seconds + 0.5);

	snprintf(buf, size, "%ld:%02ld", t / 60, t % 60);
}

/* The run's line: id, project, state, time; or what happens before it. */
static int draw_header(struct app *app, const struct run_screen *r, WINDOW *w,
		       const struct area *a)
{
	const struct runview *rv = &app->run;
	char elapsed[32], left[48] = "";
	int y = a->top, x = 1;

	if (rv->status[0] == '\0') {
		bool starting = app->run_is_child && child_alive(&app->child);
		draw_text(w, y++, 1, a->cols - 2, starting ? ST_RUN : ST_NORMAL,
			  starting ? "Starting apply… (the bundle is checked first)"
				   : rv->id[0] ? rv->id : "No run");
	} else {
		double end = rv->ended > 0 ? rv->ended : app->now;
		clock_text(end - rv->started, elapsed, sizeof(elapsed));
		if (rv->ended == 0 && runview_seconds_left(rv, app->now) >= 0) {
			char t[32];
			clock_text(runview_seconds_left(rv, app->now), t, sizeof(t));
			snprintf(left, sizeof(left), " · about %s left", t);
		}
		x += draw_fmt(w, y, x, a->cols - x, ST_HEAD, "Run %s · %s%s · ", rv->id, rv->project,
			      rv->resumed ? " (resumed)" : "");
		x += draw_text(w, y, x, a->cols - x, draw_status_style(rv->status), rv->status);
		draw_fmt(w, y++, x, a->cols - x, ST_NORMAL, " · %s%s", elapsed, left);
	}
	lines_draw(&r->note, 0, w, y, 1, r->note.n < 4 ? (int)r->note.n : 4, a->cols - 2);
	y += r->note.n < 4 ? (int)r->note.n : 4;
	if (json_array_size(rv->failures) > 0) {
		const json_t *f = json_array_get(rv->failures, 0);
		draw_fmt(w, y++, 1, a->cols - 2, ST_FAIL, "Root cause: %s, task '%s': %s",
			 json_string_value(json_object_get(f, "host")) ?: "?",
			 json_string_value(json_object_get(f, "task")) ?: "?",
			 json_string_value(json_object_get(f, "msg")) ?: "");
	}
	return y;
}

static void draw_phase(const struct runview_phase *p, WINDOW *w, int y, const struct area *a)
{
	size_t look = 0;
	char count[32];
	int x = 1, bar = a->cols >= 100 ? 24 : 14;

	while (look + 1 < sizeof(phase_looks) / sizeof(phase_looks[0]) &&
	       strcmp(phase_looks[look].status, p->status) != 0)
		look++;
	x += draw_text(w, y, x, a->cols - x, phase_looks[look].st, phase_looks[look].glyph);
	x += draw_fmt(w, y, x, a->cols - x, ST_NORMAL, " %-18s ", p->component);
	draw_bar(w, y, x, a->cols - x < bar ? a->cols - x : bar, p->tasks_done, p->tasks_total,
		 phase_looks[look].st);
	x += bar;
	if (p->tasks_total > 0)
		snprintf(count, sizeof(count), "%ld/%ld", p->tasks_done, p->tasks_total);
	else
		snprintf(count, sizeof(count), "%ld/?", p->tasks_done);
	x += draw_fmt(w, y, x, a->cols - x, ST_NORMAL, " %-8s", count);
	x += draw_text(w, y, x, a->cols - x, phase_looks[look].st, p->status);
	if (p->duration_ms > 0)
		draw_fmt(w, y, x, a->cols - x, ST_DIM, " %.1f s", (double)p->duration_ms / 1000.0);
	else if (p->note[0])
		draw_fmt(w, y, x, a->cols - x, ST_DIM, ": %s", p->note);
}

/* The hosts of the current phase against its newest tasks, newest on the right. */
static void draw_matrix(const struct runview *rv, WINDOW *w, int y, int rows, const struct area *a)
{
	const int name_w = 16;
	size_t fit = a->cols > name_w + 4 ? (size_t)(a->cols - name_w - 3) / 2 : 1, first;
	int x;

	if (fit > RUNVIEW_MAX_TASKS)
		fit = RUNVIEW_MAX_TASKS;
	first = rv->ntasks > fit ? rv->ntasks - fit : 0;
	for (size_t h = 0; h < rv->nhosts && (int)h < rows - 1; h++, y++) {
		draw_text(w, y, 1, name_w - 1, ST_NORMAL, rv->hosts[h]);
		x = 1 + name_w;
		for (size_t t = first; t < rv->ntasks; t++, x += 2) {
			char res = rv->tasks[t % RUNVIEW_MAX_TASKS].result[h];
			size_t look = 0;
			while (cell_looks[look].result != 0 && cell_looks[look].result != res)
				look++;
			draw_text(w, y, x, a->cols - x, cell_looks[look].st, cell_looks[look].glyph);
		}
	}
	if (rv->hosts_total > rv->nhosts || rv->nhosts > (size_t)rows - 1)
		draw_fmt(w, y++, 1, a->cols - 2, ST_DIM, "… %zu hosts in this phase",
			 rv->hosts_total);
	x = 1;
	for (size_t k = 0; k < sizeof(cell_looks) / sizeof(cell_looks[0]) && x < a->cols; k++) {
		x += draw_text(w, y, x, a->cols - x, cell_looks[k].st, cell_looks[k].glyph);
		x += draw_fmt(w, y, x, a->cols - x, ST_DIM, " %s  ", cell_looks[k].meaning);
	}
}

static void run_draw(struct app *app, void *s, WINDOW *w, const struct area *a)
{
	struct run_screen *r = s;
	const struct runview *rv = &app->run;
	int y = draw_header(app, r, w, a), end = a->top + a->rows, nph, first = 0, matrix = 0, rows;
	size_t n;

	/* Phases: all of them when they fit, else a window holding the current one. */
	nph = (int)rv->nphases < (end - y) / 3 + 1 ? (int)rv->nphases : (end - y) / 3 + 1;
	if (rv->current >= nph)
		first = (int)rv->current - nph + 1;
	for (int i = 0; i < nph; i++)
		draw_phase(&rv->phases[first + i], w, y++, a);
	if (rv->current >= 0 && !runview_ended(rv)) {
		const struct runview_phase *p = &rv->phases[rv->current];
		draw_fmt(w, ++y, 1, a->cols - 2, ST_HEAD, "Phase %ld/%zu %s · task %ld: %s",
			 rv->current + 1, rv->nphases, p->component, p->tasks_done, rv->task);
		draw_fmt(w, ++y, 1, a->cols - 2, ST_DIM,
			 "results: ok %ld  changed %ld  failed %ld  unreachable %ld  skipped %ld",
			 rv->ok, rv->changed, rv->failed, rv->unreachable, rv->skipped);
		y++;
		matrix = (int)rv->nhosts + 2 < (end - y) / 2 ? (int)rv->nhosts + 2 : (end - y) / 2;
		if (matrix >= 2)
			draw_matrix(rv, w, y, matrix - 1, a);
		y += matrix > 0 ? matrix : 0;
	}
	/* The log, or what failed. */
	n = r->failures ? r->details.n : runview_log_count(rv);
	draw_fmt(w, y++, 1, a->cols - 2, ST_HEAD, "%s", r->failures
		 ? "What failed (f: the log)" : r->nfailures ? "Log (f: what failed)" : "Log");
	rows = end - y;
	if (rows <= 0)
		return;
	list_set(&r->log, n);
	if (r->pinned && !r->failures)
		r->log.cursor = n;
	list_fit(&r->log, rows);
	r->pinned = r->log.top + (size_t)rows >= n; /* scrolled to the end: follow again */
	if (r->failures) {
		lines_draw(&r->details, r->log.top, w, y, 1, rows, a->cols - 2);
		return;
	}
	for (int i = 0; i < rows && r->log.top + (size_t)i < n; i++) {
		const struct runview_line *l = runview_log_at(rv, r->log.top + (size_t)i);
		static const enum style tones[] = {[TONE_PLAIN] = ST_NORMAL, [TONE_DIM] = ST_DIM,
						   [TONE_GOOD] = ST_OK, [TONE_BAD] = ST_FAIL};
		draw_text(w, y + i, 1, a->cols - 2, tones[l->tone], l->text);
	}
}

static bool run_key(struct app *app, void *s, int key)
{
	struct run_screen *r = s;

	(void)app;
	if (key == KEY_UP || key == KEY_PPAGE || key == KEY_HOME)
		r->pinned = false;
	return false; /* the list moves */
}

static void toggle_failures(struct app *app, void *s)
{
	struct run_screen *r = s;

	(void)app;
	r->failures = !r->failures && r->nfailures > 0;
	r->log.cursor = 0;
	r->pinned = !r->failures;
}

static void run_verify(struct app *app, void *s)
{
	(void)s;
	if (app->edit.project == NULL || strcmp(app->edit.project->name, app->run.project) != 0) {
		app_message(app, ST_NORMAL, "open project '%s' to verify it", app->run.project);
		return;
	}
	app_push(app, &verify_screen, NULL);
}

static void run_close(struct app *app, void *s)
{
	(void)app;
	lines_release(&((struct run_screen *)s)->details);
	lines_release(&((struct run_screen *)s)->note);
}

static const struct binding run_keys[] = {
	{'f', 0, "f", "failures / log", toggle_failures, false},
	{'v', 0, "v", "verify", run_verify, false},
	{0, 0, NULL, NULL, NULL, false},
};

const struct screen_type run_screen = {
	.title = "Run",
	.keys = run_keys,
	.size = sizeof(struct run_screen),
	.list = offsetof(struct run_screen, log),
	.open = run_open,
	.tick = run_tick,
	.draw = run_draw,
	.key = run_key,
	.close = run_close,
};
