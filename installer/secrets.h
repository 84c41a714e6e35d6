/* secrets.h: named secrets, encrypted at rest, for projects to refer to.
 *
 * The store is STATE/secrets.json (mode 0600, written atomically, changed
 * under an exclusive lock on STATE/locks/secrets.lock): {"secrets": {NAME:
 * {"set": ISO time, "nonce": base64, "box": base64}}}.  Each value is
 * sealed with XChaCha20-Poly1305 (libsodium's AEAD) under a random nonce,
 * with its name as additional data, so a box moved to another name fails to
 * open.  The 32-byte key lives in a file outside the state directory:
 * $HNSP_SECRETS_KEY, else STATE.key beside it (created 0600 by the first
 * secrets_set).  A key file that others may read, that another user owns or
 * that lies inside the state directory is refused.  The store alone gives
 * away no value; nothing here prints or logs one. */
#ifndef HNSP_SECRETS_H
#define HNSP_SECRETS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define SECRET_NAME_MAX 63
#define SECRET_VALUE_MAX 65536
#define SECRETS_KEY_ENV "HNSP_SECRETS_KEY"

/* True for 1 to 63 of a-z 0-9 _ -. */
bool secret_name_valid(const char *name);

/* The key file's path into buf: $HNSP_SECRETS_KEY when set, else state (its
 * trailing slashes dropped) with ".key" appended.  Returns 0 or HNSP_ERR_LIMIT. */
int secrets_key_path(const char *state, char *buf, size_t size);

/* Seals value (borrowed; up to SECRET_VALUE_MAX bytes) under name, replacing
 * any value it had; creates the key file at key_path when missing.  err gets
 * one line for a person on failure.  Returns 0, HNSP_ERR_INVALID (bad name,
 * value too long, unsafe or damaged key file, damaged store), HNSP_ERR_IO or
 * HNSP_ERR_NOMEM. */
int secrets_set(const char *state, const char *key_path, const char *name, const char *value,
		char *err, size_t errsize);

/* Removes name.  Returns 0, HNSP_ERR_NOTFOUND, HNSP_ERR_INVALID (damaged
 * store), HNSP_ERR_IO or HNSP_ERR_NOMEM; err as above. */
int secrets_remove(const char *state, const char *name, char *err, size_t errsize);

/* [{"name", "set"}] in name order, never a value: *out is new.  Returns 0,
 * HNSP_ERR_INVALID (damaged store), HNSP_ERR_IO or HNSP_ERR_NOMEM. */
int secrets_list(const char *state, json_t **out);

/* Opens name's value into *out (new memory; release it with secret_free).
 * Returns 0, HNSP_ERR_NOTFOUND (no such secret), HNSP_ERR_INVALID (wrong or
 * unsafe key, altered store), HNSP_ERR_IO or HNSP_ERR_NOMEM; err as above,
 * naming the secret and never its value. */
int secrets_get(const char *state, const char *key_path, const char *name, char **out,
		char *err, size_t errsize);

/* Wipes and frees a value from secrets_get; NULL is fine. */
void secret_free(char *value);

#endif
