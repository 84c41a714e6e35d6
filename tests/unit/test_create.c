/* test_create.c: a project made from an example in the TUI, kept in the state directory with the example's key and hosts. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <libssh/libssh.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "catalog.h"
#include "edit.h"
#include "error.h"
#include "project.h"
#include "tmpdir.h"

#define HOST1 "10.77.0.11 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHostOneHostOneHostOneHostOneHostOne1"
#define HOST2 "10.77.0.12 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHostTwoHostTwoHostTwoHostTwoHostTwo2"
#define OTHER "10.9.9.9 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOtherOtherOtherOtherOtherOtherOther9"

static struct catalog *cat;

/* DIR/inventory/examples/lab.yaml is the lab example, whose paths name
 * DIR/build/lab/{id_ed25519,known_hosts}; DIR/state the state directory. */
struct fixture {
	char dir[PATH_MAX], state[PATH_MAX + 16], example[PATH_MAX + 64], key[PATH_MAX + 64],
		kh[PATH_MAX + 64];
	struct diag_list diags;
};

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *text = calloc(1, 1 << 20);

	assert_non_null(text);
	if (f != NULL) {
		size_t n = fread(text, 1, (1 << 20) - 1, f);
		text[n] = '\0';
		fclose(f);
	} else {
		free(text);
		text = NULL;
	}
	return text;
}

