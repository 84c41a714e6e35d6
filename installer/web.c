/* web.c: the web GUI's HTTP server: a route table over the engine's modules. */
#include "web.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <microhttpd.h>
#include <netdb.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "access.h"
#include "audit.h"
#include "bundle.h"
#include "clock.h"
#include "engine.h"
#include "error.h"
#include "journal.h"
#include "keys.h"
#include "plan.h"
#include "preflight.h"
#include "project.h"
#include "projects.h"
#include "secrets.h"
#include "state.h"
#include "verify.h"

#define SESSION_MAX 1024
#define SESSION_TTL (12 * 3600)   /* seconds */
#define SESSIONS_PER_USER 16
#define LOGIN_WINDOW 60           /* seconds over which failures count */
#define LOGIN_FAILS_MAX 5         /* failures per address and window */
#define LOGIN_SOURCES 256         /* addresses remembered */
#define HEARTBEAT_S 15            /* event-stream keep-alive */
#define LOGIN_BODY_MAX 4096       /* a login is a name and a password */
#define CONN_MAX 1000             /* connections at once, from every address */
#define CONN_PER_ADDRESS 64       /* from one address: a browser needs a handful */
#define REQUEST_DEADLINE_S 10     /* to send a request's header (a login: also its
				     body), from the accept or the last answer */
#define IDLE_TIMEOUT_S 120        /* silence allowed once it is in (event streams
				     send a keep-alive every HEARTBEAT_S) */
#define HSTS "max-age=31536000"   /* a year; no includeSubDomains: the name may be shared */

/* On every answer: no framing, no other origin, no MIME sniffing, no referrer. */
static const struct {
	const char *name, *value;
} security_headers[] = {
	{"Content-Security-Policy",
	 "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"},
	{"X-Frame-Options", "DENY"},
	{"X-Content-Type-Options", "nosniff"},
	{"Referrer-Policy", "no-referrer"},
};

/* The GUI's files: nothing else is served outside /api/. */
static const struct {
	const char *path;
	const char *file;
	const char *type;
} static_files[] = {
	{"/", "index.html", "text/html; charset=utf-8"},
	{"/index.html", "index.html", "text/html; charset=utf-8"},
	{"/app.js", "app.js", "text/javascript; charset=utf-8"},
	{"/app.css", "app.css", "text/css; charset=utf-8"},
};

struct session {
	char id[65];             /* cookie value; empty: free slot */
	char csrf[65];
	char uid[USER_ID_LEN + 1];    /* the user's id: its name may be reused */
	char pw_tag[USER_ID_LEN + 1]; /* the password it logged in with */
	time_t expires;
};

struct login_source {
	char addr[INET6_ADDRSTRLEN];
	time_t window_start;
	int fails;
};

/* A connection whose request is not in yet: cut at its deadline, however
 * slowly it trickles (libmicrohttpd's own timeout counts silence only). */
struct waiting {
	bool used;
	int fd;                  /* the connection's socket, open while used */
	long deadline;           /* clock_ms(); 0: its request is in */
};

/* A run started from the GUI: the engine runs in its own thread. */
struct web_run {
	struct web_run *next;
	struct web *w;
	char id[128];
	struct engine *e;
	struct project *p;
	struct plan *plan;
	struct access acc;
	char *become;            /* secret; wiped when the run ends */
	char *only, *from;       /* the engine borrows them */
	pthread_t thread;
	bool done;
};

struct web {
	struct MHD_Daemon *daemon;
	struct web_config cfg;
	bool tls;
	char url[128];
	pthread_mutex_t lock;        /* sessions, sources, runs */
	struct session sessions[SESSION_MAX];
	struct login_source sources[LOGIN_SOURCES];
	struct web_run *runs;
	atomic_bool stopping;
	struct waiting waiting[CONN_MAX]; /* under lock */
	pthread_t reaper;            /* cuts the connections past their deadline */
	bool reaper_started;
	bool loopback;               /* listens on a loopback address only */
	char hostnames[WEB_HOSTNAMES_MAX][254]; /* --hostname, lowercase, no final dot */
	size_t nhostnames;
};


/* What a handler gets. */
struct call {
	struct web *w;
	struct MHD_Connection *conn;
	const char *method;
	const char *arg[2];          /* the path's "*" segments */
	json_t *body;                /* parsed JSON body, or NULL */
	char user[USER_NAME_MAX + 1];
	char uid[USER_ID_LEN + 1];
	enum user_role role;         /* looked up afresh for each request */
	char session[65];            /* empty for a bearer token */
};

struct route;

/* One request across libmicrohttpd's calls: admitted on the first, its
 * body collected on the next ones, answered on the last. */
struct request {
	const struct route *route;
	struct call c;
	char path[1024];             /* the URL's path; c.arg points into it */
	char *body;
	size_t len;
	size_t max;                  /* the route's body cap */
	bool too_big;
	bool admitted;               /* admit() let it in: nothing is answered yet */
};

/* ---- answers ---- */

static void add_headers(struct MHD_Response *resp, bool api)
{
	for (size_t i = 0; i < sizeof(security_headers) / sizeof(security_headers[0]); i++)
		MHD_add_response_header(resp, security_headers[i].name, security_headers[i].value);
	if (api)
		MHD_add_response_header(resp, "Cache-Control", "no-store");
}

static bool served_over_tls(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_DAEMON);
	const union MHD_DaemonInfo *di =
		ci ? MHD_get_daemon_info(ci->daemon, MHD_DAEMON_INFO_FLAGS) : NULL;

	return di != NULL && (di->flags & MHD_USE_TLS) != 0;
}

/* Queues resp (taken; NULL when it could not be made) as the answer, with
 * its type, the security headers, and header name: value when name is set. */
static enum MHD_Result queue(struct MHD_Connection *conn, unsigned status,
			     struct MHD_Response *resp, const char *type, bool api,
			     const char *name, const char *value)
{
	enum MHD_Result r;

	if (resp == NULL)
		return MHD_NO;
	MHD_add_response_header(resp, "Content-Type", type);
	if (name != NULL)
		MHD_add_response_header(resp, name, value);
	add_headers(resp, api);
	if (served_over_tls(conn))
		MHD_add_response_header(resp, "Strict-Transport-Security", HSTS);
	r = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return r;
}

/* Answers len bytes of data (taken). */
static enum MHD_Result send_buffer(struct MHD_Connection *conn, unsigned status, char *data,
				   size_t len, const char *type, bool api)
{
	struct MHD_Response *resp =
		MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE);

	if (resp == NULL)
		free(data);
	return queue(conn, status, resp, type, api, NULL, NULL);
}

/* Answers j (stolen) with one more header when name is not NULL. */
static enum MHD_Result reply_with(struct MHD_Connection *conn, unsigned status, json_t *j,
				  const char *name, const char *value)
{
	char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
	struct MHD_Response *resp;

	json_decref(j);
	if (text == NULL)
		return send_buffer(conn, 500, strdup("{\"error\":\"out of memory\"}"), 25,
				   "application/json", true);
	if ((resp = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE)) ==
	    NULL)
		free(text);
	return queue(conn, status, resp, "application/json", true, name, value);
}

/* Answers j (stolen). */
static enum MHD_Result reply(struct MHD_Connection *conn, unsigned status, json_t *j)
{
	return reply_with(conn, status, j, NULL, NULL);
}

__attribute__((format(printf, 3, 4))) static enum MHD_Result
fail(struct MHD_Connection *conn, unsigned status, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return reply(conn, status, json_pack("{s:s}", "error", msg));
}

/* ---- sessions, tokens, login attempts ---- */

static void random_hex(char out[65])
{
	unsigned char raw[32];

	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(out, 65, raw, sizeof(raw));
}

static bool same_secret(const char *a, const char *b)
{
	size_t n = strlen(a);

	return n > 0 && n == strlen(b) && sodium_memcmp(a, b, n) == 0;
}

/* Fills c's identity from the session cookie or the bearer token.  Who it
 * is and its role are read from the users as they are now: a session is
 * refused once its user is removed (even if the name is added again) or
 * has a new password. */
static bool authenticate(struct call *c)
{
	const char *cookie = MHD_lookup_connection_value(c->conn, MHD_COOKIE_KIND, "hnsp_session");
	const char *auth = MHD_lookup_connection_value(c->conn, MHD_HEADER_KIND, "Authorization");
	char uid[USER_ID_LEN + 1] = "", pw_tag[USER_ID_LEN + 1] = "";
	struct user_info who;
	time_t now = time(NULL);
	bool ok = false;

	if (auth != NULL && strncmp(auth, "Bearer ", 7) == 0) {
		ok = users_check_token(c->w->cfg.users, auth + 7, &who);
	} else if (cookie != NULL) {
		pthread_mutex_lock(&c->w->lock);
		for (size_t i = 0; i < SESSION_MAX; i++) {
			struct session *s = &c->w->sessions[i];
			if (s->id[0] == '\0' || !same_secret(s->id, cookie))
				continue;
			if (s->expires < now) {
				memset(s, 0, sizeof(*s));
				break;
			}
			memcpy(uid, s->uid, sizeof(uid));
			memcpy(pw_tag, s->pw_tag, sizeof(pw_tag));
			snprintf(c->session, sizeof(c->session), "%s", s->id);
			break;
		}
		pthread_mutex_unlock(&c->w->lock);
		ok = users_by_id(c->w->cfg.users, uid, &who) && strcmp(who.pw_tag, pw_tag) == 0;
	}
	if (!ok) {
		c->session[0] = '\0';
		return false;
	}
	snprintf(c->user, sizeof(c->user), "%s", who.name);
	memcpy(c->uid, who.id, sizeof(c->uid));
	c->role = who.role;
	return true;
}

/* The caller's session slot, or NULL (a bearer token, or none); w->lock held. */
static struct session *session_of(struct call *c)
{
	for (size_t i = 0; c->session[0] && i < SESSION_MAX; i++)
		if (strcmp(c->w->sessions[i].id, c->session) == 0)
			return &c->w->sessions[i];
	return NULL;
}

static bool csrf_ok(struct call *c)
{
	const char *token = MHD_lookup_connection_value(c->conn, MHD_HEADER_KIND, "X-CSRF-Token");
	struct session *own;
	bool ok;

	if (c->session[0] == '\0')
		return true; /* a bearer token is not sent by browsers on their own */
	if (token == NULL)
		return false;
	pthread_mutex_lock(&c->w->lock);
	ok = (own = session_of(c)) != NULL && same_secret(own->csrf, token);
	pthread_mutex_unlock(&c->w->lock);
	return ok;
}

