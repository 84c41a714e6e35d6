/* ssh.c: connect, verify the host key, authenticate and run commands (libssh). */
#include "ssh.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <libssh/libssh.h>

#include "command.h"
#include "clock.h"
#include "error.h"
#include "fanout.h"

#define DEFAULT_MAX_OUTPUT (1u << 20)

/* One writer at a time appends to known_hosts files. */
static pthread_mutex_t known_hosts_lock = PTHREAD_MUTEX_INITIALIZER;

struct jump_link {
	struct ssh_conn *jump;  /* the connection to the jump host (owned) */
	ssh_channel channel;    /* direct-tcpip channel to the target */
	int sock;               /* our end of the socketpair */
	pthread_t pump;         /* moves bytes between sock and channel */
	volatile int stop;
};

struct ssh_conn {
	ssh_session session;
	char name[256];         /* host name for messages */
	char user[128];
	char fingerprint[128];  /* offered host key, "SHA256:..." */
	int sudo_asks;          /* -1 not probed; 0 sudo needs no password; 1 it asks */
	struct jump_link *link; /* NULL: direct */
};

static const char *const fail_names[] = {
	[SSH_FAIL_NONE] = "ok",         [SSH_FAIL_UNREACHABLE] = "unreachable",
	[SSH_FAIL_TIMEOUT] = "timeout", [SSH_FAIL_HOSTKEY] = "host key mismatch",
	[SSH_FAIL_AUTH] = "auth failed", [SSH_FAIL_COMMAND] = "command failed",
	[SSH_FAIL_LOCAL] = "local error",
};

const char *ssh_fail_name(enum ssh_fail kind)
{
	return (unsigned)kind < sizeof(fail_names) / sizeof(fail_names[0]) ? fail_names[kind]
									    : "unknown";
}

__attribute__((format(printf, 3, 4))) static int failf(struct ssh_failure *fail,
						       enum ssh_fail kind, const char *fmt, ...)
{
	va_list ap;

	fail->kind = kind;
	va_start(ap, fmt);
	vsnprintf(fail->message, sizeof(fail->message), fmt, ap);
	va_end(ap);
	return kind == SSH_FAIL_LOCAL ? HNSP_ERR_NOMEM : HNSP_ERR_IO;
}

/* ---- TCP: our own connect, so failures are classified by errno ---- */

static int tcp_connect(const struct ssh_endpoint *ep, long timeout_ms, int *fdp,
		       struct ssh_failure *fail)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *ai = NULL;
	char port[16];
	int fd = -1, err = 0, r;
	socklen_t len = sizeof(err);
	struct pollfd pfd;

	snprintf(port, sizeof(port), "%d", ep->port);
	if ((r = getaddrinfo(ep->address, port, &hints, &ai)) != 0)
		return failf(fail, SSH_FAIL_UNREACHABLE, "%s: cannot resolve '%s': %s", ep->name,
			     ep->address, gai_strerror(r));
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		r = failf(fail, SSH_FAIL_LOCAL, "%s: socket: %s", ep->name, strerror(errno));
		goto out;
	}
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0 && errno != EINPROGRESS) {
		err = errno;
		goto refused;
	}
	pfd = (struct pollfd){.fd = fd, .events = POLLOUT};
	do
		r = poll(&pfd, 1, (int)timeout_ms);
	while (r < 0 && errno == EINTR);
	if (r == 0) {
		r = failf(fail, SSH_FAIL_TIMEOUT, "%s: no answer from %s port %d within %ld ms",
			  ep->name, ep->address, ep->port, timeout_ms);
		goto out;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err != 0)
		goto refused;
	/* libssh does blocking I/O on the descriptor, with its own timeouts. */
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	/* A host that vanishes without a word is noticed within about 90 s, even
	 * during a command or transfer that has no timeout of its own. */
	{
		int on = 1, idle = 30, intvl = 10, cnt = 6;
		unsigned user_timeout = 90000;
		setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on));
		setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
		setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl));
		setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt));
		setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &user_timeout, sizeof(user_timeout));
	}
	*fdp = fd;
	fd = -1;
	r = 0;
	goto out;
