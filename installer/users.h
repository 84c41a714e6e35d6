/* users.h: the web GUI's users and their API tokens.
 *
 * Kept in STATE/web/users.json (mode 0600, written atomically): each user has
 * a name, a role and an Argon2id password hash (libsodium crypto_pwhash_str);
 * API tokens are kept only as BLAKE2b hashes, so the file gives away no
 * secret.  Not thread-safe: the web layer serialises access. */
#ifndef HNSP_USERS_H
#define HNSP_USERS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

/* Ordered: a role may do everything the roles below it may. */
enum user_role { ROLE_VIEWER, ROLE_OPERATOR, ROLE_ADMIN };

#define USER_NAME_MAX 32
#define USER_PASSWORD_MIN 8
#define USER_PASSWORD_MAX 1024
#define USER_TOKEN_LEN 69 /* "hnsp_" and 64 hex digits */

/* "viewer", "operator" or "admin". */
const char *user_role_name(enum user_role role);
/* Parses a role name.  Returns 0 or HNSP_ERR_INVALID. */
int user_role_parse(const char *name, enum user_role *out);
/* True for 1 to 32 of a-z 0-9 . _ -, starting with a letter. */
bool user_name_valid(const char *name);

struct users {
	char *path;    /* owned: STATE/web/users.json */
	json_t *doc;   /* owned: {"users": [{"name", "role", "hash", "tokens": [hex]}]} */
	struct timespec stamp; /* the file's change time when read or written */
	off_t size;            /* and its size */
};

#define USER_HASH_MAX 128 /* crypto_pwhash_STRBYTES, and room to spare */

/* Reads the users of state (none when the file does not exist yet).  Also
 * initialises libsodium.  Returns 0, HNSP_ERR_IO, HNSP_ERR_INVALID (a damaged
 * file) or HNSP_ERR_NOMEM; *out is new on success. */
int users_load(const char *state, struct users **out);
/* Writes the file atomically, creating STATE/web (0700).  Returns 0 or HNSP_ERR_IO. */
int users_save(const struct users *u);
/* Rereads the file when another process (the CLI's `user`) changed it since
 * it was read or written here.  Returns 0, or HNSP_ERR_IO / HNSP_ERR_INVALID
 * with the copy in memory kept. */
int users_refresh(struct users *u);
void users_free(struct users *u);

/* Adds a user (in memory; users_save writes).  password is borrowed.
 * Returns 0, HNSP_ERR_INVALID (name or password length), HNSP_ERR_EXISTS
 * or HNSP_ERR_NOMEM. */
int users_add(struct users *u, const char *name, enum user_role role, const char *password);
/* Removes a user and its tokens.  Returns 0, HNSP_ERR_NOTFOUND or
 * HNSP_ERR_INVALID (it is the last admin). */
int users_remove(struct users *u, const char *name);
/* Checking a password, in two halves for a caller that holds a lock for
 * the lookup only: name's stored hash into hash (USER_HASH_MAX bytes) and
 * its role (false when there is no such user), then the slow check, which
 * needs no users at all (thread-safe).  An empty hash is checked against a
 * decoy and fails, so an unknown name takes as long as a wrong password. */
bool users_lookup(const struct users *u, const char *name, char *hash, size_t size,
		  enum user_role *role);
bool users_verify_password(const char *hash, const char *password);
/* Makes a new API token for name into buf (USER_TOKEN_LEN + 1 bytes) and
 * keeps its hash.  Returns 0, HNSP_ERR_NOTFOUND or HNSP_ERR_NOMEM. */
int users_new_token(struct users *u, const char *name, char *buf, size_t size);
/* True when token belongs to a user: its name goes into name (USER_NAME_MAX
 * + 1 bytes) and its role into *role. */
bool users_check_token(const struct users *u, const char *token, char *name, enum user_role *role);
bool users_has_admin(const struct users *u);
/* [{"name", "role"}]: no hash and no token.  New reference, or NULL. */
json_t *users_list(const struct users *u);

#endif
