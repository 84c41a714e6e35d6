/* audit.h: the audit log, STATE/audit.jsonl: who did what, and from where.
 *
 * One JSON object per line: {"time", "actor", "via", "address"?, "action",
 * ...detail}.  Lines are only ever appended (O_APPEND under an exclusive
 * flock, one write per line, fsynced), never rewritten or truncated by any
 * part of the program, so the CLI, the TUI and the web server can record into
 * it at once.  The file is 0600 in the 0700 state directory.
 *
 * Actions are dotted names, each with its detail members:
 *   login.ok, logout                   (none)
 *   login.fail, passwd.fail            "reason"
 *   user.add                           "user", "role"
 *   user.remove, user.passwd, user.token  "user"
 *   secret.set, secret.remove          "secret" (the name, never the value)
 *   key.import, key.remove             "key", and "fingerprint" on import
 *   project.put                        "project", "created", "diff" (audit_diff)
 *   project.delete                     "project"
 *   run.start, run.resume              "run", "project", "from"?, "only"?
 *   run.stop                           "run"
 *   bundle.build, verify.run           "project", "ok" (from the web GUI)
 * A detail never holds a secret. */
#ifndef HNSP_AUDIT_H
#define HNSP_AUDIT_H

#include <jansson.h>
#include <stddef.h>
#include <time.h>

#define AUDIT_LINE_MAX 65536          /* a longer entry is refused, not cut */
#define AUDIT_READ_MAX (16u << 20)    /* audit_read parses at most the last 16 MiB */
#define AUDIT_DIFF_KEYS 32            /* changed keys named in a diff, at most */

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

/* A project file's change from old_text to new_text (NULL: none, for a
 * creation or a removal), small and without any value:
 * {"lines_added", "lines_removed", "keys"}: lines counted as a multiset
 * (a moved line counts neither way), keys the top-level keys whose values
 * differ (added and removed ones too; the first AUDIT_DIFF_KEYS, sorted),
 * or null when a text is not a YAML mapping.  New, or NULL without memory. */
json_t *audit_diff(const char *old_text, const char *new_text);

/* Reads the newest entries of STATE/audit.jsonl, newest first: at most
 * limit of them, none older than since (0: any), from the last
 * AUDIT_READ_MAX bytes.  *out is new: {"entries": [...], "damaged": [line
 * numbers of the lines that are not an entry], "partial": true when older
 * entries were not read}.  A missing file has no entries.  Returns 0,
 * HNSP_ERR_IO (errno set) or HNSP_ERR_NOMEM. */
int audit_read(const char *state, time_t since, size_t limit, json_t **out);

/* Parses a --since TIME: "YYYY-MM-DD", "YYYY-MM-DDTHH:MM[:SS][Z]" (UTC), or
 * "N" followed by s, m, h or d (that long before now).  Returns 0 or
 * HNSP_ERR_INVALID. */
int audit_parse_time(const char *s, time_t now, time_t *out);

#endif
