/* project.c: read a project file and check it whole, reporting every problem. */
#include "project.h"

#include <libgen.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "confine.h"
#include "error.h"
#include "netaddr.h"
#include "suggest.h"

/* In the order of enum ssh_hostkey_policy. */
static const char *const host_key_policies[] = {"strict", "accept-new", "off", NULL};
static const char *const artefact_sources[] = {"online", "offline", NULL};

/* ---- schema tables ---- */

static const struct field jump_fields[] = {
	{.key = "address", .type = F_STR, .offset = offsetof(struct jump_host, address),
	 .required = true, .format = S_HOST},
	{.key = "port", .type = F_INT, .offset = offsetof(struct jump_host, port), .min = 1,
	 .max = 65535, .def_int = 22},
	{.key = "user", .type = F_STR, .offset = offsetof(struct jump_host, user), .format = S_USER},
};
static const struct objdef jump_def = {sizeof(struct jump_host), offsetof(struct jump_host, node),
				       jump_fields, sizeof(jump_fields) / sizeof(jump_fields[0])};

static const struct field ssh_fields[] = {
	{.key = "user", .type = F_STR, .offset = offsetof(struct ssh_settings, user),
	 .format = S_USER, .def_str = "root"},
	{.key = "port", .type = F_INT, .offset = offsetof(struct ssh_settings, port), .min = 1,
	 .max = 65535, .def_int = 22},
	{.key = "key_file", .type = F_STR, .offset = offsetof(struct ssh_settings, key_file),
	 .format = S_PATH},
	{.key = "become", .type = F_BOOL, .offset = offsetof(struct ssh_settings, become)},
	{.key = "host_key_policy", .type = F_ENUM,
	 .offset = offsetof(struct ssh_settings, host_key_policy), .values = host_key_policies,
	 .def_str = "accept-new"},
	{.key = "known_hosts", .type = F_STR, .offset = offsetof(struct ssh_settings, known_hosts),
	 .format = S_PATH},
	{.key = "jump_host", .type = F_OBJ, .offset = offsetof(struct ssh_settings, jump_host),
	 .obj = &jump_def},
	{.key = "connect_timeout", .type = F_INT,
	 .offset = offsetof(struct ssh_settings, connect_timeout), .min = 1, .max = 600,
	 .def_int = 10},
	{.key = "forks", .type = F_INT, .offset = offsetof(struct ssh_settings, forks), .min = 1,
	 .max = 1024, .def_int = 32},
	{.key = "password", .type = F_SECRET, .offset = offsetof(struct ssh_settings, password)},
	{.key = "key_passphrase", .type = F_SECRET,
	 .offset = offsetof(struct ssh_settings, key_passphrase)},
	{.key = "become_password", .type = F_SECRET,
	 .offset = offsetof(struct ssh_settings, become_password)},
};
static const struct objdef ssh_def = {sizeof(struct ssh_settings),
				      offsetof(struct ssh_settings, node), ssh_fields,
				      sizeof(ssh_fields) / sizeof(ssh_fields[0])};

static const struct field host_fields[] = {
	{.key = "name", .type = F_STR, .offset = offsetof(struct host, name), .required = true,
	 .format = S_NAME},
	{.key = "address", .type = F_STR, .offset = offsetof(struct host, address),
	 .required = true, .format = S_IP},
	{.key = "port", .type = F_INT, .offset = offsetof(struct host, port), .min = 1,
	 .max = 65535},
	{.key = "user", .type = F_STR, .offset = offsetof(struct host, user), .format = S_USER},
	{.key = "roles", .type = F_STRLIST, .offset = offsetof(struct host, roles),
	 .required = true, .format = S_NAME},
	{.key = "storage_devices", .type = F_STRLIST,
	 .offset = offsetof(struct host, storage_devices), .format = S_ABSPATH},
	{.key = "labels", .type = F_MAP, .offset = offsetof(struct host, labels)},
	{.key = "vars", .type = F_MAP, .offset = offsetof(struct host, vars)},
};
static const struct objdef host_def = {sizeof(struct host), offsetof(struct host, node),
				       host_fields, sizeof(host_fields) / sizeof(host_fields[0])};

static const struct field pool_fields[] = {
	{.key = "name", .type = F_STR, .offset = offsetof(struct metallb_pool, name),
	 .required = true, .format = S_NAME},
	{.key = "addresses", .type = F_STRLIST, .offset = offsetof(struct metallb_pool, addresses),
	 .required = true, .format = S_POOL},
};
static const struct objdef pool_def = {sizeof(struct metallb_pool),
				       offsetof(struct metallb_pool, node), pool_fields,
				       sizeof(pool_fields) / sizeof(pool_fields[0])};

static const struct field ingress_fields[] = {
	{.key = "class", .type = F_STR, .offset = offsetof(struct ingress_settings, class_name),
	 .format = S_NAME, .def_str = "nginx"},
	{.key = "http_port", .type = F_INT, .offset = offsetof(struct ingress_settings, http_port),
	 .min = 1, .max = 65535, .def_int = 80},
	{.key = "https_port", .type = F_INT,
	 .offset = offsetof(struct ingress_settings, https_port), .min = 1, .max = 65535,
	 .def_int = 443},
};
static const struct objdef ingress_def = {sizeof(struct ingress_settings),
					  offsetof(struct ingress_settings, node), ingress_fields,
					  sizeof(ingress_fields) / sizeof(ingress_fields[0])};