static void client_address(struct MHD_Connection *conn, char *buf, size_t size)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);

	buf[0] = '\0';
	if (ci != NULL && ci->client_addr != NULL)
		getnameinfo(ci->client_addr,
			    ci->client_addr->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
								   : sizeof(struct sockaddr_in),
			    buf, (socklen_t)size, NULL, 0, NI_NUMERICHOST);
}

/* Records action in the audit log as user (NULL: c's) from the client's
 * address; detail is stolen.  A log that cannot be written is said on the
 * server's standard error: the action itself is done. */
static void audit(struct call *c, const char *user, const char *action, json_t *detail)
{
	char addr[INET6_ADDRSTRLEN];
	struct audit_actor who = {.user = user ? user : c->user, .via = "web", .address = addr};
	int r;

	client_address(c->conn, addr, sizeof(addr));
	if ((r = audit_record(c->w->cfg.state_dir, &who, action, detail)) < 0)
		fprintf(stderr, "hnsp-installer web: cannot record '%s' in %s/audit.jsonl: %s\n",
			action, c->w->cfg.state_dir,
			r == HNSP_ERR_IO ? strerror(errno) : hnsp_strerror(r));
}

/* The address's entry, made when missing (the oldest is reused); w->lock held. */
static struct login_source *login_source(struct web *w, const char *addr, time_t now)
{
	struct login_source *oldest = &w->sources[0];

	for (size_t i = 0; i < LOGIN_SOURCES; i++) {
		struct login_source *s = &w->sources[i];
		if (strcmp(s->addr, addr) == 0) {
			if (now - s->window_start >= LOGIN_WINDOW) {
				s->window_start = now;
				s->fails = 0;
			}
			return s;
		}
		if (s->window_start < oldest->window_start)
			oldest = s;
	}
	snprintf(oldest->addr, sizeof(oldest->addr), "%s", addr);
	oldest->window_start = now;
	oldest->fails = 0;
	return oldest;
}

/* Counts an attempt at a password from addr before the slow check, so that
 * parallel guesses count too.  Returns 0, or the seconds addr must wait
 * when it has failed too often; *first_refusal tells the first such answer
 * of the window. */
static long attempt_start(struct web *w, const char *addr, bool *first_refusal)
{
	time_t now = time(NULL);
	struct login_source *src;
	long wait = 0;

	pthread_mutex_lock(&w->lock);
	src = login_source(w, addr, now);
	/* Past the cap, one more count marks the window's first refusal, so a
	 * flood is recorded once a window. */
	*first_refusal = src->fails == LOGIN_FAILS_MAX;
	if (src->fails >= LOGIN_FAILS_MAX)
		wait = LOGIN_WINDOW - (now - src->window_start);
	if (src->fails <= LOGIN_FAILS_MAX)
		src->fails++;
	pthread_mutex_unlock(&w->lock);
	return wait;
}

/* The attempt counted by attempt_start was the right password. */
static void attempt_ok(struct web *w, const char *addr)
{
	struct login_source *src;

	pthread_mutex_lock(&w->lock);
	src = login_source(w, addr, time(NULL));
	if (src->fails > 0)
		src->fails--;
	pthread_mutex_unlock(&w->lock);
}

static enum MHD_Result too_many_attempts(struct call *c, long wait)
{
	char secs[24];

	snprintf(secs, sizeof(secs), "%ld", wait);
	return reply_with(c->conn, 429,
			  json_pack("{s:s}", "error",
				    "too many failed logins from this address; try again in a minute"),
			  "Retry-After", secs);
}

/* The password check of a login or a password change: counted against the
 * client's address before the slow hash, which runs with nothing locked; a
 * refusal is recorded as action by actor.  Returns 0 (*info is name's), -1
 * (a wrong password or no such user) or the seconds the address must wait. */
static long check_password(struct call *c, const char *actor, const char *action,
			   const char *name, const char *password, struct user_info *info)
{
	char addr[INET6_ADDRSTRLEN], hash[USER_HASH_MAX] = "";
	bool known, ok, first;
	long wait;

	client_address(c->conn, addr, sizeof(addr));
	if ((wait = attempt_start(c->w, addr, &first)) > 0) {
		if (first) /* a flood is recorded once a window */
			audit(c, actor, action, json_pack("{s:s}", "reason", "rate limited"));
		return wait;
	}
	known = users_lookup(c->w->cfg.users, name, hash, sizeof(hash), info);
	ok = users_verify_password(hash, password) && known;
	sodium_memzero(hash, sizeof(hash));
	if (!ok) {
		audit(c, actor, action,
		      json_pack("{s:s}", "reason", known ? "wrong password" : "unknown user"));
		return -1;
	}
	attempt_ok(c->w, addr);
	return 0;
}

/* ---- projects on disk ---- */

/* Loads project name; on failure answers the request itself and returns NULL. */
static struct project *open_project(struct call *c, enum MHD_Result *answered)
{
	struct diag_list diags;
	struct project *p = NULL;
	char path[PATH_MAX];
	int r;

	if (!projects_name_valid(c->arg[0])) {
		*answered = fail(c->conn, 404, "no project '%.64s'", c->arg[0]);
		return NULL;
	}
	projects_path(c->w->cfg.state_dir, c->arg[0], path, sizeof(path));
	if (access(path, F_OK) != 0) {
		*answered = fail(c->conn, 404, "no project '%s'", c->arg[0]);
		return NULL;
	}
	diag_list_init(&diags);
	r = project_load(path, c->w->cfg.state_dir, c->w->cfg.catalog, &p, &diags);
	if (r < 0)
		*answered = reply(c->conn, 400,
				  json_pack("{s:s, s:o}", "error",
					    "the project file has errors; fix them in the editor",
					    "diagnostics", diag_list_to_json(&diags)));
	diag_list_release(&diags);
	return p;
}

/* Checks the YAML text of a project (projects_check) and answers
 * {"valid", "diagnostics", "doc"} in *result.  Returns what projects_check
 * returns. */
static int check_text(struct web *w, const char *name, const char *text, bool keep,
		      json_t **result)
{
	struct diag_list diags, quiet;
	struct ydoc *doc = NULL;
	int r;

	diag_list_init(&diags);
	diag_list_init(&quiet);
	r = projects_check(w->cfg.state_dir, w->cfg.catalog, name, text, keep, &diags);
	ydoc_parse("project", text, strlen(text), &doc, &quiet);
	*result = json_pack("{s:b, s:o, s:o}", "valid", r == 0, "diagnostics",
			    diag_list_to_json(&diags), "doc", ynode_to_json(doc ? doc->root : NULL));
	ydoc_free(doc);
	diag_list_release(&quiet);
	diag_list_release(&diags);
	return r;
}

static char *read_text(const char *path, size_t max, size_t *len)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	struct stat st;

	if (f == NULL)
		return NULL;
	if (fstat(fileno(f), &st) == 0 && (size_t)st.st_size <= max &&
	    (buf = malloc((size_t)st.st_size + 1)) != NULL) {
		*len = fread(buf, 1, (size_t)st.st_size, f);
		buf[*len] = '\0';
	}
	fclose(f);
	return buf;
}

/* ---- handlers: sessions and users ---- */

/* A free session slot for user; w->lock held.  A user has at most
 * SESSIONS_PER_USER: the oldest of its own goes first, never another's. */
static struct session *session_slot(struct web *w, const char *uid, time_t now)
{
	struct session *free_slot = NULL, *oldest = NULL;
	size_t mine = 0;

	for (size_t i = 0; i < SESSION_MAX; i++) {
		struct session *s = &w->sessions[i];
		if (s->id[0] != '\0' && s->expires < now)
			memset(s, 0, sizeof(*s));
		if (s->id[0] == '\0') {
			free_slot = free_slot ? free_slot : s;
			continue;
		}
		if (strcmp(s->uid, uid) == 0) {
			mine++;
			if (oldest == NULL || s->expires < oldest->expires)
				oldest = s;
		}
	}
	return mine >= SESSIONS_PER_USER || free_slot == NULL ? oldest : free_slot;
}

/* Ends every session whose user is gone or has a new password since. */
static void sessions_prune(struct web *w)
{
	struct user_info who;

	pthread_mutex_lock(&w->lock);
	for (size_t i = 0; i < SESSION_MAX; i++) {
		struct session *s = &w->sessions[i];
		if (s->id[0] != '\0' &&
		    (!users_by_id(w->cfg.users, s->uid, &who) || strcmp(who.pw_tag, s->pw_tag) != 0))
			memset(s, 0, sizeof(*s));
	}
	pthread_mutex_unlock(&w->lock);
}

static enum MHD_Result api_login(struct call *c)
{
	const char *name = json_string_value(json_object_get(c->body, "name"));
	const char *password = json_string_value(json_object_get(c->body, "password"));
	char cookie[256];
	struct session *slot = NULL;
	struct user_info info;
	time_t now = time(NULL);
	long wait;
	json_t *answer = NULL;

	if (name == NULL || password == NULL)
		return fail(c->conn, 400, "give \"name\" and \"password\"");
	/* A password typed into the name field is not written down. */
	wait = check_password(c, user_name_valid(name) ? name : "(not a user name)", "login.fail",
			      name, password, &info);
	if (wait > 0)
		return too_many_attempts(c, wait);
	if (wait < 0)
		return fail(c->conn, 401, "wrong user name or password");
	pthread_mutex_lock(&c->w->lock);
	if ((slot = session_slot(c->w, info.id, now)) != NULL) {
		random_hex(slot->id);
		random_hex(slot->csrf);
		memcpy(slot->uid, info.id, sizeof(slot->uid));
		memcpy(slot->pw_tag, info.pw_tag, sizeof(slot->pw_tag));
		slot->expires = now + SESSION_TTL;
		snprintf(cookie, sizeof(cookie),
			 "hnsp_session=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%d%s",
			 slot->id, SESSION_TTL, c->w->tls ? "; Secure" : "");
		answer = json_pack("{s:s, s:s, s:s}", "user", info.name, "role",
				   user_role_name(info.role), "csrf", slot->csrf);
	}
	pthread_mutex_unlock(&c->w->lock);
	if (slot == NULL)
		return fail(c->conn, 503, "too many sessions are open; try again later");
	audit(c, info.name, "login.ok", NULL);
	return reply_with(c->conn, 200, answer, "Set-Cookie", cookie);
}

