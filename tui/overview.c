/* overview.c: the open project at a glance, and the way to everything else. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "app.h"
#include "bundle.h"
#include "journal.h"
#include "plan.h"

struct overview {
	struct list list;         /* a pager over lines */
	unsigned gen;             /* the app's generation collected, + 1 */
	int cols;                 /* the window's width then: problems are wrapped to it */
	struct lines lines;
	char unfinished[128];     /* the project's newest run when it did not succeed */
	char unfinished_state[16];
};

/* Whether the offline bundle is there, being built, or still to build. */
static void add_bundle(struct app *app, struct overview *o)
{
	char *dir = app->edit.project ? bundle_dir(app->edit.project) : NULL;
	char path[PATH_MAX], when[32];
	struct stat st;

	if (dir == NULL)
		return;
	snprintf(path, sizeof(path), "%s/manifest.json", dir);
	if (app->job.running && app->job.kind == JOB_BUNDLE)
		lines_add(&o->lines, ST_RUN, "offline bundle: being built… in %s", dir);
	else if (stat(path, &st) == 0) {
		lines_date(st.st_mtime, when, sizeof(when));
		lines_add(&o->lines, ST_OK, "offline bundle: built %s in %s", when, dir);
	} else
		lines_add(&o->lines, ST_WARN, "offline bundle: not built yet, b builds it, in %s", dir);
	free(dir);
}

static void add_status(struct app *app, struct overview *o, const char *name)
{
	const struct edit *e = &app->edit;
	struct plan *plan = NULL;
	json_t *runs = journal_list(app->cfg->state_dir), *r;

	if (e->project != NULL && plan_build(e->project, app->cfg->catalog, &plan) == 0)
		lines_add(&o->lines, ST_OK, "valid: %zu %s, %zu %s named, %zu phases in the plan%s",
			  e->project->hosts.n, e->project->hosts.n == 1 ? "host" : "hosts",
			  e->project->ncomponents, e->project->ncomponents == 1 ? "component"
										   : "components",
			  plan->count, e->diags.warnings ? " (with warnings, below)" : "");
	else
		lines_add(&o->lines, ST_FAIL, "%zu errors, %zu warnings (below): nothing runs until "
					      "the errors are fixed", e->diags.errors,
			  e->diags.warnings);
	plan_free(plan);
	if (e->project != NULL && project_host_key_warning(e->project) != NULL) {
		char text[256];
		snprintf(text, sizeof(text), "WARNING: %s; s changes it",
			 project_host_key_warning(e->project));
		lines_add_text(&o->lines, ST_WARN, 0, COLS - 2, text);
	}
	add_bundle(app, o);
	o->unfinished[0] = '\0';
	if ((r = journal_newest(runs, name)) != NULL) {
		const char *state = json_string_value(json_object_get(r, "state")) ?: "?";
		const char *id = json_string_value(json_object_get(r, "id")) ?: "?";
		bool good = strcmp(state, "succeeded") == 0;
		lines_add(&o->lines, draw_status_style(state), "last run %s: %s%s", id, state,
			  good ? "" : "; R resumes it");
		if (!good) {
			snprintf(o->unfinished, sizeof(o->unfinished), "%s", id);
			snprintf(o->unfinished_state, sizeof(o->unfinished_state), "%s", state);
		}
	}
	json_decref(runs);
	if (child_alive(&app->child))
		lines_add(&o->lines, ST_RUN, "a run started here is in progress: w watches it");
}

static void add_hosts(struct app *app, struct overview *o)
{
	const json_t *hosts = json_object_get(app->edit.doc, "hosts"), *h;
	size_t i;

	lines_add(&o->lines, ST_HEAD, "Hosts (%zu)", json_array_size(hosts));
	json_array_foreach(hosts, i, h)
	{
		char roles[256];
		lines_join_json(json_object_get(h, "roles"), roles, sizeof(roles));
		lines_add(&o->lines, ST_NORMAL, "  %-16s %-16s %s",
			  json_string_value(json_object_get(h, "name")) ?: "?",
			  json_string_value(json_object_get(h, "address")) ?: "?", roles);
	}
}