static const struct field network_fields[] = {
	{.key = "host_cidrs", .type = F_STRLIST,
	 .offset = offsetof(struct network_settings, host_cidrs), .required = true,
	 .format = S_CIDR},
	{.key = "api_vip", .type = F_STR, .offset = offsetof(struct network_settings, api_vip),
	 .format = S_IP},
	{.key = "api_port", .type = F_INT, .offset = offsetof(struct network_settings, api_port),
	 .min = 1, .max = 65535, .def_int = 8443},
	{.key = "apiserver_port", .type = F_INT,
	 .offset = offsetof(struct network_settings, apiserver_port), .min = 1, .max = 65535,
	 .def_int = 6443},
	{.key = "pod_cidr", .type = F_STR, .offset = offsetof(struct network_settings, pod_cidr),
	 .format = S_CIDR, .def_str = "10.244.0.0/16"},
	{.key = "service_cidr", .type = F_STR,
	 .offset = offsetof(struct network_settings, service_cidr), .format = S_CIDR,
	 .def_str = "10.96.0.0/12"},
	{.key = "metallb_pools", .type = F_OBJLIST,
	 .offset = offsetof(struct network_settings, metallb_pools), .obj = &pool_def,
	 .what = "pool"},
	{.key = "ingress", .type = F_SUB, .offset = offsetof(struct network_settings, ingress),
	 .obj = &ingress_def},
};
static const struct objdef network_def = {sizeof(struct network_settings),
					  offsetof(struct network_settings, node), network_fields,
					  sizeof(network_fields) / sizeof(network_fields[0])};

static const struct field artefact_fields[] = {
	{.key = "source", .type = F_ENUM, .offset = offsetof(struct artefact_settings, source),
	 .values = artefact_sources, .def_str = "online"},
	{.key = "bundle", .type = F_STR, .offset = offsetof(struct artefact_settings, bundle),
	 .format = S_PATH},
};
static const struct objdef artefact_def = {sizeof(struct artefact_settings),
					   offsetof(struct artefact_settings, node),
					   artefact_fields,
					   sizeof(artefact_fields) / sizeof(artefact_fields[0])};

static const struct field project_fields[] = {
	{.key = "name", .type = F_STR, .offset = offsetof(struct project, name), .required = true,
	 .format = S_NAME},
	{.key = "ssh", .type = F_SUB, .offset = offsetof(struct project, ssh), .obj = &ssh_def},
	{.key = "hosts", .type = F_OBJLIST, .offset = offsetof(struct project, hosts),
	 .required = true, .obj = &host_def, .what = "host", .max = PROJECT_MAX_HOSTS},
	{.key = "network", .type = F_SUB, .offset = offsetof(struct project, network),
	 .required = true, .obj = &network_def},
	{.key = "components", .type = F_MAP, .offset = offsetof(struct project, components_node),
	 .required = true},
	{.key = "artefacts", .type = F_SUB, .offset = offsetof(struct project, artefacts),
	 .obj = &artefact_def},
	{.key = "ansible_vars", .type = F_MAP, .offset = offsetof(struct project, ansible_vars)},
};
static const struct objdef project_def = {sizeof(struct project), offsetof(struct project, node),
					  project_fields,
					  sizeof(project_fields) / sizeof(project_fields[0])};

/* ---- queries ---- */

static void add_secret_name(void *data, const struct ynode *name, const char *path)
{
	json_t *names = data, *v;
	size_t i;

	(void)path;
	if (name->kind != YNODE_SCALAR)
		return;
	json_array_foreach(names, i, v)
		if (strcmp(json_string_value(v), name->value) == 0)
			return;
	json_array_append_new(names, json_string(name->value));
}

json_t *project_secret_vars(const struct project *p)
{
	json_t *names = json_array();

	if (names == NULL)
		return NULL;
	schema_each_secret_ref(p->ansible_vars, "ansible_vars", add_secret_name, names);
	for (size_t i = 0; i < p->hosts.n; i++)
		schema_each_secret_ref(HOST_AT(p, i)->vars, "vars", add_secret_name, names);
	return names;
}

bool host_has_role(const struct host *h, const char *role)
{
	return strlist_contains(&h->roles, role);
}

size_t project_count_role(const struct project *p, const char *role)
{
	size_t n = 0;

	for (size_t i = 0; i < p->hosts.n; i++)
		if (host_has_role(HOST_AT(p, i), role))
			n++;
	return n;
}

bool project_is_ha(const struct project *p)
{
	return project_count_role(p, "master") > 1;
}

const struct project_component *project_component(const struct project *p, const char *id)
{
	for (size_t i = 0; i < p->ncomponents; i++)
		if (strcmp(p->components[i].def->id, id) == 0)
			return &p->components[i];
	return NULL;
}

/* ---- reading the components mapping against the catalog ---- */

