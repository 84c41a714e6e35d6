/* picker.c: the first screens: pick a project, or make one from an example. */
#include <dirent.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "error.h"
#include "journal.h"
#include "projects.h"

/* ---- the project picker ---- */

struct entry {
	char path[PATH_MAX];
	char name[64];
	char status[64];          /* "valid", "2 errors" */
	enum style st;
	long hosts;               /* -1 when the file has errors */
	char run_state[16];       /* the newest run's state, or "" */
	char run_when[32];        /* and when it started */
};

struct picker {
	struct list list;
	unsigned gen;             /* the app's generation collected, + 1 (0: never) */
	struct entry *entries;    /* owned */
	size_t n;
};

/* The newest run of e's project in runs (borrowed). */
static void last_run(json_t *runs, struct entry *e)
{
	const json_t *r = journal_newest(runs, e->name);

	if (r == NULL)
		return;
	lines_date((time_t)json_integer_value(json_object_get(r, "started")), e->run_when,
		   sizeof(e->run_when));
	snprintf(e->run_state, sizeof(e->run_state), "%s",
		 json_string_value(json_object_get(r, "state")) ?: "?");
}

static void add_entry(struct app *app, struct picker *p, const char *path, json_t *runs)
{
	struct entry *e = &p->entries[p->n++];
	struct diag_list diags;
	struct project *proj = NULL;
	char copy[PATH_MAX];

	memset(e, 0, sizeof(*e));
	snprintf(e->path, sizeof(e->path), "%s", path);
	diag_list_init(&diags);
	project_load(path, app->cfg->state_dir, app->cfg->catalog, &proj, &diags);
	snprintf(copy, sizeof(copy), "%s", path);
	snprintf(e->name, sizeof(e->name), "%s", proj ? proj->name : basename(copy));
	e->hosts = proj ? (long)proj->hosts.n : -1;
	if (proj != NULL)
		snprintf(e->status, sizeof(e->status), "valid");
	else
		snprintf(e->status, sizeof(e->status), "%zu %s", diags.errors,
			 diags.errors == 1 ? "error" : "errors");
	e->st = proj ? ST_OK : ST_FAIL;
	last_run(runs, e);
	project_free(proj);
	diag_list_release(&diags);
}

static void picker_collect(struct app *app, struct picker *p)
{
	struct strlist names;
	json_t *runs = journal_list(app->cfg->state_dir);
	char path[PATH_MAX];

	free(p->entries);
	p->entries = NULL;
	p->n = 0;
	if (projects_list(app->cfg->state_dir, &names) == 0 &&
	    (p->entries = calloc(names.n + 1, sizeof(*p->entries))) != NULL) {
		char given[PATH_MAX] = "", real[PATH_MAX];
		if (app->cfg->project != NULL) {
			add_entry(app, p, app->cfg->project, runs);
			if (realpath(app->cfg->project, given) == NULL)
				given[0] = '\0';
		}
		for (size_t i = 0; i < names.n; i++) {
			projects_path(app->cfg->state_dir, names.v[i], path, sizeof(path));
			if (given[0] && realpath(path, real) != NULL && strcmp(real, given) == 0)
				continue; /* the one given, listed first */
			add_entry(app, p, path, runs);
		}
	}
	strlist_release(&names);
	json_decref(runs);
	list_set(&p->list, p->n);
}

static void picker_tick(struct app *app, void *s)
{
	struct picker *p = s;

	if (p->gen != app->generation + 1) {
		picker_collect(app, p);
		p->gen = app->generation + 1;
	}
}

