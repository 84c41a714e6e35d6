/* users.c: the web GUI's users, hashed passwords and token hashes in one file. */
#include "users.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
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

struct users {
	char *dir;             /* owned: STATE/web */
	char *path;            /* owned: STATE/web/users.json */
	char *lock_path;       /* owned: STATE/web/users.lock, flocked by every change */
	json_t *doc;           /* owned: {"users": [{"id", "name", "role", "hash",
				  "tokens": [hex]}]} */
	struct stat seen;      /* the file as last read or written here */
	pthread_mutex_t mutex; /* doc and seen, between threads */
};

/* True when st is not the file last seen.  A file replaced by a rename has
 * another inode, or at least other times. */
static bool changed(const struct stat *a, const struct stat *b)
{
	return a->st_dev != b->st_dev || a->st_ino != b->st_ino || a->st_size != b->st_size ||
	       a->st_mtim.tv_sec != b->st_mtim.tv_sec || a->st_mtim.tv_nsec != b->st_mtim.tv_nsec ||
	       a->st_ctim.tv_sec != b->st_ctim.tv_sec || a->st_ctim.tv_nsec != b->st_ctim.tv_nsec;
}

/* Reads path into *doc ({"users": []} when there is no file) and what it
 * was into *st (zeroed without a file); with *seen not NULL, only when the
 * file is not that one (*doc stays NULL then).  Returns 0, HNSP_ERR_IO,
 * HNSP_ERR_INVALID or HNSP_ERR_NOMEM. */
static int read_users(const char *path, const struct stat *seen, json_t **doc, struct stat *st)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	FILE *f = NULL;
	int r = HNSP_ERR_IO;

	*doc = NULL;
	memset(st, 0, sizeof(*st));
	if (fd < 0) {
		if (errno != ENOENT)
			return HNSP_ERR_IO;
		if (seen != NULL && seen->st_ino == 0)
			return 0;
		*doc = json_pack("{s:[]}", "users");
		return *doc ? 0 : HNSP_ERR_NOMEM;
	}
	/* The descriptor's own stat: exactly the file read below. */
	if (fstat(fd, st) < 0 || (f = fdopen(fd, "r")) == NULL)
		goto out;
	fd = -1;
	r = 0;
	if (seen != NULL && !changed(st, seen))
		goto out;
	*doc = json_loadf(f, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_array(json_object_get(*doc, "users"))) {
		json_decref(*doc);
		*doc = NULL;
		r = HNSP_ERR_INVALID;
	}
out:
	if (f != NULL)
		fclose(f);
	if (fd >= 0)
		close(fd);
	return r;
}

/* Rereads the file when another process changed it since it was read or
 * written here; on failure the copy in memory stays.  u->mutex held. */
static void refresh(struct users *u)
{
	struct stat st;
	json_t *doc;

	if (read_users(u->path, &u->seen, &doc, &st) == 0 && doc != NULL) {
		json_decref(u->doc);
		u->doc = doc;
		u->seen = st;
	}
}

static void random_id(char out[USER_ID_LEN + 1])
{
	unsigned char raw[USER_ID_LEN / 2];

	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(out, USER_ID_LEN + 1, raw, sizeof(raw));
}

static bool id_valid(const char *id)
{
	return id != NULL && strlen(id) == USER_ID_LEN &&
	       strspn(id, "0123456789abcdef") == USER_ID_LEN;
}

/* Gives an id to every user without one (a file from before ids).
 * Returns how many it gave, or -1 when out of memory. */
static int give_ids(json_t *doc)
{
	char id[USER_ID_LEN + 1];
	size_t i;
	json_t *v;
	int n = 0;

	json_array_foreach(json_object_get(doc, "users"), i, v) {
		if (id_valid(json_string_value(json_object_get(v, "id"))))
			continue;
		random_id(id);
		if (json_object_set_new(v, "id", json_string(id)) < 0)
			return -1;
		n++;
	}
	return n;
}

/* One change of the file: change(users, ctx) on the file as it is now,
 * under the lock, then written, then kept as the copy in memory.  Nothing
 * is written when change fails (it fails before it changes anything). */
