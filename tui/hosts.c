/* hosts.c: the host list, and the form that edits or adds one host. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "error.h"

/* ---- the list ---- */

struct hosts {
	struct list list;
	unsigned gen;             /* the app's generation collected, + 1 */
	struct lines rows;        /* one per host, in file order */
};

static void hosts_tick(struct app *app, void *s)
{
	struct hosts *h = s;
	const json_t *hosts = json_object_get(app->edit.doc, "hosts"), *host;
	size_t i;

	if (h->gen == app->generation + 1)
		return;
	h->gen = app->generation + 1;
	lines_clear(&h->rows);
	json_array_foreach(hosts, i, host)
	{
		char roles[256], port[16] = "";
		const char *user = json_string_value(json_object_get(host, "user"));
		lines_join_json(json_object_get(host, "roles"), roles, sizeof(roles));
		if (json_is_integer(json_object_get(host, "port")))
			snprintf(port, sizeof(port), "%lld",
				 (long long)json_integer_value(json_object_get(host, "port")));
		lines_add(&h->rows, ST_NORMAL, "%-16s %-18s %-6s %-10s %s",
			  json_string_value(json_object_get(host, "name")) ?: "?",
			  json_string_value(json_object_get(host, "address")) ?: "?", port,
			  user ? user : "", roles);
	}
	list_set(&h->list, h->rows.n);
}

static void hosts_draw(struct app *app, void *s, WINDOW *w, const struct area *a)
{
	struct hosts *h = s;
	int y = a->top, rows = a->rows - 3;

	draw_fmt(w, y++, 1, a->cols - 2, ST_HEAD, "Hosts of %s (%zu)", app->edit.path, h->rows.n);
	draw_fmt(w, y++, 2, a->cols - 3, ST_DIM, "%-16s %-18s %-6s %-10s %s", "NAME", "ADDRESS",
		 "PORT", "USER", "ROLES");
	list_fit(&h->list, rows);
	for (size_t i = h->list.top; i < h->rows.n && (int)(i - h->list.top) < rows; i++, y++) {
		bool sel = i == h->list.cursor;
		if (sel)
			draw_fill(w, y, 1, a->cols - 2, ST_SELECT);
		draw_text(w, y, 0, 1, ST_NORMAL, sel ? "▶" : " ");
		draw_text(w, y, 2, a->cols - 3, sel ? ST_SELECT : ST_NORMAL, h->rows.v[i].text);
	}
	if (h->rows.n == 0)
		draw_text(w, y, 2, a->cols - 3, ST_NORMAL, "No host yet: press a to add one.");
}

static void hosts_edit(struct app *app, void *s)
{
	struct hosts *h = s;
	long index = (long)h->list.cursor;

	if (h->rows.n > 0)
		app_push(app, &host_form_screen, &index);
}

static void hosts_add(struct app *app, void *s)
{
	long index = -1;

	(void)s;
	app_push(app, &host_form_screen, &index);
}

static void delete_yes(struct app *app, void *s)
{
	struct hosts *h = s;
	json_t *doc = edit_copy(&app->edit);

	json_array_remove(json_object_get(doc, "hosts"), h->list.cursor);
	app_save(app, doc, NULL);
}

static const struct choice delete_choices[] = {
	{'y', "y  yes, delete it (saved when the project stays valid)", delete_yes},
	{'n', "n  no", NULL},
	{KEY_ESC, "Esc  no", NULL},
};

static void hosts_delete(struct app *app, void *s)
{
	struct hosts *h = s;
	const json_t *host = json_array_get(json_object_get(app->edit.doc, "hosts"), h->list.cursor);

	if (host != NULL)
		app_ask(app, delete_choices, sizeof(delete_choices) / sizeof(delete_choices[0]),
			"Delete host %s?", json_string_value(json_object_get(host, "name")) ?: "?");
}

static void hosts_close(struct app *app, void *s)
{
	(void)app;
	lines_release(&((struct hosts *)s)->rows);
}

static const struct binding hosts_keys[] = {
	{'\n', KEY_ENTER, "Enter", "edit", hosts_edit, false},
	{'a', 0, "a", "add", hosts_add, false},
	{'d', KEY_DC, "d", "delete", hosts_delete, false},
	{0, 0, NULL, NULL, NULL, false},
};

const struct screen_type hosts_screen = {
	.title = "Hosts",
	.keys = hosts_keys,
	.size = sizeof(struct hosts),
	.list = offsetof(struct hosts, list),
	.tick = hosts_tick,
	.draw = hosts_draw,
	.close = hosts_close,
};