refused:
	r = failf(fail, SSH_FAIL_UNREACHABLE, "%s: cannot connect to %s port %d: %s", ep->name,
		  ep->address, ep->port, strerror(err));
out:
	if (fd >= 0)
		close(fd);
	freeaddrinfo(ai);
	return r;
}

/* ---- jump host: a direct-tcpip channel pumped into a socketpair ---- */

static void *pump(void *arg)
{
	struct jump_link *l = arg;
	char buf[32768];

	while (!l->stop && !ssh_channel_is_eof(l->channel) && !ssh_channel_is_closed(l->channel)) {
		struct pollfd pfd = {.fd = l->sock, .events = POLLIN};
		int moved = 0, n;
		if (poll(&pfd, 1, 0) > 0) {
			n = (int)read(l->sock, buf, sizeof(buf));
			if (n <= 0)
				break;
			if (ssh_channel_write(l->channel, buf, (uint32_t)n) != n)
				break;
			moved = 1;
		}
		n = ssh_channel_read_nonblocking(l->channel, buf, sizeof(buf), 0);
		if (n < 0)
			break;
		if (n > 0) {
			for (int off = 0; off < n;) {
				ssize_t w = write(l->sock, buf + off, (size_t)(n - off));
				if (w <= 0)
					goto done;
				off += (int)w;
			}
			moved = 1;
		}
		if (!moved)
			ssh_channel_poll_timeout(l->channel, 5, 0);
	}
done:
	shutdown(l->sock, SHUT_RDWR);
	return NULL;
}

static void jump_free(struct jump_link *l)
{
	if (l == NULL)
		return;
	if (l->sock >= 0) {
		l->stop = 1;
		shutdown(l->sock, SHUT_RDWR);
		pthread_join(l->pump, NULL);
		close(l->sock);
	}
	if (l->channel != NULL) {
		ssh_channel_close(l->channel);
		ssh_channel_free(l->channel);
	}
	ssh_conn_free(l->jump);
	free(l);
}

static int jump_open(const struct ssh_settings_view *s, const struct ssh_endpoint *ep,
		     struct jump_link **out, int *fdp, struct ssh_failure *fail)
{
	struct ssh_settings_view direct = *s;
	struct jump_link *l = calloc(1, sizeof(*l));
	int pair[2], r;

	if (l == NULL)
		return failf(fail, SSH_FAIL_LOCAL, "%s: out of memory", ep->name);
	l->sock = -1;
	direct.jump = NULL;
	direct.gate = NULL; /* the caller already holds the gate for the jump host */
	if ((r = ssh_conn_open(&direct, s->jump, &l->jump, fail)) < 0) {
		char inner[sizeof(fail->message)];
		snprintf(inner, sizeof(inner), "%s", fail->message);
		failf(fail, fail->kind, "%s: via jump host: %s", ep->name, inner);
		goto err;
	}
	if ((l->channel = ssh_channel_new(l->jump->session)) == NULL ||
	    ssh_channel_open_forward(l->channel, ep->address, ep->port, "127.0.0.1", 22) !=
		    SSH_OK) {
		r = failf(fail, SSH_FAIL_UNREACHABLE, "%s: jump host '%s' cannot reach %s port %d: %s",
			  ep->name, s->jump->name, ep->address, ep->port,
			  ssh_get_error(l->jump->session));
		goto err;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) < 0) {
		r = failf(fail, SSH_FAIL_LOCAL, "%s: socketpair: %s", ep->name, strerror(errno));
		goto err;
	}
	l->sock = pair[0];
	if (pthread_create(&l->pump, NULL, pump, l) != 0) {
		close(pair[0]);
		close(pair[1]);
		l->sock = -1;
		r = failf(fail, SSH_FAIL_LOCAL, "%s: cannot start a thread", ep->name);
		goto err;
	}
	*fdp = pair[1];
	*out = l;
	return 0;