static enum MHD_Result api_logout(struct call *c)
{
	struct session *own;

	pthread_mutex_lock(&c->w->lock);
	if ((own = session_of(c)) != NULL)
		memset(own, 0, sizeof(*own));
	pthread_mutex_unlock(&c->w->lock);
	audit(c, NULL, "logout", NULL);
	return reply(c->conn, 200, json_object());
}

static enum MHD_Result api_session(struct call *c)
{
	char csrf[65] = "";
	struct session *own;

	pthread_mutex_lock(&c->w->lock);
	if ((own = session_of(c)) != NULL)
		snprintf(csrf, sizeof(csrf), "%s", own->csrf);
	pthread_mutex_unlock(&c->w->lock);
	return reply(c->conn, 200,
		     json_pack("{s:s, s:s, s:s}", "user", c->user, "role", user_role_name(c->role),
			       "csrf", csrf));
}

static enum MHD_Result api_users(struct call *c)
{
	return reply(c->conn, 200, users_list(c->w->cfg.users));
}

static enum MHD_Result api_user_add(struct call *c)
{
	const char *name = json_string_value(json_object_get(c->body, "name"));
	const char *password = json_string_value(json_object_get(c->body, "password"));
	const char *role_name = json_string_value(json_object_get(c->body, "role"));
	enum user_role role;
	int r;

	if (!user_name_valid(name))
		return fail(c->conn, 400,
			    "a user name is 1 to 32 of a-z 0-9 . _ -, starting with a letter");
	if (user_role_parse(role_name, &role) < 0)
		return fail(c->conn, 400, "\"role\" is one of admin, operator, viewer");
	if (password == NULL || strlen(password) < USER_PASSWORD_MIN ||
	    strlen(password) > USER_PASSWORD_MAX)
		return fail(c->conn, 400, "a password has %d to %d characters", USER_PASSWORD_MIN,
			    USER_PASSWORD_MAX);
	r = users_add(c->w->cfg.users, name, role, password);
	if (r == HNSP_ERR_EXISTS)
		return fail(c->conn, 409, "user '%s' exists already", name);
	if (r < 0)
		return fail(c->conn, 500, "cannot add user '%s': %s", name, hnsp_strerror(r));
	audit(c, NULL, "user.add",
	      json_pack("{s:s, s:s}", "user", name, "role", user_role_name(role)));
	return reply(c->conn, 201,
		     json_pack("{s:s, s:s}", "name", name, "role", user_role_name(role)));
}

static enum MHD_Result api_user_remove(struct call *c)
{
	int r;

	r = users_remove(c->w->cfg.users, c->arg[0]);
	if (r == HNSP_ERR_NOTFOUND)
		return fail(c->conn, 404, "no user '%.64s'", c->arg[0]);
	if (r == HNSP_ERR_INVALID)
		return fail(c->conn, 400, "'%s' is the last admin; make another admin first",
			    c->arg[0]);
	if (r < 0)
		return fail(c->conn, 500, "cannot remove user '%s': %s", c->arg[0],
			    hnsp_strerror(r));
	sessions_prune(c->w); /* its sessions end with it */
	audit(c, NULL, "user.remove", json_pack("{s:s}", "user", c->arg[0]));
	return reply(c->conn, 200, json_object());
}

/* ---- handlers: secrets ---- */

static enum MHD_Result api_secrets(struct call *c)
{
	json_t *list = NULL;
	int r = secrets_list(c->w->cfg.state_dir, &list);

	if (r < 0)
		return fail(c->conn, 500, "cannot read the secrets store: %s", hnsp_strerror(r));
	return reply(c->conn, 200, list);
}

/* Sets a secret; nobody reads one back, so the answer holds its name only. */
static enum MHD_Result api_secret_put(struct call *c)
{
	const json_t *v = json_object_get(c->body, "value");
	const char *value = json_string_value(v);
	char key[PATH_MAX], err[1024];
	int r;

	if (!secret_name_valid(c->arg[0]))
		return fail(c->conn, 400, "'%.64s' is not a secret name: 1 to %d of a-z 0-9 _ -",
			    c->arg[0], SECRET_NAME_MAX);
	if (value == NULL || value[0] == '\0' || strlen(value) != json_string_length(v))
		return fail(c->conn, 400, "\"value\" is a non-empty string without NUL bytes");
	if ((r = secrets_key_path(c->w->cfg.state_dir, key, sizeof(key))) == 0)
		r = secrets_set(c->w->cfg.state_dir, key, c->arg[0], value, err, sizeof(err));
	if (r < 0)
		return fail(c->conn, r == HNSP_ERR_INVALID ? 400 : 500, "%s",
			    err[0] ? err : hnsp_strerror(r));
	audit(c, NULL, "secret.set", json_pack("{s:s}", "secret", c->arg[0]));
	return reply(c->conn, 200, json_pack("{s:s}", "name", c->arg[0]));
}

static enum MHD_Result api_secret_remove(struct call *c)
{
	char err[1024];
	int r = secrets_remove(c->w->cfg.state_dir, c->arg[0], err, sizeof(err));

	if (r == HNSP_ERR_NOTFOUND)
		return fail(c->conn, 404, "no secret '%.64s'", c->arg[0]);
	if (r < 0)
		return fail(c->conn, 500, "%s", err[0] ? err : hnsp_strerror(r));
	audit(c, NULL, "secret.remove", json_pack("{s:s}", "secret", c->arg[0]));
	return reply(c->conn, 200, json_object());
}

/* Sets the password of user name (who must still have id, unless it is
 * NULL), and answers.  The caller's own session lives on; the user's
 * others end. */
static enum MHD_Result set_password(struct call *c, const char *name, const char *id,
				    const char *password)
{
	struct session *own;
	struct user_info who;
	int r = users_set_password(c->w->cfg.users, name, id, password, &who);

	if (r == HNSP_ERR_NOTFOUND)
		return fail(c->conn, 404, "no user '%.64s'", name);
	if (r == HNSP_ERR_INVALID)
		return fail(c->conn, 400, "a password has %d to %d characters", USER_PASSWORD_MIN,
			    USER_PASSWORD_MAX);
	if (r < 0)
		return fail(c->conn, 500, "cannot set the password of '%.64s': %s", name,
			    hnsp_strerror(r));
	pthread_mutex_lock(&c->w->lock);
	if ((own = session_of(c)) != NULL && strcmp(own->uid, who.id) == 0)
		memcpy(own->pw_tag, who.pw_tag, sizeof(who.pw_tag));
	pthread_mutex_unlock(&c->w->lock);
	sessions_prune(c->w);
	audit(c, NULL, "user.passwd", json_pack("{s:s}", "user", who.name));
	return reply(c->conn, 200, json_object());
}

/* A user's own password, only with the current one: a session left open
 * is not enough to take over its account. */
static enum MHD_Result api_session_password(struct call *c)
{
	const char *current = json_string_value(json_object_get(c->body, "current"));
	const char *password = json_string_value(json_object_get(c->body, "new"));
	struct user_info who;
	long wait;

	if (current == NULL || password == NULL)
		return fail(c->conn, 400, "give \"current\" and \"new\"");
	if ((wait = check_password(c, NULL, "passwd.fail", c->user, current, &who)) > 0)
		return too_many_attempts(c, wait);
	if (wait < 0 || strcmp(who.id, c->uid) != 0)
		return fail(c->conn, 403, "the current password is wrong");
	return set_password(c, c->user, c->uid, password);
}

static enum MHD_Result api_user_password(struct call *c)
{
	const char *password = json_string_value(json_object_get(c->body, "password"));

	if (password == NULL)
		return fail(c->conn, 400, "give \"password\"");
	return set_password(c, c->arg[0], NULL, password);
}

#define AUDIT_PAGE 200       /* entries GET /api/audit answers by default */
#define AUDIT_PAGE_MAX 1000  /* and at most */

static enum MHD_Result api_audit(struct call *c)
{
	const char *limit = MHD_lookup_connection_value(c->conn, MHD_GET_ARGUMENT_KIND, "limit");
	const char *since = MHD_lookup_connection_value(c->conn, MHD_GET_ARGUMENT_KIND, "since");
	long n = AUDIT_PAGE;
	time_t from = 0;
	char *end = NULL;
	json_t *log = NULL;
	int r;

	if (limit != NULL &&
	    ((n = strtol(limit, &end, 10)) < 1 || n > AUDIT_PAGE_MAX || *end != '\0' || end == limit))
		return fail(c->conn, 400, "\"limit\" is a number of entries from 1 to %d",
			    AUDIT_PAGE_MAX);
	if (since != NULL && audit_parse_time(since, time(NULL), &from) < 0)
		return fail(c->conn, 400, "\"since\" is a UTC time (2026-12-01T08:30:00Z) or an age "
					  "(30m, 12h, 7d)");
	if ((r = audit_read(c->w->cfg.state_dir, from, (size_t)n, &log)) < 0)
		return fail(c->conn, 500, "cannot read the audit log: %s",
			    r == HNSP_ERR_IO ? strerror(errno) : hnsp_strerror(r));
	return reply(c->conn, 200, log);
}

/* ---- handlers: catalog and projects ---- */

static enum MHD_Result api_catalog(struct call *c)
{
	return reply(c->conn, 200, catalog_to_json(c->w->cfg.catalog));
}

static enum MHD_Result api_projects(struct call *c)
{
	json_t *out = json_array(), *runs = journal_list(c->w->cfg.state_dir), *run;
	struct strlist names;

