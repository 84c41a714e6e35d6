/* planview.c: the plan's phases in the order they run, and the way to apply them. */
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "error.h"
#include "plan.h"

struct plan_view {
	struct list list;
	unsigned gen;             /* the app's generation collected, + 1 */
	struct lines rows;        /* one per phase */
};

/* The phase's hosts as "a, b, c" or "a, b … +7" in about width columns. */
static void host_names(const struct plan_phase *ph, char *buf, size_t size, size_t width)
{
	size_t len = 0, i;

	buf[0] = '\0';
	for (i = 0; i < ph->nhosts; i++) {
		const char *name = ph->hosts[i]->name;
		if (len + strlen(name) + 2 > width && i > 0)
			break;
		lines_join(buf, size, &len, name);
	}
	if (i < ph->nhosts)
		snprintf(buf + len, len < size ? size - len : 0, " … +%zu", ph->nhosts - i);
}

static int plan_open(struct app *app, void *s, const void *arg)
{
	(void)s;
	(void)arg;
	if (app->edit.project == NULL) {
		app_message(app, ST_FAIL, "the project has errors; fix them first (the overview "
					  "lists them)");
		return HNSP_ERR_INVALID;
	}
	return 0;
}

static void plan_tick(struct app *app, void *s)
{
	struct plan_view *pv = s;
	struct plan *plan = NULL;
	char hosts[256], reason[96];

	if (pv->gen == app->generation + 1)
		return;
	pv->gen = app->generation + 1;
	lines_clear(&pv->rows);
	if (app->edit.project == NULL || plan_build(app->edit.project, app->cfg->catalog, &plan) < 0)
		return;
	for (size_t i = 0; i < plan->count; i++) {
		host_names(&plan->phases[i], hosts, sizeof(hosts), 34);
		plan_phase_reason(&plan->phases[i], reason, sizeof(reason));
		lines_add(&pv->rows, ST_NORMAL, "%2zu  %-18s %-36s %s", i + 1,
			  plan->phases[i].component->id, hosts, reason);
	}
	plan_free(plan);
	list_set(&pv->list, pv->rows.n);
}

static void plan_draw(struct app *app, void *s, WINDOW *w, const struct area *a)
{
	struct plan_view *pv = s;
	const struct project *p = app->edit.project;
	int y = a->top, rows = a->rows - 5;

	if (p == NULL)
		return;
	draw_fmt(w, y++, 1, a->cols - 2, ST_HEAD, "Plan of %s: %zu phases, in the order they run",
		 p->name, pv->rows.n);
	draw_fmt(w, y++, 1, a->cols - 2, ST_DIM, " #  %-18s %-36s %s", "COMPONENT", "HOSTS",
		 "WHY");
	list_fit(&pv->list, rows);
	for (size_t i = pv->list.top; i < pv->rows.n && (int)(i - pv->list.top) < rows; i++, y++) {
		bool sel = i == pv->list.cursor;
		if (sel)
			draw_fill(w, y, 1, a->cols - 2, ST_SELECT);
		draw_text(w, y, 1, a->cols - 2, sel ? ST_SELECT : ST_NORMAL, pv->rows.v[i].text);
	}
	draw_fmt(w, a->top + a->rows - 2, 1, a->cols - 2, ST_NORMAL,
		 "Enter applies this plan to the %zu hosts of '%s' (you confirm first).",
		 p->hosts.n, p->name);
}

static void apply_yes(struct app *app, void *s)
{
	(void)s;
	app_pop(app); /* the run screen takes the plan's place */
	app_start_run(app, false);
}

static const struct choice apply_choices[] = {
	{'y', "y  yes, install now", apply_yes},
	{'n', "n  no", NULL},
	{KEY_ESC, "Esc  no", NULL},
};

static void plan_apply(struct app *app, void *s)
{
	(void)s;
	app_ask(app, apply_choices, sizeof(apply_choices) / sizeof(apply_choices[0]),
		"Apply this plan to the %zu hosts of '%s'?%s", app->edit.project->hosts.n,
		app->edit.project->name, app_run_warning(app));
}

static void plan_close(struct app *app, void *s)
{
	(void)app;
	lines_release(&((struct plan_view *)s)->rows);
}

static const struct binding plan_keys[] = {
	{'\n', KEY_ENTER, "Enter", "apply", plan_apply, false},
	{'a', 0, "a", "apply", plan_apply, true},
	{0, 0, NULL, NULL, NULL, false},
};

const struct screen_type plan_screen = {
	.title = "Plan",
	.keys = plan_keys,
	.size = sizeof(struct plan_view),
	.list = offsetof(struct plan_view, list),
	.open = plan_open,
	.tick = plan_tick,
	.draw = plan_draw,
	.close = plan_close,
};