err:
	jump_free(l);
	return r;
}

/* ---- host keys ---- */

void ssh_fingerprint_of(ssh_key key, char *buf, size_t size)
{
	unsigned char *hash = NULL;
	size_t hlen = 0;
	char *fp = NULL;

	buf[0] = '\0';
	if (ssh_get_publickey_hash(key, SSH_PUBLICKEY_HASH_SHA256, &hash, &hlen) == 0 &&
	    (fp = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash, hlen)) != NULL)
		snprintf(buf, size, "%s", fp);
	ssh_string_free_char(fp);
	ssh_clean_pubkey_hash(&hash);
}

/* Fingerprints of every key known_hosts holds for the endpoint, ", "-joined.
 * Read here rather than through libssh's session lookup, which does not hand
 * back the entry of a changed key. */
static void known_fingerprints(const char *known_hosts, const struct ssh_endpoint *ep, char *buf,
			       size_t size)
{
	FILE *f = fopen(known_hosts, "r");
	char host[300], *line = NULL;
	size_t cap = 0, used = 0;

	buf[0] = '\0';
	if (f == NULL)
		return;
	if (ep->port == 22)
		snprintf(host, sizeof(host), "%s", ep->address);
	else
		snprintf(host, sizeof(host), "[%s]:%d", ep->address, ep->port);
	while (getline(&line, &cap, f) > 0) {
		struct ssh_knownhosts_entry *entry = NULL;
		char fp[128];
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '\0' || line[0] == '#')
			continue;
		if (ssh_known_hosts_parse_line(host, line, &entry) == SSH_OK && entry != NULL &&
		    entry->publickey != NULL) {
			ssh_fingerprint_of(entry->publickey, fp, sizeof(fp));
			if (used < size)
				used += (size_t)snprintf(buf + used, size - used, "%s%s",
							 used ? ", " : "", fp);
		}
		ssh_knownhosts_entry_free(entry);
	}
	free(line);
	fclose(f);
}

static int verify_host_key(struct ssh_conn *c, const struct ssh_settings_view *s,
			   const struct ssh_endpoint *ep, struct ssh_failure *fail)
{
	enum ssh_known_hosts_e state;
	ssh_key key = NULL;
	char known[512] = "";
	int r = 0;

	if (ssh_get_server_publickey(c->session, &key) != SSH_OK)
		return failf(fail, SSH_FAIL_HOSTKEY, "%s: the server offered no host key", ep->name);
	ssh_fingerprint_of(key, c->fingerprint, sizeof(c->fingerprint));
	ssh_key_free(key);
	if (s->policy == SSH_HOSTKEY_OFF)
		return 0;
	pthread_mutex_lock(&known_hosts_lock);
	state = ssh_session_is_known_server(c->session);
	switch (state) {
	case SSH_KNOWN_HOSTS_OK:
		break;
	case SSH_KNOWN_HOSTS_CHANGED:
	case SSH_KNOWN_HOSTS_OTHER:
		known_fingerprints(s->known_hosts, ep, known, sizeof(known));
		r = failf(fail, SSH_FAIL_HOSTKEY,
			  "%s: host key changed: %s has %s, the server offered %s; if the host "
			  "was reinstalled, remove the old key with 'ssh-keygen -R %s -f %s'",
			  ep->name, s->known_hosts, known[0] ? known : "a key of another type",
			  c->fingerprint, ep->address, s->known_hosts);
		break;
	case SSH_KNOWN_HOSTS_NOT_FOUND:
	case SSH_KNOWN_HOSTS_UNKNOWN:
		if (s->policy == SSH_HOSTKEY_STRICT) {
			r = failf(fail, SSH_FAIL_HOSTKEY,
				  "%s: host key %s is not in %s and the policy is strict; add it "
				  "(e.g. with ssh-keyscan) or use host_key_policy: accept-new",
				  ep->name, c->fingerprint, s->known_hosts);
			break;
		}
		if (ssh_session_update_known_hosts(c->session) != SSH_OK)
			r = failf(fail, SSH_FAIL_LOCAL, "%s: cannot record the host key in %s: %s",
				  ep->name, s->known_hosts, ssh_get_error(c->session));
		break;
	case SSH_KNOWN_HOSTS_ERROR:
	default:
		r = failf(fail, SSH_FAIL_LOCAL, "%s: cannot read %s: %s", ep->name, s->known_hosts,
			  ssh_get_error(c->session));
		break;
	}
	pthread_mutex_unlock(&known_hosts_lock);
	return r;
}