	if (projects_list(c->w->cfg.state_dir, &names) < 0) {
		json_decref(out);
		json_decref(runs);
		return fail(c->conn, 500, "out of memory");
	}
	for (size_t i = 0; i < names.n; i++) {
		struct diag_list diags;
		struct project *p = NULL;
		char path[PATH_MAX];

		diag_list_init(&diags);
		projects_path(c->w->cfg.state_dir, names.v[i], path, sizeof(path));
		project_load(path, c->w->cfg.state_dir, c->w->cfg.catalog, &p, &diags);
		run = journal_newest(runs, names.v[i]);
		json_array_append_new(
			out, json_pack("{s:s, s:b, s:I, s:I, s:o, s:o, s:o}", "name", names.v[i],
				       "valid", p != NULL, "errors", (json_int_t)diags.errors,
				       "warnings", (json_int_t)diags.warnings, "hosts",
				       p ? json_integer((json_int_t)p->hosts.n) : json_null(),
				       "components",
				       p ? json_integer((json_int_t)p->ncomponents) : json_null(),
				       "last_run",
				       run ? json_pack("{s:O, s:O, s:O}", "id", json_object_get(run, "id"),
						       "state", json_object_get(run, "state"), "started",
						       json_object_get(run, "started"))
					   : json_null()));
		project_free(p);
		diag_list_release(&diags);
	}
	strlist_release(&names);
	json_decref(runs);
	return reply(c->conn, 200, out);
}

static enum MHD_Result api_project_get(struct call *c)
{
	char path[PATH_MAX], *text;
	size_t len = 0;
	json_t *result = NULL;

	if (!projects_name_valid(c->arg[0]))
		return fail(c->conn, 404, "no project '%.64s'", c->arg[0]);
	projects_path(c->w->cfg.state_dir, c->arg[0], path, sizeof(path));
	if ((text = read_text(path, YDOC_MAX_BYTES, &len)) == NULL)
		return fail(c->conn, 404, "no project '%s'", c->arg[0]);
	if (check_text(c->w, c->arg[0], text, false, &result) == HNSP_ERR_IO) {
		free(text);
		return fail(c->conn, 500, "cannot check the project: %s", strerror(errno));
	}
	json_object_set_new(result, "name", json_string(c->arg[0]));
	json_object_set_new(result, "yaml", json_stringn(text, len));
	free(text);
	return reply(c->conn, 200, result);
}

static enum MHD_Result api_project_put(struct call *c)
{
	const char *text = json_string_value(json_object_get(c->body, "yaml"));
	char path[PATH_MAX], *old = NULL;
	size_t old_len = 0;
	json_t *result = NULL;
	bool existed;
	int r;

	if (!projects_name_valid(c->arg[0]))
		return fail(c->conn, 400,
			    "a project name is 1 to 63 of a-z 0-9 -, starting with a letter");
	if (text == NULL)
		return fail(c->conn, 400, "give the project file as \"yaml\"");
	projects_path(c->w->cfg.state_dir, c->arg[0], path, sizeof(path));
	existed = access(path, F_OK) == 0;
	/* What it was, for the audit log's diff summary. */
	old = existed ? read_text(path, YDOC_MAX_BYTES, &old_len) : NULL;
	r = check_text(c->w, c->arg[0], text, true, &result);
	if (r == HNSP_ERR_IO) {
		free(old);
		json_decref(result);
		return fail(c->conn, 500, "cannot write the project file: %s", strerror(errno));
	}
	json_object_set_new(result, "name", json_string(c->arg[0]));
	if (r < 0) {
		free(old);
		json_object_set_new(result, "error",
				    json_string("the project file has errors; nothing was saved"));
		return reply(c->conn, 400, result);
	}
	audit(c, NULL, "project.put",
	      json_pack("{s:s, s:b, s:o*}", "project", c->arg[0], "created", !existed, "diff",
			audit_diff(old, text)));
	free(old);
	return reply(c->conn, existed ? 200 : 201, result);
}

static enum MHD_Result api_validate(struct call *c)
{
	const char *text = json_string_value(json_object_get(c->body, "yaml"));
	json_t *result = NULL;

	if (text == NULL)
		return fail(c->conn, 400, "give the project file as \"yaml\"");
	if (check_text(c->w, NULL, text, false, &result) == HNSP_ERR_IO) {
		json_decref(result);
		return fail(c->conn, 500, "cannot check the project: %s", strerror(errno));
	}
	return reply(c->conn, 200, result);
}

static enum MHD_Result api_project_delete(struct call *c)
{
	char path[PATH_MAX];

	if (!projects_name_valid(c->arg[0]))
		return fail(c->conn, 404, "no project '%.64s'", c->arg[0]);
	projects_path(c->w->cfg.state_dir, c->arg[0], path, sizeof(path));
	if (unlink(path) < 0)
		return fail(c->conn, errno == ENOENT ? 404 : 500, "cannot delete project '%s': %s",
			    c->arg[0], strerror(errno));
	audit(c, NULL, "project.delete", json_pack("{s:s}", "project", c->arg[0]));
	return reply(c->conn, 200, json_object());
}

static enum MHD_Result api_plan(struct call *c)
{
	enum MHD_Result answered = MHD_NO;
	struct project *p = open_project(c, &answered);
	struct plan *plan = NULL;
	enum MHD_Result r;

	if (p == NULL)
		return answered;
	if (plan_build(p, c->w->cfg.catalog, &plan) < 0)
		r = fail(c->conn, 500, "out of memory");
	else
		r = reply(c->conn, 200, plan_to_json(p, plan));
	plan_free(plan);
	project_free(p);
	return r;
}

/* access_init for p, with the SSH secrets the project names opened.  On
 * failure acc is released and the answer queued in *answered. */
static bool open_access(struct call *c, const struct project *p, struct access *acc,
			enum MHD_Result *answered)
{
	char err[1024];
	int r;

	if (access_init(acc, p, c->w->cfg.state_dir, NULL, NULL) < 0) {
		*answered = fail(c->conn, 500, "out of memory");
		return false;
	}
	if ((r = access_use_secrets(acc, p, c->w->cfg.state_dir, err, sizeof(err))) < 0) {
		access_release(acc);
		*answered = fail(c->conn, r == HNSP_ERR_NOTFOUND || r == HNSP_ERR_INVALID ? 400 : 500,
				 "%s", err[0] ? err : hnsp_strerror(r));
		return false;
	}
	return true;
}

static enum MHD_Result api_preflight(struct call *c)
{
	enum MHD_Result answered = MHD_NO, r;
	struct project *p = open_project(c, &answered);
	struct preflight_report *rep = NULL;
	struct access acc;

	if (p == NULL)
		return answered;
	if (!open_access(c, p, &acc, &answered)) {
		project_free(p);
		return answered;
	}
	if (preflight_run(p, &acc, (size_t)p->ssh.forks, &rep) < 0)
		r = fail(c->conn, 500, "out of memory");
	else
		r = reply(c->conn, 200, preflight_report_to_json(rep));
	preflight_report_free(rep);
	access_release(&acc);
	project_free(p);
	return r;
}

static enum MHD_Result api_bundle(struct call *c)
{
	enum MHD_Result answered = MHD_NO, r;
	struct project *p = open_project(c, &answered);
	char err[1024] = "", *dir;
	json_t *result = NULL;
	int built;

	if (p == NULL)
		return answered;
	if ((dir = bundle_dir(p)) == NULL) {
		project_free(p);
		return fail(c->conn, 400,
			    "project '%s' has no offline bundle: set artefacts.source: offline and "
			    "artefacts.bundle: DIR",
			    c->arg[0]);
	}
	built = bundle_build(p, c->w->cfg.catalog, c->w->cfg.datadir, dir, &result, err,
			     sizeof(err));
	audit(c, NULL, "bundle.build", json_pack("{s:s, s:b}", "project", c->arg[0], "ok", built == 0));
	switch (built) {
	case 0:
		r = reply(c->conn, 200, result);
		break;
	case HNSP_ERR_NOTFOUND:
		r = reply(c->conn, 400,
			  json_pack("{s:s, s:o}", "error",
				    "some artefacts have no source; nothing was written", "missing",
				    result));
		break;
	case HNSP_ERR_INVALID:
		r = fail(c->conn, 409, "%s", err);
		break;
	default:
		json_decref(result);
		r = fail(c->conn, 500, "cannot build the bundle: %s", err[0] ? err : "out of memory");
	}
	free(dir);
	project_free(p);
	return r;
}

/* ---- handlers: the state directory's SSH keys ---- */

static enum MHD_Result api_keys(struct call *c)
{
	json_t *list = keys_list(c->w->cfg.state_dir);

	return list ? reply(c->conn, 200, list) : fail(c->conn, 500, "out of memory");
}

/* {"key": the private key file's text, "passphrase": optional}; the
 * passphrase only proves the key is whole, it is not kept. */
static enum MHD_Result api_key_put(struct call *c)
{
	const char *name = c->arg[0];
	const json_t *key = json_object_get(c->body, "key");
	const char *passphrase = json_string_value(json_object_get(c->body, "passphrase"));
	char fp[128];
	int r;

	if (!keys_name_valid(name))
		return fail(c->conn, 400,
			    "a key name is 1 to 63 of a-z 0-9 - _, starting with a letter or a digit");
	if (!json_is_string(key))
		return fail(c->conn, 400, "\"key\" is the private key file's text");
	r = keys_import(c->w->cfg.state_dir, name, json_string_value(key), json_string_length(key),
			passphrase && passphrase[0] ? passphrase : NULL, fp, sizeof(fp));
	if (r == HNSP_ERR_LIMIT)
		return fail(c->conn, 400, "\"key\" is larger than a private key file (16 KiB)");
	if (r == HNSP_ERR_INVALID)
		return fail(c->conn, 400,
			    "\"key\" is not a private key libssh can read (a key with a passphrase "
			    "needs \"passphrase\")");
	if (r < 0)
		return fail(c->conn, 500, "cannot keep key '%s': %s", name,
			    r == HNSP_ERR_IO ? strerror(errno) : hnsp_strerror(r));
	audit(c, NULL, "key.import", json_pack("{s:s, s:s}", "key", name, "fingerprint", fp));
	return reply(c->conn, 200, json_pack("{s:s, s:s}", "name", name, "fingerprint", fp));
}

static void verify_path(const struct web *w, const char *name, char *buf, size_t size)
{
	snprintf(buf, size, "%s/web/verify/%s.json", w->cfg.state_dir, name);
}

static enum MHD_Result api_verify_run(struct call *c)
{
	enum MHD_Result answered = MHD_NO;
	struct project *p = open_project(c, &answered);
	struct verify_report rep = {0};
	char dir[PATH_MAX], path[PATH_MAX], *text = NULL;
	struct access acc;
	json_t *j = NULL;

