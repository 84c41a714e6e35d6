/* projects.h: the project files kept in the state directory.
 *
 * STATE/projects/NAME.yaml is project NAME, the same file for the CLI, the
 * TUI and the web GUI.  A file is written only once it is valid: the text is
 * checked as a project (schema, catalog, cross-field rules) in a temporary
 * file beside the others, so relative paths resolve as they will, and only
 * then renamed into place. */
#ifndef HNSP_PROJECTS_H
#define HNSP_PROJECTS_H

#include <stdbool.h>
#include <stddef.h>

#include "catalog.h"
#include "diag.h"
#include "schema.h"

/* 1 to 63 of a-z 0-9 -, starting with a letter. */
bool projects_name_valid(const char *name);
/* STATE/projects/NAME.yaml into buf. */
void projects_path(const char *state, const char *name, char *buf, size_t size);
/* The names of the valid-named project files, sorted, into out (an empty
 * list when there is none).  Returns 0 or HNSP_ERR_NOMEM. */
int projects_list(const char *state, struct strlist *out);
/* Checks text as a project whose name must be name (NULL: any), reporting to
 * diags, and when keep is set writes it as name's file if it is valid.
 * Returns 0 (valid; written when keep), HNSP_ERR_INVALID (nothing written)
 * or HNSP_ERR_IO (errno set). */
int projects_check(const char *state, const struct catalog *cat, const char *name,
		   const char *text, bool keep, struct diag_list *diags);
/* The same for a project file anywhere: checked in a temporary file in
 * path's directory (state is the state directory, as project_load takes it)
 * and, when keep is set and it is valid, renamed to path. */
int projects_check_file(const char *path, const char *state, const struct catalog *cat,
			const char *name, const char *text, bool keep, struct diag_list *diags);

#endif
