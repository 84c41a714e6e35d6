/* project.h: a project - hosts, components and settings - read from one YAML file.
 *
 * project_load() reads the file, checks every key against the schema and the
 * component catalog, then runs the cross-field checks (unique hosts, HA
 * quorum, VIP and CIDR placement, MetalLB pools, storage), reporting every
 * problem it finds with its position in one pass.  The project keeps its YAML
 * document: per-host vars, labels, component options and ansible_vars go to
 * Ansible as data.  Variables (ansible_vars, hosts[].vars) may only be the
 * tunables that the catalog lists for the roles: ansible_*, hnsp_* and the
 * variables of the plays on the installer host are refused by name. */
#ifndef HNSP_PROJECT_H
#define HNSP_PROJECT_H

#include <stdbool.h>

#include "catalog.h"
#include "diag.h"
#include "schema.h"
#include "ssh.h"
#include "ydoc.h"

enum artefact_source { ARTEFACTS_ONLINE, ARTEFACTS_OFFLINE };

#define PROJECT_MAX_HOSTS 10000

struct jump_host {
	const struct ynode *node;
	char *address;           /* host name or IP address */
	long port;
	char *user;              /* NULL: the project's ssh.user */
};

struct ssh_settings {
	const struct ynode *node;     /* NULL when the file has no ssh section */
	char *user;
	long port;
	char *key_file;               /* absolute once loaded (see project_load) */
	bool become;                  /* run privileged tasks through sudo */
	int host_key_policy;          /* enum ssh_hostkey_policy */
	char *known_hosts;            /* absolute; NULL: the state directory's known_hosts */
	struct jump_host *jump_host;  /* NULL: direct connections */
	long connect_timeout;         /* seconds */
	long forks;                   /* hosts worked on at once */
	char *password;               /* names of secrets in the store ({secret: NAME}), */
	char *key_passphrase;         /* or NULL: the SSH password, the key's passphrase */
	char *become_password;        /* and sudo's password */
};

struct host {
	const struct ynode *node;
	char *name;
	char *address;
	long port;                    /* 0: ssh.port */
	char *user;                   /* NULL: ssh.user */
	struct strlist roles;
	struct strlist storage_devices;
	const struct ynode *labels;   /* mapping of string to string, or NULL */
	const struct ynode *vars;     /* role tunables for this host, or NULL */
};

struct metallb_pool {
	const struct ynode *node;
	char *name;
	struct strlist addresses;     /* "FIRST-LAST" ranges or CIDR networks */
};

struct ingress_settings {
	const struct ynode *node;
	char *class_name;
	long http_port;
	long https_port;
};

struct network_settings {
	const struct ynode *node;
	struct strlist host_cidrs;    /* networks the hosts' addresses lie in */
	char *api_vip;                /* NULL when not set */
	long api_port;                /* port of the API on the VIP */
	long apiserver_port;          /* port of each master's API server */
	char *pod_cidr;
	char *service_cidr;
	struct objlist metallb_pools; /* struct metallb_pool */
	struct ingress_settings ingress;
};

struct artefact_settings {
	const struct ynode *node;
	int source;                   /* enum artefact_source */
	char *bundle;                 /* offline bundle directory, absolute once loaded */
};

/* A component as the project asks for it. */
struct project_component {
	const struct component *def;  /* borrowed from the catalog */
	const struct ynode *node;     /* the value under components.<id> */
	bool enabled;                 /* false when written as `<id>: false` */
	const struct ynode *options;  /* mapping of option values, or NULL */
};

struct project {
	struct ydoc *doc;             /* owned; every node pointer points into it */
	char *path;                   /* owned; the file as named by the caller */
	const struct ynode *node;
	char *name;
	struct ssh_settings ssh;
	struct objlist hosts;         /* struct host */
	struct network_settings network;
	const struct ynode *components_node;
	struct project_component *components; /* owned; in file order */
	size_t ncomponents;
	struct artefact_settings artefacts;
	const struct ynode *ansible_vars; /* role tunables for every host, or NULL */
};

#define HOST_AT(p, i) OBJLIST_AT(&(p)->hosts, struct host, i)

/* Reads and checks the project at path against cat (borrowed; must outlive
 * the project).  state is the state directory: when the file really lies in
 * state/projects/, its paths must stay in the state directory's places
 * (confine.h), else "~/" is $HOME and a relative path is relative to the
 * file's directory; either way they are absolute once loaded.  Every problem
 * goes to diags.  *out is a new project when no error was found (warnings
 * allowed), else NULL.  Returns 0, HNSP_ERR_INVALID, HNSP_ERR_IO,
 * HNSP_ERR_LIMIT or HNSP_ERR_NOMEM. */
int project_load(const char *path, const char *state, const struct catalog *cat,
		 struct project **out, struct diag_list *diags);
void project_free(struct project *p);

bool host_has_role(const struct host *h, const char *role);
size_t project_count_role(const struct project *p, const char *role);
/* More than one master: the control plane is highly available. */
bool project_is_ha(const struct project *p);
/* The warning that every front-end shows wherever p is looked at or run (not
 * only `validate`), or NULL: host keys not verified (ssh.host_key_policy:
 * off).  Static text, the message of validate's warning too. */
const char *project_host_key_warning(const struct project *p);
/* The project's entry for component id, or NULL when the file does not name it. */
const struct project_component *project_component(const struct project *p, const char *id);

/* Which catalog components the project needs, as needed_by[i] per catalog
 * index: NEED_NONE, NEED_SELECTED (named in the file), or the index of the
 * component that depends on it.  needed_by has one entry per component. */
#define NEED_NONE ((size_t)-1)
#define NEED_SELECTED ((size_t)-2)
void project_needs(const struct project *p, const struct catalog *cat, size_t *needed_by);

/* The names of the secrets that ansible_vars and host vars refer to
 * ({secret: NAME}), each once: a new JSON array, or NULL when out of memory. */
json_t *project_secret_vars(const struct project *p);

/* True when component c runs on host h (one of its roles, or "all"). */
bool component_targets(const struct component *c, const struct host *h);

#endif
