/* components.c: the component checklist: what each does, needs and pulls in. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "error.h"

/* One catalog component as the checklist shows it. */
struct item {
	const struct component *c;  /* borrowed from the catalog */
	bool selected;              /* named in the file, and not as false */
	bool excluded;              /* named as false */
	char why[96];               /* "needed by ID", or "" */
	char pulls[512];            /* every component it brings along, or "nothing" */
};

struct components {
	struct list list;
	unsigned gen;               /* the app's generation collected, + 1 */
	struct item *items;         /* owned; one per catalog component, in catalog order */
	size_t n;
};

/* Marks in seen what component i depends on, directly or not. */
static void mark_needs(const struct catalog *cat, size_t i, bool ha, bool *seen)
{
	const struct component *c = COMPONENT_AT(cat, i);
	const struct strlist *lists[] = {&c->depends, ha ? &c->ha_depends : NULL};

	for (size_t l = 0; l < 2; l++)
		for (size_t k = 0; lists[l] != NULL && k < lists[l]->n; k++) {
			const struct component *d = catalog_find(cat, lists[l]->v[k]);
			size_t j = d ? catalog_index(cat, d) : 0;
			if (d != NULL && !seen[j]) {
				seen[j] = true;
				mark_needs(cat, j, ha, seen);
			}
		}
}

static void collect(struct app *app, struct components *cs)
{
	const struct catalog *cat = app->cfg->catalog;
	const json_t *named = json_object_get(app->edit.doc, "components");
	const struct project *p = app->edit.project;
	bool ha = p != NULL && project_is_ha(p);
	size_t *needed_by = calloc(cat->components.n + 1, sizeof(*needed_by));
	bool *seen = calloc(cat->components.n + 1, sizeof(*seen));

	free(cs->items);
	cs->n = 0;
	cs->items = calloc(cat->components.n + 1, sizeof(*cs->items));
	if (cs->items == NULL || needed_by == NULL || seen == NULL)
		goto out;
	if (p != NULL)
		project_needs(p, cat, needed_by);
	for (size_t i = 0; i < cat->components.n; i++) {
		struct item *it = &cs->items[cs->n++];
		const json_t *v = json_object_get(named, COMPONENT_AT(cat, i)->id);
		size_t len = 0;
		it->c = COMPONENT_AT(cat, i);
		it->excluded = json_is_false(v);
		it->selected = v != NULL && !it->excluded;
		if (p != NULL && needed_by[i] != NEED_NONE && needed_by[i] != NEED_SELECTED)
			snprintf(it->why, sizeof(it->why), "needed by %s",
				 COMPONENT_AT(cat, needed_by[i])->id);
		memset(seen, 0, cat->components.n * sizeof(*seen));
		mark_needs(cat, i, ha, seen);
		for (size_t j = 0; j < cat->components.n; j++)
			if (seen[j])
				lines_join(it->pulls, sizeof(it->pulls), &len, COMPONENT_AT(cat, j)->id);
		if (len == 0)
			snprintf(it->pulls, sizeof(it->pulls), "nothing");
	}
out:
	free(needed_by);
	free(seen);
	list_set(&cs->list, cs->n);
}

static void components_tick(struct app *app, void *s)
{
	struct components *cs = s;

	if (cs->gen != app->generation + 1) {
		collect(app, cs);
		cs->gen = app->generation + 1;
	}
}

static void join(const struct strlist *l, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < l->n; i++)
		lines_join(buf, size, &len, l->v[i]);
}

static void components_draw(struct app *app, void *s, WINDOW *w, const struct area *a)
{
	struct components *cs = s;
	const int detail = 5; /* lines about the component under the cursor */
	int y = a->top, rows = a->rows - detail - 2;
	char buf[512], ha[256];

	(void)app;
	draw_text(w, y++, 1, a->cols - 2, ST_HEAD,
		  "Components: Space selects or drops one (saved at once when the project "
		  "stays valid)");
	list_fit(&cs->list, rows);
	for (size_t i = cs->list.top; i < cs->n && (int)(i - cs->list.top) < rows; i++, y++) {
		const struct item *it = &cs->items[i];
		bool sel = i == cs->list.cursor;
		int x = 2;
		if (sel)
			draw_fill(w, y, 1, a->cols - 1, ST_SELECT);
		draw_text(w, y, 0, 1, ST_NORMAL, sel ? "▶" : " ");
		x += draw_fmt(w, y, x, a->cols - x, sel ? ST_SELECT : ST_NORMAL, "%s %-17s ",
			      it->selected ? "[x]" : it->excluded ? "[-]" : it->why[0] ? "[+]" : "[ ]",
			      it->c->id);
		x += draw_fmt(w, y, x, a->cols - x, sel ? ST_SELECT : ST_DIM, "%-15s ",
			      it->selected ? "selected" : it->excluded ? "excluded" : it->why);
		draw_text(w, y, x, a->cols - x, sel ? ST_SELECT : ST_NORMAL, it->c->description);
	}
	if (cs->n == 0)
		return;
	/* The component under the cursor, whole. */
	y = a->top + a->rows - detail;
	{
		const struct item *it = &cs->items[cs->list.cursor];
		draw_hline(w, y - 1, 0, a->cols, ST_DIM);
		draw_fmt(w, y++, 1, a->cols - 2, ST_HEAD, "%s: %s", it->c->id, it->c->description);
		join(&it->c->hosts, buf, sizeof(buf));
		draw_fmt(w, y++, 1, a->cols - 2, ST_NORMAL, "runs on:    %s", buf);
		join(&it->c->depends, buf, sizeof(buf));
		join(&it->c->ha_depends, ha, sizeof(ha));
		draw_fmt(w, y++, 1, a->cols - 2, ST_NORMAL, "depends on: %s%s%s",
			 buf[0] ? buf : "nothing", ha[0] ? "; with several masters also " : "", ha);
		draw_fmt(w, y++, 1, a->cols - 2, ST_NORMAL, "pulls in:   %s", it->pulls);
		draw_text(w, y, 1, a->cols - 2, ST_DIM,
			  "[x] selected  [+] needed by a selected one  [-] excluded  [ ] not installed");
	}
}

static void components_toggle(struct app *app, void *s)
{
	struct components *cs = s;
	const struct item *it;
	json_t *doc, *named;

	if (cs->n == 0)
		return;
	it = &cs->items[cs->list.cursor];
	if ((doc = edit_copy(&app->edit)) != NULL) {
		if (!json_is_object(named = json_object_get(doc, "components")))
			json_object_set_new(doc, "components", named = json_object());
		if (it->selected || it->excluded)
			json_object_del(named, it->c->id);
		else
			json_object_set_new(named, it->c->id, json_object());
	}
	if (app_save(app, doc, NULL) == 0)
		app_message(app, ST_OK, "%s %s; saved", it->c->id,
			    it->selected || it->excluded ? "dropped" : "selected");
}

static void components_close(struct app *app, void *s)
{
	(void)app;
	free(((struct components *)s)->items);
}

static const struct binding components_keys[] = {
	{' ', '\n', "Space", "select or drop", components_toggle, false},
	{0, 0, NULL, NULL, NULL, false},
};

const struct screen_type components_screen = {
	.title = "Components",
	.keys = components_keys,
	.size = sizeof(struct components),
	.list = offsetof(struct components, list),
	.tick = components_tick,
	.draw = components_draw,
	.close = components_close,
};