static void add_components(struct app *app, struct overview *o)
{
	const struct catalog *cat = app->cfg->catalog;
	const json_t *named = json_object_get(app->edit.doc, "components");
	size_t needed_by[256];

	lines_add(&o->lines, ST_HEAD, "Components");
	if (app->edit.project != NULL && cat->components.n <= 256)
		project_needs(app->edit.project, cat, needed_by);
	else
		for (size_t i = 0; i < cat->components.n && i < 256; i++)
			needed_by[i] = NEED_NONE;
	for (size_t i = 0; i < cat->components.n && i < 256; i++) {
		const struct component *c = COMPONENT_AT(cat, i);
		const json_t *v = json_object_get(named, c->id);
		char why[96];
		if (v == NULL && needed_by[i] == NEED_NONE)
			continue;
		if (json_is_false(v))
			snprintf(why, sizeof(why), "excluded");
		else if (v != NULL)
			snprintf(why, sizeof(why), "selected");
		else
			snprintf(why, sizeof(why), "needed by %s", COMPONENT_AT(cat, needed_by[i])->id);
		lines_add(&o->lines, v ? ST_NORMAL : ST_DIM, "  %-18s %-22s %s", c->id, why,
			  c->description);
	}
}

static void overview_collect(struct app *app, struct overview *o)
{
	const struct edit *e = &app->edit;
	const char *name = e->project ? e->project->name : e->name ? e->name : "?";

	lines_clear(&o->lines);
	lines_add(&o->lines, ST_HEAD, "Project %s", name);
	lines_add(&o->lines, ST_DIM, "%s", e->path);
	add_status(app, o, name);
	lines_add(&o->lines, ST_NORMAL, " ");
	add_hosts(app, o);
	lines_add(&o->lines, ST_NORMAL, " ");
	add_components(app, o);
	if (e->diags.len == 0)
		return;
	lines_add(&o->lines, ST_NORMAL, " ");
	lines_add(&o->lines, ST_HEAD, "Problems (%zu)", e->diags.errors + e->diags.warnings);
	for (size_t i = 0; i < e->diags.len; i++) {
		const struct diag *d = &e->diags.items[i];
		bool err = d->severity == DIAG_ERROR;
		char text[1024];
		snprintf(text, sizeof(text), "%u:%u: %s: %s", d->line, d->column,
			 err ? "error" : "warning", d->message);
		lines_add_text(&o->lines, err ? ST_FAIL : ST_WARN, 2, COLS - 2, text);
	}
}

static void overview_tick(struct app *app, void *s)
{
	struct overview *o = s;

	if (o->gen != app->generation + 1 || o->cols != COLS) {
		overview_collect(app, o);
		o->gen = app->generation + 1;
		o->cols = COLS;
		list_set(&o->list, o->lines.n);
	}
}

static int overview_open(struct app *app, void *s, const void *arg)
{
	struct overview *o = s;

	(void)app;
	(void)arg;
	o->list.pager = true;
	return 0;
}

static void overview_close(struct app *app, void *s)
{
	(void)app;
	lines_release(&((struct overview *)s)->lines);
}

static void go_hosts(struct app *app, void *s)
{
	(void)s;
	app_push(app, &hosts_screen, NULL);
}

static void go_components(struct app *app, void *s)
{
	(void)s;
	app_push(app, &components_screen, NULL);
}

static void go_network(struct app *app, void *s)
{
	(void)s;
	app_push(app, &settings_screen, &network_form);
}

static void go_ssh(struct app *app, void *s)
{
	(void)s;
	app_push(app, &settings_screen, &ssh_form);
}

static void go_preflight(struct app *app, void *s)
{
	(void)s;
	app_push(app, &preflight_screen, NULL);
}

static void go_plan(struct app *app, void *s)
{
	(void)s;
	app_push(app, &plan_screen, NULL);
}

static void go_verify(struct app *app, void *s)
{
	(void)s;
	app_push(app, &verify_screen, NULL);
}

