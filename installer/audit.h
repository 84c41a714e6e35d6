/* audit.h: the audit log, STATE/audit.jsonl: who did what, and from where.
 *
 * One JSON object per line: {"time", "actor", "via", "address"?, "action",
 * ...detail}.  Lines are only ever appended (O_APPEND under an exclusive
 * flock, one write per line, fsynced), never rewritten, so the CLI, the TUI
 * and the web server can record into it at once.  Actions are dotted names:
 * login.ok, login.fail, user.add, user.remove, user.passwd, secret.set,
 * secret.remove, project.put, project.delete, run.start, run.stop,
 * run.resume.  A detail never holds a secret. */
#ifndef HNSP_AUDIT_H
#define HNSP_AUDIT_H

#include <jansson.h>
#include <stddef.h>

#define AUDIT_LINE_MAX 65536 /* a longer entry is refused, not cut */

/* Who acts: a web user with the client's address, or a local user of the
 * CLI or the TUI (audit_local_actor). */
struct audit_actor {
	const char *user;     /* borrowed: web user name, or the local login name */
	const char *via;      /* "web", "cli" or "tui" */
	const char *address;  /* the client's address, or NULL */
};

/* The local user running this process ("uid N" when it has no name) into
 * buf, and an actor for via that borrows buf. */
struct audit_actor audit_local_actor(const char *via, char *buf, size_t size);

/* Appends one entry to STATE/audit.jsonl (created 0600).  detail is a JSON
 * object whose members are added to the entry, stolen (NULL for none).
 * Returns 0, HNSP_ERR_IO (errno set), HNSP_ERR_LIMIT or HNSP_ERR_NOMEM. */
int audit_record(const char *state, const struct audit_actor *who, const char *action,
		 json_t *detail);

#endif
