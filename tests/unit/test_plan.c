/* test_plan.c: plan_build - which components run, in what order, on which hosts, and why.
 *
 * Uses the real catalog (playbooks/catalog.yaml, so it runs from the
 * repository root) and a small catalog written here whose file order is not
 * a dependency order, so that the ordering itself is tested. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "catalog.h"
#include "diag.h"
#include "error.h"
#include "plan.h"
#include "project.h"

static struct catalog *real, *toy;
static char dir[] = "/tmp/hnsp-test-plan-XXXXXX";
static char project_path[256], toy_path[256];
static struct project *proj;
static struct plan *plan;
static struct diag_list diags;

/* Listed so that file order is never dependency order: "check" (final) first,
 * "app" before what it needs, "vip" only for HA. */
static const char toy_catalog[] =
	"roles:\n"
	"  - {name: master, description: m}\n"
	"  - {name: worker, description: w}\n"
	"components:\n"
	"  - {id: check, description: c, playbook: c.yml, hosts: [master], final: true}\n"
	"  - {id: app, description: a, playbook: a.yml, hosts: [worker], depends: [db],\n"
	"     ha_depends: [vip]}\n"
	"  - {id: db, description: d, playbook: d.yml, hosts: [master], depends: [base]}\n"
	"  - {id: vip, description: v, playbook: v.yml, hosts: [master], depends: [base]}\n"
	"  - {id: base, description: b, playbook: b.yml, hosts: [all]}\n"
	"  - {id: extra, description: e, playbook: e.yml, hosts: [all]}\n";

static void write_file(const char *p, const char *text)
{
	FILE *f = fopen(p, "w");

	assert_non_null(f);
	assert_true(fputs(text, f) >= 0);
	assert_int_equal(fclose(f), 0);
}

static void print_diags(const struct diag_list *d)
{
	for (size_t i = 0; i < d->len; i++)
		print_message("  %u:%u %s\n", d->items[i].line, d->items[i].column,
			      d->items[i].message);
}

static int setup_all(void **state)
{
	struct diag_list d;
	int r1, r2;

	(void)state;
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(project_path, sizeof(project_path), "%s/project.yaml", dir);
	snprintf(toy_path, sizeof(toy_path), "%s/catalog.yaml", dir);
	diag_list_init(&d);
	r1 = catalog_load("playbooks/catalog.yaml", &real, &d);
	FILE *f = fopen(toy_path, "w");
	if (f == NULL || fputs(toy_catalog, f) < 0 || fclose(f) != 0)
		return -1;
	r2 = catalog_load(toy_path, &toy, &d);
	if (r1 != 0 || r2 != 0)
		print_diags(&d);
	diag_list_release(&d);
	return r1 == 0 && r2 == 0 ? 0 : -1;
}

static int cleanup(void **state)
{
	(void)state;
	plan_free(plan);
	plan = NULL;
	project_free(proj);
	proj = NULL;
	diag_list_release(&diags);
	return 0;
}

static int teardown_all(void **state)
{
	(void)state;
	cleanup(NULL);
	catalog_free(real);
	catalog_free(toy);
	unlink(project_path);
	unlink(toy_path);
	rmdir(dir);
	return 0;
}

static void build_from(const char *file, const struct catalog *cat)
{
	cleanup(NULL);
	if (project_load(file, "/nonexistent", cat, &proj, &diags) != 0) {
		print_diags(&diags);
		fail_msg("%s does not load", file);
	}
	assert_int_equal(plan_build(proj, cat, &plan), 0);
	assert_non_null(plan);
}

static void build(const char *yaml, const struct catalog *cat)
{
	write_file(project_path, yaml);
	build_from(project_path, cat);
}

/* The plan's component ids joined with spaces. */
static const char *order(void)
{
	static char buf[1024];
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < plan->count && used < sizeof(buf); i++)
		used += (size_t)snprintf(buf + used, sizeof(buf) - used, "%s%s", i ? " " : "",
					 plan->phases[i].component->id);
	return buf;
}

static const struct plan_phase *phase(const char *id)
{
	for (size_t i = 0; i < plan->count; i++)
		if (strcmp(plan->phases[i].component->id, id) == 0)
			return &plan->phases[i];
	return NULL;
}