/* ---- authentication ---- */

static int authenticate(struct ssh_conn *c, const struct ssh_settings_view *s,
			const struct ssh_endpoint *ep, struct ssh_failure *fail)
{
	char tried[256] = "";
	int rc = ssh_userauth_none(c->session, NULL);

	if (rc == SSH_AUTH_SUCCESS)
		return 0;
	if (s->key_file != NULL) {
		ssh_key key = NULL;
		if (ssh_pki_import_privkey_file(s->key_file, s->passphrase, NULL, NULL, &key) !=
		    SSH_OK)
			return failf(fail, SSH_FAIL_LOCAL,
				     "%s: cannot read the private key %s (missing, unreadable, or "
				     "the passphrase is wrong)",
				     ep->name, s->key_file);
		rc = ssh_userauth_publickey(c->session, NULL, key);
		ssh_key_free(key);
		if (rc == SSH_AUTH_SUCCESS)
			return 0;
		snprintf(tried, sizeof(tried), "key %s", s->key_file);
	}
	if (rc != SSH_AUTH_ERROR && getenv("SSH_AUTH_SOCK") != NULL) {
		rc = ssh_userauth_agent(c->session, NULL);
		if (rc == SSH_AUTH_SUCCESS)
			return 0;
		snprintf(tried + strlen(tried), sizeof(tried) - strlen(tried), "%sthe agent's keys",
			 tried[0] ? ", " : "");
	}
	if (rc != SSH_AUTH_ERROR && s->password != NULL) {
		rc = ssh_userauth_password(c->session, NULL, s->password);
		if (rc == SSH_AUTH_SUCCESS)
			return 0;
		snprintf(tried + strlen(tried), sizeof(tried) - strlen(tried), "%sa password",
			 tried[0] ? ", " : "");
	}
	if (rc == SSH_AUTH_ERROR)
		return failf(fail, SSH_FAIL_UNREACHABLE, "%s: connection lost while authenticating: %s",
			     ep->name, ssh_get_error(c->session));
	return failf(fail, SSH_FAIL_AUTH, "%s: authentication as '%s' failed (tried %s)", ep->name,
		     ep->user, tried[0] ? tried : "nothing: no key file, agent or password");
}

/* ---- connections ---- */

int ssh_conn_open(const struct ssh_settings_view *s, const struct ssh_endpoint *ep,
		  struct ssh_conn **out, struct ssh_failure *fail)
{
	struct ssh_conn *c = calloc(1, sizeof(*c));
	long timeout_usec = s->connect_timeout_ms * 1000L;
	const char *gate_key = s->jump ? s->jump->address : ep->address;
	bool gated = false;
	int fd = -1, no = 0, r;

