/* test_secrets.c: the secrets store: sealing, the key file's rules, tampering. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "secrets.h"
#include "tmpdir.h"

#define VALUE "s3cret value \"with\" quotes"

/* A fresh directory per test: DIR/state is the state, DIR/key the key file. */
struct fixture {
	char dir[64], state[128], key[128], store[160];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/hnsp-secrets-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->state, sizeof(f->state), "%s/state", f->dir);
	snprintf(f->key, sizeof(f->key), "%s/key", f->dir);
	snprintf(f->store, sizeof(f->store), "%s/secrets.json", f->state);
	*state = f;
	return mkdir(f->state, 0700);
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	int r;

	r = tmpdir_remove(f->dir);
	free(f);
	return r;
}

/* The whole of a file, NUL-terminated; NULL when it cannot be read. */
static char *slurp(const char *path)
{
	FILE *in = fopen(path, "rb");
	char *buf = calloc(1, 1 << 20);
	size_t n = 0;

	if (in != NULL && buf != NULL)
		n = fread(buf, 1, (1 << 20) - 1, in);
	if (in != NULL)
		fclose(in);
	if (n == 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

static void test_names(void **state)
{
	(void)state;
	assert_true(secret_name_valid("db_password-2"));
	assert_true(secret_name_valid("0"));
	assert_false(secret_name_valid(""));
	assert_false(secret_name_valid(NULL));
	assert_false(secret_name_valid("Db"));
	assert_false(secret_name_valid("a.b"));
	assert_false(secret_name_valid("../x"));
	assert_true(secret_name_valid("a23456789012345678901234567890123456789012345678901234567890123"));
	assert_false(secret_name_valid("a234567890123456789012345678901234567890123456789012345678901234"));
}

static void test_round_trip(void **state)
{
	struct fixture *f = *state;
	char err[512], *value = NULL, *text;
	json_t *list = NULL;
	struct stat st;

	assert_int_equal(secrets_set(f->state, f->key, "db", VALUE, err, sizeof(err)), 0);
	assert_int_equal(stat(f->key, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(st.st_size, 32);
	assert_int_equal(stat(f->store, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	/* The store holds no plaintext. */
	assert_non_null(text = slurp(f->store));
	assert_null(strstr(text, "s3cret"));
	assert_non_null(strstr(text, "\"db\""));
	free(text);

	assert_int_equal(secrets_get(f->state, f->key, "db", &value, err, sizeof(err)), 0);
	assert_string_equal(value, VALUE);
	secret_free(value);

	assert_int_equal(secrets_set(f->state, f->key, "api", "other", err, sizeof(err)), 0);
	assert_int_equal(secrets_list(f->state, &list), 0);
	assert_int_equal(json_array_size(list), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0), "name")),
			    "api");
	assert_non_null(json_object_get(json_array_get(list, 0), "set"));
	assert_null(json_object_get(json_array_get(list, 0), "value"));
	json_decref(list);

	assert_int_equal(secrets_remove(f->state, "db", err, sizeof(err)), 0);
	assert_int_equal(secrets_remove(f->state, "db", err, sizeof(err)), HNSP_ERR_NOTFOUND);
	assert_int_equal(secrets_get(f->state, f->key, "db", &value, err, sizeof(err)),
			 HNSP_ERR_NOTFOUND);
	assert_null(value);
	assert_non_null(strstr(err, "'db'"));
}

static void test_wrong_key_fails(void **state)
{
	struct fixture *f = *state;
	char err[512], other[160], *value = NULL;
	int fd;

	assert_int_equal(secrets_set(f->state, f->key, "db", VALUE, err, sizeof(err)), 0);
	snprintf(other, sizeof(other), "%s/other.key", f->dir);
	assert_true((fd = open(other, O_WRONLY | O_CREAT | O_EXCL, 0600)) >= 0);
	assert_int_equal(write(fd, "0123456789abcdef0123456789abcdef", 32), 32);
	close(fd);
	assert_int_equal(secrets_get(f->state, other, "db", &value, err, sizeof(err)),
			 HNSP_ERR_INVALID);
	assert_null(value);
	assert_non_null(strstr(err, "'db'"));
	assert_null(strstr(err, "s3cret"));
	/* No key at all: refused, and nothing is made by a read. */
	unlink(other);
	assert_int_equal(secrets_get(f->state, other, "db", &value, err, sizeof(err)),
			 HNSP_ERR_INVALID);
	assert_non_null(strstr(err, "missing"));
	assert_int_not_equal(access(other, F_OK), 0);
}

/* Replaces the first occurrence of from by to (same length) in the store. */
static void edit_store(const struct fixture *f, const char *from, const char *to)
{
	char *text = slurp(f->store), *at;
	FILE *out;

	assert_non_null(text);
	assert_non_null(at = strstr(text, from));
	memcpy(at, to, strlen(to));
	assert_non_null(out = fopen(f->store, "w"));
	fputs(text, out);
	fclose(out);
	free(text);
}

static void test_tampered_fails(void **state)
{
	struct fixture *f = *state;
	char err[512], *value = NULL, *text, *box;

	assert_int_equal(secrets_set(f->state, f->key, "db", VALUE, err, sizeof(err)), 0);
	/* One base64 digit of the box changed. */
	text = slurp(f->store);
	assert_non_null(box = strstr(text, "\"box\": \""));
	box += strlen("\"box\": \"") + 4;
	*box = *box == 'A' ? 'B' : 'A';
	{
		FILE *out = fopen(f->store, "w");
		assert_non_null(out);
		fputs(text, out);
		fclose(out);
	}
	free(text);
	assert_int_equal(secrets_get(f->state, f->key, "db", &value, err, sizeof(err)),
			 HNSP_ERR_INVALID);
	assert_null(value);
	assert_non_null(strstr(err, "altered"));

	/* A good box moved under another name does not open either. */
	assert_int_equal(secrets_set(f->state, f->key, "db", VALUE, err, sizeof(err)), 0);
	edit_store(f, "\"db\"", "\"dc\"");
	assert_int_equal(secrets_get(f->state, f->key, "dc", &value, err, sizeof(err)),
			 HNSP_ERR_INVALID);
	assert_null(value);
}

static void test_key_file_refused(void **state)
{
	struct fixture *f = *state;
	char err[512], *value = NULL, inner[192], web[160];

	assert_int_equal(secrets_set(f->state, f->key, "db", VALUE, err, sizeof(err)), 0);
	assert_int_equal(chmod(f->key, 0640), 0);
	assert_int_equal(secrets_get(f->state, f->key, "db", &value, err, sizeof(err)),
			 HNSP_ERR_INVALID);
	assert_null(value);
	assert_non_null(strstr(err, "0640"));
	assert_non_null(strstr(err, f->key));
	assert_int_equal(secrets_set(f->state, f->key, "db", "new", err, sizeof(err)),
			 HNSP_ERR_INVALID);
	assert_int_equal(chmod(f->key, 0604), 0);
	assert_int_equal(secrets_get(f->state, f->key, "db", &value, err, sizeof(err)),
			 HNSP_ERR_INVALID);
	assert_int_equal(chmod(f->key, 0600), 0);
	assert_int_equal(secrets_get(f->state, f->key, "db", &value, err, sizeof(err)), 0);
	secret_free(value);

	/* A key kept inside the state directory is no protection: refused. */
	snprintf(web, sizeof(web), "%s/web", f->state);
	snprintf(inner, sizeof(inner), "%s/secrets.key", web);
	assert_int_equal(mkdir(web, 0700), 0);
	assert_int_equal(secrets_set(f->state, inner, "x", "y", err, sizeof(err)), HNSP_ERR_INVALID);
	assert_non_null(strstr(err, "inside the state directory"));
	assert_int_not_equal(access(inner, F_OK), 0);
}

static void test_key_path_default(void **state)
{
	char buf[256];

	(void)state;
	unsetenv(SECRETS_KEY_ENV);
	assert_int_equal(secrets_key_path("/home/u/.local/state/hnsp-installer/", buf, sizeof(buf)),
			 0);
	assert_string_equal(buf, "/home/u/.local/state/hnsp-installer.key");
	setenv(SECRETS_KEY_ENV, "/etc/hnsp/key", 1);
	assert_int_equal(secrets_key_path("/s", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/etc/hnsp/key");
	unsetenv(SECRETS_KEY_ENV);
}

static void test_bad_input(void **state)
{
	struct fixture *f = *state;
	char err[512], *big = malloc(SECRET_VALUE_MAX + 2);

	assert_non_null(big);
	memset(big, 'x', SECRET_VALUE_MAX + 1);
	big[SECRET_VALUE_MAX + 1] = '\0';
	assert_int_equal(secrets_set(f->state, f->key, "Bad/Name", "v", err, sizeof(err)),
			 HNSP_ERR_INVALID);
	assert_non_null(strstr(err, "'Bad/Name'"));
	assert_int_equal(secrets_set(f->state, f->key, "big", big, err, sizeof(err)),
			 HNSP_ERR_INVALID);
	free(big);
	/* A damaged store is reported, not replaced. */
	{
		FILE *out = fopen(f->store, "w");
		assert_non_null(out);
		fputs("{\"secrets\": [", out);
		fclose(out);
	}
	assert_int_equal(secrets_set(f->state, f->key, "db", "v", err, sizeof(err)),
			 HNSP_ERR_INVALID);
	assert_non_null(strstr(err, "secrets.json"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_key_path_default),
		cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_key_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tampered_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_key_file_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_input, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