static int transact(struct users *u, int (*change)(json_t *users, void *ctx), void *ctx)
{
	struct stat st;
	json_t *doc = NULL;
	char *text = NULL;
	int lock = -1, r = HNSP_ERR_IO;

	pthread_mutex_lock(&u->mutex);
	if (state_mkdirs(u->dir, 0700) < 0)
		goto out;
	if ((lock = open(u->lock_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600)) < 0)
		goto out;
	while ((r = flock(lock, LOCK_EX)) < 0 && errno == EINTR)
		;
	if (r < 0) {
		r = HNSP_ERR_IO;
		goto out;
	}
	/* A damaged file is not a bad change: it says HNSP_ERR_IO. */
	if ((r = read_users(u->path, NULL, &doc, &st)) < 0) {
		r = r == HNSP_ERR_INVALID ? HNSP_ERR_IO : r;
		goto out;
	}
	r = HNSP_ERR_NOMEM;
	if (give_ids(doc) < 0)
		goto out;
	if ((r = change(json_object_get(doc, "users"), ctx)) < 0)
		goto out;
	r = HNSP_ERR_NOMEM;
	if ((text = json_dumps(doc, JSON_INDENT(2))) == NULL)
		goto out;
	if ((r = journal_write_atomic(u->path, text, strlen(text), 0600)) < 0)
		goto out;
	/* Under the lock: nobody else can have written it since. */
	if (stat(u->path, &st) == 0)
		u->seen = st;
	json_decref(u->doc);
	u->doc = doc;
	doc = NULL;
out:
	if (text != NULL) {
		sodium_memzero(text, strlen(text));
		free(text);
	}
	json_decref(doc);
	if (lock >= 0)
		close(lock); /* and with it the flock */
	pthread_mutex_unlock(&u->mutex);
	return r;
}

/* For a file without ids: the ids given by transact are all it changes. */
static int no_change(json_t *users, void *ctx)
{
	(void)users, (void)ctx;
	return 0;
}

/* dir/name, new; NULL when out of memory. */
static char *join(const char *dir, const char *name)
{
	char *s;

	return asprintf(&s, "%s/%s", dir, name) < 0 ? NULL : s;
}

int users_load(const char *state, struct users **out)
{
	struct users *u = calloc(1, sizeof(*u));
	int r = HNSP_ERR_NOMEM, ids;

	*out = NULL;
	if (u == NULL || sodium_init() < 0) {
		free(u);
		return HNSP_ERR_NOMEM;
	}
	pthread_mutex_init(&u->mutex, NULL);
	if ((u->dir = join(state, "web")) == NULL ||
	    (u->path = join(u->dir, "users.json")) == NULL ||
	    (u->lock_path = join(u->dir, "users.lock")) == NULL)
		goto fail;
	if ((r = read_users(u->path, NULL, &u->doc, &u->seen)) < 0)
		goto fail;
	/* A file from before ids: they are written at once (transact gives them
	 * again, under the lock), so that every reader sees the same ones. */
	r = HNSP_ERR_NOMEM;
	if ((ids = give_ids(u->doc)) < 0)
		goto fail;
	if (ids > 0 && (r = transact(u, no_change, NULL)) < 0)
		goto fail;
	*out = u;
	return 0;
fail:
	users_free(u);
	return r;
}

void users_free(struct users *u)
{
	if (u == NULL)
		return;
	json_decref(u->doc);
	pthread_mutex_destroy(&u->mutex);
	free(u->dir);
	free(u->path);
	free(u->lock_path);
	free(u);
}

