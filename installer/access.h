/* access.h: how to reach a project's hosts.
 *
 * Resolves the project's ssh settings into what the ssh module takes: key
 * and known_hosts paths (as project_load resolved them, or the state
 * directory's known_hosts), one endpoint per host with its own port and user, the jump
 * host, and the handshake gate shared by every connection of a run. */
#ifndef HNSP_ACCESS_H
#define HNSP_ACCESS_H

#include <stddef.h>

#include "project.h"
#include "ssh.h"

struct access {
	struct ssh_settings_view view;   /* borrows the fields below */
	struct ssh_endpoint *endpoints;  /* owned; one per project host, in order */
	size_t n;
	struct ssh_endpoint jump;        /* used when view.jump is set */
	char *key_file;                  /* owned */
	char *known_hosts;               /* owned */
	struct gate *gate;               /* owned */
	char *password;                  /* owned secrets opened by access_use_secrets, */
	char *passphrase;                /* or NULL; wiped by access_release */
	char *become_password;
};

/* Fills a from the project p (borrowed: it must outlive a).  state_dir holds
 * the default known_hosts.  passphrase and password are borrowed secrets, or
 * NULL.  Returns 0, HNSP_ERR_NOMEM or HNSP_ERR_LIMIT (a path too long). */
int access_init(struct access *a, const struct project *p, const char *state_dir,
		const char *passphrase, const char *password);
/* Opens, from the secrets store of state_dir, the secrets the project names
 * in ssh.password, ssh.key_passphrase and ssh.become_password, for those the
 * caller of access_init gave none of.  err gets one line for a person on
 * failure (naming the secret, never its value).  Returns 0 or an error of
 * secrets_get. */
int access_use_secrets(struct access *a, const struct project *p, const char *state_dir,
		       char *err, size_t errsize);
void access_release(struct access *a);

#endif