	if (p == NULL)
		return answered;
	if (!open_access(c, p, &acc, &answered)) {
		project_free(p);
		return answered;
	}
	if (verify_run(p, c->w->cfg.catalog, &acc, &rep) == 0)
		j = verify_report_to_json(&rep);
	audit(c, NULL, "verify.run",
	      json_pack("{s:s, s:b}", "project", c->arg[0],
			"ok", json_is_true(json_object_get(j, "ok"))));
	verify_report_release(&rep);
	access_release(&acc);
	project_free(p);
	if (j == NULL)
		return fail(c->conn, 500, "out of memory");
	json_object_set_new(j, "finished", json_integer(time(NULL)));
	snprintf(dir, sizeof(dir), "%s/web/verify", c->w->cfg.state_dir);
	verify_path(c->w, c->arg[0], path, sizeof(path));
	/* The report is answered even when it cannot be kept. */
	if (state_mkdirs(dir, 0700) == 0 && (text = json_dumps(j, JSON_COMPACT)) != NULL)
		journal_write_atomic(path, text, strlen(text), 0600);
	free(text);
	return reply(c->conn, 200, j);
}

static enum MHD_Result api_verify_get(struct call *c)
{
	char path[PATH_MAX];
	json_t *j;

	if (!projects_name_valid(c->arg[0]))
		return fail(c->conn, 404, "no project '%.64s'", c->arg[0]);
	verify_path(c->w, c->arg[0], path, sizeof(path));
	if ((j = json_load_file(path, 0, NULL)) == NULL)
		return fail(c->conn, 404, "project '%s' has not been verified yet", c->arg[0]);
	return reply(c->conn, 200, j);
}

/* ---- handlers: runs ---- */

static void web_run_free(struct web_run *run)
{
	engine_free(run->e);
	plan_free(run->plan);
	access_release(&run->acc);
	project_free(run->p);
	if (run->become != NULL)
		sodium_memzero(run->become, strlen(run->become));
	free(run->become);
	free(run->only);
	free(run->from);
	free(run);
}

static void *run_thread(void *arg)
{
	struct web_run *run = arg;

	engine_run(run->e);
	if (run->become != NULL)
		sodium_memzero(run->become, strlen(run->become));
	pthread_mutex_lock(&run->w->lock);
	run->done = true;
	pthread_mutex_unlock(&run->w->lock);
	return NULL;
}

/* Joins and frees the runs that ended; w->lock held. */
static void reap_runs(struct web *w)
{
	for (struct web_run **pp = &w->runs; *pp != NULL;) {
		struct web_run *run = *pp;
		if (!run->done) {
			pp = &run->next;
			continue;
		}
		*pp = run->next;
		pthread_join(run->thread, NULL);
		web_run_free(run);
	}
}

static enum MHD_Result api_run_start(struct call *c)
{
	enum MHD_Result answered = MHD_NO;
	struct web_run *run = calloc(1, sizeof(*run));
	const char *mode = json_string_value(json_object_get(c->body, "mode"));
	const char *become = json_string_value(json_object_get(c->body, "become_password"));
	const char *only = json_string_value(json_object_get(c->body, "only"));
	const char *from = json_string_value(json_object_get(c->body, "from"));
	char err[1024] = "", id[sizeof(run->id)];
	int r;

	if (run == NULL)
		return fail(c->conn, 500, "out of memory");
	if (atomic_load(&c->w->stopping)) {
		free(run);
		return fail(c->conn, 503, "the server is stopping; start the run after it restarts");
	}
	run->w = c->w;
	if (mode != NULL && strcmp(mode, "new") != 0 && strcmp(mode, "resume") != 0) {
		free(run);
		return fail(c->conn, 400, "\"mode\" is \"new\" or \"resume\"");
	}
	if ((run->p = open_project(c, &answered)) == NULL) {
		free(run);
		return answered;
	}
	if ((become != NULL && become[0] != '\0' && (run->become = strdup(become)) == NULL) ||
	    (only != NULL && (run->only = strdup(only)) == NULL) ||
	    (from != NULL && (run->from = strdup(from)) == NULL))
		goto nomem;
	if (plan_build(run->p, c->w->cfg.catalog, &run->plan) < 0)
		goto nomem;
	if (!open_access(c, run->p, &run->acc, &answered)) {
		web_run_free(run);
		return answered;
	}
	{
		struct audit_actor who = {.user = c->user, .via = "web"};
		struct engine_config cfg = {
			.project = run->p, .catalog = c->w->cfg.catalog, .plan = run->plan,
			.access = &run->acc, .state_dir = c->w->cfg.state_dir,
			.datadir = c->w->cfg.datadir,
			.resume = mode != NULL && strcmp(mode, "resume") == 0,
			.from = run->from, .only = run->only,
			.become_password = run->become, .started_by = &who, .runner_host = -1};
		r = engine_new(&cfg, &run->e, err, sizeof(err));
	}
	if (r < 0) {
		/* Locked by another run is the person's to sort out; the rest is ours. */
		unsigned status = r == HNSP_ERR_NOTFOUND || r == HNSP_ERR_INVALID ? 400
				  : r == HNSP_ERR_IO && journal_project_running(c->w->cfg.state_dir,
										 run->p->name)
				      ? 409
				      : 500;
		web_run_free(run);
		return fail(c->conn, status, "%s", err);
	}
	snprintf(run->id, sizeof(run->id), "%s", engine_run_id(run->e));
	snprintf(id, sizeof(id), "%s", run->id); /* the run may end and go before the answer */
	pthread_mutex_lock(&c->w->lock);
	reap_runs(c->w);
	if (atomic_load(&c->w->stopping) ||
	    pthread_create(&run->thread, NULL, run_thread, run) != 0) {
		pthread_mutex_unlock(&c->w->lock);
		web_run_free(run);
		return fail(c->conn, 503, "the server is stopping; start the run again after it "
					  "restarts");
	}
	run->next = c->w->runs;
	c->w->runs = run;
	pthread_mutex_unlock(&c->w->lock);
	audit(c, NULL, mode != NULL && strcmp(mode, "resume") == 0 ? "run.resume" : "run.start",
	      json_pack("{s:s, s:s, s:s*, s:s*}", "run", id, "project", c->arg[0], "from", from,
			"only", only));
	return reply(c->conn, 202, json_pack("{s:s}", "id", id));
nomem:
	web_run_free(run);
	return fail(c->conn, 500, "out of memory");
}

static bool run_id_valid(const char *id)
{
	size_t n = strlen(id);

	return n > 0 && n < 100 && id[0] != '.' &&
	       strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == n;
}

/* Opens run c->arg[0]; on failure answers and returns NULL. */
static struct journal *open_run(struct call *c, enum MHD_Result *answered)
{
	struct journal *j = NULL;

	if (!run_id_valid(c->arg[0]) || journal_open(c->w->cfg.state_dir, c->arg[0], &j) < 0) {
		*answered = fail(c->conn, 404, "no run '%.100s'", c->arg[0]);
		return NULL;
	}
	return j;
}

/* A run is live while its summary says running and its project's lock is
 * held (a killed run leaves "running" behind with the lock free). */
static bool run_live(struct web *w, const json_t *summary)
{
	return strcmp(json_string_value(json_object_get(summary, "state")) ?: "", "running") == 0 &&
	       journal_project_running(w->cfg.state_dir,
				       json_string_value(json_object_get(summary, "project")) ?: "");
}

static enum MHD_Result api_runs(struct call *c)
{
	const char *project = MHD_lookup_connection_value(c->conn, MHD_GET_ARGUMENT_KIND, "project");
	json_t *all = journal_list(c->w->cfg.state_dir), *out = json_array(), *v;
	size_t i;

	json_array_foreach(all, i, v)
		if (project == NULL ||
		    strcmp(json_string_value(json_object_get(v, "project")) ?: "", project) == 0)
			json_array_append(out, v);
	json_decref(all);
	return reply(c->conn, 200, out);
}

static enum MHD_Result api_run_get(struct call *c)
{
	enum MHD_Result answered = MHD_NO;
	struct journal *j = open_run(c, &answered);
	json_t *s;
	bool live;

	if (j == NULL)
		return answered;
	s = json_deep_copy(j->summary);
	live = run_live(c->w, j->summary);
	json_object_set_new(s, "live", json_boolean(live));
	journal_free(j);
	return reply(c->conn, 200, s);
}

static enum MHD_Result api_run_log(struct call *c)
{
	enum MHD_Result answered = MHD_NO;
	struct journal *j;
	char *end, dir[PATH_MAX], real[PATH_MAX];
	const char *log;
	long n = strtol(c->arg[1], &end, 10);
	struct MHD_Response *resp;
	struct stat st;
	int fd = -1;

	if ((j = open_run(c, &answered)) == NULL)
		return answered;
	log = json_string_value(json_object_get(
		json_array_get(json_object_get(j->summary, "phases"), (size_t)n - 1), "log"));
	/* Only a file inside the run's directory. */
	if (*end != '\0' || n < 1 || log == NULL || realpath(j->dir, dir) == NULL ||
	    realpath(log, real) == NULL || strncmp(real, dir, strlen(dir)) != 0 ||
	    real[strlen(dir)] != '/' || (fd = open(real, O_RDONLY | O_CLOEXEC)) < 0 ||
	    fstat(fd, &st) < 0) {
		if (fd >= 0)
			close(fd);
		journal_free(j);
		return fail(c->conn, 404, "run '%s' has no log for phase %.20s", c->arg[0],
			    c->arg[1]);
	}
	journal_free(j);
	/* Sent from the file as it is now, never read whole into memory. */
	if ((resp = MHD_create_response_from_fd((uint64_t)st.st_size, fd)) == NULL)
		close(fd);
	return queue(c->conn, 200, resp, "text/plain; charset=utf-8", true, NULL, NULL);
}

static enum MHD_Result api_run_stop(struct call *c)
{
	enum MHD_Result answered = MHD_NO;
	struct journal *j = open_run(c, &answered);
	bool found = false;

	if (j == NULL)
		return answered;
	journal_free(j);
	pthread_mutex_lock(&c->w->lock);
	for (struct web_run *run = c->w->runs; run != NULL; run = run->next)
		if (strcmp(run->id, c->arg[0]) == 0 && !run->done) {
			engine_stop(run->e);
			found = true;
		}
	pthread_mutex_unlock(&c->w->lock);
	if (!found)
		return fail(c->conn, 409,
			    "run '%.100s' is not running in this server; a run started with the "
			    "CLI stops with Ctrl-C where it runs",
			    c->arg[0]);
	audit(c, NULL, "run.stop", json_pack("{s:s}", "run", c->arg[0]));
	return reply(c->conn, 202, json_object());
}

