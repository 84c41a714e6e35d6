/* web.h: the web GUI's server: static pages and the JSON API (docs/api.md).
 *
 * libmicrohttpd with one thread per connection, so a slow request (a
 * preflight, a bundle) or an event stream never holds up another.  Routes
 * are a table that one dispatcher walks: it authenticates (session cookie or
 * bearer token), checks the CSRF token of a mutating request and the role,
 * caps the body, and answers every error as {"error": "..."}.  Runs started
 * here use the engine in a thread of this process and the same journal as
 * the CLI; event streams read the journal, so runs started by the CLI are
 * followed the same way.  Nothing here prints. */
#ifndef HNSP_WEB_H
#define HNSP_WEB_H

#include <stdbool.h>
#include <jansson.h>
#include <stddef.h>

#include "catalog.h"
#include "users.h"

#define WEB_BODY_MAX (1u << 20)       /* largest request body: 1 MiB */
#define WEB_HOSTNAMES_MAX 8           /* --hostname NAME given at most this often */

struct web_config {
	const char *listen;           /* "ADDR:PORT" or "[ADDR6]:PORT"; port 0 picks one */
	const char *state_dir;        /* absolute */
	const char *datadir;          /* holds installer/web/ and playbooks/ */
	const struct catalog *catalog;/* borrowed; outlives the server */
	struct users *users;          /* borrowed; the server changes it under its lock */
	const char *tls_cert;         /* PEM text of the certificate, or NULL for HTTP */
	const char *tls_key;          /* PEM text of its key (secret), or NULL */
	/* DNS names the server is reached by, besides its address and
	 * localhost: a request whose Host is none of these is refused (DNS
	 * rebinding).  Borrowed, read by web_start only. */
	const char *const *hostnames;
	size_t nhostnames;
};

struct web;

/* Starts serving.  On failure err holds one line for a person.  Returns 0,
 * HNSP_ERR_INVALID (a bad listen address or --hostname) or HNSP_ERR_IO (cannot listen);
 * *out is new on success. */
int web_start(const struct web_config *cfg, struct web **out, char *err, size_t errsize);
/* The URL served, e.g. "http://127.0.0.1:8080/" (owned by w). */
const char *web_url(const struct web *w);
/* True when w listens on a loopback address only (127.0.0.0/8, ::1): then
 * nobody but this machine's users can reach it. */
bool web_loopback(const struct web *w);
/* Stops serving, asks runs started here to stop, waits for them and frees w. */
void web_stop(struct web *w);

/* Reads a request body of len bytes (any bytes: it comes from the network):
 * it must be one JSON object, duplicate keys refused.  Returns a new
 * reference, or NULL with a one-line reason for the 400 answer in err. */
json_t *web_body_parse(const char *data, size_t len, char *err, size_t errsize);

#endif
