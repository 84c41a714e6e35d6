/* catalog.c: read the component catalog and check its integrity. */
#include "catalog.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

static const char *const option_types[] = {"string", "int", "bool", "list", NULL};

static const struct field role_fields[] = {
	{.key = "name", .type = F_STR, .offset = offsetof(struct catalog_role, name),
	 .required = true, .format = S_NAME},
	{.key = "description", .type = F_STR,
	 .offset = offsetof(struct catalog_role, description), .required = true},
};
static const struct objdef role_def = {sizeof(struct catalog_role),
				       offsetof(struct catalog_role, node), role_fields,
				       sizeof(role_fields) / sizeof(role_fields[0])};

static const struct field option_fields[] = {
	{.key = "name", .type = F_STR, .offset = offsetof(struct catalog_option, name),
	 .required = true, .format = S_ID},
	{.key = "type", .type = F_ENUM, .offset = offsetof(struct catalog_option, type),
	 .required = true, .values = option_types},
	{.key = "values", .type = F_STRLIST, .offset = offsetof(struct catalog_option, values)},
	{.key = "min", .type = F_INT, .offset = offsetof(struct catalog_option, min),
	 .min = -2147483647L, .max = 2147483647L, .def_int = 0},
	{.key = "max", .type = F_INT, .offset = offsetof(struct catalog_option, max),
	 .min = -2147483647L, .max = 2147483647L, .def_int = 2147483647L},
	{.key = "default", .type = F_ANY, .offset = offsetof(struct catalog_option, def)},
	{.key = "description", .type = F_STR,
	 .offset = offsetof(struct catalog_option, description), .required = true},
};
static const struct objdef option_def = {sizeof(struct catalog_option),
					 offsetof(struct catalog_option, node), option_fields,
					 sizeof(option_fields) / sizeof(option_fields[0])};

static const struct field check_fields[] = {
	{.key = "name", .type = F_STR, .offset = offsetof(struct catalog_check, name),
	 .required = true, .format = S_ID},
	{.key = "description", .type = F_STR,
	 .offset = offsetof(struct catalog_check, description), .required = true},
};
static const struct objdef check_def = {sizeof(struct catalog_check),
					offsetof(struct catalog_check, node), check_fields,
					sizeof(check_fields) / sizeof(check_fields[0])};

static const struct field binary_fields[] = {
	{.key = "name", .type = F_STR, .offset = offsetof(struct catalog_binary, name),
	 .required = true, .format = S_NAME},
	{.key = "package", .type = F_STR, .offset = offsetof(struct catalog_binary, package),
	 .required = true},
	{.key = "path", .type = F_STR, .offset = offsetof(struct catalog_binary, path),
	 .required = true, .format = S_ABSPATH},
};
static const struct objdef binary_def = {sizeof(struct catalog_binary),
					 offsetof(struct catalog_binary, node), binary_fields,
					 sizeof(binary_fields) / sizeof(binary_fields[0])};

static const struct field component_fields[] = {
	{.key = "id", .type = F_STR, .offset = offsetof(struct component, id), .required = true,
	 .format = S_NAME},
	{.key = "description", .type = F_STR, .offset = offsetof(struct component, description),
	 .required = true},
	{.key = "playbook", .type = F_STR, .offset = offsetof(struct component, playbook),
	 .required = true},
	{.key = "hosts", .type = F_STRLIST, .offset = offsetof(struct component, hosts),
	 .required = true, .format = S_NAME},
	{.key = "depends", .type = F_STRLIST, .offset = offsetof(struct component, depends),
	 .format = S_NAME},
	{.key = "ha_depends", .type = F_STRLIST,
	 .offset = offsetof(struct component, ha_depends), .format = S_NAME},
	{.key = "final", .type = F_BOOL, .offset = offsetof(struct component, final)},
	{.key = "options", .type = F_OBJLIST, .offset = offsetof(struct component, options),
	 .obj = &option_def, .what = "option"},
	{.key = "checks", .type = F_OBJLIST, .offset = offsetof(struct component, checks),
	 .obj = &check_def, .what = "check"},
	{.key = "packages", .type = F_STRLIST, .offset = offsetof(struct component, packages)},
	{.key = "binaries", .type = F_OBJLIST, .offset = offsetof(struct component, binaries),
	 .obj = &binary_def, .what = "binary"},
	{.key = "images", .type = F_STRLIST, .offset = offsetof(struct component, images)},
	{.key = "pushes_bundle", .type = F_BOOL,
	 .offset = offsetof(struct component, pushes_bundle)},
};
static const struct objdef component_def = {sizeof(struct component),
					    offsetof(struct component, node), component_fields,
					    sizeof(component_fields) / sizeof(component_fields[0])};

