/* test_project.c: project_load against the real catalog - schema and cross-field checks.
 *
 * Runs from the repository root (tests/unit/run.sh does): it reads
 * playbooks/catalog.yaml and inventory/examples/, and writes project files to
 * a temporary directory. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "catalog.h"
#include "diag.h"
#include "error.h"
#include "project.h"

static struct catalog *cat;
static char dir[] = "/tmp/hnsp-test-project-XXXXXX";
static char path[256];
static struct project *proj;
static struct diag_list diags;
static int rc;

static int cleanup(void **state)
{
	(void)state;
	project_free(proj);
	proj = NULL;
	diag_list_release(&diags);
	return 0;
}

static int setup_all(void **state)
{
	struct diag_list d;

	(void)state;
	diag_list_init(&d);
	if (catalog_load("playbooks/catalog.yaml", &cat, &d) != 0) {
		for (size_t i = 0; i < d.len; i++)
			fprintf(stderr, "catalog: %u:%u: %s\n", d.items[i].line, d.items[i].column,
				d.items[i].message);
		fprintf(stderr, "cannot load playbooks/catalog.yaml (run from the repository root)\n");
		diag_list_release(&d);
		return -1;
	}
	diag_list_release(&d);
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/project.yaml", dir);
	return 0;
}

static int teardown_all(void **state)
{
	(void)state;
	cleanup(NULL);
	catalog_free(cat);
	unlink(path);
	rmdir(dir);
	return 0;
}

static void dump(void)
{
	for (size_t i = 0; i < diags.len; i++)
		print_message("  %s %u:%u %s\n",
			      diags.items[i].severity == DIAG_ERROR ? "error" : "warning",
			      diags.items[i].line, diags.items[i].column, diags.items[i].message);
}

static void load_file(const char *file)
{
	cleanup(NULL);
	proj = (struct project *)(uintptr_t)1; /* project_load must reset it */
	rc = project_load(file, dir, cat, &proj, &diags);
}

