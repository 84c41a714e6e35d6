/* users.c: the web GUI's users, hashed passwords and token hashes in one file. */
#include "users.h"

#include <errno.h>
#include <pthread.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "journal.h"
#include "state.h"

static const char *const role_names[] = {
	[ROLE_VIEWER] = "viewer", [ROLE_OPERATOR] = "operator", [ROLE_ADMIN] = "admin"};

const char *user_role_name(enum user_role role)
{
	return role_names[role];
}

int user_role_parse(const char *name, enum user_role *out)
{
	for (size_t i = 0; i < sizeof(role_names) / sizeof(role_names[0]); i++)
		if (name != NULL && strcmp(name, role_names[i]) == 0) {
			*out = (enum user_role)i;
			return 0;
		}
	return HNSP_ERR_INVALID;
}

bool user_name_valid(const char *name)
{
	size_t n = name ? strlen(name) : 0;

	if (n == 0 || n > USER_NAME_MAX || name[0] < 'a' || name[0] > 'z')
		return false;
	return strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789._-") == n;
}

/* Notes the file's change time and size, to see later writes by others. */
static void remember_stamp(struct users *u)
{
	struct stat st;

	if (stat(u->path, &st) == 0) {
		u->stamp = st.st_mtim;
		u->size = st.st_size;
	}
}

int users_refresh(struct users *u)
{
	struct stat st;
	json_t *doc;

	if (stat(u->path, &st) < 0)
		return errno == ENOENT ? 0 : HNSP_ERR_IO;
	if (st.st_mtim.tv_sec == u->stamp.tv_sec && st.st_mtim.tv_nsec == u->stamp.tv_nsec &&
	    st.st_size == u->size)
		return 0;
	doc = json_load_file(u->path, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_array(json_object_get(doc, "users"))) {
		json_decref(doc);
		return HNSP_ERR_INVALID;
	}
	json_decref(u->doc);
	u->doc = doc;
	u->stamp = st.st_mtim;
	u->size = st.st_size;
	return 0;
}

int users_load(const char *state, struct users **out)
{
	struct users *u = calloc(1, sizeof(*u));
	json_error_t jerr;
	char path[PATH_MAX];
	int r = HNSP_ERR_NOMEM;

	*out = NULL;
	if (sodium_init() < 0)
		goto fail;
	if (snprintf(path, sizeof(path), "%s/web/users.json", state) >= (int)sizeof(path)) {
		r = HNSP_ERR_LIMIT;
		goto fail;
	}
	if (u == NULL || (u->path = strdup(path)) == NULL)
		goto fail;
	u->doc = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (u->doc == NULL) {
		if (access(path, F_OK) == 0) {
			r = json_error_code(&jerr) == json_error_cannot_open_file ? HNSP_ERR_IO
										   : HNSP_ERR_INVALID;
			goto fail;
		}
		u->doc = json_pack("{s:[]}", "users");
	}
	if (u->doc == NULL)
		goto fail;
	if (!json_is_array(json_object_get(u->doc, "users"))) {
		r = HNSP_ERR_INVALID;
		goto fail;
	}
	remember_stamp(u);
	*out = u;
	return 0;
fail:
	users_free(u);
	return r;
}

int users_save(const struct users *u)
{
	char dir[PATH_MAX], *text, *slash;
	int r;

	snprintf(dir, sizeof(dir), "%s", u->path);
	if ((slash = strrchr(dir, '/')) != NULL)
		*slash = '\0';
	if (state_mkdirs(dir, 0700) < 0)
		return HNSP_ERR_IO;
	if ((text = json_dumps(u->doc, JSON_INDENT(2))) == NULL)
		return HNSP_ERR_NOMEM;
	r = journal_write_atomic(u->path, text, strlen(text), 0600);
	free(text);
	if (r == 0)
		remember_stamp((struct users *)u);
	return r;
}

void users_free(struct users *u)
{
	if (u == NULL)
		return;
	json_decref(u->doc);
	free(u->path);
	free(u);
}

static json_t *find(const struct users *u, const char *name, size_t *index)
{
	size_t i;
	json_t *v;

	json_array_foreach(json_object_get(u->doc, "users"), i, v)
		if (name != NULL &&
		    strcmp(json_string_value(json_object_get(v, "name")) ?: "", name) == 0) {
			if (index != NULL)
				*index = i;
			return v;
		}
	return NULL;
}

static enum user_role role_of(const json_t *user)
{
	enum user_role role = ROLE_VIEWER;

	user_role_parse(json_string_value(json_object_get(user, "role")), &role);
	return role;
}

