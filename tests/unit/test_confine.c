/* test_confine.c: the paths a project kept in the state directory may name, and the ones it may not. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "confine.h"
#include "error.h"
#include "tmpdir.h"

/* A fresh directory per test: DIR/state is the state (with keys/, bundles/
 * and projects/), DIR/outside a directory a project must never reach. */
struct fixture {
	char dir[PATH_MAX], state[PATH_MAX + 16], outside[PATH_MAX + 16];
};

static void mkdir_in(const char *dir, const char *name)
{
	char path[PATH_MAX * 2];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_int_equal(mkdir(path, 0700), 0);
}

static void link_in(const char *dir, const char *name, const char *target)
{
	char path[PATH_MAX * 2];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_int_equal(symlink(target, path), 0);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char tmpl[] = "/tmp/hnsp-confine-XXXXXX";

	if (f == NULL || mkdtemp(tmpl) == NULL || realpath(tmpl, f->dir) == NULL)
		return -1;
	snprintf(f->state, sizeof(f->state), "%s/state", f->dir);
	snprintf(f->outside, sizeof(f->outside), "%s/outside", f->dir);
	*state = f;
	mkdir_in(f->dir, "state");
	mkdir_in(f->dir, "outside");
	mkdir_in(f->state, "keys");
	mkdir_in(f->state, "bundles");
	mkdir_in(f->state, "projects");
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	int r;

	r = tmpdir_remove(f->dir);
	free(f);
	return r;
}

/* Asserts path resolves in place to STATE/want. */
static void accepted(const struct fixture *f, enum confine_place place, const char *path,
		     const char *want)
{
	char why[PATH_MAX + 128] = "", expect[PATH_MAX * 2], *out = NULL;

	snprintf(expect, sizeof(expect), "%s/%s", f->state, want);
	assert_int_equal(confine_resolve(f->state, place, path, &out, why, sizeof(why)), 0);
	assert_non_null(out);
	assert_string_equal(out, expect);
	free(out);
}

/* Asserts path is refused in place, with a reason that says why_has. */
static void refused(const struct fixture *f, enum confine_place place, const char *path,
		    const char *why_has)
{
	char why[PATH_MAX + 128] = "", *out = (char *)"untouched";

	assert_int_equal(confine_resolve(f->state, place, path, &out, why, sizeof(why)),
			 HNSP_ERR_INVALID);
	assert_null(out);
	if (strstr(why, why_has) == NULL)
		fail_msg("refusing '%s': '%s' does not say '%s'", path, why, why_has);
}

static void test_good_names(void **state)
{
	struct fixture *f = *state;
	char abs[PATH_MAX * 2];

	accepted(f, CONFINE_KEYS, "deploy", "keys/deploy");
	accepted(f, CONFINE_KEYS, "id_ed25519", "keys/id_ed25519");
	accepted(f, CONFINE_BUNDLES, "site-a", "bundles/site-a");
	/* A bundle directory that does not exist yet, below one that does not. */
	accepted(f, CONFINE_BUNDLES, "site-a/v2", "bundles/site-a/v2");
	snprintf(abs, sizeof(abs), "%s/keys/deploy", f->state);
	accepted(f, CONFINE_KEYS, abs, "keys/deploy");
}

static void test_dot_dot(void **state)
{
	struct fixture *f = *state;

	refused(f, CONFINE_BUNDLES, "..", "leaves the state directory's bundles");
	refused(f, CONFINE_BUNDLES, "../web", "leaves the state directory's bundles");
	refused(f, CONFINE_BUNDLES, "a/../../projects", "bundles");
	refused(f, CONFINE_KEYS, "../../outside/k", "leaves the state directory's keys");
	refused(f, CONFINE_KEYS, "./deploy", "keys");
	refused(f, CONFINE_KEYS, "a//b", "keys");
	refused(f, CONFINE_KEYS, "", "keys");
}

static void test_absolute_outside(void **state)
{
	struct fixture *f = *state;
	char path[PATH_MAX * 2];

	refused(f, CONFINE_BUNDLES, "/etc", "leaves the state directory's bundles");
	refused(f, CONFINE_KEYS, "/root/.ssh/id_ed25519", "keys");
	refused(f, CONFINE_KEYS, f->outside, "keys");
	/* The place itself is not a name in it. */
	snprintf(path, sizeof(path), "%s/bundles", f->state);
	refused(f, CONFINE_BUNDLES, path, "bundles");
	snprintf(path, sizeof(path), "%s/bundles/", f->state);
	refused(f, CONFINE_BUNDLES, path, "bundles");
	/* A sibling whose name starts like the place. */
	snprintf(path, sizeof(path), "%s/bundles-x/b", f->state);
	refused(f, CONFINE_BUNDLES, path, "bundles");
	snprintf(path, sizeof(path), "%s/bundles/../web", f->state);
	refused(f, CONFINE_BUNDLES, path, "bundles");
}