static void write_project(const char *yaml)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fputs(yaml, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static void load(const char *yaml)
{
	write_project(yaml);
	load_file(path);
}

static void assert_loaded(void)
{
	if (rc != 0 || diags.errors != 0) {
		dump();
		fail_msg("project_load returned %d with %zu errors", rc, diags.errors);
	}
	assert_non_null(proj);
}

static const struct diag *find(enum diag_severity sev, const char *msg)
{
	for (size_t i = 0; i < diags.len; i++)
		if (diags.items[i].severity == sev && strcmp(diags.items[i].message, msg) == 0)
			return &diags.items[i];
	dump();
	fail_msg("no %s '%s'", sev == DIAG_ERROR ? "error" : "warning", msg);
	return NULL;
}

static void assert_diag_at(enum diag_severity sev, const char *msg, unsigned line,
			   unsigned column)
{
	const struct diag *d = find(sev, msg);

	assert_string_equal(d->file, path);
	if (d->line != line || d->column != column)
		fail_msg("'%s' at %u:%u, expected %u:%u", msg, d->line, d->column, line, column);
}

/* The load failed with exactly this one error (warnings aside), at line:column. */
static void assert_only_error(const char *msg, unsigned line, unsigned column)
{
	assert_int_equal(rc, HNSP_ERR_INVALID);
	assert_null(proj);
	assert_diag_at(DIAG_ERROR, msg, line, column);
	if (diags.errors != 1) {
		dump();
		fail_msg("expected 1 error, got %zu", diags.errors);
	}
}

/* ---- the examples ---- */

static void test_example_small(void **state)
{
	const struct host *h;

	(void)state;
	load_file("inventory/examples/small.yaml");
	assert_loaded();
	assert_int_equal(diags.len, 0);
	assert_string_equal(proj->name, "small");
	assert_int_equal(proj->hosts.n, 3);
	h = HOST_AT(proj, 0);
	assert_string_equal(h->name, "master1");
	assert_string_equal(h->address, "192.168.50.10");
	assert_true(host_has_role(h, "registry"));
	assert_false(host_has_role(HOST_AT(proj, 1), "master"));
	assert_int_equal(project_count_role(proj, "worker"), 2);
	assert_false(project_is_ha(proj));
	assert_string_equal(proj->ssh.user, "debian");
	assert_int_equal(proj->ssh.port, 22);
	assert_true(proj->ssh.become);
	assert_int_equal(proj->ssh.host_key_policy, SSH_HOSTKEY_ACCEPT_NEW);
	assert_int_equal(proj->ssh.forks, 32);
	assert_int_equal(proj->ssh.connect_timeout, 10);
	assert_null(proj->ssh.jump_host);
	assert_null(proj->network.api_vip);
	assert_int_equal(proj->network.api_port, 8443);
	assert_int_equal(proj->network.apiserver_port, 6443);
	assert_string_equal(proj->network.ingress.class_name, "nginx");
	assert_int_equal(proj->network.ingress.https_port, 443);
	assert_int_equal(proj->network.metallb_pools.n, 1);
	assert_int_equal(proj->ncomponents, 7);
	assert_non_null(project_component(proj, "metallb"));
	assert_null(project_component(proj, "storage"));
	assert_int_equal(proj->artefacts.source, ARTEFACTS_ONLINE);
	assert_string_equal(proj->path, "inventory/examples/small.yaml");
}

static void test_example_production(void **state)
{
	const struct project_component *pc;

	(void)state;
	load_file("inventory/examples/production.yaml");
	assert_loaded();
	assert_int_equal(diags.len, 0);
	assert_int_equal(proj->hosts.n, 11);
	assert_true(project_is_ha(proj));
	assert_int_equal(project_count_role(proj, "master"), 3);
	assert_int_equal(project_count_role(proj, "storage"), 3);
	assert_string_equal(proj->network.api_vip, "172.20.10.10");
	assert_non_null(proj->ssh.jump_host);
	assert_string_equal(proj->ssh.jump_host->address, "bastion.dc1.example.net");
	assert_string_equal(proj->ssh.jump_host->user, "deploy");
	assert_int_equal(proj->ssh.host_key_policy, SSH_HOSTKEY_STRICT);
	assert_int_equal(proj->ncomponents, 20);
	assert_int_equal(proj->artefacts.source, ARTEFACTS_OFFLINE);
	assert_string_equal(proj->artefacts.bundle, "/srv/hnsp/bundle");
	pc = project_component(proj, "sriov");
	assert_non_null(pc);
	assert_true(pc->enabled);
	assert_non_null(ynode_get(pc->options, "interfaces"));
	assert_non_null(HOST_AT(proj, 6)->vars);
	assert_non_null(HOST_AT(proj, 0)->labels);
	assert_non_null(proj->ansible_vars);
	assert_int_equal(HOST_AT(proj, 3)->storage_devices.n, 2);
}

/* ---- a small valid base, and one problem at a time ---- */

static const char base[] = "name: t\n"
			   "hosts:\n"
			   "  - {name: m1, address: 10.0.0.11, roles: [master, etcd, registry]}\n"
			   "  - {name: w1, address: 10.0.0.21, roles: [worker]}\n"
			   "network:\n"
			   "  host_cidrs: [10.0.0.0/24]\n"
			   "components:\n"
			   "  kubernetes: {}\n";

static void test_base_is_valid(void **state)
{
	(void)state;
	load(base);
	assert_loaded();
	assert_int_equal(diags.len, 0);
}

static void test_empty_file(void **state)
{
	(void)state;
	load("");
	assert_only_error("the file is empty; a project needs at least 'name', 'hosts', 'network' "
			  "and 'components'",
			  1, 1);
	load("# nothing\n");
	assert_int_equal(rc, HNSP_ERR_INVALID);
}

static void test_not_a_mapping(void **state)
{
	(void)state;
	load("- a\n- b\n");
	assert_only_error("expected a mapping with 'name', 'hosts', 'network' and 'components', "
			  "found a list",
			  1, 1);
}

static void test_missing_file(void **state)
{
	char missing[300];

	(void)state;
	snprintf(missing, sizeof(missing), "%s/none.yaml", dir);
	load_file(missing);
	assert_int_equal(rc, HNSP_ERR_IO);
	assert_null(proj);
	assert_int_equal(diags.errors, 1);
}

static void test_yaml_error_passes_through(void **state)
{
	(void)state;
	load("name: t\nname: u\n");
	assert_only_error("duplicate key 'name' (first defined at 1:1)", 2, 1);
}

static void test_missing_sections(void **state)
{
	(void)state;
	load("name: t\n");
	assert_int_equal(rc, HNSP_ERR_INVALID);
	assert_diag_at(DIAG_ERROR, "missing required key 'hosts'", 1, 1);
	assert_diag_at(DIAG_ERROR, "missing required key 'network'", 1, 1);
	assert_diag_at(DIAG_ERROR, "missing required key 'components'", 1, 1);
	assert_int_equal(diags.errors, 3);
}

static void test_unknown_top_key(void **state)
{
	char yaml[1024];

	(void)state;
	snprintf(yaml, sizeof(yaml), "%snetwrk: {}\n", base);
	load(yaml);
	assert_only_error("'netwrk': unknown key; did you mean 'network'?", 9, 1);
}

static void test_bad_host_fields(void **state)
{
	(void)state;
	load("name: t\n"
	     "hosts:\n"
	     "  - {name: m1, address: 10.0.0.300, roles: [master, etcd, registry]}\n"
	     "  - {name: W1, address: 10.0.0.21, roles: [worker], port: 70000}\n"
	     "network:\n"
	     "  host_cidrs: [10.0.0.0/24]\n"
	     "components:\n"
	     "  kubernetes: {}\n");
	assert_int_equal(rc, HNSP_ERR_INVALID);
	assert_diag_at(DIAG_ERROR, "'hosts[0].address': '10.0.0.300' is not an IPv4 or IPv6 address",
		       3, 25);
	assert_diag_at(DIAG_ERROR,
		       "'hosts[1].name': 'W1' is not a valid name (lowercase letters, digits and '-', "
		       "1 to 63 characters, not starting or ending with '-')",
		       4, 12);
	assert_diag_at(DIAG_ERROR, "'hosts[1].port': 70000 is out of range (1 to 65535)", 4, 59);
	assert_int_equal(diags.errors, 3);
}

static void test_duplicate_host_name(void **state)
{
	(void)state;
	load("name: t\n"
	     "hosts:\n"
	     "  - {name: m1, address: 10.0.0.11, roles: [master, etcd, registry]}\n"
	     "  - {name: w1, address: 10.0.0.21, roles: [worker]}\n"
	     "  - {name: m1, address: 10.0.0.22, roles: [worker]}\n"
	     "network:\n"
	     "  host_cidrs: [10.0.0.0/24]\n"
	     "components:\n"
	     "  kubernetes: {}\n");
	assert_only_error("'hosts[2].name': 'm1' is already the name of hosts[0]", 5, 12);
}

static void test_duplicate_host_address(void **state)
{
	(void)state;
	load("name: t\n"
	     "hosts:\n"
	     "  - {name: m1, address: 10.0.0.11, roles: [master, etcd, registry]}\n"
	     "  - {name: w1, address: 10.0.0.11, roles: [worker]}\n"
	     "network:\n"
	     "  host_cidrs: [10.0.0.0/24]\n"
	     "components:\n"
	     "  kubernetes: {}\n");
	assert_only_error("'hosts[1].address': 10.0.0.11 is already the address of 'm1'", 4, 25);
}

static void test_duplicate_host_address_v6_spelling(void **state)
{
	(void)state;
	/* fd00::11 and fd00:0:0::11 are one address written two ways: the same
	 * machine twice, which the VIP check (by value) would catch but the
	 * duplicate check (by text) does not. */
	load("name: t\n"
	     "hosts:\n"
	     "  - {name: m1, address: 'fd00::11', roles: [master, etcd, registry]}\n"
	     "  - {name: w1, address: 'fd00:0:0::11', roles: [worker]}\n"
	     "network:\n"
	     "  host_cidrs: ['fd00::/64']\n"
	     "components:\n"
	     "  kubernetes: {}\n");
	assert_only_error("'hosts[1].address': fd00:0:0::11 is already the address of 'm1'", 4, 25);
}

static void test_host_outside_cidrs_warns(void **state)
{
	(void)state;
	load("name: t\n"
	     "hosts:\n"
	     "  - {name: m1, address: 10.0.0.11, roles: [master, etcd, registry]}\n"
	     "  - {name: w1, address: 10.0.1.21, roles: [worker]}\n"
	     "network:\n"
	     "  host_cidrs: [10.0.0.0/24]\n"
	     "components:\n"
	     "  kubernetes: {}\n");
	/* A warning: the project still loads. */
	assert_loaded();
	assert_int_equal(diags.warnings, 1);
	assert_diag_at(DIAG_WARNING, "'hosts[1].address': 10.0.1.21 lies in none of network.host_cidrs",
		       4, 25);
}

static void test_unknown_role(void **state)
{
	(void)state;
	load("name: t\n"
	     "hosts:\n"
	     "  - {name: m1, address: 10.0.0.11, roles: [master, etcd, registry]}\n"
	     "  - {name: w1, address: 10.0.0.21, roles: [wroker]}\n"
	     "network:\n"
	     "  host_cidrs: [10.0.0.0/24]\n"
	     "components:\n"
	     "  kubernetes: {}\n");
	assert_only_error("'hosts[1].roles[0]': unknown role 'wroker'; did you mean 'worker'?", 4,
			  44);
	load("name: t\n"
	     "hosts:\n"
	     "  - {name: m1, address: 10.0.0.11, roles: [master, etcd, registry, gpu]}\n"
	     "network:\n"
	     "  host_cidrs: [10.0.0.0/24]\n"
	     "components:\n"
	     "  kubernetes: {}\n");
	assert_only_error("'hosts[0].roles[3]': unknown role 'gpu'", 3, 68);
	load("name: t\n"
	     "hosts:\n"
	     "  - {name: m1, address: 10.0.0.11, roles: []}\n"
	     "network:\n"
	     "  host_cidrs: [10.0.0.0/24]\n"
	     "components:\n"
	     "  base: {}\n");
	assert_only_error("'hosts[0].roles': no role given", 3, 43);
}

static void test_unknown_role_after_bad_item(void **state)
{
	(void)state;
	/* roles[0] is not a valid name and is reported as such; the unknown role
	 * is roles[1] and must be reported there, not at roles[0]. */
	load("name: t\n"
	     "hosts:\n"
	     "  - {name: m1, address: 10.0.0.11, roles: [Master, mastr]}\n"
	     "network:\n"
	     "  host_cidrs: [10.0.0.0/24]\n"
	     "components:\n"
	     "  base: {}\n");
	assert_int_equal(rc, HNSP_ERR_INVALID);
	assert_diag_at(DIAG_ERROR, "'hosts[0].roles[1]': unknown role 'mastr'; did you mean 'master'?",
		       3, 52);
}

static void test_no_hosts(void **state)
{
	(void)state;
	/* A project with an empty host list has nothing to install on. */
	load("name: t\n"
	     "hosts: []\n"
	     "network:\n"
	     "  host_cidrs: [10.0.0.0/24]\n"
	     "components:\n"
	     "  base: {}\n");
	if (rc == 0) {
		dump();
		fail_msg("a project with 'hosts: []' loaded without an error");
	}
	assert_int_equal(rc, HNSP_ERR_INVALID);
}

static const char ha_head[] = "name: t\n"
			      "hosts:\n"
			      "  - {name: m1, address: 10.0.0.11, roles: [master, etcd, registry]}\n"
			      "  - {name: m2, address: 10.0.0.12, roles: [master, etcd]}\n"
			      "  - {name: m3, address: 10.0.0.13, roles: [master, etcd]}\n"
			      "  - {name: w1, address: 10.0.0.21, roles: [worker]}\n";

static void load_ha(const char *network, const char *components)
{
	char yaml[2048];

	snprintf(yaml, sizeof(yaml), "%snetwork:\n%scomponents:\n%s", ha_head, network,
		 components);
	load(yaml);
}

static void test_ha_valid(void **state)
{
	(void)state;
	load_ha("  host_cidrs: [10.0.0.0/24]\n  api_vip: 10.0.0.10\n", "  kubernetes: {}\n");
	assert_loaded();
	assert_int_equal(diags.len, 0);
	assert_true(project_is_ha(proj));
}

static void test_two_masters(void **state)
{
	(void)state;
	load("name: t\n"
	     "hosts:\n"
	     "  - {name: m1, address: 10.0.0.11, roles: [master, etcd, registry]}\n"
	     "  - {name: m2, address: 10.0.0.12, roles: [master]}\n"
	     "network:\n"
	     "  host_cidrs: [10.0.0.0/24]\n"
	     "  api_vip: 10.0.0.10\n"
	     "components:\n"
	     "  kubernetes: {}\n");
	assert_only_error("'hosts': a highly available control plane needs at least 3 masters; 2 "
			  "hosts have role 'master' (use 1 for no HA, or 3 or more)",
			  3, 3);
}

static void test_even_etcd(void **state)
{
	(void)state;
	load("name: t\n"
	     "hosts:\n"
	     "  - {name: m1, address: 10.0.0.11, roles: [master, etcd, registry]}\n"
	     "  - {name: w1, address: 10.0.0.21, roles: [worker, etcd]}\n"
	     "network:\n"
	     "  host_cidrs: [10.0.0.0/24]\n"
	     "components:\n"
	     "  kubernetes: {}\n");
	assert_only_error("'hosts': etcd needs an odd number of members to keep quorum; 2 hosts "
			  "have role 'etcd'",
			  3, 3);
	/* Without etcd in the plan, the count does not matter. */
	load("name: t\n"
	     "hosts:\n"
	     "  - {name: m1, address: 10.0.0.11, roles: [master, etcd]}\n"
	     "  - {name: w1, address: 10.0.0.21, roles: [worker, etcd]}\n"
	     "network:\n"
	     "  host_cidrs: [10.0.0.0/24]\n"
	     "components:\n"
	     "  base: {}\n");
	assert_loaded();
}

static void test_ha_needs_vip(void **state)
{
	(void)state;
	load_ha("  host_cidrs: [10.0.0.0/24]\n", "  kubernetes: {}\n");
	assert_only_error("'network': missing 'api_vip', which a project with 3 masters needs for "
			  "its API",
			  8, 3);
}

static void test_ha_port_clash(void **state)
{
	(void)state;
	load_ha("  host_cidrs: [10.0.0.0/24]\n  api_vip: 10.0.0.10\n  api_port: 6443\n",
		"  kubernetes: {}\n");
	assert_only_error("'network.api_port': 6443 is also the API servers' port "
			  "(network.apiserver_port); the VIP's load balancer and the API servers "
			  "run on the same masters, so they need different ports",
			  10, 13);
}

static void test_vip_outside_cidrs(void **state)
{
	(void)state;
	load_ha("  host_cidrs: [10.0.0.0/24]\n  api_vip: 10.0.1.10\n", "  kubernetes: {}\n");
	assert_only_error("'network.api_vip': 10.0.1.10 lies in none of network.host_cidrs; the VIP "
			  "must be on the hosts' network",
			  9, 12);
}

static void test_vip_is_host_address(void **state)
{
	(void)state;
	load_ha("  host_cidrs: [10.0.0.0/24]\n  api_vip: 10.0.0.12\n", "  kubernetes: {}\n");
	assert_only_error("'network.api_vip': 10.0.0.12 is the address of host 'm2'; the VIP must "
			  "be a free address",
			  9, 12);
}

static void test_pod_service_overlap(void **state)
{
	(void)state;
	load("name: t\n"
	     "hosts:\n"
	     "  - {name: m1, address: 10.0.0.11, roles: [master, etcd, registry]}\n"
	     "network:\n"
	     "  host_cidrs: [10.0.0.0/24]\n"
	     "  pod_cidr: 10.96.0.0/16\n"
	     "  service_cidr: 10.96.0.0/12\n"
	     "components:\n"
	     "  kubernetes: {}\n");
	assert_only_error("'network.service_cidr': 10.96.0.0/12 overlaps network.pod_cidr "
			  "10.96.0.0/16",
			  7, 17);
	/* Against the defaults (10.244.0.0/16 and 10.96.0.0/12), with no key to
	 * point at: the message points at network. */
	load("name: t\n"
	     "hosts:\n"
	     "  - {name: m1, address: 10.0.0.11, roles: [master, etcd, registry]}\n"
	     "network:\n"
	     "  host_cidrs: [10.0.0.0/24]\n"
	     "  pod_cidr: 10.100.0.0/16\n"
	     "components:\n"
	     "  kubernetes: {}\n");
	assert_only_error("'network.service_cidr': 10.96.0.0/12 overlaps network.pod_cidr "
			  "10.100.0.0/16",
			  5, 3);
}

static void test_cidr_overlaps_hosts(void **state)
{
	(void)state;
	load("name: t\n"
	     "hosts:\n"
	     "  - {name: m1, address: 10.244.1.11, roles: [master, etcd, registry]}\n"
	     "network:\n"
	     "  host_cidrs: [10.244.1.0/24]\n"
	     "components:\n"
	     "  kubernetes: {}\n");
	assert_only_error("'network.pod_cidr': 10.244.0.0/16 overlaps the host network 10.244.1.0/24",
			  5, 3);
}

static void test_cidr_host_bits(void **state)
{
	(void)state;
	load("name: t\n"
	     "hosts:\n"
	     "  - {name: m1, address: 10.0.0.11, roles: [master, etcd, registry]}\n"
	     "network:\n"
	     "  host_cidrs: [10.0.0.1/24]\n"
	     "components:\n"
	     "  kubernetes: {}\n");
	assert_int_equal(rc, HNSP_ERR_INVALID);
	assert_diag_at(DIAG_ERROR,
		       "'network.host_cidrs[0]': '10.0.0.1/24' has host bits set; did you mean "
		       "'10.0.0.0/24'?",
		       5, 16);
}

static const char pool_head[] = "name: t\n"
				"hosts:\n"
				"  - {name: m1, address: 10.0.0.11, roles: [master, etcd, registry]}\n"
				"  - {name: w1, address: 10.0.0.21, roles: [worker]}\n"
				"network:\n"
				"  host_cidrs: [10.0.0.0/24]\n";

static void load_pools(const char *extra_network, const char *pools)
{
	char yaml[2048];

	snprintf(yaml, sizeof(yaml),
		 "%s%s  metallb_pools:\n%scomponents:\n  kubernetes: {}\n  metallb: {}\n",
		 pool_head, extra_network, pools);
	load(yaml);
}

static void test_pools_valid(void **state)
{
	(void)state;
	load_pools("", "    - {name: a, addresses: [10.0.0.200-10.0.0.210, 10.0.0.224/28]}\n");
	assert_loaded();
	assert_int_equal(diags.len, 0);
}

static void test_pool_contains_host(void **state)
{
	(void)state;
	load_pools("", "    - {name: a, addresses: [10.0.0.20-10.0.0.30]}\n");
	assert_only_error("'network.metallb_pools[0].addresses[0]': 10.0.0.20-10.0.0.30 contains "
			  "10.0.0.21, the address of host 'w1'",
			  8, 29);
}

static void test_pool_contains_vip(void **state)
{
	char yaml[2048];

	(void)state;
	snprintf(yaml, sizeof(yaml),
		 "%snetwork:\n  host_cidrs: [10.0.0.0/24]\n  api_vip: 10.0.0.100\n"
		 "  metallb_pools:\n    - {name: a, addresses: [10.0.0.96/28]}\n"
		 "components:\n  kubernetes: {}\n  metallb: {}\n",
		 ha_head);
	load(yaml);
	assert_only_error("'network.metallb_pools[0].addresses[0]': 10.0.0.96/28 contains the API "
			  "VIP 10.0.0.100",
			  11, 29);
}

static void test_pool_entry_after_bad_entry(void **state)
{
	(void)state;
	/* addresses[0] is reversed (reported as a format error); addresses[1]
	 * holds a host, and the message must name and point at addresses[1]. */
	load_pools("", "    - {name: a, addresses: [10.0.0.250-10.0.0.240, 10.0.0.20-10.0.0.30]}\n");
	assert_int_equal(rc, HNSP_ERR_INVALID);
	assert_diag_at(DIAG_ERROR,
		       "'network.metallb_pools[0].addresses[1]': 10.0.0.20-10.0.0.30 contains "
		       "10.0.0.21, the address of host 'w1'",
		       8, 52);
}

static void test_pools_overlap(void **state)
{
	(void)state;
	load_pools("", "    - {name: a, addresses: [10.0.0.200-10.0.0.210]}\n"
		       "    - {name: b, addresses: [10.0.0.208/29]}\n");
	assert_only_error("'network.metallb_pools[1].addresses[0]': 10.0.0.208/29 overlaps "
			  "10.0.0.200-10.0.0.210, already in a pool",
			  9, 29);
	load_pools("", "    - {name: a, addresses: [10.0.0.200-10.0.0.210]}\n"
		       "    - {name: a, addresses: [10.0.0.220-10.0.0.230]}\n");
	assert_only_error("'network.metallb_pools[1].name': 'a' names two pools", 9, 14);
}

static void test_pool_overlaps_cluster_cidrs(void **state)
{
	(void)state;
	load_pools("", "    - {name: a, addresses: [10.96.0.0/24]}\n");
	assert_int_equal(rc, HNSP_ERR_INVALID);
	assert_diag_at(DIAG_ERROR,
		       "'network.metallb_pools[0].addresses[0]': 10.96.0.0/24 overlaps "
		       "network.service_cidr 10.96.0.0/12",
		       8, 29);
	/* Outside the host network too: a warning besides the error. */
	assert_diag_at(DIAG_WARNING,
		       "'network.metallb_pools[0].addresses[0]': 10.96.0.0/24 is not inside "
		       "network.host_cidrs; layer-2 MetalLB can only announce addresses on the "
		       "hosts' network",
		       8, 29);
	assert_int_equal(diags.errors, 1);
}

static void test_metallb_needs_pool(void **state)
{
	char yaml[2048];

	(void)state;
	snprintf(yaml, sizeof(yaml), "%scomponents:\n  kubernetes: {}\n  metallb: {}\n", pool_head);
	load(yaml);
	assert_only_error("'network.metallb_pools': component 'metallb' needs at least one address "
			  "pool",
			  6, 3);
	/* Needed by ingress, not selected: still needs a pool. */
	snprintf(yaml, sizeof(yaml), "%scomponents:\n  kubernetes: {}\n  ingress: {}\n", pool_head);
	load(yaml);
	assert_only_error("'network.metallb_pools': component 'metallb' needs at least one address "
			  "pool",
			  6, 3);
}

static const char storage_head[] =
	"name: t\n"
	"hosts:\n"
	"  - {name: m1, address: 10.0.0.11, roles: [master, etcd, registry]}\n"
	"  - {name: s1, address: 10.0.0.21, roles: [worker, storage], storage_devices: [/dev/sdb]}\n"
	"  - {name: s2, address: 10.0.0.22, roles: [worker, storage], storage_devices: [/dev/sdb]}\n"
	"  - {name: s3, address: 10.0.0.23, roles: [worker, storage], storage_devices: [/dev/sdb]}\n"
	"network:\n"
	"  host_cidrs: [10.0.0.0/24]\n"
	"components:\n";

static void test_storage(void **state)
{
	char yaml[2048];

	(void)state;
	snprintf(yaml, sizeof(yaml), "%s  storage: {}\n", storage_head);
	load(yaml);
	assert_loaded();
	assert_int_equal(diags.len, 0);

	/* Only one storage host. */
	load("name: t\n"
	     "hosts:\n"
	     "  - {name: m1, address: 10.0.0.11, roles: [master, etcd, registry]}\n"
	     "  - {name: s1, address: 10.0.0.21, roles: [worker, storage], storage_devices: "
	     "[/dev/sdb]}\n"
	     "network:\n"
	     "  host_cidrs: [10.0.0.0/24]\n"
	     "components:\n"
	     "  storage: {replicas: 1}\n");
	assert_only_error("'components.storage': needs at least 3 hosts with role 'storage' and "
			  "storage_devices; 1 found (for a lab, set single_node: true)",
			  8, 12);

	/* single_node turns it into a warning. */
	load("name: t\n"
	     "hosts:\n"
	     "  - {name: m1, address: 10.0.0.11, roles: [master, etcd, registry]}\n"
	     "  - {name: s1, address: 10.0.0.21, roles: [worker, storage], storage_devices: "
	     "[/dev/sdb]}\n"
	     "network:\n"
	     "  host_cidrs: [10.0.0.0/24]\n"
	     "components:\n"
	     "  storage: {single_node: true}\n");
	assert_loaded();
	assert_int_equal(diags.warnings, 1);
	assert_diag_at(DIAG_WARNING,
		       "'components.storage.single_node': storage on 1 host keeps no redundant copy; "
		       "a lost host loses data",
		       8, 26);

	/* A storage host without devices does not count, and is an error itself. */
	load("name: t\n"
	     "hosts:\n"
	     "  - {name: m1, address: 10.0.0.11, roles: [master, etcd, registry]}\n"
	     "  - {name: s1, address: 10.0.0.21, roles: [worker, storage]}\n"
	     "network:\n"
	     "  host_cidrs: [10.0.0.0/24]\n"
	     "components:\n"
	     "  storage: {single_node: true}\n");
	assert_int_equal(rc, HNSP_ERR_INVALID);
	assert_diag_at(DIAG_ERROR, "'hosts[1]': 's1' has role 'storage' but no storage_devices", 4,
		       43);
	assert_diag_at(DIAG_ERROR,
		       "'components.storage': needs at least 3 hosts with role 'storage' and "
		       "storage_devices; 0 found (for a lab, set single_node: true)",
		       8, 12);
	assert_int_equal(diags.errors, 2);
}

static void test_storage_needed_not_selected(void **state)
{
	(void)state;
	/* kubevirt needs storage; storage is not named, so the message points at components. */
	load("name: t\n"
	     "hosts:\n"
	     "  - {name: m1, address: 10.0.0.11, roles: [master, etcd, registry]}\n"
	     "network:\n"
	     "  host_cidrs: [10.0.0.0/24]\n"
	     "components:\n"
	     "  kubevirt: {}\n");
	assert_only_error("'components.storage': needs at least 3 hosts with role 'storage' and "
			  "storage_devices; 0 found (for a lab, set single_node: true)",
			  7, 3);
}

static void test_disabled_dependency(void **state)
{
	(void)state;
	load("name: t\n"
	     "hosts:\n"
	     "  - {name: m1, address: 10.0.0.11, roles: [master, etcd, registry]}\n"
	     "network:\n"
	     "  host_cidrs: [10.0.0.0/24]\n"
	     "components:\n"
	     "  kubernetes: {}\n"
	     "  etcd: false\n");
	assert_only_error("'components.etcd': disabled, but 'kubernetes' needs it", 8, 9);
	/* Disabled and needed by nothing: fine. */
	load("name: t\n"
	     "hosts:\n"
	     "  - {name: m1, address: 10.0.0.11, roles: [master, etcd, registry]}\n"
	     "network:\n"
	     "  host_cidrs: [10.0.0.0/24]\n"
	     "components:\n"
	     "  base: {}\n"
	     "  storage: false\n");
	assert_loaded();
	assert_false(project_component(proj, "storage")->enabled);
}

static void test_role_nobody_has(void **state)
{
	(void)state;
	/* Selected. */
	load("name: t\n"
	     "hosts:\n"
	     "  - {name: m1, address: 10.0.0.11, roles: [master]}\n"
	     "network:\n"
	     "  host_cidrs: [10.0.0.0/24]\n"
	     "components:\n"
	     "  base: {}\n"
	     "  registry: {}\n");
	assert_only_error("'components.registry': no host has role 'registry', which it runs on", 8,
			  13);
	/* Needed by a selected component. */
	load("name: t\n"
	     "hosts:\n"
	     "  - {name: m1, address: 10.0.0.11, roles: [master, etcd]}\n"
	     "network:\n"
	     "  host_cidrs: [10.0.0.0/24]\n"
	     "components:\n"
	     "  kubernetes: {}\n");
	assert_only_error("'components': 'registry' (needed by 'kubernetes') runs on hosts with role "
			  "'registry', and no host has it",
			  7, 3);
}

static void test_unknown_component(void **state)
{
	(void)state;
	load("name: t\n"
	     "hosts:\n"
	     "  - {name: m1, address: 10.0.0.11, roles: [master, etcd, registry]}\n"
	     "network:\n"
	     "  host_cidrs: [10.0.0.0/24]\n"
	     "components:\n"
	     "  kubernets: {}\n"
	     "  flux: {}\n");
	assert_int_equal(rc, HNSP_ERR_INVALID);
	assert_diag_at(DIAG_ERROR, "'components.kubernets': unknown component; did you mean "
				   "'kubernetes'?",
		       7, 3);
	assert_diag_at(DIAG_ERROR, "'components.flux': unknown component; see docs/project-file.md "
				   "for the list",
		       8, 3);
	assert_int_equal(diags.errors, 2);

	load("name: t\n"
	     "hosts:\n"
	     "  - {name: m1, address: 10.0.0.11, roles: [master]}\n"
	     "network:\n"
	     "  host_cidrs: [10.0.0.0/24]\n"
	     "components: {}\n");
	assert_only_error("'components': no component is selected", 6, 13);
}

static void test_component_options(void **state)
{
	(void)state;
	load("name: t\n"
	     "hosts:\n"
	     "  - {name: m1, address: 10.0.0.11, roles: [master, etcd, registry]}\n"
	     "network:\n"
	     "  host_cidrs: [10.0.0.0/24]\n"
	     "components:\n"
	     "  base: {timezon: UTC}\n"
	     "  registry: {port: 0}\n"
	     "  container-runtime: {cgroup_driver: cgroupfs}\n"
	     "  cni: {mtu: 1400}\n"
	     "  etcd: [a]\n");
	assert_int_equal(rc, HNSP_ERR_INVALID);
	assert_diag_at(DIAG_ERROR, "'components.base.timezon': unknown option; did you mean "
				   "'timezone'?",
		       7, 10);
	assert_diag_at(DIAG_ERROR, "'components.registry.port': 0 is out of range (1 to 65535)", 8,
		       20);
	assert_diag_at(DIAG_ERROR, "'components.cni.mtu': unknown option; 'cni' has no options", 10,
		       9);
	assert_diag_at(DIAG_ERROR, "'components.etcd': expected a mapping of options, {}, true or "
				   "false, found a list",
		       11, 9);
	/* cgroupfs is one of cgroup_driver's values: no error for it. */
	assert_int_equal(diags.errors, 4);
}

/* Loads path in a child process and exits 0 when an error with message msg
 * was reported: a crash (a sanitizer report) fails the test, not the run. */
static void child_expects(const char *msg)
{
	struct project *p = NULL;
	struct diag_list d;
	int found = 0;

	diag_list_init(&d);
	project_load(path, dir, cat, &p, &d);
	for (size_t i = 0; i < d.len; i++)
		if (d.items[i].severity == DIAG_ERROR && strcmp(d.items[i].message, msg) == 0)
			found = 1;
	if (!found)
		for (size_t i = 0; i < d.len; i++)
			fprintf(stderr, "  %u:%u %s\n", d.items[i].line, d.items[i].column,
				d.items[i].message);
	project_free(p);
	diag_list_release(&d);
	_exit(found ? 0 : 3);
}

static void test_option_enum_value(void **state)
{
	pid_t pid;
	int status;

	(void)state;
	write_project("name: t\n"
		      "hosts:\n"
		      "  - {name: m1, address: 10.0.0.11, roles: [master, etcd, registry]}\n"
		      "network:\n"
		      "  host_cidrs: [10.0.0.0/24]\n"
		      "components:\n"
		      "  container-runtime: {cgroup_driver: cgroupv2}\n");
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		child_expects("'components.container-runtime.cgroup_driver': unknown value "
			      "'cgroupv2'; did you mean 'cgroupfs'?");
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("loading a string option with a value outside its 'values' %s (status "
			 "0x%x); see the report above",
			 WIFEXITED(status) && WEXITSTATUS(status) == 3 ? "gave the wrong message"
								       : "crashed",
			 (unsigned)status);
}

static void test_offline_needs_bundle(void **state)
{
	char yaml[1024];

	(void)state;
	snprintf(yaml, sizeof(yaml), "%sartefacts:\n  source: offline\n", base);
	load(yaml);
	assert_only_error("'artefacts': source 'offline' needs 'bundle', the bundle's directory", 10,
			  3);
}

static void test_host_key_policy_off_warns(void **state)
{
	char yaml[1024];

	(void)state;
	snprintf(yaml, sizeof(yaml), "%sssh:\n  host_key_policy: off\n", base);
	load(yaml);
	assert_loaded();
	assert_diag_at(DIAG_WARNING, "'ssh.host_key_policy': 'off' does not verify host keys; anyone "
				     "on the path can pose as a host",
		       10, 20);
	assert_int_equal(proj->ssh.host_key_policy, SSH_HOSTKEY_OFF);
	/* The TUI (overview, the questions before a run) shows the same text. */
	assert_string_equal(project_host_key_warning(proj), diags.items[0].message);
	cleanup(NULL);
	load(base);
	assert_null(project_host_key_warning(proj));
}

static void test_every_problem_in_one_pass(void **state)
{
	(void)state;
	load("name: T\n"
	     "hosts:\n"
	     "  - {name: m1, address: 10.0.0.11, roles: [master, etcd, registry]}\n"
	     "  - {name: m1, address: 10.0.0.11, roles: [master]}\n"
	     "network:\n"
	     "  host_cidrs: [10.0.0.0/24]\n"
	     "  api_vip: 10.0.0.11\n"
	     "components:\n"
	     "  kubernetes: {}\n");
	assert_int_equal(rc, HNSP_ERR_INVALID);
	find(DIAG_ERROR, "'name': 'T' is not a valid name (lowercase letters, digits and '-', 1 to 63 "
			 "characters, not starting or ending with '-')");
	find(DIAG_ERROR, "'hosts[1].name': 'm1' is already the name of hosts[0]");
	find(DIAG_ERROR, "'hosts[1].address': 10.0.0.11 is already the address of 'm1'");
	find(DIAG_ERROR, "'hosts': a highly available control plane needs at least 3 masters; 2 "
			 "hosts have role 'master' (use 1 for no HA, or 3 or more)");
	find(DIAG_ERROR, "'network.api_vip': 10.0.0.11 is the address of host 'm1'; the VIP must be "
			 "a free address");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_example_small, cleanup),
		cmocka_unit_test_teardown(test_example_production, cleanup),
		cmocka_unit_test_teardown(test_base_is_valid, cleanup),
		cmocka_unit_test_teardown(test_empty_file, cleanup),
		cmocka_unit_test_teardown(test_not_a_mapping, cleanup),
		cmocka_unit_test_teardown(test_missing_file, cleanup),
		cmocka_unit_test_teardown(test_yaml_error_passes_through, cleanup),
		cmocka_unit_test_teardown(test_missing_sections, cleanup),
		cmocka_unit_test_teardown(test_unknown_top_key, cleanup),
		cmocka_unit_test_teardown(test_bad_host_fields, cleanup),
		cmocka_unit_test_teardown(test_duplicate_host_name, cleanup),
		cmocka_unit_test_teardown(test_duplicate_host_address, cleanup),
		cmocka_unit_test_teardown(test_duplicate_host_address_v6_spelling, cleanup),
		cmocka_unit_test_teardown(test_host_outside_cidrs_warns, cleanup),
		cmocka_unit_test_teardown(test_unknown_role, cleanup),
		cmocka_unit_test_teardown(test_unknown_role_after_bad_item, cleanup),
		cmocka_unit_test_teardown(test_no_hosts, cleanup),
		cmocka_unit_test_teardown(test_ha_valid, cleanup),
		cmocka_unit_test_teardown(test_two_masters, cleanup),
		cmocka_unit_test_teardown(test_even_etcd, cleanup),
		cmocka_unit_test_teardown(test_ha_needs_vip, cleanup),
		cmocka_unit_test_teardown(test_ha_port_clash, cleanup),
		cmocka_unit_test_teardown(test_vip_outside_cidrs, cleanup),
		cmocka_unit_test_teardown(test_vip_is_host_address, cleanup),
		cmocka_unit_test_teardown(test_pod_service_overlap, cleanup),
		cmocka_unit_test_teardown(test_cidr_overlaps_hosts, cleanup),
		cmocka_unit_test_teardown(test_cidr_host_bits, cleanup),
		cmocka_unit_test_teardown(test_pools_valid, cleanup),
		cmocka_unit_test_teardown(test_pool_contains_host, cleanup),
		cmocka_unit_test_teardown(test_pool_contains_vip, cleanup),
		cmocka_unit_test_teardown(test_pool_entry_after_bad_entry, cleanup),
		cmocka_unit_test_teardown(test_pools_overlap, cleanup),
		cmocka_unit_test_teardown(test_pool_overlaps_cluster_cidrs, cleanup),
		cmocka_unit_test_teardown(test_metallb_needs_pool, cleanup),
		cmocka_unit_test_teardown(test_storage, cleanup),
		cmocka_unit_test_teardown(test_storage_needed_not_selected, cleanup),
		cmocka_unit_test_teardown(test_disabled_dependency, cleanup),
		cmocka_unit_test_teardown(test_role_nobody_has, cleanup),
		cmocka_unit_test_teardown(test_unknown_component, cleanup),
		cmocka_unit_test_teardown(test_component_options, cleanup),
		cmocka_unit_test_teardown(test_option_enum_value, cleanup),
		cmocka_unit_test_teardown(test_offline_needs_bundle, cleanup),
		cmocka_unit_test_teardown(test_host_key_policy_off_warns, cleanup),
		cmocka_unit_test_teardown(test_every_problem_in_one_pass, cleanup),
	};

	return cmocka_run_group_tests(tests, setup_all, teardown_all);
}
