/* edit.c: the open project as JSON for the editors, saved only when valid. */
#include "edit.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"
#include "error.h"
#include "journal.h"
#include "keys.h"
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

/* Checks doc (borrowed) as the project file path named name (NULL: any
 * name), and writes it as YAML when it is valid and keep is set. */
static int write_checked(const char *path, const char *state, const char *name,
			 const json_t *doc, const struct catalog *cat, bool keep,
			 struct diag_list *diags)
{
	char *text = NULL;
	size_t len;
	int r;

	if ((r = ydoc_emit_json(doc, &text, &len)) < 0)
		return r;
	r = projects_check_file(path, state, cat, name, text, keep, diags);
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
	r = write_checked(e->path, e->state, e->name, doc, cat, true, &e->refused);
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

/* path as the example file at example names it: relative to its directory,
 * or to $HOME after "~/", into buf, its directory's links and ".." resolved
 * so that a message names the file plainly. */
static void example_path(const char *example, const char *path, char *buf, size_t size)
{
	char copy[PATH_MAX * 2], dir[PATH_MAX], joined[PATH_MAX * 2];
	const char *home = getenv("HOME");

	snprintf(copy, sizeof(copy), "%s", example);
	if (realpath(dirname(copy), dir) == NULL)
		snprintf(dir, sizeof(dir), "%s", ".");
	if (path[0] == '/')
		snprintf(joined, sizeof(joined), "%s", path);
	else if (path[0] == '~' && path[1] == '/' && home != NULL)
		snprintf(joined, sizeof(joined), "%s/%s", home, path + 2);
	else
		snprintf(joined, sizeof(joined), "%s/%s", dir, path);
	snprintf(copy, sizeof(copy), "%s", joined);
	if (realpath(dirname(copy), dir) == NULL)
		snprintf(buf, size, "%s", joined);
	else
		snprintf(buf, size, "%s/%s", dir, strrchr(joined, '/') + 1);
}

/* The whole file at path into text (size bytes), its length into *len;
 * HNSP_ERR_LIMIT when it does not fit, HNSP_ERR_IO (errno set). */
static int read_small(const char *path, char *text, size_t size, size_t *len)
{
	FILE *f = fopen(path, "re");
	int r = 0;

	if (f == NULL)
		return HNSP_ERR_IO;
	*len = fread(text, 1, size, f);
	if (ferror(f))
		r = HNSP_ERR_IO;
	else if (*len == size)
		r = HNSP_ERR_LIMIT;
	fclose(f);
	return r;
}

/* The name under which the state keeps the example's key file: a kept key
 * with the same bytes, else name, imported now.  Returns 0 with the name in
 * kept, or a reason in why (then the project goes without a key). */
static int adopt_key(const char *state, const char *name, const char *file, char *kept,
		     size_t size, char *why, size_t whysize)
{
	char text[KEYS_MAX_BYTES + 1], fp[128], taken[PATH_MAX];
	size_t len = 0;
	int r = read_small(file, text, sizeof(text), &len);

	if (r == 0 && keys_find(state, text, len, kept, size))
		goto out;
	snprintf(taken, sizeof(taken), "%s/keys/%s", state, name);
	if (r == 0 && access(taken, F_OK) == 0) {
		snprintf(why, whysize, "another key is kept as '%s' already", name);
		r = HNSP_ERR_EXISTS;
		goto out;
	}
	if (r == 0)
		r = keys_import(state, name, text, len, getenv("HNSP_KEY_PASSPHRASE"), fp,
				sizeof(fp));
	if (r == 0)
		snprintf(kept, size, "%s", name);
	else
		snprintf(why, whysize, "%s",
			 r == HNSP_ERR_INVALID ? "it is not a private key libssh can read (for a "
						 "key with a passphrase, set HNSP_KEY_PASSPHRASE)"
			 : r == HNSP_ERR_LIMIT ? "it is larger than a private key file (16 KiB)"
					       : strerror(errno));
out:
	sodium_memzero(text, sizeof(text));
	return r;
}

/* Whether text holds line as a whole line. */
static bool has_line(const char *text, const char *line)
{
	size_t n = strlen(line);

	for (const char *at = text; (at = strstr(at, line)) != NULL; at++)
		if ((at == text || at[-1] == '\n') && (at[n] == '\n' || at[n] == '\0'))
			return true;
	return false;
}

/* Appends to STATE/known_hosts, atomically, the lines of file that it does
 * not hold yet.  Returns 0, HNSP_ERR_IO (errno set), HNSP_ERR_LIMIT or
 * HNSP_ERR_NOMEM. */
static int adopt_known_hosts(const char *state, const char *file)
{
	enum { MAX = 1024 * 1024 };
	char path[PATH_MAX], *have = malloc(MAX + 1), *add = malloc(MAX + 1), *out = NULL;
	size_t nhave = 0, nadd = 0, nout = 0;
	int r = HNSP_ERR_NOMEM;

	snprintf(path, sizeof(path), "%s/known_hosts", state);
	if (have == NULL || add == NULL || (out = malloc(2 * MAX + 2)) == NULL)
		goto out;
	if ((r = read_small(file, add, MAX + 1, &nadd)) < 0)
		goto out;
	if ((r = read_small(path, have, MAX + 1, &nhave)) == HNSP_ERR_IO && errno == ENOENT)
		nhave = 0, r = 0;
	if (r < 0)
		goto out;
	have[nhave] = add[nadd] = '\0';
	memcpy(out, have, nhave);
	nout = nhave;
	if (nout > 0 && out[nout - 1] != '\n')
		out[nout++] = '\n';
	for (char *line = add, *next; *line != '\0'; line = next) {
		size_t n = strcspn(line, "\n");
		next = line + n + (line[n] == '\n');
		line[n] = '\0';
		out[nout] = '\0';
		if (n == 0 || line[0] == '#' || has_line(out, line))
			continue;
		nout += (size_t)sprintf(out + nout, "%s\n", line);
	}
	r = nout == nhave ? 0 : journal_write_atomic(path, out, nout, 0600);
out:
	free(have);
	free(add);
	free(out);
	return r;
}

/* The example's own paths (key, known_hosts) as absolute paths, then doc
 * made a project kept in the state directory that names only the state's
 * places (confine.h): key_file the key kept as name, no known_hosts (the
 * state's), its bundle STATE/bundles/NAME. */
static int plan_paths(json_t *doc, const char *name, const char *example, char *key,
		      char *kh, size_t size)
{
	json_t *ssh = json_object_get(doc, "ssh"), *art = json_object_get(doc, "artefacts");
	const char *k = json_string_value(json_object_get(ssh, "key_file"));
	const char *h = json_string_value(json_object_get(ssh, "known_hosts"));

	key[0] = kh[0] = '\0';
	if (k != NULL)
		example_path(example, k, key, size);
	if (h != NULL)
		example_path(example, h, kh, size);
	json_object_del(ssh, "known_hosts");
	if (json_object_set_new(doc, "name", json_string(name)) < 0 ||
	    (k != NULL && json_object_set_new(ssh, "key_file", json_string(name)) < 0) ||
	    (json_object_get(art, "bundle") != NULL &&
	     json_object_set_new(art, "bundle", json_string(name)) < 0))
		return HNSP_ERR_NOMEM;
	return 0;
}

/* Brings the example's key and hosts into the state directory; a key that
 * cannot be imported is left out of doc, with a warning in diags. */
static int adopt_files(json_t *doc, const char *state, const char *name, const char *example,
		       const char *key, const char *kh, struct diag_list *diags)
{
	json_t *ssh = json_object_get(doc, "ssh");
	char kept[64], why[256];
	int r;

	if (kh[0] != '\0' && (r = adopt_known_hosts(state, kh)) < 0 &&
	    !(r == HNSP_ERR_IO && errno == ENOENT)) {
		diag_add(diags, DIAG_ERROR, example, 0, 0,
			 "cannot add the hosts of '%s' to %s/known_hosts: %s", kh, state,
			 r == HNSP_ERR_IO ? strerror(errno) : hnsp_strerror(r));
		return r;
	}
	if (key[0] == '\0')
		return 0;
	if (adopt_key(state, name, key, kept, sizeof(kept), why, sizeof(why)) < 0) {
		diag_add(diags, DIAG_WARNING, example, 0, 0,
			 "the example's key '%s' was not imported (%s): the project uses ssh-agent "
			 "until a key imported with 'hnsp-installer key import' is its key file",
			 key, why);
		json_object_del(ssh, "key_file");
		return 0;
	}
	return json_object_set_new(ssh, "key_file", json_string(kept)) < 0 ? HNSP_ERR_NOMEM : 0;
}

int edit_create(const char *path, const char *state, const char *name, const char *example,
		const struct catalog *cat, struct diag_list *diags)
{
	char key[PATH_MAX * 2], kh[PATH_MAX * 2];
	json_t *doc;
	int r;

	if (access(path, F_OK) == 0)
		return HNSP_ERR_EXISTS;
	if ((doc = read_json(example, diags)) == NULL)
		return diags->errors ? HNSP_ERR_INVALID : HNSP_ERR_IO;
	/* Checked before anything is imported, so that a refused example
	 * leaves no key or host behind. */
	if ((r = plan_paths(doc, name, example, key, kh, sizeof(key))) == 0 &&
	    (r = write_checked(path, state, name, doc, cat, false, diags)) == 0 &&
	    (r = adopt_files(doc, state, name, example, key, kh, diags)) == 0)
		r = write_checked(path, state, name, doc, cat, true, diags);
	json_decref(doc);
	return r;
}
