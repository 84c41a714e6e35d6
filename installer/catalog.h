/* catalog.h: the component catalog, read from playbooks/catalog.yaml.
 *
 * The catalog is data: which components exist, the playbook that installs
 * each, the host roles it targets, what it depends on, its options and its
 * verification checks.  Loading checks the catalog's own integrity (unique
 * ids, known dependencies and roles, no dependency cycle). */
#ifndef HNSP_CATALOG_H
#define HNSP_CATALOG_H

#include <jansson.h>
#include <stdbool.h>

#include "diag.h"
#include "schema.h"
#include "ydoc.h"

enum option_type { OPT_STRING, OPT_INT, OPT_BOOL, OPT_LIST };

struct catalog_role {
	const struct ynode *node;
	char *name;          /* as written in a project's hosts[].roles */
	char *description;
};

struct catalog_option {
	const struct ynode *node;
	char *name;
	int type;                  /* enum option_type */
	struct strlist values;     /* allowed values of a string option; empty: any */
	long min, max;             /* range of an int option */
	const struct ynode *def;   /* default value as YAML (borrowed), or NULL */
	char *description;
};

struct catalog_check {
	const struct ynode *node;
	char *name;
	char *description;
};

/* A program the bundle carries as a plain binary (bin/NAME), taken from a
 * release or, where none can be fetched, from a distribution package. */
struct catalog_binary {
	const struct ynode *node;
	char *name;                /* file name under the bundle's bin/ */
	char *package;             /* Debian package that provides it */
	char *path;                /* its path inside that package */
};

struct component {
	const struct ynode *node;
	char *id;
	char *description;
	char *playbook;            /* relative to the catalog's directory */
	struct strlist hosts;      /* roles targeted; "all" for every host */
	struct strlist depends;    /* ids that must run before */
	struct strlist ha_depends; /* ids needed only when the project has several masters */
	bool final;                /* runs after every other phase */
	struct objlist options;    /* struct catalog_option */
	struct objlist checks;     /* struct catalog_check */
	struct strlist packages;   /* Debian packages installed from the bundle */
	struct objlist binaries;   /* struct catalog_binary */
	struct strlist images;     /* container images the bundle carries, NAME:TAG */
	bool pushes_bundle;        /* the engine pushes the bundle before its playbook */
};

/* The variables of one Ansible role that a project may set (ansible_vars,
 * hosts[].vars): every variable of its defaults/main.yml, named ROLE_*. */
struct catalog_tunables {
	const struct ynode *node;
	char *role;                /* the role's directory under roles/ */
	struct strlist vars;       /* its tunables; empty for an installer_host role */
	bool installer_host;       /* its plays run on the installer host: none of its
				    * variables (ROLE_*) may come from a project */
};

struct catalog {
	struct ydoc *doc;          /* owned; the nodes above point into it */
	char *path;                /* owned; the file read */
	const struct ynode *node;
	struct objlist roles;      /* struct catalog_role */
	struct objlist components; /* struct component, in catalog order */
	struct objlist tunables;   /* struct catalog_tunables, one per Ansible role */
};

/* Reads and checks the catalog at path.  *out is new on success, NULL on
 * failure; problems go to diags.  Returns 0, HNSP_ERR_INVALID, HNSP_ERR_IO... */
int catalog_load(const char *path, struct catalog **out, struct diag_list *diags);
void catalog_free(struct catalog *cat);
/* The catalog for a front-end: {"roles": [{"name", "description"}],
 * "components": [{"id", "description", "hosts", "depends", "ha_depends",
 * "final", "options", "checks", "packages", "images"}]}.  New reference, or
 * NULL (no memory). */
json_t *catalog_to_json(const struct catalog *cat);

/* Borrowed lookups; NULL when absent. */
const struct component *catalog_find(const struct catalog *cat, const char *id);
const struct catalog_option *component_option(const struct component *c, const char *name);
size_t catalog_index(const struct catalog *cat, const struct component *c);
bool catalog_has_role(const struct catalog *cat, const char *role);

/* What a project may do with an Ansible variable of this name. */
enum catalog_var {
	VAR_TUNABLE,        /* a role's tunable: the project may set it */
	VAR_ANSIBLE,        /* ansible_*: Ansible's own (connection, privilege, interpreter) */
	VAR_INSTALLER,      /* hnsp_*: what the installer derives from the typed fields */
	VAR_INSTALLER_HOST, /* read by a play on the installer host (an installer_host role's) */
	VAR_UNKNOWN         /* no role declares it */
};
enum catalog_var catalog_classify_var(const struct catalog *cat, const char *name);
/* Fills names (borrowed pointers, at most max) with every tunable; returns how many. */
size_t catalog_tunable_names(const struct catalog *cat, const char **names, size_t max);

/* Describes option o as a schema field, for reading a project's value of it. */
void catalog_option_field(const struct catalog_option *o, struct field *f);
/* Checks value against option o's type; reports at value.  path names it. */
bool catalog_option_check(const struct schema_ctx *ctx, const struct catalog_option *o,
			  const struct ynode *value, const char *path);

#define COMPONENT_AT(cat, i) OBJLIST_AT(&(cat)->components, struct component, i)

#endif