static const struct field tunables_fields[] = {
	{.key = "role", .type = F_STR, .offset = offsetof(struct catalog_tunables, role),
	 .required = true, .format = S_ID},
	{.key = "vars", .type = F_STRLIST, .offset = offsetof(struct catalog_tunables, vars),
	 .format = S_ID},
	{.key = "installer_host", .type = F_BOOL,
	 .offset = offsetof(struct catalog_tunables, installer_host)},
};
static const struct objdef tunables_def = {sizeof(struct catalog_tunables),
					   offsetof(struct catalog_tunables, node), tunables_fields,
					   sizeof(tunables_fields) / sizeof(tunables_fields[0])};

static const struct field catalog_fields[] = {
	{.key = "roles", .type = F_OBJLIST, .offset = offsetof(struct catalog, roles),
	 .required = true, .obj = &role_def, .what = "role"},
	{.key = "components", .type = F_OBJLIST, .offset = offsetof(struct catalog, components),
	 .required = true, .obj = &component_def, .what = "component"},
	{.key = "tunables", .type = F_OBJLIST, .offset = offsetof(struct catalog, tunables),
	 .obj = &tunables_def, .what = "role's tunables"},
};
static const struct objdef catalog_def = {sizeof(struct catalog), offsetof(struct catalog, node),
					  catalog_fields,
					  sizeof(catalog_fields) / sizeof(catalog_fields[0])};

const struct component *catalog_find(const struct catalog *cat, const char *id)
{
	for (size_t i = 0; i < cat->components.n; i++)
		if (strcmp(COMPONENT_AT(cat, i)->id, id) == 0)
			return COMPONENT_AT(cat, i);
	return NULL;
}

size_t catalog_index(const struct catalog *cat, const struct component *c)
{
	return (size_t)(c - COMPONENT_AT(cat, 0));
}

const struct catalog_option *component_option(const struct component *c, const char *name)
{
	for (size_t i = 0; i < c->options.n; i++) {
		const struct catalog_option *o = OBJLIST_AT(&c->options, struct catalog_option, i);
		if (strcmp(o->name, name) == 0)
			return o;
	}
	return NULL;
}

bool catalog_has_role(const struct catalog *cat, const char *role)
{
	for (size_t i = 0; i < cat->roles.n; i++)
		if (strcmp(OBJLIST_AT(&cat->roles, struct catalog_role, i)->name, role) == 0)
			return true;
	return false;
}

#define TUNABLES_AT(cat, i) OBJLIST_AT(&(cat)->tunables, struct catalog_tunables, i)

/* True when name is ROLE_something: the role's own variable (STYLE.md). */
static bool role_prefixed(const char *name, const char *role)
{
	size_t n = strlen(role);

	return strncmp(name, role, n) == 0 && name[n] == '_' && name[n + 1] != '\0';
}

enum catalog_var catalog_classify_var(const struct catalog *cat, const char *name)
{
	/* By prefix, before any list: Ansible reads every ansible_* as a setting
	 * (connection, become, interpreter...), and hnsp_* is the installer's. */
	if (strncmp(name, "ansible_", 8) == 0)
		return VAR_ANSIBLE;
	if (strncmp(name, "hnsp_", 5) == 0)
		return VAR_INSTALLER;
	for (size_t i = 0; i < cat->tunables.n; i++) {
		const struct catalog_tunables *t = TUNABLES_AT(cat, i);
		if (t->installer_host && role_prefixed(name, t->role))
			return VAR_INSTALLER_HOST;
		if (strlist_contains(&t->vars, name))
			return VAR_TUNABLE;
	}
	return VAR_UNKNOWN;
}

size_t catalog_tunable_names(const struct catalog *cat, const char **names, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < cat->tunables.n; i++)
		for (size_t k = 0; k < TUNABLES_AT(cat, i)->vars.n && n < max; k++)
			names[n++] = TUNABLES_AT(cat, i)->vars.v[k];
	return n;
}

void catalog_option_field(const struct catalog_option *o, struct field *f)
{
	static const enum field_type types[] = {
		[OPT_STRING] = F_STR, [OPT_INT] = F_INT, [OPT_BOOL] = F_BOOL, [OPT_LIST] = F_STRLIST};

	memset(f, 0, sizeof(*f));
	f->key = o->name;
	f->type = types[o->type];
	f->min = o->min;
	f->max = o->max;
	if (o->type == OPT_STRING && o->values.n > 0)
		f->values = (const char *const *)o->values.v;
	if (o->type == OPT_LIST)
		f->max = 0;
}

/* The scratch a value is read into when only its validity matters. */
union option_value {
	char *s;
	long i;
	bool b;
	struct strlist l;
};

