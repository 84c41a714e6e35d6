/* keys.h: the SSH private keys kept in the state directory.
 *
 * STATE/keys/NAME (mode 0600) is key NAME, its public half beside it in
 * NAME.pub; a project kept in the state directory names it as
 * `key_file: NAME` (confine.h).  Keys come in through `hnsp-installer key
 * import` or the web API and never go out: only their names, types and
 * public fingerprints are listed.  Nothing prints. */
#ifndef HNSP_KEYS_H
#define HNSP_KEYS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* The largest private key file accepted (an RSA key of 16384 bits fits). */
#define KEYS_MAX_BYTES (16 * 1024)

/* 1 to 63 of a-z 0-9 - _, starting with a letter or a digit. */
bool keys_name_valid(const char *name);

/* Keeps text (len bytes, the private key file's contents) as key name,
 * replacing a key of that name, once libssh reads it as a private key with
 * passphrase (borrowed; NULL for a key without one).  The key is written as
 * given (still encrypted when it was), atomically, mode 0600.  fingerprint
 * (size bytes) gets its public "SHA256:..." fingerprint.  Returns 0,
 * HNSP_ERR_LIMIT (over KEYS_MAX_BYTES), HNSP_ERR_INVALID (not a private key
 * libssh reads), HNSP_ERR_NOMEM or HNSP_ERR_IO (errno set). */
int keys_import(const char *state, const char *name, const char *text, size_t len,
		const char *passphrase, char *fingerprint, size_t size);

/* Whether a kept key's file holds exactly text (len bytes): its name into
 * name (size bytes) when one does. */
bool keys_find(const char *state, const char *text, size_t len, char *name, size_t size);

/* The keys as [{"name", "type", "fingerprint"}] sorted by name: a new
 * reference, or NULL when memory runs out. */
json_t *keys_list(const char *state);

/* Removes key name and its public half.  Returns 0, HNSP_ERR_NOTFOUND or
 * HNSP_ERR_IO (errno set). */
int keys_remove(const char *state, const char *name);

#endif