static void spit(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void new_key(const char *path)
{
	ssh_key key = NULL;

	assert_int_equal(ssh_pki_generate(SSH_KEYTYPE_ED25519, 0, &key), SSH_OK);
	unlink(path);
	assert_int_equal(ssh_pki_export_privkey_file(key, NULL, NULL, NULL, path), SSH_OK);
	ssh_key_free(key);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char tmpl[] = "/tmp/hnsp-edit-XXXXXX", path[PATH_MAX * 2], *text;

	if (f == NULL || mkdtemp(tmpl) == NULL || realpath(tmpl, f->dir) == NULL)
		return -1;
	*state = f;
	diag_list_init(&f->diags);
	snprintf(f->state, sizeof(f->state), "%s/state", f->dir);
	snprintf(f->example, sizeof(f->example), "%s/inventory/examples/lab.yaml", f->dir);
	snprintf(f->key, sizeof(f->key), "%s/build/lab/id_ed25519", f->dir);
	snprintf(f->kh, sizeof(f->kh), "%s/build/lab/known_hosts", f->dir);
	for (const char *const *d = (const char *const[]){"state", "state/projects", "inventory",
							   "inventory/examples", "build", "build/lab",
							   NULL};
	     *d; d++) {
		snprintf(path, sizeof(path), "%s/%s", f->dir, *d);
		if (mkdir(path, 0700) < 0)
			return -1;
	}
	if ((text = slurp("inventory/examples/lab.yaml")) == NULL)
		return -1;
	spit(f->example, text);
	free(text);
	new_key(f->key);
	spit(f->kh, "# the lab's hosts\n" HOST1 "\n\n" HOST2 "\n");
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	int r;

	diag_list_release(&f->diags);
	r = tmpdir_remove(f->dir);
	free(f);
	return r;
}

static int create(struct fixture *f, const char *name)
{
	char path[PATH_MAX * 2];

	snprintf(path, sizeof(path), "%s/projects/%s.yaml", f->state, name);
	diag_list_release(&f->diags);
	diag_list_init(&f->diags);
	return edit_create(path, f->state, name, f->example, cat, &f->diags);
}

/* The kept project name, loaded as every front-end loads it. */
static struct project *load(struct fixture *f, const char *name)
{
	char path[PATH_MAX * 2];
	struct project *p = NULL;
	struct diag_list d;

	diag_list_init(&d);
	snprintf(path, sizeof(path), "%s/projects/%s.yaml", f->state, name);
	assert_int_equal(project_load(path, f->state, cat, &p, &d), 0);
	assert_int_equal(d.errors, 0);
	diag_list_release(&d);
	return p;
}

static void assert_file_is(const char *path, const char *want)
{
	char *text = slurp(path);

	assert_non_null(text);
	assert_string_equal(text, want);
	free(text);
}

static void assert_same_file(const char *a, const char *b)
{
	char *ta = slurp(a), *tb = slurp(b);

	assert_non_null(ta);
	assert_non_null(tb);
	assert_string_equal(ta, tb);
	free(ta);
	free(tb);
}

static void test_lab_example_kept_in_state(void **state)
{
	struct fixture *f = *state;
	char path[PATH_MAX * 2], want[PATH_MAX * 2];
	struct project *p;
	struct stat st;

	assert_int_equal(create(f, "site"), 0);
	assert_int_equal(f->diags.warnings, 0);
	p = load(f, "site");
	snprintf(want, sizeof(want), "%s/keys/site", f->state);
	assert_string_equal(p->ssh.key_file, want);
	snprintf(want, sizeof(want), "%s/bundles/site", f->state);
	assert_string_equal(p->artefacts.bundle, want);
	assert_null(p->ssh.known_hosts);
	project_free(p);
	/* The key is the example's, private; the hosts are the example's lines. */
	snprintf(path, sizeof(path), "%s/keys/site", f->state);
	assert_same_file(path, f->key);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	snprintf(path, sizeof(path), "%s/known_hosts", f->state);
	assert_file_is(path, HOST1 "\n" HOST2 "\n");
	/* What a person reads in the file names the state's places only. */
	snprintf(path, sizeof(path), "%s/projects/site.yaml", f->state);
	{
		char *text = slurp(path);
		assert_non_null(strstr(text, "key_file: site\n"));
		assert_non_null(strstr(text, "bundle: site\n"));
		assert_null(strstr(text, "known_hosts"));
		assert_null(strstr(text, f->dir));
		free(text);
	}
}

static void test_second_project_reuses_key_and_hosts(void **state)
{
	struct fixture *f = *state;
	char path[PATH_MAX * 2], want[PATH_MAX * 2];
	struct project *p;

	/* The state already trusts one of the lab's hosts and another one. */
	snprintf(path, sizeof(path), "%s/known_hosts", f->state);
	spit(path, OTHER "\n" HOST2);
	assert_int_equal(create(f, "site"), 0);
	assert_int_equal(create(f, "again"), 0);
	p = load(f, "again");
	snprintf(want, sizeof(want), "%s/keys/site", f->state);
	assert_string_equal(p->ssh.key_file, want);
	project_free(p);
	snprintf(path, sizeof(path), "%s/keys/again", f->state);
	assert_int_equal(access(path, F_OK), -1);
	snprintf(path, sizeof(path), "%s/known_hosts", f->state);
	assert_file_is(path, OTHER "\n" HOST2 "\n" HOST1 "\n");
}

static void test_name_of_another_key(void **state)
{
	struct fixture *f = *state;
	char path[PATH_MAX * 2], mine[PATH_MAX * 2];
	struct project *p;

	snprintf(path, sizeof(path), "%s/keys", f->state);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(mine, sizeof(mine), "%s/keys/site", f->state);
	new_key(mine);
	snprintf(path, sizeof(path), "%s/mine", f->dir);
	new_key(path);
	assert_int_equal(rename(path, mine), 0); /* a key unlike the example's */
	path[0] = '\0';
	{
		char *before = slurp(mine);
		assert_int_equal(create(f, "site"), 0);
		assert_file_is(mine, before);
		free(before);
	}
	assert_int_equal(f->diags.warnings, 1);
	assert_non_null(strstr(f->diags.items[0].message, "another key is kept as 'site'"));
	assert_non_null(strstr(f->diags.items[0].message, f->key));
	p = load(f, "site");
	assert_null(p->ssh.key_file);
	project_free(p);
}

static void test_missing_key(void **state)
{
	struct fixture *f = *state;
	struct project *p;

	assert_int_equal(unlink(f->key), 0);
	assert_int_equal(create(f, "site"), 0);
	assert_int_equal(f->diags.warnings, 1);
	assert_non_null(strstr(f->diags.items[0].message, f->key));
	assert_non_null(strstr(f->diags.items[0].message, "ssh-agent"));
	p = load(f, "site");
	assert_null(p->ssh.key_file);
	project_free(p);
}

static void test_refused_example_imports_nothing(void **state)
{
	struct fixture *f = *state;
	char path[PATH_MAX * 2], *text = slurp(f->example);

	assert_non_null(text);
	/* A host twice: the project is refused. */
	strcat(text, "# end\n");
	memcpy(strstr(text, "name: master2"), "name: master1", 13);
	spit(f->example, text);
	free(text);
	assert_int_equal(create(f, "site"), HNSP_ERR_INVALID);
	assert_true(f->diags.errors > 0);
	snprintf(path, sizeof(path), "%s/keys/site", f->state);
	assert_int_equal(access(path, F_OK), -1);
	snprintf(path, sizeof(path), "%s/known_hosts", f->state);
	assert_int_equal(access(path, F_OK), -1);
	snprintf(path, sizeof(path), "%s/projects/site.yaml", f->state);
	assert_int_equal(access(path, F_OK), -1);
}

static int setup_all(void **state)
{
	struct diag_list d;
	int r;

	(void)state;
	diag_list_init(&d);
	r = catalog_load("playbooks/catalog.yaml", &cat, &d);
	diag_list_release(&d);
	if (r != 0)
		fprintf(stderr, "cannot load playbooks/catalog.yaml (run from the repository root)\n");
	return r;
}

static int teardown_all(void **state)
{
	(void)state;
	catalog_free(cat);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_lab_example_kept_in_state, setup, teardown),
		cmocka_unit_test_setup_teardown(test_second_project_reuses_key_and_hosts, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_name_of_another_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused_example_imports_nothing, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, setup_all, teardown_all);
}
