/* test_edit.c: the TUI's project saves reach the audit log as the TUI user's.
 *
 * Runs from the repository root (tests/unit/run.sh does): it reads
 * playbooks/catalog.yaml and writes a state directory under /tmp. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit.h"
#include "catalog.h"
#include "edit.h"
#include "error.h"
#include "tmpdir.h"

static const char project[] = "name: small\n"
			      "ssh:\n"
			      "  user: debian\n"
			      "  port: 22\n"
			      "hosts:\n"
			      "  - {name: a1, address: 192.168.50.10, roles: [master, etcd, worker]}\n"
			      "network:\n"
			      "  host_cidrs: [192.168.50.0/24]\n"
			      "components:\n"
			      "  base: {}\n";

struct fixture {
	char state[64];
	char path[256];
	struct catalog *cat;
	struct edit e;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct diag_list d;
	char dir[128];
	FILE *out;

	if (f == NULL)
		return -1;
	*state = f;
	diag_list_init(&d);
	snprintf(f->state, sizeof(f->state), "/tmp/hnsp-edit-XXXXXX");
	if (catalog_load("playbooks/catalog.yaml", &f->cat, &d) != 0 || mkdtemp(f->state) == NULL)
		return -1;
	diag_list_release(&d);
	snprintf(dir, sizeof(dir), "%s/projects", f->state);
	snprintf(f->path, sizeof(f->path), "%s/small.yaml", dir);
	if (mkdir(dir, 0700) < 0 || (out = fopen(f->path, "w")) == NULL)
		return -1;
	fputs(project, out);
	fclose(out);
	return edit_open(&f->e, f->path, f->state, f->cat) == 0 && f->e.project != NULL ? 0 : -1;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	int r;

	edit_release(&f->e);
	catalog_free(f->cat);
	r = tmpdir_remove(f->state);
	free(f);
	return r;
}

/* The audit log's entries, newest first (new). */
static json_t *entries(const struct fixture *f)
{
	json_t *log = NULL, *list;

	assert_int_equal(audit_read(f->state, 0, 100, &log), 0);
	list = json_incref(json_object_get(log, "entries"));
	json_decref(log);
	return list;
}

static void test_save_is_recorded_with_its_diff(void **state)
{
	struct fixture *f = *state;
	char user[256], *keys;
	json_t *doc = edit_copy(&f->e), *list, *e;

	audit_local_actor("tui", user, sizeof(user));
	json_object_set_new(json_object_get(doc, "ssh"), "port", json_integer(2222));
	assert_int_equal(edit_save(&f->e, doc, f->cat), 0);
	list = entries(f);
	assert_int_equal(json_array_size(list), 1);
	e = json_array_get(list, 0);
	assert_string_equal(json_string_value(json_object_get(e, "action")), "project.put");
	assert_string_equal(json_string_value(json_object_get(e, "via")), "tui");
	assert_string_equal(json_string_value(json_object_get(e, "actor")), user);
	assert_string_equal(json_string_value(json_object_get(e, "project")), "small");
	assert_false(json_is_true(json_object_get(e, "created")));
	assert_null(json_object_get(e, "file")); /* a project of the state directory */
	assert_non_null(keys = json_dumps(json_object_get(json_object_get(e, "diff"), "keys"),
					  JSON_COMPACT));
	assert_string_equal(keys, "[\"ssh\"]");
	free(keys);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(e, "diff"),
							    "lines_added")),
			 1);
	json_decref(list);
}

static void test_refused_save_records_nothing(void **state)
{
	struct fixture *f = *state;
	json_t *doc = edit_copy(&f->e), *list;

	json_object_set_new(doc, "hosts", json_integer(3));
	assert_int_equal(edit_save(&f->e, doc, f->cat), HNSP_ERR_INVALID);
	list = entries(f);
	assert_int_equal(json_array_size(list), 0);
	json_decref(list);
}

static void test_new_project_is_recorded_as_created(void **state)
{
	struct fixture *f = *state;
	json_t *list, *e;

	assert_int_equal(edit_record(&f->e, NULL), 0);
	list = entries(f);
	e = json_array_get(list, 0);
	assert_true(json_is_true(json_object_get(e, "created")));
	assert_int_equal(json_integer_value(json_object_get(json_object_get(e, "diff"),
							    "lines_removed")),
			 0);
	json_decref(list);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_save_is_recorded_with_its_diff, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_refused_save_records_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_new_project_is_recorded_as_created, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