static size_t pos(const char *id)
{
	const struct plan_phase *ph = phase(id);

	if (ph == NULL)
		fail_msg("'%s' is not in the plan: %s", id, order());
	return (size_t)(ph - plan->phases);
}

static void assert_needed_by(const char *id, const char *by)
{
	const struct plan_phase *ph = phase(id);

	assert_non_null(ph);
	if (by == NULL) {
		if (ph->needed_by != NULL)
			fail_msg("'%s' is selected but the plan says needed by '%s'", id,
				 ph->needed_by->id);
		return;
	}
	if (ph->needed_by == NULL)
		fail_msg("'%s' should be needed by '%s', the plan says selected", id, by);
	assert_string_equal(ph->needed_by->id, by);
}

static void assert_hosts(const char *id, const char *names)
{
	const struct plan_phase *ph = phase(id);
	char buf[512];
	size_t used = 0;

	assert_non_null(ph);
	buf[0] = '\0';
	for (size_t i = 0; i < ph->nhosts; i++)
		used += (size_t)snprintf(buf + used, sizeof(buf) - used, "%s%s", i ? " " : "",
					 ph->hosts[i]->name);
	assert_string_equal(buf, names);
}

/* ---- the toy catalog: ordering proper ---- */

static const char toy_single[] = "name: t\n"
				 "hosts:\n"
				 "  - {name: m1, address: 10.0.0.11, roles: [master]}\n"
				 "  - {name: w1, address: 10.0.0.21, roles: [worker]}\n"
				 "network:\n"
				 "  host_cidrs: [10.0.0.0/24]\n"
				 "components:\n"
				 "  check: {}\n"
				 "  app: {}\n";

static void test_toy_order(void **state)
{
	(void)state;
	build(toy_single, toy);
	assert_string_equal(order(), "base db app check");
	assert_needed_by("app", NULL);
	assert_needed_by("check", NULL);
	assert_needed_by("db", "app");
	assert_needed_by("base", "db");
	assert_hosts("base", "m1 w1");
	assert_hosts("db", "m1");
	assert_hosts("app", "w1");
	assert_hosts("check", "m1");
	/* Not needed: not in the plan. */
	assert_null(phase("vip"));
	assert_null(phase("extra"));
}

static void test_toy_ha_depends(void **state)
{
	(void)state;
	build("name: t\n"
	      "hosts:\n"
	      "  - {name: m1, address: 10.0.0.11, roles: [master]}\n"
	      "  - {name: m2, address: 10.0.0.12, roles: [master]}\n"
	      "  - {name: m3, address: 10.0.0.13, roles: [master]}\n"
	      "  - {name: w1, address: 10.0.0.21, roles: [worker]}\n"
	      "network:\n"
	      "  host_cidrs: [10.0.0.0/24]\n"
	      "  api_vip: 10.0.0.10\n"
	      "components:\n"
	      "  app: {}\n"
	      "  check: {}\n",
	      toy);
	assert_string_equal(order(), "base db vip app check");
	assert_needed_by("vip", "app");
	assert_hosts("vip", "m1 m2 m3");
}

static void test_toy_final_waits(void **state)
{
	(void)state;
	/* A final component runs after every other, even one it does not depend on
	 * and that comes later in the catalog. */
	build("name: t\n"
	      "hosts:\n"
	      "  - {name: m1, address: 10.0.0.11, roles: [master]}\n"
	      "network:\n"
	      "  host_cidrs: [10.0.0.0/24]\n"
	      "components:\n"
	      "  extra: {}\n"
	      "  check: {}\n",
	      toy);
	assert_string_equal(order(), "extra check");
}

static void test_toy_selected_dependency(void **state)
{
	(void)state;
	/* A component both selected and needed is reported as selected. */
	build("name: t\n"
	      "hosts:\n"
	      "  - {name: m1, address: 10.0.0.11, roles: [master]}\n"
	      "  - {name: w1, address: 10.0.0.21, roles: [worker]}\n"
	      "network:\n"
	      "  host_cidrs: [10.0.0.0/24]\n"
	      "components:\n"
	      "  app: {}\n"
	      "  base: {}\n",
	      toy);
	assert_string_equal(order(), "base db app");
	assert_needed_by("base", NULL);
	assert_needed_by("db", "app");
}

