/* keys.c: import, list and remove the keys kept in the state directory. */
#include "keys.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <libssh/libssh.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "journal.h"
#include "ssh.h"
#include "state.h"

bool keys_name_valid(const char *name)
{
	size_t n = strlen(name);

	return n >= 1 && n <= 63 && strchr("abcdefghijklmnopqrstuvwxyz0123456789", name[0]) &&
	       strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789-_") == n;
}

int keys_import(const char *state, const char *name, const char *text, size_t len,
		const char *passphrase, char *fingerprint, size_t size)
{
	char dir[PATH_MAX], path[PATH_MAX + 80], *copy = NULL, *b64 = NULL, *line = NULL;
	ssh_key priv = NULL, pub = NULL;
	int r = HNSP_ERR_LIMIT;

	if (len > KEYS_MAX_BYTES)
		goto out;
	r = HNSP_ERR_NOMEM;
	if ((copy = strndup(text, len)) == NULL)
		goto out;
	r = HNSP_ERR_INVALID;
	if (strlen(copy) != len ||
	    ssh_pki_import_privkey_base64(copy, passphrase, NULL, NULL, &priv) != SSH_OK ||
	    ssh_pki_export_privkey_to_pubkey(priv, &pub) != SSH_OK ||
	    ssh_pki_export_pubkey_base64(pub, &b64) != SSH_OK)
		goto out;
	ssh_fingerprint_of(pub, fingerprint, size);
	r = HNSP_ERR_NOMEM;
	if (asprintf(&line, "%s %s %s\n", ssh_key_type_to_char(ssh_key_type(pub)), b64, name) < 0) {
		line = NULL;
		goto out;
	}
	snprintf(dir, sizeof(dir), "%s/keys", state);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((r = state_mkdirs(dir, 0700)) == 0 &&
	    (r = journal_write_atomic(path, text, len, 0600)) == 0) {
		strcat(path, ".pub");
		r = journal_write_atomic(path, line, strlen(line), 0644);
	}
out:
	free(copy);
	free(b64);
	free(line);
	ssh_key_free(priv);
	ssh_key_free(pub);
	return r;
}

bool keys_find(const char *state, const char *text, size_t len, char *name, size_t size)
{
	char dir[PATH_MAX], path[PATH_MAX + 300], kept[KEYS_MAX_BYTES + 1];
	struct dirent **names = NULL;
	bool found = false;
	int n;

	snprintf(dir, sizeof(dir), "%s/keys", state);
	n = scandir(dir, &names, NULL, alphasort);
	for (int i = 0; i < n; i++) {
		FILE *f = NULL;
		size_t got = 0;
		if (!found && keys_name_valid(names[i]->d_name)) {
			snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
			if ((f = fopen(path, "re")) != NULL) {
				got = fread(kept, 1, sizeof(kept), f);
				fclose(f);
			}
			if (f != NULL && got == len && memcmp(kept, text, len) == 0) {
				snprintf(name, size, "%s", names[i]->d_name);
				found = true;
			}
		}
		free(names[i]);
	}
	free(names);
	sodium_memzero(kept, sizeof(kept));
	return found;
}

json_t *keys_list(const char *state)
{
	char dir[PATH_MAX], path[PATH_MAX + 300], fp[128];
	struct dirent **names = NULL;
	json_t *out = json_array();
	int n;

	snprintf(dir, sizeof(dir), "%s/keys", state);
	n = scandir(dir, &names, NULL, alphasort);
	for (int i = 0; i < n; i++) {
		const char *name = names[i]->d_name;
		ssh_key pub = NULL;
		if (out != NULL && keys_name_valid(name)) {
			snprintf(path, sizeof(path), "%s/%s.pub", dir, name);
			fp[0] = '\0';
			if (ssh_pki_import_pubkey_file(path, &pub) == SSH_OK)
				ssh_fingerprint_of(pub, fp, sizeof(fp));
			if (json_array_append_new(
				    out, json_pack("{s:s, s:s, s:s}", "name", name, "type",
						   pub ? ssh_key_type_to_char(ssh_key_type(pub)) : "?",
						   "fingerprint", fp)) < 0) {
				json_decref(out);
				out = NULL;
			}
		}
		ssh_key_free(pub);
		free(names[i]);
	}
	free(names);
	return out;
}

int keys_remove(const char *state, const char *name)
{
	char path[PATH_MAX + 80];

	if (!keys_name_valid(name))
		return HNSP_ERR_NOTFOUND;
	snprintf(path, sizeof(path), "%s/keys/%s", state, name);
	if (unlink(path) < 0)
		return errno == ENOENT ? HNSP_ERR_NOTFOUND : HNSP_ERR_IO;
	strcat(path, ".pub");
	return unlink(path) < 0 && errno != ENOENT ? HNSP_ERR_IO : 0;
}