int users_add(struct users *u, const char *name, enum user_role role, const char *password)
{
	char hash[crypto_pwhash_STRBYTES];
	size_t len = strlen(password);
	json_t *user;

	if (!user_name_valid(name) || len < USER_PASSWORD_MIN || len > USER_PASSWORD_MAX)
		return HNSP_ERR_INVALID;
	if (find(u, name, NULL) != NULL)
		return HNSP_ERR_EXISTS;
	/* Argon2id, libsodium's interactive cost (64 MiB, 2 passes). */
	if (crypto_pwhash_str(hash, password, len, crypto_pwhash_OPSLIMIT_INTERACTIVE,
			      crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
		return HNSP_ERR_NOMEM;
	user = json_pack("{s:s, s:s, s:s, s:[]}", "name", name, "role", user_role_name(role),
			 "hash", hash, "tokens");
	sodium_memzero(hash, sizeof(hash));
	if (user == NULL || json_array_append_new(json_object_get(u->doc, "users"), user) < 0)
		return HNSP_ERR_NOMEM;
	return 0;
}

static size_t count_admins(const struct users *u)
{
	size_t i, n = 0;
	json_t *v;

	json_array_foreach(json_object_get(u->doc, "users"), i, v)
		n += role_of(v) == ROLE_ADMIN;
	return n;
}

int users_remove(struct users *u, const char *name)
{
	size_t index;
	json_t *user = find(u, name, &index);

	if (user == NULL)
		return HNSP_ERR_NOTFOUND;
	if (role_of(user) == ROLE_ADMIN && count_admins(u) == 1)
		return HNSP_ERR_INVALID;
	return json_array_remove(json_object_get(u->doc, "users"), index) == 0 ? 0
									       : HNSP_ERR_NOMEM;
}

bool users_lookup(const struct users *u, const char *name, char *hash, size_t size,
		  enum user_role *role)
{
	const json_t *user = find(u, name, NULL);
	const char *h = json_string_value(json_object_get(user, "hash"));

	if (h == NULL || strlen(h) >= size)
		return false;
	memcpy(hash, h, strlen(h) + 1);
	*role = role_of(user);
	return true;
}

/* A hash made once, checked against when the user does not exist. */
static char decoy[crypto_pwhash_STRBYTES];
static pthread_once_t decoy_once = PTHREAD_ONCE_INIT;

static void make_decoy(void)
{
	if (crypto_pwhash_str(decoy, "decoy", 5, crypto_pwhash_OPSLIMIT_INTERACTIVE,
			      crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
		decoy[0] = '\0';
}

bool users_verify_password(const char *hash, const char *password)
{
	if (hash == NULL || hash[0] == '\0') {
		pthread_once(&decoy_once, make_decoy);
		/* The answer is thrown away: only the time spent counts. */
		return decoy[0] != '\0' &&
		       crypto_pwhash_str_verify(decoy, password, strlen(password)) == 0 && false;
	}
	return crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
}

/* The hex BLAKE2b-256 of token into hex (65 bytes). */
static void token_hash(const char *token, char hex[65])
{
	unsigned char h[32];

	crypto_generichash(h, sizeof(h), (const unsigned char *)token, strlen(token), NULL, 0);
	sodium_bin2hex(hex, 65, h, sizeof(h));
}

int users_new_token(struct users *u, const char *name, char *buf, size_t size)
{
	json_t *user = find(u, name, NULL);
	unsigned char raw[32];
	char hex[65];

	if (user == NULL)
		return HNSP_ERR_NOTFOUND;
	if (size < USER_TOKEN_LEN + 1)
		return HNSP_ERR_LIMIT;
	randombytes_buf(raw, sizeof(raw));
	memcpy(buf, "hnsp_", 5);
	sodium_bin2hex(buf + 5, size - 5, raw, sizeof(raw));
	sodium_memzero(raw, sizeof(raw));
	token_hash(buf, hex);
	if (!json_is_array(json_object_get(user, "tokens")))
		json_object_set_new(user, "tokens", json_array());
	return json_array_append_new(json_object_get(user, "tokens"), json_string(hex)) == 0
		       ? 0
		       : HNSP_ERR_NOMEM;
}

bool users_check_token(const struct users *u, const char *token, char *name, enum user_role *role)
{
	char hex[65];
	size_t i, k;
	json_t *user, *t;

	if (strlen(token) != USER_TOKEN_LEN || strncmp(token, "hnsp_", 5) != 0)
		return false;
	token_hash(token, hex);
	json_array_foreach(json_object_get(u->doc, "users"), i, user)
		json_array_foreach(json_object_get(user, "tokens"), k, t) {
			const char *s = json_string_value(t);
			if (s != NULL && strlen(s) == 64 && sodium_memcmp(s, hex, 64) == 0) {
				snprintf(name, USER_NAME_MAX + 1, "%s",
					 json_string_value(json_object_get(user, "name")));
				*role = role_of(user);
				return true;
			}
		}
	return false;
}

bool users_has_admin(const struct users *u)
{
	return count_admins(u) > 0;
}

json_t *users_list(const struct users *u)
{
	json_t *out = json_array(), *v;
	size_t i;

	json_array_foreach(json_object_get(u->doc, "users"), i, v)
		if (json_array_append_new(out, json_pack("{s:O, s:s}", "name",
							 json_object_get(v, "name"), "role",
							 user_role_name(role_of(v)))) < 0) {
			json_decref(out);
			return NULL;
		}
	return out;
}
