/* edit.h: the project open in the TUI, as its screens and editors see it.
 *
 * The file is read two ways: as a project (project_load: for the overview,
 * the plan and runs; NULL while the file has errors) and as JSON in the
 * file's key order (ydoc_load + ynode_to_json: what the editors change).  An
 * edit is a changed copy of that JSON; edit_save() writes it back as YAML
 * only when the whole project is valid (projects_check_file), so an invalid
 * value never reaches the file, and then reads the file again. */
#ifndef HNSP_TUI_EDIT_H
#define HNSP_TUI_EDIT_H

#include <jansson.h>

#include "catalog.h"
#include "diag.h"
#include "project.h"

struct edit {
	char *path;                /* owned: the project file */
	char *state;               /* owned: the state directory */
	char *name;                /* owned: the name a file of STATE/projects keeps, or NULL */
	json_t *doc;               /* owned: the file as JSON; NULL when it is not readable YAML */
	struct project *project;   /* owned: NULL while the file has errors */
	struct diag_list diags;    /* the file's problems, sorted by position */
	struct diag_list refused;  /* the problems of the last edit that was not saved */
};

/* Opens the project file at path (copied); state is the state directory (a
 * file in its projects/ must keep its name).  The file may have errors: they
 * are in e->diags.  Returns 0, HNSP_ERR_NOMEM, or HNSP_ERR_IO when the file
 * cannot be read at all. */
int edit_open(struct edit *e, const char *path, const char *state, const struct catalog *cat);
/* Reads the file again (after a run, or an edit elsewhere). */
int edit_reload(struct edit *e, const struct catalog *cat);
void edit_release(struct edit *e);

/* A copy of the JSON to change and hand to edit_save; new, or NULL. */
json_t *edit_copy(const struct edit *e);
/* Checks doc (stolen) as the project file and writes it when valid, then
 * reads it again.  Returns 0, HNSP_ERR_INVALID (e->refused says why; the file
 * is unchanged), HNSP_ERR_IO (errno set) or HNSP_ERR_NOMEM. */
int edit_save(struct edit *e, json_t *doc, const struct catalog *cat);
/* Records in the audit log, as the TUI's user, that the project was saved:
 * its change from old (borrowed: the JSON before; NULL when it was just
 * made) to e->doc.  edit_save does it.  Returns what audit_record returns. */
int edit_record(const struct edit *e, const json_t *old);

/* Makes the project file path (which must not exist; a file kept in the
 * state directory) from the example file, renamed name, when the result is
 * valid; problems go to diags.  A kept project names only the state's places
 * (confine.h), so once the result is known to be valid the example's key is
 * imported into STATE/keys/ as name (or a kept key with the same bytes is
 * named), the lines of its known_hosts that STATE/known_hosts lacks are
 * appended to it (atomically), and the bundle becomes STATE/bundles/NAME.  A
 * key that cannot be imported is left out, with a warning.  Returns 0,
 * HNSP_ERR_EXISTS, HNSP_ERR_INVALID, HNSP_ERR_IO or HNSP_ERR_NOMEM.  state is
 * the state directory, as project_load takes it. */
int edit_create(const char *path, const char *state, const char *name, const char *example,
		const struct catalog *cat, struct diag_list *diags);

#endif
