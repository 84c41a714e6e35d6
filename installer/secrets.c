/* secrets.c: the secrets store: sealed values in one file, the key outside the state. */
#include "secrets.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "journal.h"
#include "state.h"

#define KEY_BYTES crypto_aead_xchacha20poly1305_ietf_KEYBYTES
#define NONCE_BYTES crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define TAG_BYTES crypto_aead_xchacha20poly1305_ietf_ABYTES
#define B64 sodium_base64_VARIANT_ORIGINAL

bool secret_name_valid(const char *name)
{
	size_t n = name ? strlen(name) : 0;

	return n > 0 && n <= SECRET_NAME_MAX &&
	       strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_-") == n;
}

int secrets_key_path(const char *state, char *buf, size_t size)
{
	const char *env = getenv(SECRETS_KEY_ENV);
	size_t n = strlen(state);

	if (env != NULL && env[0] != '\0')
		return (size_t)snprintf(buf, size, "%s", env) < size ? 0 : HNSP_ERR_LIMIT;
	while (n > 1 && state[n - 1] == '/')
		n--;
	return (size_t)snprintf(buf, size, "%.*s.key", (int)n, state) < size ? 0 : HNSP_ERR_LIMIT;
}

/* True when path's directory is dir or lies under it (symbolic links resolved). */
static bool inside(const char *path, const char *dir)
{
	char parent[PATH_MAX], real_parent[PATH_MAX], real_dir[PATH_MAX], *slash;
	size_t n;

	snprintf(parent, sizeof(parent), "%s", path);
	slash = strrchr(parent, '/');
	if (slash == parent)
		slash[1] = '\0';
	else if (slash != NULL)
		*slash = '\0';
	else
		snprintf(parent, sizeof(parent), ".");
	if (realpath(parent, real_parent) == NULL || realpath(dir, real_dir) == NULL)
		return false;
	n = strlen(real_dir);
	return strncmp(real_parent, real_dir, n) == 0 &&
	       (real_parent[n] == '\0' || real_parent[n] == '/' || n == 1);
}

/* Reads the key from path, or makes it there when create is set and the file
 * is missing.  Refuses a file that is not the user's own 0600 regular file
 * of KEY_BYTES bytes, and one inside the state directory. */
static int key_load(const char *state, const char *path, bool create, unsigned char *key,
		    char *err, size_t errsize)
{
	struct stat st;
	ssize_t n;
	int fd, r = HNSP_ERR_INVALID;

	if (inside(path, state)) {
		snprintf(err, errsize,
			 "key file '%s' is inside the state directory '%s'; keep it outside (set "
			 "$%s to another path)",
			 path, state, SECRETS_KEY_ENV);
		return HNSP_ERR_INVALID;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT && create) {
		randombytes_buf(key, KEY_BYTES);
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd >= 0) {
			r = write(fd, key, KEY_BYTES) == KEY_BYTES && fsync(fd) == 0 ? 0 : HNSP_ERR_IO;
			if (close(fd) == 0 && r == 0)
				return 0;
			unlink(path);
		}
		sodium_memzero(key, KEY_BYTES);
		snprintf(err, errsize, "cannot create key file '%s': %s", path, strerror(errno));
		return HNSP_ERR_IO;
	}
	if (fd < 0) {
		if (errno == ENOENT)
			snprintf(err, errsize,
				 "key file '%s' is missing: no secret can be opened without the key "
				 "that sealed it (set $%s to where it is)",
				 path, SECRETS_KEY_ENV);
		else
			snprintf(err, errsize, "cannot open key file '%s': %s", path, strerror(errno));
		return errno == ENOENT ? HNSP_ERR_INVALID : HNSP_ERR_IO;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		snprintf(err, errsize, "key file '%s' is not a regular file", path);
	else if (st.st_uid != geteuid())
		snprintf(err, errsize, "key file '%s' belongs to uid %ld, not to you (uid %ld)",
			 path, (long)st.st_uid, (long)geteuid());
	else if ((st.st_mode & 077) != 0)
		snprintf(err, errsize,
			 "key file '%s' is open to others (mode %04o); 'chmod 600 %s' and "
			 "consider the secrets known",
			 path, (unsigned)(st.st_mode & 07777), path);
	else if (st.st_size != KEY_BYTES || (n = read(fd, key, KEY_BYTES)) != KEY_BYTES)
		snprintf(err, errsize, "key file '%s' is not a key of %d bytes", path, KEY_BYTES);
	else
		r = 0;
	close(fd);
	if (r < 0)
		sodium_memzero(key, KEY_BYTES);
	return r;
}

static int store_path(const char *state, char *buf, size_t size)
{
	return (size_t)snprintf(buf, size, "%s/secrets.json", state) < size ? 0 : HNSP_ERR_LIMIT;
}