static void read_options(const struct schema_ctx *ctx, const struct component *def,
			 const struct ynode *options)
{
	char path[256], q[SCHEMA_QUOTE_MAX + 4];
	const char *names[64];
	size_t nnames = def->options.n < 64 ? def->options.n : 64;

	for (size_t i = 0; i < nnames; i++)
		names[i] = OBJLIST_AT(&def->options, struct catalog_option, i)->name;
	for (size_t i = 0; i < options->count; i++) {
		const struct ynode *key = options->pairs[i].key;
		const struct catalog_option *o = component_option(def, key->value);
		snprintf(path, sizeof(path), "components.%s.%s", def->id,
			 schema_quote(key->value, q, sizeof(q)));
		if (o == NULL) {
			const char *hint = suggest_closest(key->value, names, nnames);
			if (hint != NULL)
				schema_report(ctx, DIAG_ERROR, key,
					      "'%s': unknown option; did you mean '%s'?", path,
					      hint);
			else if (nnames == 0)
				schema_report(ctx, DIAG_ERROR, key,
					      "'%s': unknown option; '%s' has no options", path,
					      def->id);
			else
				schema_report(ctx, DIAG_ERROR, key,
					      "'%s': unknown option; see docs/project-file.md for "
					      "the options of '%s'",
					      path, def->id);
			continue;
		}
		catalog_option_check(ctx, o, options->pairs[i].value, path);
	}
}

static void read_components(const struct schema_ctx *ctx, const struct catalog *cat,
			    struct project *p)
{
	const struct ynode *map = p->components_node;
	const char *ids[64];
	size_t nids = cat->components.n < 64 ? cat->components.n : 64;
	char q[SCHEMA_QUOTE_MAX + 4];

	if (map == NULL)
		return;
	if (map->count == 0) {
		schema_report(ctx, DIAG_ERROR, map, "'components': no component is selected");
		return;
	}
	if ((p->components = calloc(map->count, sizeof(*p->components))) == NULL) {
		schema_report(ctx, DIAG_ERROR, map, "out of memory");
		return;
	}
	for (size_t i = 0; i < nids; i++)
		ids[i] = COMPONENT_AT(cat, i)->id;
	for (size_t i = 0; i < map->count; i++) {
		const struct ynode *key = map->pairs[i].key, *value = map->pairs[i].value;
		const struct component *def = catalog_find(cat, key->value);
		struct project_component *pc;
		if (def == NULL) {
			const char *hint = suggest_closest(key->value, ids, nids);
			schema_quote(key->value, q, sizeof(q));
			if (hint != NULL)
				schema_report(ctx, DIAG_ERROR, key,
					      "'components.%s': unknown component; did you mean "
					      "'%s'?",
					      q, hint);
			else
				schema_report(ctx, DIAG_ERROR, key,
					      "'components.%s': unknown component; see "
					      "docs/project-file.md for the list",
					      q);
			continue;
		}
		pc = &p->components[p->ncomponents++];
		*pc = (struct project_component){.def = def, .node = value, .enabled = true};
		if (value->kind == YNODE_MAP) {
			pc->options = value;
			read_options(ctx, def, value);
		} else if (value->kind == YNODE_SCALAR && value->plain &&
			   (strcmp(value->value, "false") == 0 ||
			    strcmp(value->value, "true") == 0)) {
			pc->enabled = value->value[0] == 't';
		} else if (!ynode_is_null(value)) {
			char found[SCHEMA_QUOTE_MAX + 32];
			schema_report(ctx, DIAG_ERROR, value,
				      "'components.%s': expected a mapping of options, {}, true or "
				      "false, found %s",
				      def->id, schema_found(value, found, sizeof(found)));
		}
	}
}

/* ---- which components the project needs ---- */

static void need(const struct project *p, const struct catalog *cat, size_t i, size_t by,
		 size_t *needed_by)
{
	const struct component *c = COMPONENT_AT(cat, i);
	const struct strlist *lists[] = {&c->depends, &c->ha_depends};

	if (needed_by[i] != NEED_NONE)
		return;
	needed_by[i] = by;
	for (size_t l = 0; l < 2; l++) {
		if (l == 1 && !project_is_ha(p))
			break;
		for (size_t k = 0; k < lists[l]->n; k++) {
			const struct component *d = catalog_find(cat, lists[l]->v[k]);
			if (d != NULL)
				need(p, cat, catalog_index(cat, d), i, needed_by);
		}
	}
}

void project_needs(const struct project *p, const struct catalog *cat, size_t *needed_by)
{
	for (size_t i = 0; i < cat->components.n; i++)
		needed_by[i] = NEED_NONE;
	/* Selected components first, so each is reported as selected. */
	for (size_t i = 0; i < p->ncomponents; i++)
		if (p->components[i].enabled)
			needed_by[catalog_index(cat, p->components[i].def)] = NEED_SELECTED;
	for (size_t i = 0; i < cat->components.n; i++)
		if (needed_by[i] == NEED_SELECTED) {
			needed_by[i] = NEED_NONE;
			need(p, cat, i, NEED_SELECTED, needed_by);
		}
}

bool component_targets(const struct component *c, const struct host *h)
{
	for (size_t r = 0; r < c->hosts.n; r++)
		if (strcmp(c->hosts.v[r], "all") == 0 || host_has_role(h, c->hosts.v[r]))
			return true;
	return false;
}

/* ---- cross-field checks ---- */

struct check_ctx {
	const struct schema_ctx *sc;
	const struct catalog *cat;
	const struct project *p;
	const size_t *needed_by; /* per catalog component, from project_needs() */
};

static bool included(const struct check_ctx *c, const char *id)
{
	const struct component *def = catalog_find(c->cat, id);

	return def != NULL && c->needed_by[catalog_index(c->cat, def)] != NEED_NONE;
}

static const struct ynode *at(const struct ynode *map, const char *key)
{
	const struct ynode *n = ynode_get(map, key);

	return n ? n : map;
}