/* ---- the event stream ---- */

struct stream {
	struct web *w;
	FILE *f;                 /* events.jsonl */
	char summary[PATH_MAX];  /* the run's summary.json */
	long skip;               /* Last-Event-ID: lines already seen */
	long line;               /* lines read */
	char *out;               /* pending output */
	size_t out_len, out_pos;
	bool ended;
	time_t last_write;
	time_t next_check;       /* when to ask again whether the run lives */
};

__attribute__((format(printf, 2, 3))) static bool out_append(struct stream *s,
							      const char *fmt, ...)
{
	va_list ap;
	char *more, *grown;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&more, fmt, ap);
	va_end(ap);
	if (n < 0)
		return false;
	if ((grown = realloc(s->out, s->out_len + (size_t)n + 1)) == NULL) {
		free(more);
		return false;
	}
	s->out = grown;
	memcpy(s->out + s->out_len, more, (size_t)n + 1);
	s->out_len += (size_t)n;
	free(more);
	return true;
}

/* Reads the complete lines the journal has gained into s->out. */
static void stream_fill(struct stream *s)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	off_t at = ftello(s->f);

	clearerr(s->f);
	while (s->out_len < 256 * 1024 && (n = getline(&line, &cap, s->f)) > 0) {
		if (line[n - 1] != '\n') {
			fseeko(s->f, at, SEEK_SET); /* the writer is mid-line: later */
			break;
		}
		at = ftello(s->f);
		line[n - 1] = '\0';
		if (++s->line > s->skip)
			out_append(s, "id: %ld\ndata: %s\n\n", s->line, line);
	}
	free(line);
}

/* True while the run is going; a resumed run appends to the same journal,
 * so its summary, not a run_end line, says when the stream is over. */
static bool stream_run_live(struct stream *s)
{
	json_t *summary = json_load_file(s->summary, 0, NULL);
	bool live = summary != NULL && run_live(s->w, summary);

	json_decref(summary);
	return live;
}

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct stream *s = cls;

	(void)pos;
	for (;;) {
		time_t now = time(NULL);
		if (s->out_pos < s->out_len) {
			size_t n = s->out_len - s->out_pos < max ? s->out_len - s->out_pos : max;
			memcpy(buf, s->out + s->out_pos, n);
			s->out_pos += n;
			if (s->out_pos == s->out_len)
				s->out_pos = s->out_len = 0;
			s->last_write = now;
			return (ssize_t)n;
		}
		if (s->ended)
			return MHD_CONTENT_READER_END_OF_STREAM;
		if (atomic_load(&s->w->stopping))
			return MHD_CONTENT_READER_END_WITH_ERROR;
		stream_fill(s);
		if (s->out_len > 0)
			continue;
		if (now >= s->next_check) {
			s->next_check = now + 1;
			/* Asked before the last read: what the run wrote before it
			 * ended is read below. */
			if (!stream_run_live(s)) {
				stream_fill(s);
				s->ended = s->out_len == 0;
				continue;
			}
		}
		if (now - s->last_write >= HEARTBEAT_S) {
			out_append(s, ": keep-alive\n\n");
			continue;
		}
		usleep(250 * 1000);
	}
}

static void stream_free(void *cls)
{
	struct stream *s = cls;

	if (s->f != NULL)
		fclose(s->f);
	free(s->out);
	free(s);
}

static enum MHD_Result api_run_events(struct call *c)
{
	enum MHD_Result answered = MHD_NO;
	struct journal *j = open_run(c, &answered);
	const char *last = MHD_lookup_connection_value(c->conn, MHD_HEADER_KIND, "Last-Event-ID");
	struct MHD_Response *resp;
	struct stream *s;
	char path[PATH_MAX];

	if (j == NULL)
		return answered;
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		journal_free(j);
		return fail(c->conn, 500, "out of memory");
	}
	s->w = c->w;
	s->skip = last ? strtol(last, NULL, 10) : 0;
	s->last_write = time(NULL);
	journal_path(j, "summary.json", s->summary, sizeof(s->summary));
	s->f = fopen(journal_path(j, "events.jsonl", path, sizeof(path)), "re");
	journal_free(j);
	if (s->f == NULL) {
		stream_free(s);
		return fail(c->conn, 500, "cannot read the run's events: %s", strerror(errno));
	}
	resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 64 * 1024, stream_read, s,
						  stream_free);
	if (resp == NULL)
		stream_free(s);
	return queue(c->conn, 200, resp, "text/event-stream", true, "X-Accel-Buffering", "no");
}

/* ---- the route table and its dispatcher ---- */

#define PUBLIC (-1)

static const struct route {
	const char *method;
	const char *pattern;      /* "*" matches one path segment */
	int role;                 /* least enum user_role, or PUBLIC */
	enum MHD_Result (*handle)(struct call *c);
} routes[] = {
	{"POST", "/api/login", PUBLIC, api_login},
	{"POST", "/api/logout", ROLE_VIEWER, api_logout},
	{"GET", "/api/session", ROLE_VIEWER, api_session},
	{"POST", "/api/session/password", ROLE_VIEWER, api_session_password},
	{"GET", "/api/catalog", ROLE_VIEWER, api_catalog},
	{"GET", "/api/projects", ROLE_VIEWER, api_projects},
	{"GET", "/api/projects/*", ROLE_VIEWER, api_project_get},
	{"PUT", "/api/projects/*", ROLE_OPERATOR, api_project_put},
	{"DELETE", "/api/projects/*", ROLE_OPERATOR, api_project_delete},
	{"POST", "/api/validate", ROLE_VIEWER, api_validate},
	{"GET", "/api/projects/*/plan", ROLE_VIEWER, api_plan},
	{"POST", "/api/projects/*/preflight", ROLE_OPERATOR, api_preflight},
	{"POST", "/api/projects/*/bundle", ROLE_OPERATOR, api_bundle},
	{"GET", "/api/keys", ROLE_VIEWER, api_keys},
	{"PUT", "/api/keys/*", ROLE_OPERATOR, api_key_put},
	{"POST", "/api/projects/*/runs", ROLE_OPERATOR, api_run_start},
	{"POST", "/api/projects/*/verify", ROLE_OPERATOR, api_verify_run},
	{"GET", "/api/projects/*/verify", ROLE_VIEWER, api_verify_get},
	{"GET", "/api/runs", ROLE_VIEWER, api_runs},
	{"GET", "/api/runs/*", ROLE_VIEWER, api_run_get},
	{"GET", "/api/runs/*/events", ROLE_VIEWER, api_run_events},
	{"GET", "/api/runs/*/log/*", ROLE_VIEWER, api_run_log},
	{"POST", "/api/runs/*/stop", ROLE_OPERATOR, api_run_stop},
	{"GET", "/api/users", ROLE_ADMIN, api_users},
	{"POST", "/api/users", ROLE_ADMIN, api_user_add},
	{"DELETE", "/api/users/*", ROLE_ADMIN, api_user_remove},
	{"GET", "/api/secrets", ROLE_VIEWER, api_secrets},
	{"PUT", "/api/secrets/*", ROLE_OPERATOR, api_secret_put},
	{"DELETE", "/api/secrets/*", ROLE_OPERATOR, api_secret_remove},
	{"PUT", "/api/users/*/password", ROLE_ADMIN, api_user_password},
	{"GET", "/api/audit", ROLE_ADMIN, api_audit},
};

/* Matches path against pattern, keeping the "*" segments (pointers into
 * buf, a copy of path).  */
static bool match(const char *pattern, const char *path, char *buf, size_t size,
		  const char *arg[2])
{
	size_t nargs = 0;
	char *p = buf;

	if (snprintf(buf, size, "%s", path) >= (int)size)
		return false;
	while (*pattern != '\0') {
		if (*pattern == '*') {
			size_t seg = strcspn(p, "/");
			if (seg == 0 || nargs == 2)
				return false;
			arg[nargs++] = p;
			p += seg;
			pattern++;
			if (*p == '/' && *pattern == '/') {
				*p++ = '\0';
				pattern++;
			} else if (*p != '\0' || *pattern != '\0') {
				return false;
			}
			continue;
		}
		if (*pattern++ != *p++)
			return false;
	}
	return *p == '\0';
}

static bool mutating(const char *method)
{
	return strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0;
}

static enum MHD_Result serve_static(struct web *w, struct MHD_Connection *conn, const char *url)
{
	char path[PATH_MAX], *text;
	size_t len = 0;

	for (size_t i = 0; i < sizeof(static_files) / sizeof(static_files[0]); i++) {
		if (strcmp(url, static_files[i].path) != 0)
			continue;
		snprintf(path, sizeof(path), "%s/installer/web/%s", w->cfg.datadir,
			 static_files[i].file);
		if ((text = read_text(path, 4u << 20, &len)) == NULL)
			return fail(conn, 500, "cannot read %s: %s", path, strerror(errno));
		return send_buffer(conn, 200, text, len, static_files[i].type, false);
	}
	return send_buffer(conn, 404, strdup("not found\n"), 10, "text/plain; charset=utf-8",
			   false);
}

/* Wipes the strings of a parsed body that may hold a secret, before it is freed. */
static void wipe_secrets(json_t *body)
{
	static const char *const keys[] = {"password", "become_password", "value", "current",
					    "new",      "key",             "passphrase"};

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		json_t *v = json_object_get(body, keys[i]);
		if (json_is_string(v))
			sodium_memzero((char *)json_string_value(v), json_string_length(v));
	}
}

/* ---- the server a request is for: Host, Origin, Content-Type ----
 *
 * A page elsewhere can make a browser send a request here: a form posted
 * across sites (login CSRF), or its own page under a name that its DNS then
 * points at this server (DNS rebinding).  Such a request names another site
 * in its Origin or Host, or has a body a form can send, which is never
 * JSON: a browser sends application/json across sites only after asking
 * (CORS), and this server grants no one. */

/* Splits an authority "HOST", "HOST:PORT" or "[IPV6]:PORT" of len bytes
 * into its host (lowercase, without brackets or a final dot) and its port
 * (dflt when absent).  False when it is not one. */