/* The user whose key ("name" or "id") is value, or NULL. */
static json_t *find(json_t *users, const char *key, const char *value, size_t *index)
{
	size_t i;
	json_t *v;

	json_array_foreach(users, i, v)
		if (value != NULL &&
		    strcmp(json_string_value(json_object_get(v, key)) ?: "", value) == 0) {
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

/* user into *out; false for a user without an id or a hash (the file was
 * edited by hand), who is nobody. */
static bool info_of(const json_t *user, struct user_info *out)
{
	const char *id = json_string_value(json_object_get(user, "id"));
	const char *name = json_string_value(json_object_get(user, "name"));
	const char *hash = json_string_value(json_object_get(user, "hash"));
	unsigned char tag[USER_ID_LEN / 2];

	if (!id_valid(id) || !user_name_valid(name) || hash == NULL || hash[0] == '\0')
		return false;
	memcpy(out->id, id, USER_ID_LEN + 1);
	snprintf(out->name, sizeof(out->name), "%s", name);
	out->role = role_of(user);
	/* The hash has a salt of its own: every new password, even the same
	 * one again, makes another tag. */
	crypto_generichash(tag, sizeof(tag), (const unsigned char *)hash, strlen(hash), NULL, 0);
	sodium_bin2hex(out->pw_tag, sizeof(out->pw_tag), tag, sizeof(tag));
	return true;
}

/* password's Argon2id hash (libsodium's interactive cost: 64 MiB, 2
 * passes) into hash.  Returns 0, HNSP_ERR_INVALID (its length) or
 * HNSP_ERR_NOMEM. */
static int hash_password(const char *password, char hash[crypto_pwhash_STRBYTES])
{
	size_t len = password ? strlen(password) : 0;

	if (len < USER_PASSWORD_MIN || len > USER_PASSWORD_MAX)
		return HNSP_ERR_INVALID;
	return crypto_pwhash_str(hash, password, len, crypto_pwhash_OPSLIMIT_INTERACTIVE,
				 crypto_pwhash_MEMLIMIT_INTERACTIVE) == 0
		       ? 0
		       : HNSP_ERR_NOMEM;
}

/* What a change is given: the user it is about, and what it needs. */
struct change {
	const char *name;
	const char *id;          /* set_password: the id name must still have, or NULL */
	enum user_role role;     /* add */
	const char *hash;        /* add, set_password; token: the token's hash */
	struct user_info *out;   /* set_password: the user as changed, or NULL */
};

static int add_user(json_t *users, void *ctx)
{
	const struct change *ch = ctx;
	char id[USER_ID_LEN + 1];

	if (find(users, "name", ch->name, NULL) != NULL)
		return HNSP_ERR_EXISTS;
	/* A new id, also for a name that was removed: its sessions stay dead. */
	random_id(id);
	return json_array_append_new(users, json_pack("{s:s, s:s, s:s, s:s, s:[]}", "id", id,
						      "name", ch->name, "role",
						      user_role_name(ch->role), "hash", ch->hash,
						      "tokens")) == 0
		       ? 0
		       : HNSP_ERR_NOMEM;
}

int users_add(struct users *u, const char *name, enum user_role role, const char *password)
{
	char hash[crypto_pwhash_STRBYTES];
	int r;

	if (!user_name_valid(name))
		return HNSP_ERR_INVALID;
	if ((r = hash_password(password, hash)) == 0)
		r = transact(u, add_user,
			     &(struct change){.name = name, .role = role, .hash = hash});
	sodium_memzero(hash, sizeof(hash));
	return r;
}

static size_t count_admins(const json_t *users)
{
	size_t i, n = 0;
	json_t *v;

	json_array_foreach(users, i, v)
		n += role_of(v) == ROLE_ADMIN;
	return n;
}

static int remove_user(json_t *users, void *ctx)
{
	const struct change *ch = ctx;
	size_t index;
	json_t *user = find(users, "name", ch->name, &index);

	if (user == NULL)
		return HNSP_ERR_NOTFOUND;
	if (role_of(user) == ROLE_ADMIN && count_admins(users) == 1)
		return HNSP_ERR_INVALID;
	return json_array_remove(users, index) == 0 ? 0 : HNSP_ERR_NOMEM;
}

int users_remove(struct users *u, const char *name)
{
	return transact(u, remove_user, &(struct change){.name = name});
}

static int set_password(json_t *users, void *ctx)
{
	const struct change *ch = ctx;
	json_t *user = find(users, "name", ch->name, NULL);

	if (user == NULL || (ch->id != NULL &&
			     strcmp(json_string_value(json_object_get(user, "id")) ?: "", ch->id) != 0))
		return HNSP_ERR_NOTFOUND;
	if (json_object_set_new(user, "hash", json_string(ch->hash)) < 0)
		return HNSP_ERR_NOMEM;
	if (ch->out != NULL)
		info_of(user, ch->out);
	return 0;
}

int users_set_password(struct users *u, const char *name, const char *id,
		       const char *password, struct user_info *out)
{
	char hash[crypto_pwhash_STRBYTES];
	int r;

	if ((r = hash_password(password, hash)) == 0)
		r = transact(u, set_password,
			     &(struct change){.name = name, .id = id, .hash = hash, .out = out});
	sodium_memzero(hash, sizeof(hash));
	return r;
}

bool users_lookup(struct users *u, const char *name, char *hash, size_t size,
		  struct user_info *out)
{
	const json_t *user;
	const char *h;
	bool ok;

	pthread_mutex_lock(&u->mutex);
	refresh(u);
	user = find(json_object_get(u->doc, "users"), "name", name, NULL);
	h = json_string_value(json_object_get(user, "hash"));
	ok = h != NULL && strlen(h) < size && info_of(user, out);
	if (ok)
		memcpy(hash, h, strlen(h) + 1);
	pthread_mutex_unlock(&u->mutex);
	return ok;
}

bool users_by_id(struct users *u, const char *id, struct user_info *out)
{
	bool ok;

	pthread_mutex_lock(&u->mutex);
	refresh(u);
	ok = id_valid(id) && info_of(find(json_object_get(u->doc, "users"), "id", id, NULL), out);
	pthread_mutex_unlock(&u->mutex);
	return ok;
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

static int add_token(json_t *users, void *ctx)
{
	const struct change *ch = ctx;
	json_t *user = find(users, "name", ch->name, NULL), *tokens;

	if (user == NULL)
		return HNSP_ERR_NOTFOUND;
	if (!json_is_array(tokens = json_object_get(user, "tokens"))) {
		if (json_object_set_new(user, "tokens", tokens = json_array()) < 0)
			return HNSP_ERR_NOMEM;
	}
	return json_array_append_new(tokens, json_string(ch->hash)) == 0 ? 0 : HNSP_ERR_NOMEM;
}

int users_new_token(struct users *u, const char *name, char *buf, size_t size)
{
	unsigned char raw[32];
	char hex[65];
	int r;

	if (size < USER_TOKEN_LEN + 1)
		return HNSP_ERR_LIMIT;
	randombytes_buf(raw, sizeof(raw));
	memcpy(buf, "hnsp_", 5);
	sodium_bin2hex(buf + 5, size - 5, raw, sizeof(raw));
	sodium_memzero(raw, sizeof(raw));
	token_hash(buf, hex);
	if ((r = transact(u, add_token, &(struct change){.name = name, .hash = hex})) < 0)
		sodium_memzero(buf, size);
	return r;
}

bool users_check_token(struct users *u, const char *token, struct user_info *out)
{
	char hex[65];
	size_t i, k;
	json_t *user, *t;
	bool ok = false;

	if (strlen(token) != USER_TOKEN_LEN || strncmp(token, "hnsp_", 5) != 0)
		return false;
	token_hash(token, hex);
	pthread_mutex_lock(&u->mutex);
	refresh(u);
	json_array_foreach(json_object_get(u->doc, "users"), i, user)
		json_array_foreach(json_object_get(user, "tokens"), k, t) {
			const char *s = json_string_value(t);
			if (!ok && s != NULL && strlen(s) == 64 && sodium_memcmp(s, hex, 64) == 0)
				ok = info_of(user, out);
		}
	pthread_mutex_unlock(&u->mutex);
	return ok;
}

bool users_has_admin(struct users *u)
{
	bool ok;

	pthread_mutex_lock(&u->mutex);
	refresh(u);
	ok = count_admins(json_object_get(u->doc, "users")) > 0;
	pthread_mutex_unlock(&u->mutex);
	return ok;
}

json_t *users_list(struct users *u)
{
	json_t *out = json_array(), *v;
	size_t i;

	pthread_mutex_lock(&u->mutex);
	refresh(u);
	json_array_foreach(json_object_get(u->doc, "users"), i, v)
		if (json_array_append_new(out, json_pack("{s:O, s:s}", "name",
							 json_object_get(v, "name"), "role",
							 user_role_name(role_of(v)))) < 0) {
			json_decref(out);
			out = NULL;
			break;
		}
	pthread_mutex_unlock(&u->mutex);
	return out;
}