/* ---- the form of one host ---- */

enum { HOST_ROLES = 4 }; /* the index of the roles field below */

static const struct field_def host_fields[] = {
	{.key = "name", .label = "Name", .kind = FIELD_TEXT, .hint = "a-z 0-9 -"},
	{.key = "address", .label = "Address", .kind = FIELD_TEXT, .hint = "IPv4 or IPv6"},
	{.key = "port", .label = "SSH port", .kind = FIELD_INT, .hint = "empty: ssh.port"},
	{.key = "user", .label = "SSH user", .kind = FIELD_TEXT, .hint = "empty: ssh.user"},
	[HOST_ROLES] = {.key = "roles", .label = "Roles", .kind = FIELD_FLAGS},
};

struct host_form {
	struct form form;
	long index;               /* the host in the file; -1 for a new one */
	const char *roles[FORM_MAX_OPTIONS + 1]; /* borrowed from the catalog */
	const char *notes[FORM_MAX_OPTIONS + 1];
};

static int host_form_open(struct app *app, void *s, const void *arg)
{
	struct host_form *h = s;
	const struct catalog *cat = app->cfg->catalog;
	const json_t *hosts = json_object_get(app->edit.doc, "hosts");
	char prefix[64];

	h->index = *(const long *)arg;
	if (app->edit.doc == NULL) {
		app_message(app, ST_FAIL, "the file is not YAML that can be edited here");
		return HNSP_ERR_INVALID;
	}
	/* Messages name a host by its place in the list; a new one goes last. */
	snprintf(prefix, sizeof(prefix), "hosts[%zu].",
		 h->index < 0 ? json_array_size(hosts) : (size_t)h->index);
	if (form_init(&h->form, host_fields, sizeof(host_fields) / sizeof(host_fields[0]),
		      prefix) < 0)
		return HNSP_ERR_NOMEM;
	for (size_t i = 0; i < cat->roles.n && i < FORM_MAX_OPTIONS; i++) {
		h->roles[i] = OBJLIST_AT(&cat->roles, struct catalog_role, i)->name;
		h->notes[i] = OBJLIST_AT(&cat->roles, struct catalog_role, i)->description;
	}
	form_set_options(&h->form, HOST_ROLES, h->roles, h->notes);
	if (h->index >= 0)
		form_load(&h->form, json_array_get(hosts, (size_t)h->index));
	return 0;
}

static bool host_form_key(struct app *app, void *s, int key)
{
	(void)app;
	return form_key(&((struct host_form *)s)->form, key);
}

static void host_form_save(struct app *app, void *s)
{
	struct host_form *h = s;
	json_t *doc = edit_copy(&app->edit), *hosts, *host;

	if (doc != NULL) {
		if (!json_is_array(hosts = json_object_get(doc, "hosts")))
			json_object_set_new(doc, "hosts", hosts = json_array());
		host = h->index >= 0 ? json_array_get(hosts, (size_t)h->index) : NULL;
		if (host == NULL)
			json_array_append_new(hosts, host = json_object());
		if (host == NULL || form_apply(&h->form, host) < 0) {
			json_decref(doc);
			doc = NULL;
		}
	}
	if (app_save(app, doc, &h->form) == 0)
		app_pop(app);
}

static void host_form_draw(struct app *app, void *s, WINDOW *w, const struct area *a)
{
	struct host_form *h = s;

	(void)app;
	draw_text(w, a->top, 1, a->cols - 2, ST_HEAD,
		  h->index < 0 ? "New host" : h->form.fields[0].text);
	draw_text(w, a->top + 1, 1, a->cols - 2, ST_DIM,
		  "Tab/arrows move, Space ticks a role, Enter saves (only a valid project is written).");
	form_draw(&h->form, w, a->top + 3, 1, a->rows - 3, a->cols - 2);
}

static void host_form_close(struct app *app, void *s)
{
	(void)app;
	form_release(&((struct host_form *)s)->form);
}

static const struct binding host_form_keys[] = {
	{'\n', KEY_ENTER, "Enter", "save", host_form_save, false},
	{0, 0, NULL, NULL, NULL, false},
};

const struct screen_type host_form_screen = {
	.title = "Host",
	.keys = host_form_keys,
	.size = sizeof(struct host_form),
	.list = NO_LIST,
	.open = host_form_open,
	.draw = host_form_draw,
	.key = host_form_key,
	.close = host_form_close,
};
