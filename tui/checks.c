/* checks.c: the screens of the two checks run on the worker: preflight and verify. */
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "error.h"

/* The state of either screen. */
struct checks {
	struct list list;         /* preflight: a pager over hosts; verify: the rows */
	size_t col;               /* preflight: the first check column shown */
	unsigned gen;             /* the app's generation collected, + 1 */
	struct lines details;     /* what is not fine, whole */
	char summary[256];
	enum style summary_st;
};

/* The job's results when they are the open project's kind ones. */
static bool have(const struct app *app, enum job_kind kind)
{
	return app->job.finished && app->job.kind == kind && app->job.why[0] == '\0' &&
	       app->edit.path != NULL && strcmp(app->job.path, app->edit.path) == 0;
}

static int start(struct app *app, enum job_kind kind)
{
	if (app->job.running && app->job.kind == kind)
		return 0; /* watch the one running */
	return app_start_job(app, kind);
}

static void rerun(struct app *app, void *s, enum job_kind kind)
{
	(void)s;
	if (app->job.running)
		app_message(app, ST_WARN, "%s is still running", job_name(app->job.kind));
	else
		app_start_job(app, kind);
}

/* A line saying the job is running, or why it did not run; true when drawn. */
static bool draw_progress(struct app *app, enum job_kind kind, WINDOW *w, int y, int cols)
{
	static const char spin[] = "|/-\\";
	const struct job *j = &app->job;

	if (j->running && j->kind == kind) {
		long s = ((long)(app->now * 4)) % 4;
		draw_fmt(w, y, 1, cols - 2, ST_RUN, "%c %s is running on the hosts… (Esc goes "
						     "back; it finishes on its own)",
			 spin[s], job_name(kind));
		return true;
	}
	if (j->finished && j->kind == kind && j->why[0]) {
		draw_fmt(w, y, 1, cols - 2, ST_FAIL, "%s did not run: %s", job_name(kind), j->why);
		return true;
	}
	if (!have(app, kind)) {
		draw_fmt(w, y, 1, cols - 2, ST_NORMAL, "no %s report for this project yet: r runs it",
			 job_name(kind));
		return true;
	}
	return false;
}

static void checks_close(struct app *app, void *s)
{
	(void)app;
	lines_release(&((struct checks *)s)->details);
}

/* ---- preflight: hosts x checks ---- */

static int preflight_open(struct app *app, void *s, const void *arg)
{
	(void)arg;
	((struct checks *)s)->list.pager = true;
	return start(app, JOB_PREFLIGHT);
}

static void preflight_tick(struct app *app, void *s)
{
	struct checks *c = s;
	const struct preflight_report *rep = app->job.preflight;
	size_t fails = 0, warns = 0;

	if (c->gen == app->generation + 1)
		return;
	c->gen = app->generation + 1;
	lines_clear(&c->details);
	c->summary[0] = '\0';
	if (!have(app, JOB_PREFLIGHT))
		return;
	for (size_t i = 0; i < rep->n; i++)
		for (size_t k = 0; k < rep->hosts[i].nchecks; k++) {
			const struct check_result *r = &rep->hosts[i].checks[k];
			if (r->status == CHECK_OK)
				continue;
			r->status == CHECK_FAIL ? fails++ : warns++;
			lines_add(&c->details, r->status == CHECK_FAIL ? ST_FAIL : ST_WARN,
				  "%-14s %-10s %-4s %s", rep->hosts[i].host->name, r->name,
				  check_status_name(r->status), r->detail);
		}
	snprintf(c->summary, sizeof(c->summary), "preflight: %zu hosts, %zu %s, %zu %s in %.1f s",
		 rep->n, fails, fails == 1 ? "failure" : "failures", warns,
		 warns == 1 ? "warning" : "warnings", (double)rep->elapsed_ms / 1000.0);
	c->summary_st = fails ? ST_FAIL : warns ? ST_WARN : ST_OK;
	list_set(&c->list, rep->n);
}

static int column_width(const char *check)
{
	return (strlen(check) > 4 ? (int)strlen(check) : 4) + 1;
}

static void preflight_draw(struct app *app, void *s, WINDOW *w, const struct area *a)
{
	struct checks *c = s;
	const struct preflight_report *rep = app->job.preflight;
	const int name_w = 15;
	int y = a->top, x, rows = a->rows - 4 - (c->details.n ? 2 : 0);
	size_t ncols = 0, k, end;

	draw_text(w, y++, 1, a->cols - 2, ST_HEAD, "Preflight: every host checked over SSH");
	if (draw_progress(app, JOB_PREFLIGHT, w, y, a->cols))
		return;
	while (preflight_check_names[ncols] != NULL)
		ncols++;
	/* Whole columns only, from c->col, leaving room for the arrows. */
	for (end = c->col, x = 1 + name_w; end < ncols; end++) {
		x += column_width(preflight_check_names[end]);
		if (x > a->cols - 9 && !(end + 1 == ncols && x <= a->cols))
			break;
	}
	draw_text(w, y, 1, name_w, ST_DIM, "HOST");
	for (k = c->col, x = 1 + name_w; k < end; k++) {
		draw_text(w, y, x, a->cols - x, ST_DIM, preflight_check_names[k]);
		x += column_width(preflight_check_names[k]);
	}
	if (c->col > 0 || end < ncols) /* the checks scroll sideways */
		draw_text(w, y, x, a->cols - x, ST_KEY, end < ncols ? "→ more" : "←");
	y++;
	rows = rows < (int)rep->n ? rows : (int)rep->n;
	list_fit(&c->list, rows);
	for (size_t i = c->list.top; i < rep->n && (int)(i - c->list.top) < rows; i++, y++) {
		const struct host_report *h = &rep->hosts[i];
		draw_text(w, y, 1, name_w - 1, ST_NORMAL, h->host->name);
		for (k = c->col, x = 1 + name_w; k < end; k++) {
			const struct check_result *r = host_report_check(h, preflight_check_names[k]);
			const char *name = r ? check_status_name(r->status) : "-";
			draw_text(w, y, x, a->cols - x, r ? draw_status_style(name) : ST_DIM,
				  r && r->status == CHECK_FAIL ? "FAIL" : name);
			x += column_width(preflight_check_names[k]);
		}
	}
	draw_text(w, ++y, 1, a->cols - 2, c->summary_st, c->summary);
	lines_draw(&c->details, 0, w, y + 1, 1, a->top + a->rows - y - 1, a->cols - 2);
}

