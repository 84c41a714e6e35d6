/* test_users.c: the web GUI's users: hashes, roles, tokens, the last admin,
 * ids that die with their user, password changes, and changes made at once
 * by several writers under the file's lock. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "tmpdir.h"
#include "users.h"

/* A fresh state directory per test. */
static int setup(void **state)
{
	return (*state = tmpdir_new("users")) != NULL ? 0 : -1;
}

static int teardown(void **state)
{
	int r = tmpdir_remove(*state);

	free(*state);
	return r;
}

/* What a login does: the stored hash, then the slow check. */
static bool check_password(struct users *u, const char *name, const char *password,
			   enum user_role *role)
{
	char hash[USER_HASH_MAX] = "";
	struct user_info who;
	bool known = users_lookup(u, name, hash, sizeof(hash), &who);

	if (known)
		*role = who.role;
	return users_verify_password(hash, password) && known;
}

/* How many users the file of state holds, read by a fresh reader. */
static size_t count_users(const char *state)
{
	struct users *u = NULL;
	json_t *list;
	size_t n;

	assert_int_equal(users_load(state, &u), 0);
	list = users_list(u);
	n = json_array_size(list);
	json_decref(list);
	users_free(u);
	return n;
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
	users_free(u); /* users_add wrote the file: nothing to save */

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
	char token[USER_TOKEN_LEN + 1];
	struct user_info who;

	assert_int_equal(users_load(*state, &u), 0);
	assert_int_equal(users_add(u, "olga", ROLE_OPERATOR, "operator pass"), 0);
	assert_int_equal(users_new_token(u, "olga", token, sizeof(token)), 0);
	assert_int_equal(strlen(token), USER_TOKEN_LEN);
	assert_int_equal(users_new_token(u, "nobody", token, sizeof(token)), HNSP_ERR_NOTFOUND);
	assert_int_equal(users_new_token(u, "olga", token, sizeof(token)), 0);
	assert_true(users_check_token(u, token, &who));
	assert_string_equal(who.name, "olga");
	assert_int_equal(who.role, ROLE_OPERATOR);
	token[10] ^= 1;
	assert_false(users_check_token(u, token, &who));
	assert_false(users_check_token(u, "hnsp_", &who));
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

/* A name removed and added again is another user: what the first one
 * held (its id, so its sessions, and its tokens) is gone. */
static void test_ids(void **state)
{
	struct users *u = NULL;
	char token[USER_TOKEN_LEN + 1], hash[USER_HASH_MAX];
	struct user_info first, again, who;

	assert_int_equal(users_load(*state, &u), 0);
	assert_int_equal(users_add(u, "alice", ROLE_ADMIN, "admin password"), 0);
	assert_int_equal(users_add(u, "bob", ROLE_VIEWER, "bob password"), 0);
	assert_true(users_lookup(u, "bob", hash, sizeof(hash), &first));
	assert_int_equal(strlen(first.id), USER_ID_LEN);
	assert_int_equal(strspn(first.id, "0123456789abcdef"), USER_ID_LEN);
	assert_true(users_by_id(u, first.id, &who));
	assert_string_equal(who.name, "bob");
	assert_int_equal(users_new_token(u, "bob", token, sizeof(token)), 0);

	assert_int_equal(users_remove(u, "bob"), 0);
	assert_false(users_by_id(u, first.id, &who));
	assert_int_equal(users_add(u, "bob", ROLE_ADMIN, "bob password"), 0);
	assert_true(users_lookup(u, "bob", hash, sizeof(hash), &again));
	assert_string_not_equal(again.id, first.id);
	assert_false(users_by_id(u, first.id, &who));
	assert_false(users_check_token(u, token, &who));
	assert_false(users_by_id(u, "", &who));
	assert_false(users_by_id(u, NULL, &who));
	users_free(u);
}

/* A file written before ids existed gets them when it is loaded. */
static void test_ids_given_to_an_old_file(void **state)
{
	struct users *u = NULL, *w = NULL;
	char path[256], hash[USER_HASH_MAX];
	struct user_info who, seen;
	FILE *f;

	assert_int_equal(users_load(*state, &u), 0);
	assert_int_equal(users_add(u, "alice", ROLE_ADMIN, "admin password"), 0);
	assert_true(users_lookup(u, "alice", hash, sizeof(hash), &who));
	users_free(u);
	snprintf(path, sizeof(path), "%s/web/users.json", (char *)*state);
	assert_non_null(f = fopen(path, "w"));
	fprintf(f, "{\"users\": [{\"name\": \"alice\", \"role\": \"admin\", \"hash\": \"%s\", "
		   "\"tokens\": []}]}", hash);
	fclose(f);

	assert_int_equal(users_load(*state, &u), 0);
	assert_true(users_lookup(u, "alice", hash, sizeof(hash), &who));
	assert_int_equal(strlen(who.id), USER_ID_LEN);
	assert_int_equal(users_load(*state, &w), 0); /* written: the same id for everyone */
	assert_true(users_by_id(w, who.id, &seen));
	assert_string_equal(seen.name, "alice");
	users_free(w);
	users_free(u);
}

static void test_passwd(void **state)
{
	struct users *u = NULL, *other = NULL;
	char token[USER_TOKEN_LEN + 1], hash[USER_HASH_MAX];
	struct user_info before, after, seen, who;
	enum user_role role;

	assert_int_equal(users_load(*state, &u), 0);
	assert_int_equal(users_add(u, "alice", ROLE_ADMIN, "admin password"), 0);
	assert_int_equal(users_add(u, "olga", ROLE_OPERATOR, "first password"), 0);
	assert_int_equal(users_new_token(u, "olga", token, sizeof(token)), 0);
	assert_true(users_lookup(u, "olga", hash, sizeof(hash), &before));
	assert_int_equal(users_load(*state, &other), 0); /* another process */

	assert_int_equal(users_set_password(u, "olga", NULL, "short", NULL), HNSP_ERR_INVALID);
	assert_int_equal(users_set_password(u, "nobody", NULL, "second password", NULL),
			 HNSP_ERR_NOTFOUND);
	/* Only while olga is still the olga of that id. */
	assert_int_equal(users_set_password(u, "olga", "0123456789abcdef0123456789abcdef",
					    "second password", NULL),
			 HNSP_ERR_NOTFOUND);
	assert_true(check_password(u, "olga", "first password", &role));
	assert_int_equal(users_set_password(u, "olga", before.id, "second password", &after), 0);

	assert_string_equal(after.id, before.id);
	assert_string_equal(after.name, "olga");
	assert_int_equal(after.role, ROLE_OPERATOR);
	assert_string_not_equal(after.pw_tag, before.pw_tag);
	assert_false(check_password(u, "olga", "first password", &role));
	assert_true(check_password(u, "olga", "second password", &role));
	/* The other process sees the new password and tag at once. */
	assert_false(check_password(other, "olga", "first password", &role));
	assert_true(users_by_id(other, before.id, &seen));
	assert_string_equal(seen.pw_tag, after.pw_tag);
	/* The same password again still makes another tag (a new salt). */
	assert_int_equal(users_set_password(other, "olga", NULL, "second password", &seen), 0);
	assert_string_not_equal(seen.pw_tag, after.pw_tag);
	/* Tokens survive a new password. */
	assert_true(users_check_token(u, token, &who));
	assert_string_equal(who.id, before.id);
	users_free(other);
	users_free(u);
}

/* Two readers of the same file, each with its own copy: neither change is
 * lost, as each is made on the file as it is under the lock. */
static void test_two_writers(void **state)
{
	struct users *a = NULL, *b = NULL;

	assert_int_equal(users_load(*state, &a), 0);
	assert_int_equal(users_load(*state, &b), 0);
	assert_int_equal(users_add(a, "alice", ROLE_ADMIN, "admin password"), 0);
	assert_int_equal(users_add(b, "bob", ROLE_VIEWER, "bob password"), 0);
	assert_int_equal(users_add(b, "alice", ROLE_VIEWER, "alice again"), HNSP_ERR_EXISTS);
	assert_int_equal(users_remove(a, "bob"), 0);
	assert_int_equal(users_add(a, "carl", ROLE_VIEWER, "carl password"), 0);
	assert_int_equal(users_remove(b, "carl"), 0);
	assert_int_equal(count_users(*state), 1);
	users_free(a);
	users_free(b);
}

struct adder {
	struct users *u;   /* shared, or NULL: the thread loads its own */
	const char *state;
	char name[16];
	int r;
};

static void *add_one(void *arg)
{
	struct adder *a = arg;
	struct users *own = NULL;

	if (a->u == NULL && (a->r = users_load(a->state, &own)) < 0)
		return NULL;
	a->r = users_add(a->u ? a->u : own, a->name, ROLE_VIEWER, "a password");
	users_free(own);
	return NULL;
}

/* Eight threads at once, with a copy each (as processes) and with one
 * shared copy (as the web server): no user lost, no temp file left. */
static void test_concurrent_adds(void **state)
{
	struct adder add[8];
	pthread_t t[8];
	struct users *shared = NULL;
	struct dirent *e;
	char dir[256];
	DIR *d;

	assert_int_equal(users_load(*state, &shared), 0);
	for (int i = 0; i < 8; i++) {
		add[i] = (struct adder){.u = i % 2 ? shared : NULL, .state = *state};
		snprintf(add[i].name, sizeof(add[i].name), "user%d", i);
		assert_int_equal(pthread_create(&t[i], NULL, add_one, &add[i]), 0);
	}
	for (int i = 0; i < 8; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(add[i].r, 0);
	}
	assert_int_equal(count_users(*state), 8);
	snprintf(dir, sizeof(dir), "%s/web", (char *)*state);
	assert_non_null(d = opendir(dir));
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			assert_true(strcmp(e->d_name, "users.json") == 0 ||
				    strcmp(e->d_name, "users.lock") == 0);
	closedir(d);
	users_free(shared);
}

struct holder {
	const char *state;
	int r;
};

static void *remove_late(void *arg)
{
	struct holder *h = arg;
	struct users *u = NULL;

	if ((h->r = users_load(h->state, &u)) == 0)
		h->r = users_remove(u, "bob");
	users_free(u);
	return NULL;
}

/* A change waits for whoever holds STATE/web/users.lock. */
static void test_change_waits_for_the_lock(void **state)
{
	struct holder h = {.state = *state, .r = 1};
	struct users *u = NULL;
	char path[256];
	pthread_t t;
	int fd;

	assert_int_equal(users_load(*state, &u), 0);
	assert_int_equal(users_add(u, "alice", ROLE_ADMIN, "admin password"), 0);
	assert_int_equal(users_add(u, "bob", ROLE_VIEWER, "bob password"), 0);
	snprintf(path, sizeof(path), "%s/web/users.lock", (char *)*state);
	assert_true((fd = open(path, O_RDWR)) >= 0);
	assert_int_equal(flock(fd, LOCK_EX), 0);
	/* A removal hashes nothing: it would be done long before this sleep. */
	assert_int_equal(pthread_create(&t, NULL, remove_late, &h), 0);
	usleep(500 * 1000);
	assert_int_equal(count_users(*state), 2);
	close(fd);
	pthread_join(t, NULL);
	assert_int_equal(h.r, 0);
	assert_int_equal(count_users(*state), 1);
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

/* A file damaged behind a reader's back: the change is refused, the file
 * is left as it is. */
static void test_damaged_file_not_overwritten(void **state)
{
	struct users *u = NULL;
	char path[256], text[64] = "";
	FILE *f;

	assert_int_equal(users_load(*state, &u), 0);
	assert_int_equal(users_add(u, "alice", ROLE_ADMIN, "admin password"), 0);
	snprintf(path, sizeof(path), "%s/web/users.json", (char *)*state);
	assert_non_null(f = fopen(path, "w"));
	fputs("{\"users\": [", f);
	fclose(f);
	assert_int_equal(users_add(u, "bob", ROLE_VIEWER, "bob password"), HNSP_ERR_IO);
	assert_non_null(f = fopen(path, "r"));
	assert_non_null(fgets(text, sizeof(text), f));
	fclose(f);
	assert_string_equal(text, "{\"users\": [");
	users_free(u);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roles_and_names),
		cmocka_unit_test_setup_teardown(test_add_check_save_load, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tokens, setup, teardown),
		cmocka_unit_test_setup_teardown(test_last_admin_stays, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ids, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ids_given_to_an_old_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_passwd, setup, teardown),
		cmocka_unit_test_setup_teardown(test_two_writers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_adds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_change_waits_for_the_lock, setup, teardown),
		cmocka_unit_test_setup_teardown(test_damaged_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_damaged_file_not_overwritten, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