static void report(const struct check_ctx *c, enum diag_severity sev, const struct ynode *node,
		   const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void report(const struct check_ctx *c, enum diag_severity sev, const struct ynode *node,
		   const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vadd(c->sc->diags, sev, c->sc->file, node ? node->line : 0, node ? node->column : 0,
		  fmt, ap);
	va_end(ap);
}

/* Host names that the inventory or the installer host's plays already give a
 * meaning: a host so named would take that meaning over. */
static const struct {
	const char *name, *why;
} reserved_hosts[] = {
	{"localhost", "it names the installer host in the plays that run there"},
	{"all", "it is Ansible's group of every host"},
	{"ungrouped", "it is one of Ansible's groups"},
	{"ca", "it names the project CA's files in the PKI"},
	{"etcd-client", "it names the etcd client's files in the PKI"},
};

static void check_hosts(const struct check_ctx *c)
{
	const struct project *p = c->p;
	const char *roles[32];
	size_t nroles = c->cat->roles.n < 32 ? c->cat->roles.n : 32;

	for (size_t i = 0; i < nroles; i++)
		roles[i] = OBJLIST_AT(&c->cat->roles, struct catalog_role, i)->name;
	if (p->hosts.n == 0 && ynode_get(p->node, "hosts") != NULL &&
	    ynode_get(p->node, "hosts")->kind == YNODE_SEQ)
		report(c, DIAG_ERROR, ynode_get(p->node, "hosts"), "'hosts': no host is given");
	for (size_t i = 0; i < p->hosts.n; i++) {
		const struct host *h = HOST_AT(p, i);
		const struct ynode *role_list = ynode_get(h->node, "roles");
		struct ipaddr a;
		bool in_cidr = false;

		if (h->roles.n == 0 && role_list != NULL && role_list->kind == YNODE_SEQ)
			report(c, DIAG_ERROR, role_list, "'hosts[%zu].roles': no role given", i);
		for (size_t r = 0; r < h->roles.n; r++) {
			const struct ynode *item;
			const char *hint;
			size_t at_index = r;
			if (catalog_has_role(c->cat, h->roles.v[r]))
				continue;
			item = schema_item_node(role_list, h->roles.v[r], &at_index);
			hint = suggest_closest(h->roles.v[r], roles, nroles);
			if (hint)
				report(c, DIAG_ERROR, item,
				       "'hosts[%zu].roles[%zu]': unknown role '%s'; did you mean "
				       "'%s'?",
				       i, at_index, h->roles.v[r], hint);
			else
				report(c, DIAG_ERROR, item,
				       "'hosts[%zu].roles[%zu]': unknown role '%s'", i, at_index,
				       h->roles.v[r]);
		}
		for (size_t k = 0; k < sizeof(reserved_hosts) / sizeof(reserved_hosts[0]); k++)
			if (h->name && strcmp(h->name, reserved_hosts[k].name) == 0)
				report(c, DIAG_ERROR, at(h->node, "name"),
				       "'hosts[%zu].name': '%s' is reserved: %s", i, h->name,
				       reserved_hosts[k].why);
		for (size_t j = 0; j < i; j++) {
			const struct host *o = HOST_AT(p, j);
			if (h->name && o->name && strcmp(h->name, o->name) == 0)
				report(c, DIAG_ERROR, at(h->node, "name"),
				       "'hosts[%zu].name': '%s' is already the name of hosts[%zu]", i,
				       h->name, j);
		}
		if (h->address == NULL || !ipaddr_parse(h->address, &a))
			continue;
		/* Compared as addresses: fd00::11 and fd00:0::11 are one host. */
		for (size_t j = 0; j < i; j++) {
			const struct host *o = HOST_AT(p, j);
			struct ipaddr b;
			if (o->address && ipaddr_parse(o->address, &b) && ipaddr_cmp(&a, &b) == 0)
				report(c, DIAG_ERROR, at(h->node, "address"),
				       "'hosts[%zu].address': %s is already the address of '%s'", i,
				       h->address, o->name ? o->name : "another host");
		}
		for (size_t k = 0; k < p->network.host_cidrs.n; k++) {
			struct iprange r;
			if (iprange_parse_cidr(p->network.host_cidrs.v[k], &r) == CIDR_OK &&
			    iprange_contains(&r, &a))
				in_cidr = true;
		}
		if (!in_cidr && p->network.host_cidrs.n > 0)
			report(c, DIAG_WARNING, at(h->node, "address"),
			       "'hosts[%zu].address': %s lies in none of network.host_cidrs", i,
			       h->address);
	}
}

static void check_control_plane(const struct check_ctx *c)
{
	const struct project *p = c->p;
	size_t masters = project_count_role(p, "master");
	size_t etcds = project_count_role(p, "etcd");
	const struct ynode *hosts = ynode_get(p->node, "hosts");

	if (masters == 2)
		report(c, DIAG_ERROR, hosts,
		       "'hosts': a highly available control plane needs at least 3 masters; 2 "
		       "hosts have role 'master' (use 1 for no HA, or 3 or more)");
	if (included(c, "etcd") && etcds > 0 && etcds % 2 == 0)
		report(c, DIAG_ERROR, hosts,
		       "'hosts': etcd needs an odd number of members to keep quorum; %zu hosts "
		       "have role 'etcd'",
		       etcds);
}

static bool parse_cidr(const char *s, struct iprange *r)
{
	return s != NULL && iprange_parse_cidr(s, r) == CIDR_OK;
}

static void check_vip(const struct check_ctx *c)
{
	const struct project *p = c->p;
	const struct network_settings *net = &p->network;
	struct ipaddr vip;
	bool in_cidr = false;

	if (project_is_ha(p) && net->api_port == net->apiserver_port)
		report(c, DIAG_ERROR, at(net->node, "api_port"),
		       "'network.api_port': %ld is also the API servers' port "
		       "(network.apiserver_port); the VIP's load balancer and the API servers "
		       "run on the same masters, so they need different ports",
		       net->api_port);
	if (net->api_vip == NULL) {
		if (project_is_ha(p) && included(c, "api-lb"))
			report(c, DIAG_ERROR, net->node,
			       "'network': missing 'api_vip', which a project with %zu masters "
			       "needs for its API",
			       project_count_role(p, "master"));
		return;
	}
	if (!ipaddr_parse(net->api_vip, &vip))
		return;
	for (size_t k = 0; k < net->host_cidrs.n; k++) {
		struct iprange r;
		if (parse_cidr(net->host_cidrs.v[k], &r) && iprange_contains(&r, &vip))
			in_cidr = true;
	}
	if (!in_cidr && net->host_cidrs.n > 0)
		report(c, DIAG_ERROR, at(net->node, "api_vip"),
		       "'network.api_vip': %s lies in none of network.host_cidrs; the VIP must "
		       "be on the hosts' network",
		       net->api_vip);
	for (size_t i = 0; i < p->hosts.n; i++) {
		const struct host *h = HOST_AT(p, i);
		struct ipaddr a;
		if (h->address && ipaddr_parse(h->address, &a) && ipaddr_cmp(&a, &vip) == 0)
			report(c, DIAG_ERROR, at(net->node, "api_vip"),
			       "'network.api_vip': %s is the address of host '%s'; the VIP must "
			       "be a free address",
			       net->api_vip, h->name ? h->name : "?");
	}
}

static void check_cidrs(const struct check_ctx *c)
{
	const struct network_settings *net = &c->p->network;
	struct iprange pod, svc, host;
	bool have_pod = parse_cidr(net->pod_cidr, &pod), have_svc = parse_cidr(net->service_cidr, &svc);

	if (have_pod && have_svc && iprange_overlaps(&pod, &svc))
		report(c, DIAG_ERROR, at(net->node, "service_cidr"),
		       "'network.service_cidr': %s overlaps network.pod_cidr %s", net->service_cidr,
		       net->pod_cidr);
	for (size_t k = 0; k < net->host_cidrs.n; k++) {
		if (!parse_cidr(net->host_cidrs.v[k], &host))
			continue;
		if (have_pod && iprange_overlaps(&pod, &host))
			report(c, DIAG_ERROR, at(net->node, "pod_cidr"),
			       "'network.pod_cidr': %s overlaps the host network %s", net->pod_cidr,
			       net->host_cidrs.v[k]);
		if (have_svc && iprange_overlaps(&svc, &host))
			report(c, DIAG_ERROR, at(net->node, "service_cidr"),
			       "'network.service_cidr': %s overlaps the host network %s",
			       net->service_cidr, net->host_cidrs.v[k]);
	}
}

static void check_pool_entry(const struct check_ctx *c, const struct ynode *node,
			     const char *path, const char *entry, const struct iprange *r)
{
	const struct project *p = c->p;
	const struct network_settings *net = &p->network;
	struct iprange other;
	struct ipaddr vip;
	bool in_cidr = false;

	for (size_t i = 0; i < p->hosts.n; i++) {
		const struct host *h = HOST_AT(p, i);
		struct ipaddr a;
		if (h->address && ipaddr_parse(h->address, &a) && iprange_contains(r, &a))
			report(c, DIAG_ERROR, node,
			       "'%s': %s contains %s, the address of host '%s'", path, entry,
			       h->address, h->name ? h->name : "?");
	}
	if (net->api_vip && ipaddr_parse(net->api_vip, &vip) && iprange_contains(r, &vip))
		report(c, DIAG_ERROR, node, "'%s': %s contains the API VIP %s", path, entry,
		       net->api_vip);
	if (parse_cidr(net->pod_cidr, &other) && iprange_overlaps(r, &other))
		report(c, DIAG_ERROR, node, "'%s': %s overlaps network.pod_cidr %s", path, entry,
		       net->pod_cidr);
	if (parse_cidr(net->service_cidr, &other) && iprange_overlaps(r, &other))
		report(c, DIAG_ERROR, node, "'%s': %s overlaps network.service_cidr %s", path,
		       entry, net->service_cidr);
	for (size_t k = 0; k < net->host_cidrs.n; k++)
		if (parse_cidr(net->host_cidrs.v[k], &other) &&
		    iprange_contains(&other, &r->first) && iprange_contains(&other, &r->last))
			in_cidr = true;
	if (!in_cidr && net->host_cidrs.n > 0)
		report(c, DIAG_WARNING, node,
		       "'%s': %s is not inside network.host_cidrs; layer-2 MetalLB can only "
		       "announce addresses on the hosts' network",
		       path, entry);
}

static void check_pools(const struct check_ctx *c)
{
	const struct network_settings *net = &c->p->network;
	const struct ynode *pools_node = ynode_get(net->node, "metallb_pools");
	struct iprange seen[256];
	const char *seen_name[256];
	size_t nseen = 0;

	if (included(c, "metallb") && net->metallb_pools.n == 0)
		report(c, DIAG_ERROR, pools_node ? pools_node : net->node,
		       "'network.metallb_pools': component 'metallb' needs at least one address "
		       "pool");
	for (size_t i = 0; i < net->metallb_pools.n; i++) {
		const struct metallb_pool *pool = OBJLIST_AT(&net->metallb_pools, struct metallb_pool, i);
		const struct ynode *list = ynode_get(pool->node, "addresses");
		for (size_t j = 0; j < pool->addresses.n; j++) {
			const char *entry = pool->addresses.v[j];
			size_t at_index = j;
			const struct ynode *item = schema_item_node(list, entry, &at_index);
			char path[96];
			struct iprange r;
			if (!iprange_parse_pool(entry, &r))
				continue;
			snprintf(path, sizeof(path), "network.metallb_pools[%zu].addresses[%zu]", i,
				 at_index);
			check_pool_entry(c, item, path, entry, &r);
			for (size_t k = 0; k < nseen; k++)
				if (iprange_overlaps(&r, &seen[k]))
					report(c, DIAG_ERROR, item,
					       "'%s': %s overlaps %s, already in a pool", path, entry,
					       seen_name[k]);
			if (nseen < 256) {
				seen[nseen] = r;
				seen_name[nseen++] = entry;
			}
		}
		for (size_t k = 0; k < i; k++) {
			const struct metallb_pool *o = OBJLIST_AT(&net->metallb_pools, struct metallb_pool, k);
			if (pool->name && o->name && strcmp(pool->name, o->name) == 0)
				report(c, DIAG_ERROR, at(pool->node, "name"),
				       "'network.metallb_pools[%zu].name': '%s' names two pools", i,
				       pool->name);
		}
	}
}

static bool option_is_true(const struct project_component *pc, const char *name)
{
	const struct ynode *v = pc ? ynode_get(pc->options, name) : NULL;

	return v != NULL && v->kind == YNODE_SCALAR && v->plain && strcmp(v->value, "true") == 0;
}

static void check_storage(const struct check_ctx *c)
{
	const struct project *p = c->p;
	const struct project_component *pc = project_component(p, "storage");
	const struct ynode *where = pc ? ynode_get(p->components_node, "storage") : p->components_node;
	size_t with_devices = 0;

	if (!included(c, "storage"))
		return;
	for (size_t i = 0; i < p->hosts.n; i++) {
		const struct host *h = HOST_AT(p, i);
		if (!host_has_role(h, "storage"))
			continue;
		if (h->storage_devices.n == 0)
			report(c, DIAG_ERROR, at(h->node, "roles"),
			       "'hosts[%zu]': '%s' has role 'storage' but no storage_devices", i,
			       h->name ? h->name : "?");
		else
			with_devices++;
	}
	if (with_devices >= 3)
		return;
	if (option_is_true(pc, "single_node") && with_devices >= 1) {
		report(c, DIAG_WARNING, at(pc->options, "single_node"),
		       "'components.storage.single_node': storage on %zu host%s keeps no "
		       "redundant copy; a lost host loses data",
		       with_devices, with_devices == 1 ? "" : "s");
		return;
	}
	report(c, DIAG_ERROR, where,
	       "'components.storage': needs at least 3 hosts with role 'storage' and "
	       "storage_devices; %zu found (for a lab, set single_node: true)",
	       with_devices);
}

static void check_components(const struct check_ctx *c)
{
	const struct project *p = c->p;

	for (size_t i = 0; i < c->cat->components.n; i++) {
		const struct component *def = COMPONENT_AT(c->cat, i);
		const struct project_component *pc = project_component(p, def->id);
		size_t by = c->needed_by[i];
		bool targeted = false;
		if (by == NEED_NONE)
			continue;
		if (by != NEED_SELECTED && pc != NULL && !pc->enabled)
			report(c, DIAG_ERROR, ynode_get(p->components_node, def->id),
			       "'components.%s': disabled, but '%s' needs it", def->id,
			       COMPONENT_AT(c->cat, by)->id);
		for (size_t h = 0; h < p->hosts.n && !targeted; h++)
			targeted = component_targets(def, HOST_AT(p, h));
		if (targeted || p->hosts.n == 0)
			continue;
		if (by == NEED_SELECTED)
			report(c, DIAG_ERROR, ynode_get(p->components_node, def->id),
			       "'components.%s': no host has role '%s', which it runs on", def->id,
			       def->hosts.v[0]);
		else
			report(c, DIAG_ERROR, p->components_node,
			       "'components': '%s' (needed by '%s') runs on hosts with role '%s', "
			       "and no host has it",
			       def->id, COMPONENT_AT(c->cat, by)->id, def->hosts.v[0]);
	}
}

static void check_artefacts(const struct check_ctx *c)
{
	const struct artefact_settings *a = &c->p->artefacts;

	if (a->source == ARTEFACTS_OFFLINE && a->bundle == NULL)
		report(c, DIAG_ERROR, a->node,
		       "'artefacts': source 'offline' needs 'bundle', the bundle's directory");
}

static void check_registry(const struct check_ctx *c)
{
	const struct project_component *pc = project_component(c->p, "registry");

	if (included(c, "registry") && option_is_true(pc, "insecure"))
		report(c, DIAG_WARNING, at(pc->options, "insecure"),
		       "'components.registry.insecure': the registry serves plain HTTP; images "
		       "can be read and replaced on the way to every host");
}

const char *project_host_key_warning(const struct project *p)
{
	return p->ssh.host_key_policy == SSH_HOSTKEY_OFF
		       ? "'ssh.host_key_policy': 'off' does not verify host keys; anyone on the "
			 "path can pose as a host"
		       : NULL;
}

static void check_ssh(const struct check_ctx *c)
{
	const struct ssh_settings *s = &c->p->ssh;
	const char *warning = project_host_key_warning(c->p);

	if (warning != NULL)
		report(c, DIAG_WARNING, at(s->node, "host_key_policy"), "%s", warning);
}

/* Values {secret: NAME} in variables: a name a person can act on at its line. */
static void check_secret_refs(const struct check_ctx *c)
{
	char path[64];

	schema_check_secret_refs(c->sc, c->p->ansible_vars, "ansible_vars");
	for (size_t i = 0; i < c->p->hosts.n; i++) {
		snprintf(path, sizeof(path), "hosts[%zu].vars", i);
		schema_check_secret_refs(c->sc, HOST_AT(c->p, i)->vars, path);
	}
}

/* ---- Ansible variables: a role's tunables only, and only as data ---- */

#define TUNABLES_MAX 256 /* candidates for "did you mean" */

static const char *const var_refusals[] = {
	[VAR_ANSIBLE] = "connection and privilege settings come only from the typed 'ssh:' fields",
	[VAR_INSTALLER] = "the installer's own variable; it comes from the project's typed fields",
	[VAR_INSTALLER_HOST] = "read by the plays that run on the installer host; a project may "
			       "not set it",
};

/* Refuses, anywhere inside a value, a mapping key that Ansible's JSON loader
 * would read as a marker of its own (__ansible_vault, __ansible_unsafe). */
static void check_markers(const struct check_ctx *c, const struct ynode *n, const char *path)
{
	char sub[512], q[SCHEMA_QUOTE_MAX + 4];

	for (size_t i = 0; n != NULL && n->kind == YNODE_SEQ && i < n->count; i++) {
		snprintf(sub, sizeof(sub), "%s[%zu]", path, i);
		check_markers(c, n->items[i], sub);
	}
	for (size_t i = 0; n != NULL && n->kind == YNODE_MAP && i < n->count; i++) {
		const struct ynode *key = n->pairs[i].key;
		snprintf(sub, sizeof(sub), "%s.%s", path, schema_quote(key->value, q, sizeof(q)));
		if (strlen(key->value) != key->len)
			report(c, DIAG_ERROR, key, "'%s': contains a NUL byte", sub);
		else if (strncmp(key->value, "__ansible", 9) == 0)
			report(c, DIAG_ERROR, key,
			       "'%s': keys that start with '__ansible' are Ansible's own "
			       "markers; a project value may not use them",
			       sub);
		else
			check_markers(c, n->pairs[i].value, sub);
	}
}

/* Checks one mapping of variables (ansible_vars or a host's vars) by name. */
static void check_var_map(const struct check_ctx *c, const struct ynode *map, const char *path,
			  const char **names, size_t nnames)
{
	char full[512], q[SCHEMA_QUOTE_MAX + 4];

	for (size_t i = 0; map != NULL && i < map->count; i++) {
		const struct ynode *key = map->pairs[i].key;
		enum catalog_var kind = strlen(key->value) == key->len
						? catalog_classify_var(c->cat, key->value)
						: VAR_UNKNOWN;
		const char *hint;
		snprintf(full, sizeof(full), "%s.%s", path, schema_quote(key->value, q, sizeof(q)));
		switch (kind) {
		case VAR_TUNABLE:
			check_markers(c, map->pairs[i].value, full);
			break;
		case VAR_ANSIBLE:
		case VAR_INSTALLER:
		case VAR_INSTALLER_HOST:
			report(c, DIAG_ERROR, key, "'%s': %s", full, var_refusals[kind]);
			break;
		case VAR_UNKNOWN:
			if ((hint = suggest_closest(key->value, names, nnames)) != NULL)
				report(c, DIAG_ERROR, key,
				       "'%s': not a tunable of any role; did you mean '%s'?", full,
				       hint);
			else
				report(c, DIAG_ERROR, key,
				       "'%s': not a tunable of any role; see docs/project-file.md "
				       "for the list",
				       full);
			break;
		}
	}
}

static void check_vars(const struct check_ctx *c)
{
	const char *names[TUNABLES_MAX];
	size_t nnames = catalog_tunable_names(c->cat, names, TUNABLES_MAX);
	char path[64];

	check_var_map(c, c->p->ansible_vars, "ansible_vars", names, nnames);
	for (size_t i = 0; i < c->p->hosts.n; i++) {
		snprintf(path, sizeof(path), "hosts[%zu].vars", i);
		check_var_map(c, HOST_AT(c->p, i)->vars, path, names, nnames);
		snprintf(path, sizeof(path), "hosts[%zu].labels", i);
		check_markers(c, HOST_AT(c->p, i)->labels, path);
	}
}

/* Every cross-field check; each reports all it finds and never stops the others. */
static void (*const checks[])(const struct check_ctx *) = {
	check_hosts, check_control_plane, check_vip,     check_cidrs,
	check_pools, check_storage,       check_components, check_artefacts,
	check_registry, check_ssh,       check_vars,      check_secret_refs,
};

/* A path in a project file of its user's own: "~/" is $HOME, a relative
 * path is relative to the project file's real directory (Ansible and the
 * remote runner read it from other directories).  Returns new memory. */
static char *user_path(const struct project *p, const char *path)
{
	char dir[PATH_MAX], real[PATH_MAX], *out = NULL;
	const char *home = getenv("HOME"), *parent;

	if (path[0] == '/')
		return strdup(path);
	if (path[0] == '~' && path[1] == '/' && home != NULL)
		return asprintf(&out, "%s/%s", home, path + 2) < 0 ? NULL : out;
	snprintf(dir, sizeof(dir), "%s", p->path);
	parent = dirname(dir); /* may modify dir: call it once */
	if (realpath(parent, real) == NULL)
		snprintf(real, sizeof(real), "%s", parent);
	return asprintf(&out, "%s/%s", real, path) < 0 ? NULL : out;
}

/* Makes every path the project names absolute: within the state
 * directory's places when the file is kept there (confine.h), else as its
 * user wrote it.  Returns 0, HNSP_ERR_INVALID (reported) or HNSP_ERR_NOMEM. */
static int resolve_paths(struct schema_ctx *sc, struct project *p, const char *state)
{
	const struct {
		const char *name;
		char **value;
		const struct ynode *node;
		enum confine_place place;
	} fields[] = {
		{"ssh.key_file", &p->ssh.key_file, ynode_get(p->ssh.node, "key_file"), CONFINE_KEYS},
		{"ssh.known_hosts", &p->ssh.known_hosts, ynode_get(p->ssh.node, "known_hosts"),
		 CONFINE_KNOWN_HOSTS},
		{"artefacts.bundle", &p->artefacts.bundle, ynode_get(p->artefacts.node, "bundle"),
		 CONFINE_BUNDLES},
	};
	char *real_state = confine_state_of(p->path, state), why[PATH_MAX + 128];
	int r = 0;

	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]) && r != HNSP_ERR_NOMEM; i++) {
		char *resolved = NULL;
		int ri = 0;
		if (*fields[i].value == NULL)
			continue;
		if (real_state == NULL)
			ri = (resolved = user_path(p, *fields[i].value)) ? 0 : HNSP_ERR_NOMEM;
		else
			ri = confine_resolve(real_state, fields[i].place, *fields[i].value, &resolved,
					     why, sizeof(why));
		if (ri == HNSP_ERR_INVALID)
			schema_report(sc, DIAG_ERROR, fields[i].node,
				      "'%s': '%s' %s; a project kept in the state directory names "
				      "only paths in it",
				      fields[i].name, *fields[i].value, why);
		if (ri == 0) {
			free(*fields[i].value);
			*fields[i].value = resolved;
		}
		r = r ? r : ri;
	}
	free(real_state);
	return r;
}