/* The store's "secrets" object into *out (new; empty when there is no file). */
static int store_load(const char *state, json_t **out, char *err, size_t errsize)
{
	char path[PATH_MAX];
	json_error_t jerr;
	json_t *doc;

	*out = NULL;
	if (store_path(state, path, sizeof(path)) < 0)
		return HNSP_ERR_LIMIT;
	if ((doc = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr)) == NULL) {
		if (access(path, F_OK) != 0 && errno == ENOENT) {
			*out = json_object();
			return *out ? 0 : HNSP_ERR_NOMEM;
		}
		snprintf(err, errsize, "cannot read '%s': %s", path, jerr.text);
		return json_error_code(&jerr) == json_error_cannot_open_file ? HNSP_ERR_IO
									     : HNSP_ERR_INVALID;
	}
	*out = json_incref(json_object_get(doc, "secrets"));
	json_decref(doc);
	if (!json_is_object(*out)) {
		json_decref(*out);
		*out = NULL;
		snprintf(err, errsize, "'%s' is damaged: it has no \"secrets\" object", path);
		return HNSP_ERR_INVALID;
	}
	return 0;
}

static int store_save(const char *state, json_t *secrets, char *err, size_t errsize)
{
	char path[PATH_MAX];
	json_t *doc = json_pack("{s:O}", "secrets", secrets);
	char *text = doc ? json_dumps(doc, JSON_INDENT(2) | JSON_SORT_KEYS) : NULL;
	int r = HNSP_ERR_NOMEM;

	if (text != NULL && (r = store_path(state, path, sizeof(path))) == 0 &&
	    (r = journal_write_atomic(path, text, strlen(text), 0600)) < 0)
		snprintf(err, errsize, "cannot write '%s': %s", path, strerror(errno));
	free(text);
	json_decref(doc);
	return r;
}

