/* test_users.c: the web GUI's users: hashes, roles, tokens, the last admin. */
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

#include "error.h"
#include "users.h"

/* A fresh state directory per test. */
static int setup(void **state)
{
	char *dir = strdup("/tmp/hnsp-users-XXXXXX");

	if (dir == NULL || mkdtemp(dir) == NULL)
		return -1;
	*state = dir;
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", (char *)*state);
	free(*state);
	return system(cmd) == 0 ? 0 : -1;
}

/* What a login does: the stored hash, then the slow check. */
static bool check_password(const struct users *u, const char *name, const char *password,
			   enum user_role *role)
{
	char hash[USER_HASH_MAX] = "";
	bool known = users_lookup(u, name, hash, sizeof(hash), role);

	return users_verify_password(hash, password) && known;
}

static void test_roles_and_names(void **state)
{
	enum user_role r;

	(void)state;
	assert_int_equal(user_role_parse("operator", &r), 0);
	assert_int_equal(r, ROLE_OPERATOR);
	assert_int_equal(user_role_parse("root", &r), HNSP_ERR_INVALID);
	assert_int_equal(user_role_parse(NULL, &r), HNSP_ERR_INVALID);
	assert_string_equal(user_role_name(ROLE_ADMIN), "admin");
	assert_true(user_name_valid("alice.b-2_x"));
	assert_false(user_name_valid("2alice"));
	assert_false(user_name_valid("Alice"));
	assert_false(user_name_valid("a/b"));
	assert_false(user_name_valid(""));
	assert_false(user_name_valid("a23456789012345678901234567890123")); /* 33 */
}

static void test_add_check_save_load(void **state)
{
	struct users *u = NULL;
	enum user_role role = ROLE_VIEWER;
	json_t *list;

	assert_int_equal(users_load(*state, &u), 0);
	assert_false(users_has_admin(u));
	assert_int_equal(users_add(u, "alice", ROLE_ADMIN, "correct horse"), 0);
	assert_int_equal(users_add(u, "alice", ROLE_VIEWER, "another one"), HNSP_ERR_EXISTS);
	assert_int_equal(users_add(u, "bob", ROLE_VIEWER, "short"), HNSP_ERR_INVALID);
	assert_int_equal(users_save(u), 0);
	users_free(u);

	assert_int_equal(users_load(*state, &u), 0);
	assert_true(users_has_admin(u));
	assert_true(check_password(u, "alice", "correct horse", &role));
	assert_int_equal(role, ROLE_ADMIN);
	assert_false(check_password(u, "alice", "correct horsE", &role));
	assert_false(check_password(u, "nobody", "correct horse", &role));
	list = users_list(u);
	assert_int_equal(json_array_size(list), 1);
	assert_null(json_object_get(json_array_get(list, 0), "hash"));
	json_decref(list);
	users_free(u);
}

static void test_tokens(void **state)
{
	struct users *u = NULL;
	char token[USER_TOKEN_LEN + 1], name[USER_NAME_MAX + 1];
	enum user_role role;

	assert_int_equal(users_load(*state, &u), 0);
	assert_int_equal(users_add(u, "olga", ROLE_OPERATOR, "operator pass"), 0);
	assert_int_equal(users_new_token(u, "olga", token, sizeof(token)), 0);
	assert_int_equal(strlen(token), USER_TOKEN_LEN);
	assert_int_equal(users_new_token(u, "nobody", token, sizeof(token)), HNSP_ERR_NOTFOUND);
	assert_int_equal(users_new_token(u, "olga", token, sizeof(token)), 0);
	assert_true(users_check_token(u, token, name, &role));
	assert_string_equal(name, "olga");
	assert_int_equal(role, ROLE_OPERATOR);
	token[10] ^= 1;
	assert_false(users_check_token(u, token, name, &role));
	assert_false(users_check_token(u, "hnsp_", name, &role));
	users_free(u);
}

static void test_last_admin_stays(void **state)
{
	struct users *u = NULL;

	assert_int_equal(users_load(*state, &u), 0);
	assert_int_equal(users_add(u, "alice", ROLE_ADMIN, "admin password"), 0);
	assert_int_equal(users_add(u, "vic", ROLE_VIEWER, "viewer password"), 0);
	assert_int_equal(users_remove(u, "alice"), HNSP_ERR_INVALID);
	assert_int_equal(users_remove(u, "vic"), 0);
	assert_int_equal(users_remove(u, "vic"), HNSP_ERR_NOTFOUND);
	assert_int_equal(users_add(u, "adam", ROLE_ADMIN, "admin password 2"), 0);
	assert_int_equal(users_remove(u, "alice"), 0);
	users_free(u);
}

static void test_damaged_file(void **state)
{
	struct users *u = NULL;
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/web", (char *)*state);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/web/users.json", (char *)*state);
	assert_non_null(f = fopen(path, "w"));
	fputs("{\"users\": 3}", f);
	fclose(f);
	assert_int_equal(users_load(*state, &u), HNSP_ERR_INVALID);
	assert_null(u);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roles_and_names),
		cmocka_unit_test_setup_teardown(test_add_check_save_load, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tokens, setup, teardown),
		cmocka_unit_test_setup_teardown(test_last_admin_stays, setup, teardown),
		cmocka_unit_test_setup_teardown(test_damaged_file, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