static void preflight_again(struct app *app, void *s)
{
	rerun(app, s, JOB_PREFLIGHT);
}

static void columns_right(struct app *app, void *s)
{
	struct checks *c = s;

	(void)app;
	if (preflight_check_names[c->col] != NULL && preflight_check_names[c->col + 1] != NULL)
		c->col++;
}

static void columns_left(struct app *app, void *s)
{
	struct checks *c = s;

	(void)app;
	c->col -= c->col > 0;
}

static const struct binding preflight_keys[] = {
	{'r', 0, "r", "run again", preflight_again, false},
	{KEY_RIGHT, 0, "←→", "more checks", columns_right, false},
	{KEY_LEFT, 0, "←", "checks to the left", columns_left, true},
	{0, 0, NULL, NULL, NULL, false},
};

const struct screen_type preflight_screen = {
	.title = "Preflight",
	.keys = preflight_keys,
	.size = sizeof(struct checks),
	.list = offsetof(struct checks, list),
	.open = preflight_open,
	.tick = preflight_tick,
	.draw = preflight_draw,
	.close = checks_close,
};

/* ---- verify: component, check, status, time, detail ---- */

static int verify_open(struct app *app, void *s, const void *arg)
{
	(void)s;
	(void)arg;
	return start(app, JOB_VERIFY);
}

static void verify_tick(struct app *app, void *s)
{
	struct checks *c = s;
	const struct verify_report *rep = &app->job.verify;
	size_t fails = 0, row;

	if (c->gen != app->generation + 1) {
		c->gen = app->generation + 1;
		c->summary[0] = '\0';
		list_set(&c->list, have(app, JOB_VERIFY) ? rep->n : 0);
		for (size_t i = 0; have(app, JOB_VERIFY) && i < rep->n; i++)
			fails += rep->rows[i].status == VERIFY_FAIL;
		if (have(app, JOB_VERIFY))
			snprintf(c->summary, sizeof(c->summary), "%s: %zu checks, %zu failed",
				 rep->ok ? "verified" : "NOT verified", rep->n, fails);
		c->summary_st = rep->ok ? ST_OK : ST_FAIL;
	}
	/* The row under the cursor, whole. */
	lines_clear(&c->details);
	if (have(app, JOB_VERIFY) && list_selected(&c->list, &row))
		lines_add_text(&c->details, ST_NORMAL, 0, COLS - 2, rep->rows[row].detail);
}

static void verify_draw(struct app *app, void *s, WINDOW *w, const struct area *a)
{
	struct checks *c = s;
	const struct verify_report *rep = &app->job.verify;
	int y = a->top, rows = a->rows - 7;

	draw_text(w, y++, 1, a->cols - 2, ST_HEAD,
		  "Verification: the checks of every installed component");
	if (draw_progress(app, JOB_VERIFY, w, y, a->cols))
		return;
	draw_fmt(w, y++, 2, a->cols - 3, ST_DIM, "%-18s %-16s %-6s %6s  %s", "COMPONENT", "CHECK",
		 "STATUS", "TIME", "DETAIL");
	list_fit(&c->list, rows);
	for (size_t i = c->list.top; i < rep->n && (int)(i - c->list.top) < rows; i++, y++) {
		const struct verify_row *r = &rep->rows[i];
		bool sel = i == c->list.cursor;
		int x = 2;
		if (sel)
			draw_fill(w, y, 1, a->cols - 2, ST_SELECT);
		x += draw_fmt(w, y, x, a->cols - x, sel ? ST_SELECT : ST_NORMAL, "%-18s %-16s ",
			      r->component, r->name);
		x += draw_fmt(w, y, x, a->cols - x,
			      sel ? ST_SELECT : draw_status_style(verify_status_name(r->status)),
			      "%-6s ", verify_status_name(r->status));
		draw_fmt(w, y, x, a->cols - x, sel ? ST_SELECT : ST_NORMAL, "%5.1fs  %s",
			 (double)r->ms / 1000.0, r->detail);
	}
	y = a->top + a->rows - 4;
	draw_text(w, y++, 1, a->cols - 2, c->summary_st, c->summary);
	lines_draw(&c->details, 0, w, y, 1, 3, a->cols - 2);
}

static void verify_again(struct app *app, void *s)
{
	rerun(app, s, JOB_VERIFY);
}

static const struct binding verify_keys[] = {
	{'r', 0, "r", "run again", verify_again, false},
	{0, 0, NULL, NULL, NULL, false},
};

const struct screen_type verify_screen = {
	.title = "Verify",
	.keys = verify_keys,
	.size = sizeof(struct checks),
	.list = offsetof(struct checks, list),
	.open = verify_open,
	.tick = verify_tick,
	.draw = verify_draw,
	.close = checks_close,
};