static void picker_draw(struct app *app, void *s, WINDOW *w, const struct area *a)
{
	struct picker *p = s;
	int y = a->top, rows;

	draw_fmt(w, y++, 1, a->cols - 2, ST_HEAD, "Projects in %s/projects", app->cfg->state_dir);
	if (p->n == 0) {
		draw_text(w, y + 1, 2, a->cols - 3, ST_NORMAL,
			  "No project yet.  Press n to make one from an example.");
		draw_text(w, y + 2, 2, a->cols - 3, ST_DIM,
			  "Or start with a project file: hnsp-installer tui FILE");
		return;
	}
	draw_fmt(w, y++, 2, a->cols - 3, ST_DIM, "%-24s %-6s %-10s %s", "NAME", "HOSTS", "FILE",
		 "LAST RUN");
	rows = a->rows - 4;
	list_fit(&p->list, rows);
	for (size_t i = p->list.top; i < p->n && (int)(i - p->list.top) < rows; i++, y++) {
		const struct entry *e = &p->entries[i];
		bool sel = i == p->list.cursor;
		char hosts[16];
		int x = 2;
		snprintf(hosts, sizeof(hosts), e->hosts < 0 ? "-" : "%ld", e->hosts);
		if (sel)
			draw_fill(w, y, 1, a->cols - 2, ST_SELECT);
		draw_text(w, y, 0, 1, ST_NORMAL, sel ? "▶" : " ");
		x += draw_fmt(w, y, x, a->cols - x, sel ? ST_SELECT : ST_NORMAL, "%-24s %-6s ",
			      e->name, hosts);
		x += draw_fmt(w, y, x, a->cols - x, sel ? ST_SELECT : e->st, "%-10s ", e->status);
		x += draw_text(w, y, x, a->cols - x,
			       sel ? ST_SELECT : draw_status_style(e->run_state),
			       e->run_state[0] ? e->run_state : "-");
		draw_fmt(w, y, x, a->cols - x, sel ? ST_SELECT : ST_DIM, " %s", e->run_when);
	}
	if (p->list.cursor < p->n)
		draw_fmt(w, a->top + a->rows - 1, 1, a->cols - 2, ST_DIM, "%s",
			 p->entries[p->list.cursor].path);
}

static void picker_open_one(struct app *app, void *s)
{
	struct picker *p = s;
	size_t i;

	if (!list_selected(&p->list, &i))
		return;
	if (app_open_project(app, p->entries[i].path) == 0)
		app_push(app, &overview_screen, NULL);
}

static void picker_new(struct app *app, void *s)
{
	(void)s;
	app_push(app, &example_screen, NULL);
}

static void picker_runs(struct app *app, void *s)
{
	(void)s;
	app_push(app, &runs_screen, NULL);
}

static void picker_close(struct app *app, void *s)
{
	(void)app;
	free(((struct picker *)s)->entries);
}

static const struct binding picker_keys[] = {
	{'\n', KEY_ENTER, "Enter", "open", picker_open_one, false},
	{'n', 0, "n", "new from example", picker_new, false},
	{'r', 0, "r", "runs", picker_runs, false},
	{0, 0, NULL, NULL, NULL, false},
};

const struct screen_type picker_screen = {
	.title = "Projects",
	.keys = picker_keys,
	.size = sizeof(struct picker),
	.list = offsetof(struct picker, list),
	.tick = picker_tick,
	.draw = picker_draw,
	.close = picker_close,
};

/* ---- a new project from an example ---- */

static const struct field_def name_field[] = {
	{.key = "name", .label = "Name", .kind = FIELD_TEXT,
	 .hint = "a-z 0-9 -, starting with a letter"},
};

struct example {
	struct list list;
	char (*files)[PATH_MAX];  /* owned: the .yaml files of inventory/examples */
	size_t n;
	struct form form;         /* the new project's name */
	struct diag_list diags;   /* why the last try was refused */
};

static int example_open(struct app *app, void *s, const void *arg)
{
	struct example *e = s;
	struct dirent **names = NULL;
	char dir[PATH_MAX];
	int n;

	(void)arg;
	diag_list_init(&e->diags);
	if (form_init(&e->form, name_field, 1, "") < 0)
		return HNSP_ERR_NOMEM;
	snprintf(dir, sizeof(dir), "%s/inventory/examples", app->cfg->datadir);
	if ((n = scandir(dir, &names, NULL, alphasort)) < 0)
		n = 0;
	if ((e->files = calloc((size_t)n + 1, sizeof(*e->files))) == NULL)
		n = 0;
	for (int i = 0; i < n; i++) {
		size_t len = strlen(names[i]->d_name);
		if (len > 5 && strcmp(names[i]->d_name + len - 5, ".yaml") == 0 &&
		    snprintf(e->files[e->n], PATH_MAX, "%s/%s", dir, names[i]->d_name) < PATH_MAX)
			e->n++;
		free(names[i]);
	}
	free(names);
	if (e->n == 0) {
		app_message(app, ST_FAIL, "no example projects in %s", dir);
		return HNSP_ERR_NOTFOUND;
	}
	list_set(&e->list, e->n);
	return 0;
}