	*out = NULL;
	fail->kind = SSH_FAIL_NONE;
	fail->message[0] = '\0';
	if (c == NULL || (c->session = ssh_new()) == NULL) {
		free(c);
		return failf(fail, SSH_FAIL_LOCAL, "%s: out of memory", ep->name);
	}
	snprintf(c->name, sizeof(c->name), "%s", ep->name);
	snprintf(c->user, sizeof(c->user), "%s", ep->user);
	c->sudo_asks = -1;
	/* Unauthenticated handshakes count against sshd's MaxStartups. */
	if (s->gate != NULL) {
		if (gate_enter(s->gate, gate_key) < 0) {
			r = failf(fail, SSH_FAIL_LOCAL, "%s: out of memory", ep->name);
			goto err;
		}
		gated = true;
	}
	r = s->jump ? jump_open(s, ep, &c->link, &fd, fail)
		    : tcp_connect(ep, s->connect_timeout_ms, &fd, fail);
	if (r < 0)
		goto err;
	/* The session owns fd from here: ssh_free closes it. */
	if (ssh_options_set(c->session, SSH_OPTIONS_FD, &fd) < 0 ||
	    ssh_options_set(c->session, SSH_OPTIONS_HOST, ep->address) < 0 ||
	    ssh_options_set(c->session, SSH_OPTIONS_PORT, &ep->port) < 0 ||
	    ssh_options_set(c->session, SSH_OPTIONS_USER, ep->user) < 0 ||
	    ssh_options_set(c->session, SSH_OPTIONS_TIMEOUT_USEC, &timeout_usec) < 0 ||
	    ssh_options_set(c->session, SSH_OPTIONS_PROCESS_CONFIG, &no) < 0 ||
	    ssh_options_set(c->session, SSH_OPTIONS_KNOWNHOSTS, s->known_hosts) < 0 ||
	    ssh_options_set(c->session, SSH_OPTIONS_GLOBAL_KNOWNHOSTS, "/dev/null") < 0) {
		close(fd);
		r = failf(fail, SSH_FAIL_LOCAL, "%s: cannot set SSH options: %s", ep->name,
			  ssh_get_error(c->session));
		goto err;
	}
	if (ssh_connect(c->session) != SSH_OK) {
		const char *why = ssh_get_error(c->session);
		r = failf(fail, strstr(why, "imeout") ? SSH_FAIL_TIMEOUT : SSH_FAIL_UNREACHABLE,
			  "%s: SSH handshake with %s port %d failed: %s", ep->name, ep->address,
			  ep->port, why);
		goto err;
	}
	if ((r = verify_host_key(c, s, ep, fail)) < 0 || (r = authenticate(c, s, ep, fail)) < 0)
		goto err;
	if (gated)
		gate_leave(s->gate, gate_key);
	*out = c;
	return 0;
err:
	if (gated)
		gate_leave(s->gate, gate_key);
	ssh_conn_free(c);
	return r;
}

void ssh_conn_free(struct ssh_conn *c)
{
	if (c == NULL)
		return;
	if (c->session != NULL) {
		ssh_disconnect(c->session);
		ssh_free(c->session);
	}
	jump_free(c->link);
	free(c);
}

const char *ssh_conn_name(const struct ssh_conn *c)
{
	return c->name;
}

const char *ssh_conn_fingerprint(const struct ssh_conn *c)
{
	return c->fingerprint;
}

struct ssh_session_struct *ssh_conn_session(struct ssh_conn *c)
{
	return c->session;
}

/* ---- exec ---- */

struct stream_buf {
	char *data;          /* captured tail, NUL-terminated */
	size_t len;
	size_t cap;          /* max bytes kept */
	char *line;          /* the line being assembled for on_line (owned) */
	size_t line_len;
	size_t line_cap;     /* max_line */
	bool line_over;      /* the current line passed max_line: it is dropped */
	bool truncated;
};