int project_load(const char *path, const char *state, const struct catalog *cat,
		 struct project **out, struct diag_list *diags)
{
	struct project *p = NULL;
	struct schema_ctx sc = {.file = path, .diags = diags};
	size_t errors = diags->errors;
	size_t *needed_by = NULL;
	int r;

	*out = NULL;
	if ((p = calloc(1, sizeof(*p))) == NULL || (p->path = strdup(path)) == NULL) {
		diag_add(diags, DIAG_ERROR, path, 0, 0, "out of memory");
		r = HNSP_ERR_NOMEM;
		goto out;
	}
	if ((r = ydoc_load(path, &p->doc, diags)) < 0)
		goto out;
	if (p->doc->root == NULL) {
		diag_add(diags, DIAG_ERROR, path, 1, 1,
			 "the file is empty; a project needs at least 'name', 'hosts', 'network' "
			 "and 'components'");
		r = HNSP_ERR_INVALID;
		goto out;
	}
	if (p->doc->root->kind != YNODE_MAP) {
		char found[SCHEMA_QUOTE_MAX + 32];
		schema_report(&sc, DIAG_ERROR, p->doc->root,
			      "expected a mapping with 'name', 'hosts', 'network' and "
			      "'components', found %s",
			      schema_found(p->doc->root, found, sizeof(found)));
		r = HNSP_ERR_INVALID;
		goto out;
	}
	schema_read_obj(&sc, &project_def, p->doc->root, "", p);
	read_components(&sc, cat, p);
	if (resolve_paths(&sc, p, state) == HNSP_ERR_NOMEM) {
		diag_add(diags, DIAG_ERROR, path, 0, 0, "out of memory");
		r = HNSP_ERR_NOMEM;
		goto out;
	}
	if ((needed_by = calloc(cat->components.n + 1, sizeof(*needed_by))) == NULL) {
		diag_add(diags, DIAG_ERROR, path, 0, 0, "out of memory");
		r = HNSP_ERR_NOMEM;
		goto out;
	}
	project_needs(p, cat, needed_by);
	for (size_t i = 0; i < sizeof(checks) / sizeof(checks[0]); i++)
		checks[i](&(struct check_ctx){&sc, cat, p, needed_by});
	if (diags->errors > errors) {
		r = HNSP_ERR_INVALID;
		goto out;
	}
	*out = p;
	p = NULL;
	r = 0;
out:
	free(needed_by);
	project_free(p);
	return r;
}

void project_free(struct project *p)
{
	if (p == NULL)
		return;
	schema_release_obj(&project_def, p);
	free(p->components);
	ydoc_free(p->doc);
	free(p->path);
	free(p);
}
