/* runs.c: the run journal, newest first; a run opens in the run screen. */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "journal.h"

struct runs {
	struct list list;
	unsigned gen;             /* the app's generation collected, + 1 */
	double collected;         /* when: new runs show within seconds */
	json_t *runs;             /* owned: journal_list() */
	struct lines rows;
};

static void runs_tick(struct app *app, void *s)
{
	struct runs *r = s;
	size_t i;
	json_t *run;

	if (r->gen == app->generation + 1 && app->now - r->collected < 2)
		return;
	r->gen = app->generation + 1;
	r->collected = app->now;
	json_decref(r->runs);
	r->runs = journal_list(app->cfg->state_dir);
	lines_clear(&r->rows);
	json_array_foreach(r->runs, i, run)
	{
		const char *state = json_string_value(json_object_get(run, "state")) ?: "?";
		const char *project = json_string_value(json_object_get(run, "project")) ?: "?";
		json_t *ph;
		size_t k, done = 0;
		char when[32];
		json_array_foreach(json_object_get(run, "phases"), k, ph)
			done += strcmp(json_string_value(json_object_get(ph, "status")) ?: "",
				       "succeeded") == 0;
		lines_date((time_t)json_integer_value(json_object_get(run, "started")), when,
			   sizeof(when));
		/* A run whose process died says "running" until it is resumed. */
		if (strcmp(state, "running") == 0 &&
		    !journal_project_running(app->cfg->state_dir, project))
			state = "stopped";
		lines_add(&r->rows, draw_status_style(state), "%-44s %-14s %-11s %2zu/%-3zu %s",
			  json_string_value(json_object_get(run, "id")) ?: "?", project, state, done,
			  json_array_size(json_object_get(run, "phases")), when);
	}
	list_set(&r->list, r->rows.n);
}

static void runs_draw(struct app *app, void *s, WINDOW *w, const struct area *a)
{
	struct runs *r = s;
	int y = a->top, rows = a->rows - 2;

	draw_fmt(w, y++, 1, a->cols - 2, ST_HEAD, "Runs in %s/runs, newest first", app->cfg->state_dir);
	if (r->rows.n == 0) {
		draw_text(w, y, 2, a->cols - 3, ST_NORMAL, "No run yet.");
		return;
	}
	draw_fmt(w, y++, 2, a->cols - 3, ST_DIM, "%-44s %-14s %-11s %-6s %s", "RUN", "PROJECT",
		 "STATE", "PHASES", "STARTED");
	list_fit(&r->list, rows);
	for (size_t i = r->list.top; i < r->rows.n && (int)(i - r->list.top) < rows; i++, y++) {
		bool sel = i == r->list.cursor;
		if (sel)
			draw_fill(w, y, 1, a->cols - 2, ST_SELECT);
		draw_text(w, y, 0, 1, ST_NORMAL, sel ? "▶" : " ");
		draw_text(w, y, 2, a->cols - 3, sel ? ST_SELECT : r->rows.v[i].st, r->rows.v[i].text);
	}
}

static void runs_open_one(struct app *app, void *s)
{
	struct runs *r = s;
	const char *id;
	char dir[PATH_MAX];
	size_t i;

	if (!list_selected(&r->list, &i) ||
	    (id = json_string_value(json_object_get(json_array_get(r->runs, i), "id"))) == NULL)
		return;
	snprintf(dir, sizeof(dir), "%s/runs/%s", app->cfg->state_dir, id);
	if (app_show_run(app, id, dir) == 0)
		app_push(app, &run_screen, NULL);
}

static void runs_close(struct app *app, void *s)
{
	struct runs *r = s;

	(void)app;
	json_decref(r->runs);
	lines_release(&r->rows);
}

static const struct binding runs_keys[] = {
	{'\n', KEY_ENTER, "Enter", "open (replay, and follow while it runs)", runs_open_one, false},
	{0, 0, NULL, NULL, NULL, false},
};

const struct screen_type runs_screen = {
	.title = "Runs",
	.keys = runs_keys,
	.size = sizeof(struct runs),
	.list = offsetof(struct runs, list),
	.tick = runs_tick,
	.draw = runs_draw,
	.close = runs_close,
};
