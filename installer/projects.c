/* projects.c: project files in the state directory, written only when valid. */
#include "projects.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "project.h"
#include "state.h"

bool projects_name_valid(const char *name)
{
	size_t n = name ? strlen(name) : 0;

	return n > 0 && n <= 63 && name[0] >= 'a' && name[0] <= 'z' &&
	       strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789-") == n;
}

void projects_path(const char *state, const char *name, char *buf, size_t size)
{
	snprintf(buf, size, "%s/projects/%s.yaml", state, name);
}

int projects_list(const char *state, struct strlist *out)
{
	char dir[PATH_MAX];
	struct dirent **names = NULL;
	int n, r = 0;

	memset(out, 0, sizeof(*out));
	snprintf(dir, sizeof(dir), "%s/projects", state);
	if ((n = scandir(dir, &names, NULL, alphasort)) < 0)
		n = 0;
	if ((out->v = calloc((size_t)n + 1, sizeof(*out->v))) == NULL)
		r = HNSP_ERR_NOMEM;
	for (int i = 0; i < n; i++) {
		size_t len = strlen(names[i]->d_name);
		char *name;
		if (r == 0 && len > 5 && strcmp(names[i]->d_name + len - 5, ".yaml") == 0 &&
		    (name = strndup(names[i]->d_name, len - 5)) != NULL) {
			if (projects_name_valid(name))
				out->v[out->n++] = name;
			else
				free(name);
		}
		free(names[i]);
	}
	free(names);
	return r;
}

int projects_check_file(const char *path, const char *state, const struct catalog *cat,
			const char *name, const char *text, bool keep, struct diag_list *diags)
{
	struct project *p = NULL;
	char dir[PATH_MAX], tmp[PATH_MAX + 32], *slash;
	size_t len = strlen(text);
	int fd, r;

	snprintf(dir, sizeof(dir), "%s", path);
	if ((slash = strrchr(dir, '/')) != NULL)
		*slash = '\0';
	else
		snprintf(dir, sizeof(dir), ".");
	snprintf(tmp, sizeof(tmp), "%s/.check-XXXXXX", dir);
	if (state_mkdirs(dir, 0700) < 0 || (fd = mkstemp(tmp)) < 0)
		return HNSP_ERR_IO;
	r = write(fd, text, len) == (ssize_t)len && fsync(fd) == 0 ? 0 : HNSP_ERR_IO;
	close(fd);
	if (r == 0)
		r = project_load(tmp, state, cat, &p, diags);
	if (p != NULL && name != NULL && strcmp(p->name, name) != 0) {
		const struct ynode *n = ynode_get(p->node, "name");
		diag_add(diags, DIAG_ERROR, tmp, n ? n->line : 0, n ? n->column : 0,
			 "'name': '%s' must be the project's name '%s'", p->name, name);
		r = HNSP_ERR_INVALID;
	}
	project_free(p);
	diag_list_sort(diags);
	if (r == 0 && keep && rename(tmp, path) < 0)
		r = HNSP_ERR_IO;
	if (r != 0 || !keep) {
		int saved = errno;
		unlink(tmp);
		errno = saved;
	}
	return r < 0 && r != HNSP_ERR_IO ? HNSP_ERR_INVALID : r;
}

int projects_check(const char *state, const struct catalog *cat, const char *name,
		   const char *text, bool keep, struct diag_list *diags)
{
	char path[PATH_MAX];

	if (name == NULL) /* checked where a file of the state directory would be */
		snprintf(path, sizeof(path), "%s/projects/.unnamed.yaml", state);
	else
		projects_path(state, name, path, sizeof(path));
	return projects_check_file(path, state, cat, name, text, keep && name != NULL, diags);
}