bool catalog_option_check(const struct schema_ctx *ctx, const struct catalog_option *o,
			  const struct ynode *value, const char *path)
{
	struct field f;
	union option_value v;
	bool ok;

	catalog_option_field(o, &f);
	memset(&v, 0, sizeof(v));
	ok = schema_read_value(ctx, &f, value, path, &v);
	schema_release_value(&f, &v);
	return ok;
}

static void check_refs(const struct schema_ctx *ctx, const struct catalog *cat,
		       const struct component *c, const struct strlist *ids, const char *key)
{
	const struct ynode *list = ynode_get(c->node, key);

	for (size_t i = 0; i < ids->n; i++)
		if (catalog_find(cat, ids->v[i]) == NULL)
			schema_report(ctx, DIAG_ERROR, list ? list->items[i] : c->node,
				      "'components.%s.%s': unknown component '%s'", c->id, key,
				      ids->v[i]);
}

/* Depth-first search over depends and ha_depends; a back edge is a cycle. */
enum { WHITE, GREY, BLACK };

static bool find_cycle(const struct schema_ctx *ctx, const struct catalog *cat, size_t i,
		       unsigned char *color, size_t *stack, size_t depth)
{
	const struct component *c = COMPONENT_AT(cat, i);
	const struct strlist *lists[] = {&c->depends, &c->ha_depends};

	color[i] = GREY;
	stack[depth] = i;
	for (size_t l = 0; l < 2; l++)
		for (size_t k = 0; k < lists[l]->n; k++) {
			const struct component *d = catalog_find(cat, lists[l]->v[k]);
			size_t j;
			if (d == NULL)
				continue;
			j = catalog_index(cat, d);
			if (color[j] == GREY) {
				char path[1024] = "";
				size_t used = 0, from = 0;
				while (stack[from] != j)
					from++;
				for (size_t s = from; s <= depth && used < sizeof(path); s++)
					used += (size_t)snprintf(path + used, sizeof(path) - used,
								 "%s -> ",
								 COMPONENT_AT(cat, stack[s])->id);
				if (used < sizeof(path))
					snprintf(path + used, sizeof(path) - used, "%s", d->id);
				schema_report(ctx, DIAG_ERROR, c->node, "dependency cycle: %s", path);
				return true;
			}
			if (color[j] == WHITE &&
			    find_cycle(ctx, cat, j, color, stack, depth + 1))
				return true;
		}
	color[i] = BLACK;
	return false;
}

static void check_integrity(const struct schema_ctx *ctx, const struct catalog *cat)
{
	unsigned char *color = NULL;
	size_t *stack = NULL;
	size_t n = cat->components.n;

	for (size_t i = 0; i < n; i++) {
		const struct component *c = COMPONENT_AT(cat, i);
		const struct ynode *hosts = ynode_get(c->node, "hosts");
		if (catalog_find(cat, c->id) != c)
			schema_report(ctx, DIAG_ERROR, ynode_get(c->node, "id"),
				      "'components[%zu].id': '%s' is defined twice", i, c->id);
		check_refs(ctx, cat, c, &c->depends, "depends");
		check_refs(ctx, cat, c, &c->ha_depends, "ha_depends");
		for (size_t h = 0; h < c->hosts.n; h++)
			if (strcmp(c->hosts.v[h], "all") != 0 &&
			    !catalog_has_role(cat, c->hosts.v[h]))
				schema_report(ctx, DIAG_ERROR, hosts->items[h],
					      "'components.%s.hosts': unknown role '%s'", c->id,
					      c->hosts.v[h]);
		for (size_t o = 0; o < c->options.n; o++) {
			const struct catalog_option *opt =
				OBJLIST_AT(&c->options, struct catalog_option, o);
			char path[256];
			snprintf(path, sizeof(path), "components.%s.options.%s.default", c->id,
				 opt->name);
			if (opt->def != NULL)
				catalog_option_check(ctx, opt, opt->def, path);
		}
	}
	for (size_t i = 0; i < cat->tunables.n; i++) {
		const struct catalog_tunables *t = TUNABLES_AT(cat, i);
		const struct ynode *vars = ynode_get(t->node, "vars");
		if (t->installer_host && t->vars.n > 0)
			schema_report(ctx, DIAG_ERROR, vars,
				      "'tunables.%s.vars': a role whose plays run on the installer "
				      "host has no tunables",
				      t->role);
		for (size_t k = 0; !t->installer_host && k < t->vars.n; k++)
			if (!role_prefixed(t->vars.v[k], t->role))
				schema_report(ctx, DIAG_ERROR,
					      schema_item_node(vars, t->vars.v[k], NULL),
					      "'tunables.%s.vars': '%s' is not named %s_*", t->role,
					      t->vars.v[k], t->role);
			else if (catalog_classify_var(cat, t->vars.v[k]) != VAR_TUNABLE)
				schema_report(ctx, DIAG_ERROR,
					      schema_item_node(vars, t->vars.v[k], NULL),
					      "'tunables.%s.vars': '%s' is refused to projects by "
					      "another rule",
					      t->role, t->vars.v[k]);
	}
	if (n == 0 || (color = calloc(n, 1)) == NULL || (stack = calloc(n, sizeof(*stack))) == NULL)
		goto out;
	for (size_t i = 0; i < n; i++)
		if (color[i] == WHITE && find_cycle(ctx, cat, i, color, stack, 0))
			break;
out:
	free(color);
	free(stack);
}

