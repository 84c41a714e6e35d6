/* ssh.h: one SSH connection to one host, over libssh.
 *
 * A connection is opened with a verified host key (policy strict, accept-new
 * or off, OpenSSH known_hosts format), authenticated with a key file, the
 * agent or a password, optionally through a jump host.  Commands are argument
 * vectors (see command.h); output streams line by line and is capped.
 * A struct ssh_conn is used by one thread at a time.  Nothing here prints:
 * failures come back classified, with one line a person can act on. */
#ifndef HNSP_SSH_H
#define HNSP_SSH_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

struct gate;
struct ssh_key_struct; /* libssh's ssh_key */

/* What went wrong, for tables and exit codes. */
enum ssh_fail {
	SSH_FAIL_NONE,
	SSH_FAIL_UNREACHABLE, /* no route, refused, name not found */
	SSH_FAIL_TIMEOUT,     /* connect, handshake or command took too long */
	SSH_FAIL_HOSTKEY,     /* host key unknown (strict) or changed */
	SSH_FAIL_AUTH,        /* no offered credential was accepted */
	SSH_FAIL_COMMAND,     /* the command ran and failed, or the channel broke */
	SSH_FAIL_LOCAL        /* out of memory, unreadable key file, ... */
};

/* A short name for a failure class: "unreachable", "timeout", ... */
const char *ssh_fail_name(enum ssh_fail kind);

struct ssh_failure {
	enum ssh_fail kind;
	char message[768];    /* one line, lowercase, names the host */
};

enum ssh_hostkey_policy { SSH_HOSTKEY_STRICT, SSH_HOSTKEY_ACCEPT_NEW, SSH_HOSTKEY_OFF };

/* Where to connect, as whom.  Borrowed strings. */
struct ssh_endpoint {
	const char *name;     /* the host's name in messages */
	const char *address;  /* IP address or DNS name */
	int port;
	const char *user;
};

/* Settings shared by every connection of a run.  Borrowed strings; secrets
 * (passphrase, password) are never copied into messages. */
struct ssh_settings_view {
	const char *key_file;        /* private key; NULL: ssh-agent only */
	const char *passphrase;      /* for key_file, or NULL */
	const char *password;        /* password authentication, or NULL */
	const char *known_hosts;     /* known_hosts file (created when needed) */
	enum ssh_hostkey_policy policy;
	long connect_timeout_ms;     /* TCP connect and SSH handshake */
	const struct ssh_endpoint *jump; /* NULL: connect directly */
	struct gate *gate;           /* limits handshakes per address (fanout.h); or NULL */
};

struct ssh_conn;

/* Connects, verifies the host key and authenticates.  *out is a new
 * connection on success; on failure it is NULL and fail says why.
 * Returns 0 or a negative HNSP_ERR_* code. */
int ssh_conn_open(const struct ssh_settings_view *settings, const struct ssh_endpoint *ep,
		  struct ssh_conn **out, struct ssh_failure *fail);
void ssh_conn_free(struct ssh_conn *conn);

/* The host's name, as given in its endpoint. */
const char *ssh_conn_name(const struct ssh_conn *conn);

/* The SHA256 fingerprint of the host key the server offered ("SHA256:..."). */
const char *ssh_conn_fingerprint(const struct ssh_conn *conn);

enum ssh_stream { SSH_STDOUT, SSH_STDERR };

struct ssh_exec_options {
	long timeout_ms;             /* whole command; 0: none */
	bool become;                 /* run through sudo (not when the user is root) */
	const char *become_password; /* sent on stdin to sudo -S, never in argv; or NULL */
	const void *input;           /* bytes sent to the command's stdin, or NULL */
	size_t input_len;
	size_t max_output;           /* bytes kept per stream; 0: 1 MiB.  The tail is kept */
	/* When it becomes non-zero, the command gets SIGINT (and its channel is
	 * closed 20 s later); the call then fails with "interrupted".  May be NULL. */
	const volatile sig_atomic_t *cancel;
	size_t max_line;             /* longest line handed to on_line; 0: 4096.  Longer
				      * lines are dropped whole, never split */
	/* Called for each complete line (without '\n') as it arrives; may be NULL. */
	void (*on_line)(void *ctx, enum ssh_stream stream, const char *line, size_t len);
	void *ctx;
};

struct ssh_exec_result {
	int exit_status;             /* the command's exit status; -1 if none (killed, broken) */
	char *out;                   /* owned, NUL-terminated captured stdout (tail) */
	size_t out_len;
	char *err;                   /* owned, captured stderr (tail) */
	size_t err_len;
	bool truncated;              /* some output was dropped to respect max_output */
	long elapsed_ms;
};

/* Runs argv (NULL-terminated) on the host.  A command that runs and exits
 * non-zero is a success of this call (look at exit_status); a timeout or a
 * broken connection is a failure.  Release result with ssh_exec_result_release. */
int ssh_conn_exec(struct ssh_conn *conn, const char *const *argv,
		  const struct ssh_exec_options *opts, struct ssh_exec_result *result,
		  struct ssh_failure *fail);
void ssh_exec_result_release(struct ssh_exec_result *result);

/* The libssh session, for modules that open channels of their own (sftp). */
struct ssh_session_struct *ssh_conn_session(struct ssh_conn *conn);

/* "SHA256:..." of a libssh key (borrowed) into buf; "" when it cannot be had. */
void ssh_fingerprint_of(struct ssh_key_struct *key, char *buf, size_t size);

#endif