static void test_symlink_in_place(void **state)
{
	struct fixture *f = *state;

	link_in(f->state, "bundles/out", f->outside);
	link_in(f->state, "keys/stolen", "/etc/shadow");
	refused(f, CONFINE_BUNDLES, "out", "passes through the symbolic link");
	refused(f, CONFINE_BUNDLES, "out/deeper", "bundles/out");
	refused(f, CONFINE_KEYS, "stolen", "keys/stolen");
	/* A link that points back inside is refused all the same: the walk
	 * never follows one. */
	mkdir_in(f->state, "bundles/real");
	link_in(f->state, "bundles/alias", "real");
	refused(f, CONFINE_BUNDLES, "alias", "bundles/alias");
}

static void test_symlinked_directory(void **state)
{
	struct fixture *f = *state;
	char path[PATH_MAX * 2];

	snprintf(path, sizeof(path), "%s/bundles", f->state);
	assert_int_equal(rmdir(path), 0);
	link_in(f->state, "bundles", f->outside);
	refused(f, CONFINE_BUNDLES, "site", "passes through the symbolic link");
	refused(f, CONFINE_BUNDLES, "site", path);
}

static void test_known_hosts_exactly(void **state)
{
	struct fixture *f = *state;
	char path[PATH_MAX * 2];

	accepted(f, CONFINE_KNOWN_HOSTS, "known_hosts", "known_hosts");
	snprintf(path, sizeof(path), "%s/known_hosts", f->state);
	accepted(f, CONFINE_KNOWN_HOSTS, path, "known_hosts");
	refused(f, CONFINE_KNOWN_HOSTS, "users.json", "is not the state directory's known_hosts");
	refused(f, CONFINE_KNOWN_HOSTS, "keys/known_hosts", "known_hosts");
	refused(f, CONFINE_KNOWN_HOSTS, "known_hosts/x", "known_hosts");
	refused(f, CONFINE_KNOWN_HOSTS, "../known_hosts", "known_hosts");
	refused(f, CONFINE_KNOWN_HOSTS, "/etc/ssh/ssh_known_hosts", "known_hosts");
	snprintf(path, sizeof(path), "%s/known_hosts", f->outside);
	refused(f, CONFINE_KNOWN_HOSTS, path, "known_hosts");
	/* known_hosts itself a link out of the state directory. */
	link_in(f->state, "known_hosts", "/etc/ssh/ssh_known_hosts");
	refused(f, CONFINE_KNOWN_HOSTS, "known_hosts", "passes through the symbolic link");
}

static void test_state_of(void **state)
{
	struct fixture *f = *state;
	char file[PATH_MAX * 2], link[PATH_MAX * 2], *real;
	FILE *fp;

	snprintf(file, sizeof(file), "%s/projects/p.yaml", f->state);
	assert_non_null(fp = fopen(file, "w"));
	fclose(fp);
	real = confine_state_of(file, f->state);
	assert_non_null(real);
	assert_string_equal(real, f->state);
	free(real);
	/* A link from outside into projects/ is a kept project: the file is. */
	snprintf(link, sizeof(link), "%s/in.yaml", f->outside);
	assert_int_equal(symlink(file, link), 0);
	real = confine_state_of(link, f->state);
	assert_non_null(real);
	free(real);
	/* A link in projects/ to a file elsewhere is not. */
	snprintf(file, sizeof(file), "%s/mine.yaml", f->outside);
	assert_non_null(fp = fopen(file, "w"));
	fclose(fp);
	link_in(f->state, "projects/mine.yaml", file);
	snprintf(link, sizeof(link), "%s/projects/mine.yaml", f->state);
	assert_null(confine_state_of(link, f->state));
	assert_null(confine_state_of(file, f->state));
	/* Nor is a file in a directory below projects/. */
	mkdir_in(f->state, "projects/sub");
	snprintf(file, sizeof(file), "%s/projects/sub/p.yaml", f->state);
	assert_non_null(fp = fopen(file, "w"));
	fclose(fp);
	assert_null(confine_state_of(file, f->state));
	/* Nor anything when the state directory does not exist. */
	snprintf(link, sizeof(link), "%s/nostate", f->dir);
	assert_null(confine_state_of(file, link));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_good_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dot_dot, setup, teardown),
		cmocka_unit_test_setup_teardown(test_absolute_outside, setup, teardown),
		cmocka_unit_test_setup_teardown(test_symlink_in_place, setup, teardown),
		cmocka_unit_test_setup_teardown(test_symlinked_directory, setup, teardown),
		cmocka_unit_test_setup_teardown(test_known_hosts_exactly, setup, teardown),
		cmocka_unit_test_setup_teardown(test_state_of, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