/* ---- the real catalog ---- */

static void test_small_example(void **state)
{
	(void)state;
	build_from("inventory/examples/small.yaml", real);
	assert_string_equal(order(), "artefacts base container-runtime registry etcd kubernetes cni "
				     "metallb ingress monitoring verify");
	assert_needed_by("base", NULL);
	assert_needed_by("kubernetes", NULL);
	assert_needed_by("artefacts", "base");
	assert_needed_by("container-runtime", "kubernetes");
	assert_needed_by("etcd", "kubernetes");
	assert_needed_by("registry", "kubernetes");
	/* Not HA: no load balancer for the API. */
	assert_null(phase("api-lb"));
	assert_hosts("base", "master1 worker1 worker2");
	assert_hosts("kubernetes", "master1 worker1 worker2");
	assert_hosts("etcd", "master1");
	assert_hosts("registry", "master1");
	assert_hosts("verify", "master1 worker1 worker2");
}

static void test_production_example(void **state)
{
	(void)state;
	build_from("inventory/examples/production.yaml", real);
	/* Everything is selected. */
	assert_int_equal(plan->count, 20);
	for (size_t i = 0; i < plan->count; i++)
		assert_null(plan->phases[i].needed_by);
	assert_true(pos("etcd") < pos("kubernetes"));
	assert_true(pos("api-lb") < pos("kubernetes"));
	assert_true(pos("container-runtime") < pos("kubernetes"));
	assert_true(pos("registry") < pos("kubernetes"));
	assert_true(pos("kubernetes") < pos("cni"));
	assert_true(pos("kubernetes") < pos("metallb"));
	assert_true(pos("kubernetes") < pos("storage"));
	assert_true(pos("kubernetes") < pos("hnsp-controllers"));
	assert_true(pos("metallb") < pos("ingress"));
	assert_true(pos("storage") < pos("kubevirt"));
	assert_true(pos("storage") < pos("logging"));
	assert_true(pos("ingress") < pos("hnsp-controllers"));
	assert_true(pos("multus") < pos("sriov"));
	assert_string_equal(plan->phases[plan->count - 1].component->id, "verify");
	assert_hosts("api-lb", "master1 master2 master3");
	assert_hosts("storage", "master1 master2 master3 worker1 worker2 worker3");
	assert_hosts("monitoring", "master1 master2 master3 worker1 worker2 worker3 worker4 "
				   "worker5 worker6 registry1 monitor1");
	assert_hosts("registry", "registry1");
}

static const char ha_hosts[] = "name: t\n"
			       "hosts:\n"
			       "  - {name: m1, address: 10.0.0.11, roles: [master, etcd, registry]}\n"
			       "  - {name: m2, address: 10.0.0.12, roles: [master, etcd]}\n"
			       "  - {name: m3, address: 10.0.0.13, roles: [master, etcd]}\n"
			       "  - {name: w1, address: 10.0.0.21, roles: [worker]}\n"
			       "network:\n"
			       "  host_cidrs: [10.0.0.0/24]\n"
			       "  api_vip: 10.0.0.10\n";

static void test_api_lb_only_for_ha(void **state)
{
	char yaml[2048];

	(void)state;
	snprintf(yaml, sizeof(yaml), "%scomponents:\n  kubernetes: {}\n", ha_hosts);
	build(yaml, real);
	assert_string_equal(order(),
			    "artefacts base container-runtime registry etcd api-lb kubernetes");
	assert_needed_by("api-lb", "kubernetes");
	assert_true(pos("api-lb") < pos("kubernetes"));
	assert_hosts("api-lb", "m1 m2 m3");

	build("name: t\n"
	      "hosts:\n"
	      "  - {name: m1, address: 10.0.0.11, roles: [master, etcd, registry]}\n"
	      "  - {name: w1, address: 10.0.0.21, roles: [worker]}\n"
	      "network:\n"
	      "  host_cidrs: [10.0.0.0/24]\n"
	      "components:\n"
	      "  kubernetes: {}\n",
	      real);
	assert_string_equal(order(), "artefacts base container-runtime registry etcd kubernetes");
	assert_null(phase("api-lb"));
}

