/* settings.c: forms over the project's settings: the network, SSH and the bundle. */
#include <stdio.h>

#include "app.h"
#include "error.h"

/* A form of settings: its fields say where in the file each value lives. */
struct settings_form {
	const char *title;
	const char *intro;
	const struct field_def *fields;
	size_t n;
};

static const struct field_def network_fields[] = {
	{.key = "network.host_cidrs", .label = "Host networks", .kind = FIELD_LIST,
	 .hint = "CIDRs, comma-separated"},
	{.key = "network.api_vip", .label = "API VIP", .kind = FIELD_TEXT,
	 .hint = "needed with several masters"},
	{.key = "network.api_port", .label = "API port", .kind = FIELD_INT, .hint = "empty: 8443"},
	{.key = "network.apiserver_port", .label = "API server port", .kind = FIELD_INT,
	 .hint = "empty: 6443"},
	{.key = "network.pod_cidr", .label = "Pod network", .kind = FIELD_TEXT,
	 .hint = "empty: 10.244.0.0/16"},
	{.key = "network.service_cidr", .label = "Service network", .kind = FIELD_TEXT,
	 .hint = "empty: 10.96.0.0/12"},
};

const struct settings_form network_form = {
	"Network", "Addresses and networks (MetalLB pools and ingress: in the file).",
	network_fields, sizeof(network_fields) / sizeof(network_fields[0])};

static const char *const host_key_policies[] = {"strict", "accept-new", "off", NULL};
static const char *const artefact_sources[] = {"online", "offline", NULL};

static const struct field_def ssh_fields[] = {
	{.key = "ssh.user", .label = "SSH user", .kind = FIELD_TEXT, .hint = "empty: root"},
	{.key = "ssh.port", .label = "SSH port", .kind = FIELD_INT, .hint = "empty: 22"},
	{.key = "ssh.key_file", .label = "Key file", .kind = FIELD_TEXT,
	 .hint = "empty: ssh-agent; kept project: a name from 'key import'"},
	{.key = "ssh.known_hosts", .label = "Known hosts", .kind = FIELD_TEXT,
	 .hint = "empty: the state directory's (a kept project's only choice)"},
	{.key = "ssh.host_key_policy", .label = "Host keys", .kind = FIELD_CHOICE,
	 .options = host_key_policies},
	{.key = "ssh.become", .label = "Use sudo", .kind = FIELD_BOOL,
	 .hint = "privileged work through sudo (not needed as root)"},
	{.key = "artefacts.source", .label = "Artefacts", .kind = FIELD_CHOICE,
	 .options = artefact_sources},
	{.key = "artefacts.bundle", .label = "Bundle dir", .kind = FIELD_TEXT,
	 .hint = "offline: built by 'hnsp-installer bundle'; kept project: a name in bundles/"},
};

const struct settings_form ssh_form = {
	"SSH and artefacts", "How to reach the hosts, and where packages come from.  A project kept "
			     "in the state directory names its places only; other paths are "
			     "relative to the project file.",
	ssh_fields, sizeof(ssh_fields) / sizeof(ssh_fields[0])};

struct settings {
	const struct settings_form *def;  /* borrowed */
	struct form form;
};

static int settings_open(struct app *app, void *s, const void *arg)
{
	struct settings *st = s;

	st->def = arg;
	if (app->edit.doc == NULL) {
		app_message(app, ST_FAIL, "the file is not YAML that can be edited here");
		return HNSP_ERR_INVALID;
	}
	if (form_init(&st->form, st->def->fields, st->def->n, "") < 0)
		return HNSP_ERR_NOMEM;
	form_load(&st->form, app->edit.doc);
	return 0;
}

static bool settings_key(struct app *app, void *s, int key)
{
	(void)app;
	return form_key(&((struct settings *)s)->form, key);
}

static void settings_save(struct app *app, void *s)
{
	struct settings *st = s;
	json_t *doc = edit_copy(&app->edit);

	if (doc != NULL && form_apply(&st->form, doc) < 0) {
		json_decref(doc);
		doc = NULL;
	}
	if (app_save(app, doc, &st->form) == 0)
		app_pop(app);
}

static void settings_draw(struct app *app, void *s, WINDOW *w, const struct area *a)
{
	struct settings *st = s;

	(void)app;
	draw_text(w, a->top, 1, a->cols - 2, ST_HEAD, st->def->title);
	draw_text(w, a->top + 1, 1, a->cols - 2, ST_DIM, st->def->intro);
	draw_text(w, a->top + 2, 1, a->cols - 2, ST_DIM,
		  "Tab/arrows move, Space chooses, Enter saves (only a valid project is written).");
	form_draw(&st->form, w, a->top + 4, 1, a->rows - 4, a->cols - 2);
}

static void settings_close(struct app *app, void *s)
{
	(void)app;
	form_release(&((struct settings *)s)->form);
}

static const struct binding settings_keys[] = {
	{'\n', KEY_ENTER, "Enter", "save", settings_save, false},
	{0, 0, NULL, NULL, NULL, false},
};

const struct screen_type settings_screen = {
	.title = "Settings",
	.keys = settings_keys,
	.size = sizeof(struct settings),
	.list = NO_LIST,
	.open = settings_open,
	.draw = settings_draw,
	.key = settings_key,
	.close = settings_close,
};