static bool split_authority(const char *s, size_t len, unsigned dflt, char *host, size_t size,
			    unsigned *port)
{
	const char *end = s + len, *colon;
	size_t n;

	if (len > 0 && s[0] == '[') {
		const char *close = memchr(s, ']', len);
		if (close == NULL || (close + 1 != end && close[1] != ':'))
			return false;
		n = (size_t)(close - ++s);
		colon = close + 1;
	} else {
		colon = memchr(s, ':', len);
		colon = colon ? colon : end;
		n = (size_t)(colon - s);
	}
	if (n == 0 || n >= size)
		return false;
	*port = dflt;
	if (colon != end) {
		unsigned long p = 0;
		if (end - colon < 2 || end - colon > 6)
			return false;
		for (const char *d = colon + 1; d < end; d++) {
			if (*d < '0' || *d > '9')
				return false;
			p = p * 10 + (unsigned long)(*d - '0');
		}
		if (p == 0 || p > 65535)
			return false;
		*port = (unsigned)p;
	}
	for (size_t i = 0; i < n; i++)
		host[i] = (char)tolower((unsigned char)s[i]);
	if (n > 1 && host[n - 1] == '.')
		n--;
	host[n] = '\0';
	return true;
}

/* The 16 bytes of an IPv6 address, IPv4 as IPv4-mapped, from a literal or a
 * socket address. */
static const unsigned char v4mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

static bool literal_address(const char *text, unsigned char out[16])
{
	memcpy(out, v4mapped, sizeof(v4mapped));
	return inet_pton(AF_INET, text, out + 12) == 1 || inet_pton(AF_INET6, text, out) == 1;
}

static bool socket_address(const struct sockaddr_storage *ss, unsigned char out[16])
{
	if (ss->ss_family == AF_INET6) {
		memcpy(out, &((const struct sockaddr_in6 *)ss)->sin6_addr, 16);
		return true;
	}
	memcpy(out, v4mapped, sizeof(v4mapped));
	memcpy(out + 12, &((const struct sockaddr_in *)ss)->sin_addr, 4);
	return ss->ss_family == AF_INET;
}

/* True when host (from split_authority) names this server: localhost, a
 * --hostname, or an IP literal of the address the client reached (so a
 * server on 0.0.0.0 answers each of its addresses by that address). */
static bool host_is_ours(const struct web *w, struct MHD_Connection *conn, const char *host)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	unsigned char want[16], here[16];
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (strcmp(host, "localhost") == 0)
		return true;
	for (size_t i = 0; i < w->nhostnames; i++)
		if (strcmp(host, w->hostnames[i]) == 0)
			return true;
	return literal_address(host, want) && ci != NULL &&
	       getsockname(ci->connect_fd, (struct sockaddr *)&ss, &len) == 0 &&
	       socket_address(&ss, here) && memcmp(want, here, sizeof(want)) == 0;
}

/* A header looked for among a request's: its last value and how often it came. */
struct header_count {
	const char *name, *value;
	int n;
};

static enum MHD_Result count_header(void *cls, enum MHD_ValueKind kind, const char *key,
				    const char *value)
{
	struct header_count *h = cls;

	(void)kind;
	if (strcasecmp(key, h->name) == 0) {
		h->value = value;
		h->n++;
	}
	return MHD_YES;
}

/* Header name's value in *value (NULL when absent).  False when it comes
 * more than once: which one counts would be a guess. */
static bool header_once(struct MHD_Connection *conn, const char *name, const char **value)
{
	struct header_count h = {name, NULL, 0};

	MHD_get_connection_values(conn, MHD_HEADER_KIND, count_header, &h);
	*value = h.value;
	return h.n <= 1;
}

/* A media type of application/json, with any parameters. */
static bool json_content_type(const char *type)
{
	static const char json[] = "application/json";

	if (type == NULL)
		return false;
	type += strspn(type, " \t");
	if (strncasecmp(type, json, sizeof(json) - 1) != 0)
		return false;
	type += sizeof(json) - 1;
	type += strspn(type, " \t");
	return *type == '\0' || *type == ';';
}

/* Why a request is for another site, or 0 when it is for this server: its
 * Host names this server (every request); a change (change) has a JSON body
 * and an Origin, when it has one, of the same scheme, host and port as that
 * Host.  The reason goes to msg. */
static unsigned foreign(const struct web *w, struct MHD_Connection *conn, bool change, char *msg,
			size_t size)
{
	const char *host, *origin, *type, *scheme = w->tls ? "https://" : "http://";
	unsigned dflt = w->tls ? 443 : 80, port, oport;
	char name[256], oname[256];

	const char *twice = !header_once(conn, "Host", &host)		? "Host"
			    : !header_once(conn, "Origin", &origin)	? "Origin"
			    : !header_once(conn, "Content-Type", &type) ? "Content-Type"
									: NULL;

	if (twice != NULL) {
		snprintf(msg, size, "the %s header is repeated", twice);
		return 400;
	}
	if (host == NULL) {
		snprintf(msg, size, "the request has no Host header");
		return 400;
	}
	if (!split_authority(host, strlen(host), dflt, name, sizeof(name), &port) ||
	    !host_is_ours(w, conn, name)) {
		snprintf(msg, size,
			 "Host '%.200s' is not this server's; use its address or localhost, or "
			 "start it with --hostname NAME",
			 host);
		return 421;
	}
	if (!change)
		return 0;
	if (!json_content_type(type)) {
		snprintf(msg, size,
			 "Content-Type '%.100s' is not application/json, which every POST, PUT "
			 "and DELETE needs",
			 type ? type : "");
		return 415;
	}
	if (origin != NULL &&
	    (strncmp(origin, scheme, strlen(scheme)) != 0 ||
	     !split_authority(origin + strlen(scheme), strlen(origin + strlen(scheme)), dflt,
			      oname, sizeof(oname), &oport) ||
	     strcmp(oname, name) != 0 || oport != port)) {
		snprintf(msg, size, "Origin '%.200s' is not this server's page (%s%.200s)", origin,
			 scheme, host);
		return 403;
	}
	return 0;
}

/* The first call of a request, before any body is read: finds the route
 * and checks who asks, so that nobody unknown gets to send a body.  Returns
 * MHD_YES to go on reading, or the answer already queued. */
static enum MHD_Result admit(struct web *w, struct MHD_Connection *conn, const char *url,
			     const char *method, struct request *req)
{
	const char *length = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
	/* HEAD is answered as GET (libmicrohttpd sends no body). */
	const char *as = strcmp(method, "HEAD") == 0 ? "GET" : method;
	bool path_known = false;
	char why[512];
	unsigned refused;

	req->c = (struct call){.w = w, .conn = conn, .method = as};
	req->max = WEB_BODY_MAX;
	if ((refused = foreign(w, conn, mutating(as), why, sizeof(why))) != 0)
		return fail(conn, refused, "%s", why);
	if (strncmp(url, "/api/", 5) != 0)
		return strcmp(as, "GET") == 0 ? serve_static(w, conn, url)
					      : fail(conn, 405, "%s is not allowed here", method);
	for (size_t i = 0; req->route == NULL && i < sizeof(routes) / sizeof(routes[0]); i++) {
		const char *arg[2] = {NULL, NULL};
		if (!match(routes[i].pattern, url, req->path, sizeof(req->path), arg))
			continue;
		path_known = true;
		if (strcmp(routes[i].method, as) == 0) {
			req->route = &routes[i];
			req->c.arg[0] = arg[0];
			req->c.arg[1] = arg[1];
		}
	}
	if (req->route == NULL)
		return path_known ? fail(conn, 405, "%s is not allowed on %.200s", method, url)
				  : fail(conn, 404, "no such API path: %.200s", url);
	if (req->route->role == PUBLIC) {
		req->max = LOGIN_BODY_MAX;
	} else {
		struct call *c = &req->c;
		if (!authenticate(c))
			return fail(conn, 401, "log in first (or send a bearer token)");
		if (mutating(as) && !csrf_ok(c))
			return fail(conn, 403, "the CSRF token (X-CSRF-Token) is missing or wrong; "
					       "reload the page");
		if ((int)c->role < req->route->role)
			return fail(conn, 403, "a %s may not do this; it needs the %s role",
				    user_role_name(c->role),
				    user_role_name((enum user_role)req->route->role));
	}
	if (length != NULL && strtoull(length, NULL, 10) > req->max) {
		req->too_big = true;
		return fail(conn, 413, "the request body is over %zu bytes", req->max);
	}
	req->admitted = true;
	return MHD_YES;
}

/* ---- connections: a deadline until the request is in ---- */

/* MHD_OPTION_NOTIFY_CONNECTION: a new connection waits for its request;
 * a closed one (called before libmicrohttpd closes its socket) leaves. */
static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
			  enum MHD_ConnectionNotificationCode code)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	struct web *w = cls;
	struct waiting *slot = *socket_context;

	pthread_mutex_lock(&w->lock);
	if (code == MHD_CONNECTION_NOTIFY_STARTED && ci != NULL) {
		for (size_t i = 0; slot == NULL && i < CONN_MAX; i++)
			if (!w->waiting[i].used)
				slot = &w->waiting[i];
		if (slot != NULL)
			*slot = (struct waiting){true, ci->connect_fd,
						 clock_ms() + REQUEST_DEADLINE_S * 1000};
	} else if (slot != NULL) {
		slot->used = false;
		slot = NULL;
	}
	*socket_context = slot;
	pthread_mutex_unlock(&w->lock);
}

/* The connection's request is in (in) or it waits for the next one. */
static void request_in(struct web *w, struct MHD_Connection *conn, bool in)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	struct waiting *slot = ci ? ci->socket_context : NULL;

	MHD_set_connection_option(conn, MHD_CONNECTION_OPTION_TIMEOUT,
				  in ? (unsigned)IDLE_TIMEOUT_S : (unsigned)REQUEST_DEADLINE_S);
	if (slot == NULL)
		return;
	pthread_mutex_lock(&w->lock);
	slot->deadline = in ? 0 : clock_ms() + REQUEST_DEADLINE_S * 1000;
	pthread_mutex_unlock(&w->lock);
}

/* Shuts down the sockets past their deadline; their threads then see the
 * end of the stream and close them.  Safe under w->lock: a connection
 * leaves waiting[] under it before its socket is closed. */