static bool example_key(struct app *app, void *s, int key)
{
	struct example *e = s;

	(void)app;
	/* The arrows choose the example; the rest of the keys type the name. */
	if (key == KEY_UP || key == KEY_DOWN || key == KEY_PPAGE || key == KEY_NPAGE)
		return false;
	return form_key(&e->form, key);
}

static void example_create(struct app *app, void *s)
{
	struct example *e = s;
	char path[PATH_MAX], name[FORM_TEXT_MAX], example[PATH_MAX], warning[512];
	int r;

	/* Copied: the screen and its state are gone once it closes below. */
	snprintf(name, sizeof(name), "%s", e->form.fields[0].text);
	snprintf(example, sizeof(example), "%s", e->files[e->list.cursor]);

	form_set_errors(&e->form, NULL);
	diag_list_release(&e->diags);
	diag_list_init(&e->diags);
	if (!projects_name_valid(name)) {
		snprintf(e->form.fields[0].error, sizeof(e->form.fields[0].error),
			 "a project name is 1 to 63 of a-z 0-9 -, starting with a letter");
		return;
	}
	projects_path(app->cfg->state_dir, name, path, sizeof(path));
	r = edit_create(path, app->cfg->state_dir, name, example, app->cfg->catalog, &e->diags);
	if (r == HNSP_ERR_EXISTS) {
		snprintf(e->form.fields[0].error, sizeof(e->form.fields[0].error),
			 "project '%.63s' exists already", name);
		return;
	}
	if (r < 0) {
		form_set_errors(&e->form, &e->diags);
		app_message(app, ST_FAIL, "nothing was written: %s", hnsp_strerror(r));
		return;
	}
	/* A key that could not be imported is a warning: say it once made. */
	snprintf(warning, sizeof(warning), "%s",
		 e->diags.len > 0 && e->diags.items[0].severity == DIAG_WARNING
			 ? e->diags.items[0].message
			 : "");
	app_pop(app);
	if (app_open_project(app, path) < 0)
		return;
	edit_record(&app->edit, NULL);
	if (app_push(app, &overview_screen, NULL) == 0)
		app_message(app, warning[0] ? ST_WARN : ST_OK, "made project %s from %s%s%s", name,
			    example, warning[0] ? "; " : "", warning);
}

static void example_draw(struct app *app, void *s, WINDOW *w, const struct area *a)
{
	struct example *e = s;
	int y = a->top, rows = a->rows - 8 < (int)e->n ? a->rows - 8 : (int)e->n;
	char copy[PATH_MAX];

	(void)app;
	draw_text(w, y++, 1, a->cols - 2, ST_HEAD, "New project from an example");
	draw_text(w, y++, 1, a->cols - 2, ST_DIM,
		  "Choose an example with the arrows, type a name, press Enter.");
	list_fit(&e->list, rows);
	for (size_t i = e->list.top; i < e->n && (int)(i - e->list.top) < rows; i++, y++) {
		snprintf(copy, sizeof(copy), "%s", e->files[i]);
		draw_fmt(w, y, 2, a->cols - 3, i == e->list.cursor ? ST_SELECT : ST_NORMAL, "%s %s",
			 i == e->list.cursor ? "(•)" : "( )", basename(copy));
	}
	form_draw(&e->form, w, y + 1, 2, a->top + a->rows - y - 1, a->cols - 3);
}

static void example_close(struct app *app, void *s)
{
	struct example *e = s;

	(void)app;
	free(e->files);
	form_release(&e->form);
	diag_list_release(&e->diags);
}

static const struct binding example_keys[] = {
	{'\n', KEY_ENTER, "Enter", "create", example_create, false},
	{0, 0, NULL, NULL, NULL, false},
};

const struct screen_type example_screen = {
	.title = "New project",
	.keys = example_keys,
	.size = sizeof(struct example),
	.list = offsetof(struct example, list),
	.open = example_open,
	.draw = example_draw,
	.key = example_key,
	.close = example_close,
};