static void go_bundle(struct app *app, void *s)
{
	(void)s;
	if (app_start_job(app, JOB_BUNDLE) == 0)
		app_message(app, ST_RUN, "building the offline bundle; carry on meanwhile, the "
					 "overview says when it is there");
}

static void go_runs(struct app *app, void *s)
{
	(void)s;
	app_push(app, &runs_screen, NULL);
}

static void resume_yes(struct app *app, void *s)
{
	(void)s;
	app_start_run(app, true);
}

static const struct choice resume_choices[] = {
	{'y', "y  yes, resume it", resume_yes},
	{'n', "n  no", NULL},
	{KEY_ESC, "Esc  no", NULL},
};

static void go_resume(struct app *app, void *s)
{
	struct overview *o = s;

	if (o->unfinished[0] == '\0') {
		app_message(app, ST_NORMAL, "nothing to resume: the project's newest run succeeded, "
					    "or it never ran");
		return;
	}
	app_ask(app, resume_choices, sizeof(resume_choices) / sizeof(resume_choices[0]),
		"Resume run %s (%s)?\nPhases that succeeded are skipped; the rest run.%s",
		o->unfinished, o->unfinished_state, app_run_warning(app));
}

static void go_watch(struct app *app, void *s)
{
	(void)s;
	if (!child_alive(&app->child)) {
		app_message(app, ST_NORMAL, "no run in progress here; r lists the runs");
		return;
	}
	if (app->child.run[0] && strcmp(app->run.id, app->child.run) != 0)
		app_show_run(app, app->child.run, app->child.dir);
	app_push(app, &run_screen, NULL);
}

static void go_reload(struct app *app, void *s)
{
	(void)s;
	if (app_open_project(app, app->edit.path) == 0)
		app_message(app, ST_NORMAL, "read %s again", app->edit.path);
}

static const struct binding overview_keys[] = {
	{'h', 0, "h", "hosts", go_hosts, false},
	{'c', 0, "c", "components", go_components, false},
	{'n', 0, "n", "network", go_network, false},
	{'s', 0, "s", "ssh & bundle", go_ssh, false},
	{'b', 0, "b", "build bundle", go_bundle, false},
	{'p', 0, "p", "preflight", go_preflight, false},
	{'a', 0, "a", "plan & apply", go_plan, false},
	{'v', 0, "v", "verify", go_verify, false},
	{'R', 0, "R", "resume run", go_resume, false},
	{'w', 0, "w", "watch run", go_watch, false},
	{'r', 0, "r", "runs", go_runs, false},
	{'e', 0, "e", "read file again", go_reload, false},
	{0, 0, NULL, NULL, NULL, false},
};

/* The keys as a menu at the foot of the screen, as many to a row as fit. */
static int draw_menu(WINDOW *w, const struct area *a)
{
	int per_row = a->cols / 20 > 0 ? a->cols / 20 : 1, n = 0, rows;

	while (overview_keys[n].key != 0)
		n++;
	rows = (n + per_row - 1) / per_row;
	for (int i = 0; i < n; i++) {
		int y = a->top + a->rows - rows + i / per_row, x = 1 + (i % per_row) * 20;
		x += draw_text(w, y, x, 19, ST_KEY, overview_keys[i].label);
		draw_fmt(w, y, x, 19 - draw_width(overview_keys[i].label), ST_NORMAL, " %s",
			 overview_keys[i].what);
	}
	return rows;
}

static void overview_draw(struct app *app, void *s, WINDOW *w, const struct area *a)
{
	struct overview *o = s;
	int menu = draw_menu(w, a), rows = a->rows - menu - 1;

	(void)app;
	list_fit(&o->list, rows);
	lines_draw(&o->lines, o->list.top, w, a->top, 1, rows, a->cols - 2);
	if (o->list.top + (size_t)rows < o->lines.n)
		draw_text(w, a->top + rows - 1, a->cols - 8, 7, ST_DIM, "more ↓");
}

const struct screen_type overview_screen = {
	.title = "Overview",
	.keys = overview_keys,
	.size = sizeof(struct overview),
	.list = offsetof(struct overview, list),
	.open = overview_open,
	.tick = overview_tick,
	.draw = overview_draw,
	.close = overview_close,
};
