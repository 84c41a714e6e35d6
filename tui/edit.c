/* edit.c: the open project as JSON for the editors, saved only when valid. */
#include "edit.h"

#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"
#include "error.h"
#include "projects.h"
#include "ydoc.h"

/* The file at path as JSON in its key order, or NULL (problems in diags). */
static json_t *read_json(const char *path, struct diag_list *diags)
{
	struct ydoc *doc = NULL;
	json_t *j = NULL;

	if (ydoc_load(path, &doc, diags) == 0)
		j = ynode_to_json(doc->root);
	ydoc_free(doc);
	return j;
}

/* Writes doc (borrowed) as YAML to path when it is a valid project named name
 * (NULL: any name). */
static int write_checked(const char *path, const char *state, const char *name,
			 const json_t *doc, const struct catalog *cat, struct diag_list *diags)
{
	char *text = NULL;
	size_t len;
	int r;

	if ((r = ydoc_emit_json(doc, &text, &len)) < 0)
		return r;
	r = projects_check_file(path, state, cat, name, text, true, diags);
	free(text);
	return r;
}

int edit_open(struct edit *e, const char *path, const char *state, const struct catalog *cat)
{
	char dir[PATH_MAX], projects[PATH_MAX], copy[PATH_MAX];
	const char *base;
	size_t len;

	memset(e, 0, sizeof(*e));
	diag_list_init(&e->diags);
	diag_list_init(&e->refused);
	if ((e->path = strdup(path)) == NULL || (e->state = strdup(state)) == NULL)
		return HNSP_ERR_NOMEM;
	/* STATE/projects/NAME.yaml is project NAME for every front-end. */
	snprintf(copy, sizeof(copy), "%s", path);
	snprintf(dir, sizeof(dir), "%s", dirname(copy));
	snprintf(projects, sizeof(projects), "%s/projects", state);
	snprintf(copy, sizeof(copy), "%s", path);
	base = basename(copy);
	len = strlen(base);
	if (strcmp(dir, projects) == 0 && len > 5 && strcmp(base + len - 5, ".yaml") == 0 &&
	    (e->name = strndup(base, len - 5)) == NULL)
		return HNSP_ERR_NOMEM;
	return edit_reload(e, cat);
}

int edit_reload(struct edit *e, const struct catalog *cat)
{
	struct diag_list quiet;
	int r;

	project_free(e->project);
	e->project = NULL;
	json_decref(e->doc);
	diag_list_release(&e->diags);
	diag_list_init(&e->diags);
	diag_list_init(&quiet);
	/* project_load reports every problem; the JSON read repeats the YAML ones. */
	r = project_load(e->path, e->state, cat, &e->project, &e->diags);
	e->doc = read_json(e->path, &quiet);
	diag_list_release(&quiet);
	diag_list_sort(&e->diags);
	if (r == HNSP_ERR_NOMEM)
		return r;
	return e->doc == NULL && r == HNSP_ERR_IO ? HNSP_ERR_IO : 0;
}

void edit_release(struct edit *e)
{
	free(e->path);
	free(e->state);
	free(e->name);
	json_decref(e->doc);
	project_free(e->project);
	diag_list_release(&e->diags);
	diag_list_release(&e->refused);
	memset(e, 0, sizeof(*e));
}

json_t *edit_copy(const struct edit *e)
{
	return e->doc ? json_deep_copy(e->doc) : NULL;
}

int edit_save(struct edit *e, json_t *doc, const struct catalog *cat)
{
	json_t *old;
	int r;

	diag_list_release(&e->refused);
	diag_list_init(&e->refused);
	if (doc == NULL)
		return HNSP_ERR_NOMEM;
	r = write_checked(e->path, e->state, e->name, doc, cat, &e->refused);
	json_decref(doc);
	if (r < 0)
		return r;
	old = json_incref(e->doc);
	r = edit_reload(e, cat);
	edit_record(e, old); /* the save is done: a log that cannot be written stops nothing */
	json_decref(old);
	return r;
}

int edit_record(const struct edit *e, const json_t *old)
{
	char user[256], *before = NULL, *after = NULL;
	size_t len;
	struct audit_actor who = audit_local_actor("tui", user, sizeof(user));
	const char *name = e->name ? e->name : json_string_value(json_object_get(e->doc, "name"));
	json_t *diff = NULL;

	/* Both as the TUI writes them: the line counts compare like with like. */
	if ((old == NULL || ydoc_emit_json(old, &before, &len) == 0) &&
	    ydoc_emit_json(e->doc, &after, &len) == 0)
		diff = audit_diff(before, after);
	free(before);
	free(after);
	return audit_record(e->state, &who, "project.put",
			    json_pack("{s:s?, s:s*, s:b, s:o*}", "project", name, "file",
				      e->name ? NULL : e->path, "created", old == NULL, "diff", diff));
}

/* The paths of a project file that are relative to its directory. */
static const char *const relative_paths[][2] = {
	{"ssh", "key_file"}, {"ssh", "known_hosts"}, {"artefacts", "bundle"}};

/* Makes the relative paths of doc, a copy of the file example, name the same
 * files from wherever the copy is written. */
static int keep_paths(json_t *doc, const char *example)
{
	char copy[PATH_MAX], dir[PATH_MAX];

	snprintf(copy, sizeof(copy), "%s", example);
	if (realpath(dirname(copy), dir) == NULL)
		return HNSP_ERR_IO;
	for (size_t i = 0; i < sizeof(relative_paths) / sizeof(relative_paths[0]); i++) {
		json_t *section = json_object_get(doc, relative_paths[i][0]);
		const char *v = json_string_value(json_object_get(section, relative_paths[i][1]));
		char abs[PATH_MAX * 2];
		if (v == NULL || v[0] == '/' || v[0] == '~')
			continue;
		snprintf(abs, sizeof(abs), "%s/%s", dir, v);
		if (json_object_set_new(section, relative_paths[i][1], json_string(abs)) < 0)
			return HNSP_ERR_NOMEM;
	}
	return 0;
}

int edit_create(const char *path, const char *state, const char *name, const char *example,
		const struct catalog *cat, struct diag_list *diags)
{
	json_t *doc;
	int r;

	if (access(path, F_OK) == 0)
		return HNSP_ERR_EXISTS;
	if ((doc = read_json(example, diags)) == NULL)
		return diags->errors ? HNSP_ERR_INVALID : HNSP_ERR_IO;
	r = json_object_set_new(doc, "name", json_string(name)) < 0 ? HNSP_ERR_NOMEM
								    : keep_paths(doc, example);
	if (r == 0)
		r = write_checked(path, state, name, doc, cat, diags);
	json_decref(doc);
	return r;
}
