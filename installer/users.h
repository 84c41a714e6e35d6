/* users.h: the web GUI's users and their API tokens.
 *
 * Kept in STATE/web/users.json (mode 0600): each user has a random id made
 * when it is added, a name, a role and an Argon2id password hash (libsodium
 * crypto_pwhash_str); API tokens are kept only as BLAKE2b hashes, so the
 * file gives away no secret.
 *
 * Every change is one transaction: under an exclusive flock on
 * STATE/web/users.lock the file is read afresh, changed and written
 * atomically, then the copy in memory is replaced; so the CLI, the web
 * server and the threads of the server never lose one another's changes.
 * There is no other way to write the file.  Readers reread the file when
 * another process changed it.  Thread-safe: a struct users may be shared
 * by the threads of a process. */
#ifndef HNSP_USERS_H
#define HNSP_USERS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* Ordered: a role may do everything the roles below it may. */
enum user_role { ROLE_VIEWER, ROLE_OPERATOR, ROLE_ADMIN };

#define USER_NAME_MAX 32
#define USER_PASSWORD_MIN 8
#define USER_PASSWORD_MAX 1024
#define USER_TOKEN_LEN 69 /* "hnsp_" and 64 hex digits */
#define USER_ID_LEN 32    /* 128 random bits in hex */
#define USER_HASH_MAX 128 /* crypto_pwhash_STRBYTES, and room to spare */

/* "viewer", "operator" or "admin". */
const char *user_role_name(enum user_role role);
/* Parses a role name.  Returns 0 or HNSP_ERR_INVALID. */
int user_role_parse(const char *name, enum user_role *out);
/* True for 1 to 32 of a-z 0-9 . _ -, starting with a letter. */
bool user_name_valid(const char *name);

/* Who a session or a token acts for, as the file says now.  A session keeps
 * id and pw_tag, and is good only while both still match: a user removed
 * and added again under the same name has another id, and a new password
 * makes another pw_tag. */
struct user_info {
	char id[USER_ID_LEN + 1];     /* random, made when the user is added */
	char name[USER_NAME_MAX + 1];
	enum user_role role;
	char pw_tag[USER_ID_LEN + 1]; /* changes with every new password */
};

struct users;

/* Reads the users of state (none when the file does not exist yet), giving
 * ids to users of a file written before ids existed.  Also initialises
 * libsodium.  Returns 0, HNSP_ERR_IO, HNSP_ERR_INVALID (a damaged file) or
 * HNSP_ERR_NOMEM; *out is new on success. */
int users_load(const char *state, struct users **out);
void users_free(struct users *u);

/* The changes: each one transaction, written before it returns (see above).
 * Passwords are borrowed and hashed before the lock is taken.  Each
 * returns 0, HNSP_ERR_IO (the file or its lock cannot be read or written,
 * or the file is damaged), HNSP_ERR_NOMEM, or an error named below. */

/* Adds a user with a new id: HNSP_ERR_INVALID (name or password length),
 * HNSP_ERR_EXISTS. */
int users_add(struct users *u, const char *name, enum user_role role, const char *password);
/* Removes a user, and so its tokens: HNSP_ERR_NOTFOUND, HNSP_ERR_INVALID
 * (it is the last admin). */
int users_remove(struct users *u, const char *name);
/* Gives name a new password, and so a new pw_tag: HNSP_ERR_INVALID
 * (password length), HNSP_ERR_NOTFOUND (no such user, or, when id is not
 * NULL, the user named has another id now).  Its tokens stay good.  The
 * user as changed goes into *out when out is not NULL. */
int users_set_password(struct users *u, const char *name, const char *id,
		       const char *password, struct user_info *out);
/* Makes a new API token for name into buf (USER_TOKEN_LEN + 1 bytes) and
 * keeps its hash: HNSP_ERR_NOTFOUND, HNSP_ERR_LIMIT (buf too small). */
int users_new_token(struct users *u, const char *name, char *buf, size_t size);

/* Checking a password, in two halves so that nothing is locked during the
 * slow check: name's stored hash into hash (USER_HASH_MAX bytes) and who
 * it is into *out (false when there is no such user), then the check,
 * which needs no users at all.  An empty hash is checked against a decoy
 * and fails, so an unknown name takes as long as a wrong password. */
bool users_lookup(struct users *u, const char *name, char *hash, size_t size,
		  struct user_info *out);
bool users_verify_password(const char *hash, const char *password);
/* The user with id into *out: false when no user has it any more. */
bool users_by_id(struct users *u, const char *id, struct user_info *out);
/* True when token belongs to a user, who goes into *out. */
bool users_check_token(struct users *u, const char *token, struct user_info *out);
bool users_has_admin(struct users *u);
/* [{"name", "role"}]: no id, hash or token.  New reference, or NULL. */
json_t *users_list(struct users *u);

#endif