static void *reap_slow(void *arg)
{
	struct web *w = arg;

	while (!atomic_load(&w->stopping)) {
		long now = clock_ms();
		pthread_mutex_lock(&w->lock);
		for (size_t i = 0; i < CONN_MAX; i++) {
			struct waiting *c = &w->waiting[i];
			if (c->used && c->deadline != 0 && c->deadline <= now) {
				shutdown(c->fd, SHUT_RDWR);
				c->deadline = 0;
			}
		}
		pthread_mutex_unlock(&w->lock);
		usleep(250 * 1000);
	}
	return NULL;
}

json_t *web_body_parse(const char *data, size_t len, char *err, size_t errsize)
{
	json_error_t jerr;
	json_t *body = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);

	if (!json_is_object(body)) {
		json_decref(body);
		snprintf(err, errsize, "the body is not a JSON object: line %d, column %d: %s",
			 jerr.line, jerr.column, jerr.text);
		return NULL;
	}
	return body;
}

/* The last call of an admitted request: the body is in; the handler answers. */
static enum MHD_Result dispatch(struct request *req)
{
	struct call *c = &req->c;
	char why[JSON_ERROR_TEXT_LENGTH + 64];
	enum MHD_Result r;

	if (req->too_big)
		return fail(c->conn, 413, "the request body is over %zu bytes", req->max);
	if (req->len > 0 && (c->body = web_body_parse(req->body, req->len, why, sizeof(why))) == NULL)
		return fail(c->conn, 400, "%s", why);
	r = req->route->handle(c);
	wipe_secrets(c->body);
	json_decref(c->body);
	c->body = NULL;
	return r;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version,
				  const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	struct request *req = *con_cls;
	enum MHD_Result r;

	(void)version;
	if (req == NULL) {
		if ((req = calloc(1, sizeof(*req))) == NULL)
			return MHD_NO;
		*con_cls = req;
		r = admit(cls, conn, url, method, req);
		/* Anyone may send a login: its body, too, is due by the deadline;
		 * and so is the rest of a refused request, whoever sends it. */
		if (req->admitted && req->route->role != PUBLIC)
			request_in(cls, conn, true);
		return r;
	}
	if (*upload_data_size > 0) {
		if (!req->too_big && req->len + *upload_data_size <= req->max) {
			char *grown = realloc(req->body, req->len + *upload_data_size + 1);
			if (grown == NULL)
				return MHD_NO;
			req->body = grown;
			memcpy(req->body + req->len, upload_data, *upload_data_size);
			req->len += *upload_data_size;
			req->body[req->len] = '\0';
		} else {
			req->too_big = true;
		}
		*upload_data_size = 0;
		return MHD_YES;
	}
	request_in(cls, conn, true);
	return dispatch(req);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode code)
{
	struct request *req = *con_cls;

	(void)code;
	request_in(cls, conn, false); /* the next request on this connection */
	if (req != NULL) {
		if (req->body != NULL)
			sodium_memzero(req->body, req->len); /* may hold a password */
		free(req->body);
		free(req);
	}
	*con_cls = NULL;
}

/* ---- start and stop ---- */

/* A DNS name (RFC 1123) that cannot be read as an IPv4 address: labels of
 * 1 to 63 letters, digits and inner hyphens, the last not all digits. */
static bool hostname_valid(const char *name)
{
	size_t len = strlen(name), label = 0;
	bool digits = true;

	if (len > 0 && name[len - 1] == '.')
		len--;
	if (len == 0 || len > 253)
		return false;
	for (size_t i = 0; i <= len; i++) {
		char ch = i < len ? name[i] : '.';
		if (ch == '.') {
			if (label == 0 || name[i - 1] == '-')
				return false;
			label = 0;
			continue;
		}
		if (!isalnum((unsigned char)ch) && (ch != '-' || label == 0))
			return false;
		if (label == 0)
			digits = true;
		digits = digits && isdigit((unsigned char)ch);
		if (++label > 63)
			return false;
	}
	return !digits;
}

static bool loopback(const struct sockaddr_storage *ss)
{
	const struct in6_addr *a6 = &((const struct sockaddr_in6 *)ss)->sin6_addr;

	if (ss->ss_family == AF_INET)
		return ntohl(((const struct sockaddr_in *)ss)->sin_addr.s_addr) >> 24 == 127;
	return IN6_IS_ADDR_LOOPBACK(a6) || (IN6_IS_ADDR_V4MAPPED(a6) && a6->s6_addr[12] == 127);
}

/* Keeps cfg's --hostname names, lowercase and without a final dot, for
 * host_is_ours. */
static int set_hostnames(struct web *w, const struct web_config *cfg, char *err, size_t errsize)
{
	unsigned port;

	if (cfg->nhostnames > WEB_HOSTNAMES_MAX) {
		snprintf(err, errsize, "--hostname is given more than %d times", WEB_HOSTNAMES_MAX);
		return HNSP_ERR_INVALID;
	}
	for (size_t i = 0; i < cfg->nhostnames; i++) {
		if (!hostname_valid(cfg->hostnames[i])) {
			snprintf(err, errsize,
				 "--hostname '%s' is not a DNS name (e.g. installer.example.org)",
				 cfg->hostnames[i]);
			return HNSP_ERR_INVALID;
		}
		split_authority(cfg->hostnames[i], strlen(cfg->hostnames[i]), 0, w->hostnames[i],
				sizeof(w->hostnames[i]), &port);
	}
	w->nhostnames = cfg->nhostnames;
	return 0;
}

/* Parses "ADDR:PORT" or "[ADDR6]:PORT" into ss. */
static int parse_listen(const char *listen, struct sockaddr_storage *ss, socklen_t *len)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon = strrchr(listen, ':');
	char *end;
	long port;

	if (colon == NULL || colon == listen || (size_t)(colon - listen) >= sizeof(host))
		return HNSP_ERR_INVALID;
	port = strtol(colon + 1, &end, 10);
	if (*end != '\0' || colon[1] == '\0' || port < 0 || port > 65535)
		return HNSP_ERR_INVALID;
	snprintf(host, sizeof(host), "%.*s", (int)(colon - listen), listen);
	memset(ss, 0, sizeof(*ss));
	if (host[0] == '[' && host[strlen(host) - 1] == ']') {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;
		host[strlen(host) - 1] = '\0';
		if (inet_pton(AF_INET6, host + 1, &a->sin6_addr) != 1)
			return HNSP_ERR_INVALID;
		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)port);
		*len = sizeof(*a);
		return 0;
	}
	{
		struct sockaddr_in *a = (struct sockaddr_in *)ss;
		if (inet_pton(AF_INET, host, &a->sin_addr) != 1)
			return HNSP_ERR_INVALID;
		a->sin_family = AF_INET;
		a->sin_port = htons((uint16_t)port);
		*len = sizeof(*a);
	}
	return 0;
}

int web_start(const struct web_config *cfg, struct web **out, char *err, size_t errsize)
{
	struct web *w = calloc(1, sizeof(*w));
	struct sockaddr_storage ss;
	socklen_t sslen;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION;
	const union MHD_DaemonInfo *info;
	char host[INET6_ADDRSTRLEN];

	*out = NULL;
	if (w == NULL) {
		snprintf(err, errsize, "out of memory");
		return HNSP_ERR_NOMEM;
	}
	if (parse_listen(cfg->listen, &ss, &sslen) < 0) {
		snprintf(err, errsize,
			 "--listen '%s' is not ADDR:PORT (e.g. 127.0.0.1:8080 or [::1]:8080)",
			 cfg->listen);
		free(w);
		return HNSP_ERR_INVALID;
	}
	if (set_hostnames(w, cfg, err, errsize) < 0) {
		free(w);
		return HNSP_ERR_INVALID;
	}
	w->loopback = loopback(&ss);
	w->cfg = *cfg;
	w->tls = cfg->tls_cert != NULL;
	pthread_mutex_init(&w->lock, NULL);
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	if (w->tls)
		flags |= MHD_USE_TLS;
	w->daemon = MHD_start_daemon(
		flags, 0, NULL, NULL, on_request, w, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, w, MHD_OPTION_CONNECTION_LIMIT,
		(unsigned)CONN_MAX, MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)CONN_PER_ADDRESS,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)REQUEST_DEADLINE_S,
		MHD_OPTION_NOTIFY_CONNECTION, on_connection, w,
		MHD_OPTION_HTTPS_MEM_CERT, w->tls ? cfg->tls_cert : NULL,
		MHD_OPTION_HTTPS_MEM_KEY, w->tls ? cfg->tls_key : NULL, MHD_OPTION_END);
	if (w->daemon == NULL) {
		snprintf(err, errsize, "cannot listen on %s%s", cfg->listen,
			 w->tls ? " with TLS (check the certificate and key)"
				: ": the address is in use or not this machine's");
		pthread_mutex_destroy(&w->lock);
		free(w);
		return HNSP_ERR_IO;
	}
	/* Without it (no thread to be had), silence still times out. */
	w->reaper_started = pthread_create(&w->reaper, NULL, reap_slow, w) == 0;
	info = MHD_get_daemon_info(w->daemon, MHD_DAEMON_INFO_BIND_PORT);
	if (ss.ss_family == AF_INET6)
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, host, sizeof(host));
	else
		inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, host, sizeof(host));
	snprintf(w->url, sizeof(w->url), "%s://%s%s%s:%u/", w->tls ? "https" : "http",
		 ss.ss_family == AF_INET6 ? "[" : "", host, ss.ss_family == AF_INET6 ? "]" : "",
		 info ? info->port : 0);
	*out = w;
	return 0;
}

const char *web_url(const struct web *w)
{
	return w->url;
}

bool web_loopback(const struct web *w)
{
	return w->loopback;
}

void web_stop(struct web *w)
{
	if (w == NULL)
		return;
	pthread_mutex_lock(&w->lock);
	atomic_store(&w->stopping, true);
	for (struct web_run *run = w->runs; run != NULL; run = run->next)
		if (!run->done)
			engine_stop(run->e);
	pthread_mutex_unlock(&w->lock);
	if (w->reaper_started)
		pthread_join(w->reaper, NULL);
	MHD_stop_daemon(w->daemon);
	for (struct web_run *run = w->runs, *next; run != NULL; run = next) {
		next = run->next;
		pthread_join(run->thread, NULL);
		web_run_free(run);
	}
	pthread_mutex_destroy(&w->lock);
	sodium_memzero(w->sessions, sizeof(w->sessions));
	free(w);
}