static void test_controllers_pull_their_needs(void **state)
{
	char yaml[2048];

	(void)state;
	snprintf(yaml, sizeof(yaml),
		 "name: t\n"
		 "hosts:\n"
		 "  - {name: m1, address: 10.0.0.11, roles: [master, etcd, registry]}\n"
		 "  - {name: s1, address: 10.0.0.21, roles: [worker, storage], storage_devices: "
		 "[/dev/sdb]}\n"
		 "network:\n"
		 "  host_cidrs: [10.0.0.0/24]\n"
		 "  metallb_pools: [{name: p, addresses: [10.0.0.200-10.0.0.210]}]\n"
		 "components:\n"
		 "  hnsp-controllers: {}\n"
		 "  storage: {single_node: true}\n"
		 "  verify: {}\n");
	build(yaml, real);
	assert_string_equal(order(), "artefacts base container-runtime registry etcd kubernetes cni "
				     "multus metallb ingress storage hnsp-controllers verify");
	assert_needed_by("kubernetes", "cni");
	/* storage and multus both need cni; storage comes first in the catalog. */
	assert_needed_by("cni", "storage");
	assert_needed_by("multus", "hnsp-controllers");
	assert_needed_by("ingress", "hnsp-controllers");
	assert_needed_by("metallb", "ingress");
	assert_needed_by("storage", NULL);
	assert_needed_by("registry", "kubernetes");
	assert_true(pos("kubernetes") < pos("metallb"));
	assert_true(pos("kubernetes") < pos("storage"));
	assert_true(pos("storage") < pos("hnsp-controllers"));
	assert_string_equal(plan->phases[plan->count - 1].component->id, "verify");
	assert_hosts("storage", "m1 s1");
	assert_hosts("hnsp-controllers", "m1");
}

static void test_disabled_not_planned(void **state)
{
	(void)state;
	build("name: t\n"
	      "hosts:\n"
	      "  - {name: m1, address: 10.0.0.11, roles: [master, monitoring]}\n"
	      "network:\n"
	      "  host_cidrs: [10.0.0.0/24]\n"
	      "components:\n"
	      "  base: {}\n"
	      "  monitoring: false\n"
	      "  verify: true\n",
	      real);
	assert_string_equal(order(), "artefacts base verify");
}

static void test_every_phase_once(void **state)
{
	(void)state;
	build_from("inventory/examples/production.yaml", real);
	for (size_t i = 0; i < plan->count; i++)
		for (size_t j = i + 1; j < plan->count; j++)
			assert_ptr_not_equal(plan->phases[i].component, plan->phases[j].component);
	/* Each phase comes after everything it depends on (and its HA needs). */
	for (size_t i = 0; i < plan->count; i++) {
		const struct component *c = plan->phases[i].component;
		for (size_t k = 0; k < c->depends.n; k++)
			assert_true(pos(c->depends.v[k]) < i);
		for (size_t k = 0; k < c->ha_depends.n; k++)
			assert_true(pos(c->ha_depends.v[k]) < i);
	}
}

static void test_free_null(void **state)
{
	(void)state;
	plan_free(NULL);
	project_free(NULL);
	catalog_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_toy_order, cleanup),
		cmocka_unit_test_teardown(test_toy_ha_depends, cleanup),
		cmocka_unit_test_teardown(test_toy_final_waits, cleanup),
		cmocka_unit_test_teardown(test_toy_selected_dependency, cleanup),
		cmocka_unit_test_teardown(test_small_example, cleanup),
		cmocka_unit_test_teardown(test_production_example, cleanup),
		cmocka_unit_test_teardown(test_api_lb_only_for_ha, cleanup),
		cmocka_unit_test_teardown(test_controllers_pull_their_needs, cleanup),
		cmocka_unit_test_teardown(test_disabled_not_planned, cleanup),
		cmocka_unit_test_teardown(test_every_phase_once, cleanup),
		cmocka_unit_test_teardown(test_free_null, cleanup),
	};

	return cmocka_run_group_tests(tests, setup_all, teardown_all);
}