static void capture(struct stream_buf *b, const char *p, size_t n)
{
	if (n >= b->cap) {
		p += n - b->cap;
		n = b->cap;
		b->len = 0;
		b->truncated = true;
	} else if (b->len + n > b->cap) {
		size_t drop = b->len + n - b->cap;
		memmove(b->data, b->data + drop, b->len - drop);
		b->len -= drop;
		b->truncated = true;
	}
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

static void split_lines(struct stream_buf *b, const struct ssh_exec_options *o,
			enum ssh_stream stream, const char *p, size_t n, bool flush)
{
	if (o->on_line == NULL)
		return;
	for (size_t i = 0; i < n; i++) {
		if (p[i] != '\n') {
			if (b->line_len < b->line_cap)
				b->line[b->line_len++] = p[i];
			else
				b->line_over = true;
			continue;
		}
		if (!b->line_over)
			o->on_line(o->ctx, stream, b->line, b->line_len);
		b->line_len = 0;
		b->line_over = false;
	}
	if (flush && b->line_len > 0 && !b->line_over)
		o->on_line(o->ctx, stream, b->line, b->line_len);
	if (flush)
		b->line_len = 0;
}

/* True when the password goes to sudo on stdin: only when sudo asks for one,
 * or it would reach the command's own input instead. */
static bool sends_password(const struct ssh_conn *c, const struct ssh_exec_options *o)
{
	return o->become && o->become_password && strcmp(c->user, "root") != 0 && c->sudo_asks == 1;
}

/* argv, run through sudo when asked and not already root. */
static char *build_command(const struct ssh_conn *c, const char *const *argv,
			   const struct ssh_exec_options *o)
{
	const char *full[256];
	size_t n = 0;

	if (o->become && strcmp(c->user, "root") != 0) {
		full[n++] = "sudo";
		full[n++] = sends_password(c, o) ? "-S" : "-n";
		full[n++] = "-p";
		full[n++] = "";
		full[n++] = "--";
	}
	for (size_t i = 0; argv[i] != NULL; i++) {
		if (n >= sizeof(full) / sizeof(full[0]) - 1)
			return NULL;
		full[n++] = argv[i];
	}
	full[n] = NULL;
	return command_quote(full);
}

static int send_all(ssh_channel ch, const void *p, size_t n)
{
	const char *s = p;

	while (n > 0) {
		int w = ssh_channel_write(ch, s, n > 65536 ? 65536 : (uint32_t)n);
		if (w <= 0)
			return -1;
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

int ssh_conn_exec(struct ssh_conn *c, const char *const *argv, const struct ssh_exec_options *o,
		  struct ssh_exec_result *res, struct ssh_failure *fail)
{
	size_t cap = o->max_output ? o->max_output : DEFAULT_MAX_OUTPUT;
	size_t max_line = o->max_line ? o->max_line : 4096;
	struct stream_buf bufs[2] = {{.cap = cap, .line_cap = max_line},
				     {.cap = cap, .line_cap = max_line}};
	ssh_channel ch = NULL;
	char *cmd = NULL, chunk[16384];
	long start = clock_ms(), cancelled_at = 0;
	int r;

	if (o->become && o->become_password && strcmp(c->user, "root") != 0 && c->sudo_asks < 0) {
		/* Once per connection: does sudo want the password at all? */
		const char *probe[] = {"sudo", "-n", "true", NULL};
		struct ssh_exec_options po = {.timeout_ms = 30000, .max_output = 4096};
		if ((r = ssh_conn_exec(c, probe, &po, res, fail)) < 0)
			return r;
		c->sudo_asks = res->exit_status != 0;
		ssh_exec_result_release(res);
	}
	memset(res, 0, sizeof(*res));
	res->exit_status = -1;
	fail->kind = SSH_FAIL_NONE;
	fail->message[0] = '\0';
	if ((cmd = build_command(c, argv, o)) == NULL ||
	    (bufs[0].data = malloc(cap + 1)) == NULL || (bufs[1].data = malloc(cap + 1)) == NULL ||
	    (o->on_line && ((bufs[0].line = malloc(max_line)) == NULL ||
			    (bufs[1].line = malloc(max_line)) == NULL))) {
		r = failf(fail, SSH_FAIL_LOCAL, "%s: out of memory (or too many arguments)", c->name);
		goto out;
	}
	bufs[0].data[0] = bufs[1].data[0] = '\0';
	if ((ch = ssh_channel_new(c->session)) == NULL || ssh_channel_open_session(ch) != SSH_OK ||
	    ssh_channel_request_exec(ch, cmd) != SSH_OK) {
		r = failf(fail, SSH_FAIL_UNREACHABLE, "%s: cannot start a command: %s", c->name,
			  ssh_get_error(c->session));
		goto out;
	}
	if ((sends_password(c, o) &&
	     (send_all(ch, o->become_password, strlen(o->become_password)) < 0 ||
	      send_all(ch, "\n", 1) < 0)) ||
	    (o->input && send_all(ch, o->input, o->input_len) < 0) || ssh_channel_send_eof(ch) != SSH_OK) {
		r = failf(fail, SSH_FAIL_COMMAND, "%s: cannot send input: %s", c->name,
			  ssh_get_error(c->session));
		goto out;
	}
	for (;;) {
		long left = o->timeout_ms > 0 ? o->timeout_ms - (clock_ms() - start) : 1000;
		int got = 0;
		if (o->cancel && *o->cancel && cancelled_at == 0) {
			/* Like Ctrl-C: the command stops after what it is doing. */
			ssh_channel_request_send_signal(ch, "INT");
			cancelled_at = clock_ms();
		}
		if (cancelled_at && clock_ms() - cancelled_at > 20000) {
			r = failf(fail, SSH_FAIL_COMMAND, "%s: '%s' was interrupted", c->name, argv[0]);
			goto out;
		}
		if (left <= 0) {
			r = failf(fail, SSH_FAIL_TIMEOUT, "%s: '%s' did not finish within %ld ms",
				  c->name, argv[0], o->timeout_ms);
			goto out;
		}
		for (int s = 0; s < 2; s++) {
			int n = ssh_channel_read_nonblocking(ch, chunk, sizeof(chunk), s);
			if (n == SSH_ERROR) {
				r = failf(fail, SSH_FAIL_UNREACHABLE,
					  "%s: connection lost while '%s' ran: %s", c->name, argv[0],
					  ssh_get_error(c->session));
				goto out;
			}
			if (n > 0) {
				capture(&bufs[s], chunk, (size_t)n);
				split_lines(&bufs[s], o, (enum ssh_stream)s, chunk, (size_t)n, false);
				got = 1;
			}
		}
		if (got)
			continue;
		if (ssh_channel_is_eof(ch) || ssh_channel_is_closed(ch))
			break;
		if (ssh_channel_poll_timeout(ch, left < 100 ? (int)left : 100, 0) == SSH_ERROR) {
			r = failf(fail, SSH_FAIL_UNREACHABLE, "%s: connection lost while '%s' ran: %s",
				  c->name, argv[0], ssh_get_error(c->session));
			goto out;
		}
	}
	split_lines(&bufs[0], o, SSH_STDOUT, "", 0, true);
	split_lines(&bufs[1], o, SSH_STDERR, "", 0, true);
	res->exit_status = ssh_channel_get_exit_status(ch);
	res->out = bufs[0].data;
	res->out_len = bufs[0].len;
	res->err = bufs[1].data;
	res->err_len = bufs[1].len;
	res->truncated = bufs[0].truncated || bufs[1].truncated;
	bufs[0].data = bufs[1].data = NULL;
	r = 0;
out:
	res->elapsed_ms = clock_ms() - start;
	if (ch != NULL) {
		ssh_channel_close(ch);
		ssh_channel_free(ch);
	}
	free(bufs[0].data);
	free(bufs[1].data);
	free(bufs[0].line);
	free(bufs[1].line);
	free(cmd);
	return r;
}

void ssh_exec_result_release(struct ssh_exec_result *res)
{
	free(res->out);
	free(res->err);
	memset(res, 0, sizeof(*res));
}