int catalog_load(const char *path, struct catalog **out, struct diag_list *diags)
{
	struct catalog *cat = NULL;
	struct schema_ctx ctx = {.file = path, .diags = diags};
	size_t errors = diags->errors;
	int r;

	*out = NULL;
	if ((cat = calloc(1, sizeof(*cat))) == NULL || (cat->path = strdup(path)) == NULL) {
		diag_add(diags, DIAG_ERROR, path, 0, 0, "out of memory");
		r = HNSP_ERR_NOMEM;
		goto out;
	}
	if ((r = ydoc_load(path, &cat->doc, diags)) < 0)
		goto out;
	if (cat->doc->root == NULL || cat->doc->root->kind != YNODE_MAP) {
		schema_report(&ctx, DIAG_ERROR, cat->doc->root,
			      "the catalog must be a mapping with 'roles' and 'components'");
		r = HNSP_ERR_INVALID;
		goto out;
	}
	schema_read_obj(&ctx, &catalog_def, cat->doc->root, "", cat);
	check_integrity(&ctx, cat);
	if (diags->errors > errors) {
		r = HNSP_ERR_INVALID;
		goto out;
	}
	*out = cat;
	cat = NULL;
out:
	catalog_free(cat);
	return r;
}

void catalog_free(struct catalog *cat)
{
	if (cat == NULL)
		return;
	schema_release_obj(&catalog_def, cat);
	ydoc_free(cat->doc);
	free(cat->path);
	free(cat);
}

static const char *const option_type_names[] = {
	[OPT_STRING] = "string", [OPT_INT] = "int", [OPT_BOOL] = "bool", [OPT_LIST] = "list"};

static json_t *option_json(const struct catalog_option *o)
{
	json_t *j = json_pack("{s:s, s:s, s:o, s:o, s:s}", "name", o->name, "type",
			      option_type_names[o->type], "default", ynode_to_json(o->def),
			      "values", strlist_to_json(&o->values), "description",
			      o->description ? o->description : "");

	if (j != NULL && o->type == OPT_INT) {
		json_object_set_new(j, "min", json_integer(o->min));
		json_object_set_new(j, "max", json_integer(o->max));
	}
	return j;
}

static json_t *component_json(const struct component *c)
{
	json_t *options = json_array(), *checks = json_array();

	for (size_t i = 0; options && i < c->options.n; i++)
		json_array_append_new(options,
				      option_json(OBJLIST_AT(&c->options, struct catalog_option, i)));
	for (size_t i = 0; checks && i < c->checks.n; i++) {
		const struct catalog_check *k = OBJLIST_AT(&c->checks, struct catalog_check, i);
		json_array_append_new(checks, json_pack("{s:s, s:s}", "name", k->name, "description",
							k->description ? k->description : ""));
	}
	return json_pack("{s:s, s:s, s:o, s:o, s:o, s:b, s:o, s:o, s:o, s:o}", "id", c->id,
			 "description", c->description ? c->description : "", "hosts",
			 strlist_to_json(&c->hosts), "depends", strlist_to_json(&c->depends),
			 "ha_depends", strlist_to_json(&c->ha_depends), "final", c->final, "options",
			 options, "checks", checks, "packages", strlist_to_json(&c->packages),
			 "images", strlist_to_json(&c->images));
}

json_t *catalog_to_json(const struct catalog *cat)
{
	json_t *roles = json_array(), *components = json_array();

	for (size_t i = 0; roles && i < cat->roles.n; i++) {
		const struct catalog_role *r = OBJLIST_AT(&cat->roles, struct catalog_role, i);
		json_array_append_new(roles, json_pack("{s:s, s:s}", "name", r->name, "description",
						       r->description ? r->description : ""));
	}
	for (size_t i = 0; components && i < cat->components.n; i++)
		json_array_append_new(components, component_json(COMPONENT_AT(cat, i)));
	return json_pack("{s:o, s:o}", "roles", roles, "components", components);
}