/* The store's lock for a read-modify-write, held on *fd until store_unlock. */
static int store_lock(const char *state, int *fd, char *err, size_t errsize)
{
	char path[PATH_MAX];

	*fd = -1;
	if ((size_t)snprintf(path, sizeof(path), "%s/locks", state) >= sizeof(path))
		return HNSP_ERR_LIMIT;
	if (state_mkdirs(path, 0700) < 0 ||
	    (size_t)snprintf(path, sizeof(path), "%s/locks/secrets.lock", state) >= sizeof(path) ||
	    (*fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0 ||
	    flock(*fd, LOCK_EX) < 0) {
		snprintf(err, errsize, "cannot lock '%s': %s", path, strerror(errno));
		if (*fd >= 0)
			close(*fd);
		*fd = -1;
		return HNSP_ERR_IO;
	}
	return 0;
}

static void store_unlock(int fd)
{
	if (fd >= 0)
		close(fd);
}

static json_t *seal(const unsigned char *key, const char *name, const char *value)
{
	size_t len = strlen(value), box_len = len + TAG_BYTES;
	unsigned char nonce[NONCE_BYTES], *box = malloc(box_len);
	char nonce64[sodium_base64_ENCODED_LEN(NONCE_BYTES, B64)], *box64 = NULL, when[32];
	size_t box64_len = sodium_base64_ENCODED_LEN(box_len, B64);
	time_t now = time(NULL);
	json_t *entry = NULL;

	if (box == NULL || (box64 = malloc(box64_len)) == NULL)
		goto out;
	randombytes_buf(nonce, sizeof(nonce));
	crypto_aead_xchacha20poly1305_ietf_encrypt(box, NULL, (const unsigned char *)value, len,
						   (const unsigned char *)name, strlen(name), NULL,
						   nonce, key);
	sodium_bin2base64(nonce64, sizeof(nonce64), nonce, sizeof(nonce), B64);
	sodium_bin2base64(box64, box64_len, box, box_len, B64);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	entry = json_pack("{s:s, s:s, s:s}", "set", when, "nonce", nonce64, "box", box64);
out:
	free(box);
	free(box64);
	return entry;
}

/* Opens entry (name's) into *out; HNSP_ERR_INVALID when it does not open. */
static int unseal(const unsigned char *key, const char *name, const json_t *entry, char **out)
{
	const char *nonce64 = json_string_value(json_object_get(entry, "nonce"));
	const char *box64 = json_string_value(json_object_get(entry, "box"));
	size_t box_cap = box64 ? strlen(box64) : 0, nonce_len = 0, box_len = 0;
	unsigned char nonce[NONCE_BYTES], *box = malloc(box_cap + 1);
	char *value = NULL;
	unsigned long long len = 0;
	int r = HNSP_ERR_INVALID;

	*out = NULL;
	if (box == NULL)
		return HNSP_ERR_NOMEM;
	if (nonce64 == NULL || box64 == NULL ||
	    sodium_base642bin(nonce, sizeof(nonce), nonce64, strlen(nonce64), NULL, &nonce_len,
			      NULL, B64) < 0 ||
	    nonce_len != NONCE_BYTES ||
	    sodium_base642bin(box, box_cap, box64, box_cap, NULL, &box_len, NULL, B64) < 0 ||
	    box_len < TAG_BYTES)
		goto out;
	if ((value = malloc(box_len - TAG_BYTES + 1)) == NULL) {
		r = HNSP_ERR_NOMEM;
		goto out;
	}
	if (crypto_aead_xchacha20poly1305_ietf_decrypt((unsigned char *)value, &len, NULL, box,
						       box_len, (const unsigned char *)name,
						       strlen(name), nonce, key) < 0 ||
	    memchr(value, '\0', len) != NULL) {
		sodium_memzero(value, box_len - TAG_BYTES);
		free(value);
		value = NULL;
		goto out;
	}
	value[len] = '\0';
	*out = value;
	r = 0;
out:
	free(box);
	return r;
}

int secrets_set(const char *state, const char *key_path, const char *name, const char *value,
		char *err, size_t errsize)
{
	unsigned char key[KEY_BYTES];
	json_t *store = NULL, *entry;
	int fd = -1, r;

	err[0] = '\0';
	if (sodium_init() < 0)
		return HNSP_ERR_NOMEM;
	if (!secret_name_valid(name)) {
		snprintf(err, errsize, "'%s' is not a secret name: 1 to %d of a-z 0-9 _ -", name,
			 SECRET_NAME_MAX);
		return HNSP_ERR_INVALID;
	}
	if (strlen(value) > SECRET_VALUE_MAX) {
		snprintf(err, errsize, "the value of secret '%s' is longer than %d bytes", name,
			 SECRET_VALUE_MAX);
		return HNSP_ERR_INVALID;
	}
	if ((r = store_lock(state, &fd, err, errsize)) < 0 ||
	    (r = key_load(state, key_path, true, key, err, errsize)) < 0)
		goto out;
	if ((r = store_load(state, &store, err, errsize)) < 0)
		goto wipe;
	if ((entry = seal(key, name, value)) == NULL || json_object_set_new(store, name, entry) < 0) {
		r = HNSP_ERR_NOMEM;
		goto wipe;
	}
	r = store_save(state, store, err, errsize);
wipe:
	sodium_memzero(key, sizeof(key));
out:
	json_decref(store);
	store_unlock(fd);
	return r;
}

int secrets_remove(const char *state, const char *name, char *err, size_t errsize)
{
	json_t *store = NULL;
	int fd = -1, r;

	err[0] = '\0';
	if ((r = store_lock(state, &fd, err, errsize)) < 0 ||
	    (r = store_load(state, &store, err, errsize)) < 0)
		goto out;
	if (!secret_name_valid(name) || json_object_del(store, name) < 0) {
		snprintf(err, errsize, "no secret '%s'", name);
		r = HNSP_ERR_NOTFOUND;
		goto out;
	}
	r = store_save(state, store, err, errsize);
out:
	json_decref(store);
	store_unlock(fd);
	return r;
}

int secrets_list(const char *state, json_t **out)
{
	json_t *store = NULL, *list = json_array(), *entry;
	const char *name;
	char err[256];
	int r;

	*out = NULL;
	if (list == NULL)
		return HNSP_ERR_NOMEM;
	if ((r = store_load(state, &store, err, sizeof(err))) < 0) {
		json_decref(list);
		return r;
	}
	/* In the file's order: it is written sorted by name. */
	json_object_foreach(store, name, entry)
		json_array_append_new(list, json_pack("{s:s, s:s?}", "name", name, "set",
						      json_string_value(json_object_get(entry, "set"))));
	json_decref(store);
	*out = list;
	return 0;
}

int secrets_get(const char *state, const char *key_path, const char *name, char **out,
		char *err, size_t errsize)
{
	unsigned char key[KEY_BYTES];
	json_t *store = NULL, *entry;
	int r;

	*out = NULL;
	err[0] = '\0';
	if (sodium_init() < 0)
		return HNSP_ERR_NOMEM;
	if ((r = store_load(state, &store, err, errsize)) < 0)
		goto out;
	if (!secret_name_valid(name) || (entry = json_object_get(store, name)) == NULL) {
		snprintf(err, errsize,
			 "no secret '%s' in the store; add it with 'hnsp-installer secret set %s'",
			 name, secret_name_valid(name) ? name : "NAME");
		r = HNSP_ERR_NOTFOUND;
		goto out;
	}
	if ((r = key_load(state, key_path, false, key, err, errsize)) < 0)
		goto out;
	if ((r = unseal(key, name, entry, out)) == HNSP_ERR_INVALID)
		snprintf(err, errsize,
			 "secret '%s' does not open with key file '%s': a different key, or the "
			 "store was altered",
			 name, key_path);
	sodium_memzero(key, sizeof(key));
out:
	json_decref(store);
	return r;
}

void secret_free(char *value)
{
	if (value != NULL)
		sodium_memzero(value, strlen(value));
	free(value);
}
