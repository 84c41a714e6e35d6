/* access.c: turn a project's ssh settings into connection settings. */
#include "access.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "fanout.h"
#include "secrets.h"

int access_init(struct access *a, const struct project *p, const char *state_dir,
		const char *passphrase, const char *password)
{
	const struct ssh_settings *s = &p->ssh;

	memset(a, 0, sizeof(*a));
	if ((a->endpoints = calloc(p->hosts.n + 1, sizeof(*a->endpoints))) == NULL ||
	    (a->gate = gate_new(GATE_DEFAULT_PER_KEY)) == NULL)
		goto nomem;
	if (s->key_file != NULL && (a->key_file = strdup(s->key_file)) == NULL)
		goto nomem;
	if (s->known_hosts != NULL)
		a->known_hosts = strdup(s->known_hosts);
	else if (asprintf(&a->known_hosts, "%s/known_hosts", state_dir) < 0)
		a->known_hosts = NULL;
	if (a->known_hosts == NULL)
		goto nomem;
	for (size_t i = 0; i < p->hosts.n; i++) {
		const struct host *h = HOST_AT(p, i);
		a->endpoints[i] = (struct ssh_endpoint){
			.name = h->name,
			.address = h->address,
			.port = (int)(h->port ? h->port : s->port),
			.user = h->user ? h->user : s->user,
		};
	}
	a->n = p->hosts.n;
	a->view = (struct ssh_settings_view){
		.key_file = a->key_file,
		.passphrase = passphrase,
		.password = password,
		.known_hosts = a->known_hosts,
		.policy = (enum ssh_hostkey_policy)s->host_key_policy,
		.connect_timeout_ms = s->connect_timeout * 1000L,
		.gate = a->gate,
	};
	if (s->jump_host != NULL) {
		a->jump = (struct ssh_endpoint){
			.name = s->jump_host->address,
			.address = s->jump_host->address,
			.port = (int)s->jump_host->port,
			.user = s->jump_host->user ? s->jump_host->user : s->user,
		};
		a->view.jump = &a->jump;
	}
	return 0;
nomem:
	access_release(a);
	return HNSP_ERR_NOMEM;
}

int access_use_secrets(struct access *a, const struct project *p, const char *state_dir,
		       char *err, size_t errsize)
{
	const struct {
		const char *name;      /* the project's secret */
		const char **given;    /* what the caller gave, if anything */
		char **out;
	} wanted[] = {
		{p->ssh.password, &a->view.password, &a->password},
		{p->ssh.key_passphrase, &a->view.passphrase, &a->passphrase},
		{p->ssh.become_password, NULL, &a->become_password},
	};
	char key[PATH_MAX];
	int r;

	err[0] = '\0';
	if ((r = secrets_key_path(state_dir, key, sizeof(key))) < 0)
		return r;
	for (size_t i = 0; i < sizeof(wanted) / sizeof(wanted[0]); i++) {
		if (wanted[i].name == NULL || *wanted[i].out != NULL ||
		    (wanted[i].given != NULL && *wanted[i].given != NULL))
			continue;
		if ((r = secrets_get(state_dir, key, wanted[i].name, wanted[i].out, err, errsize)) < 0)
			return r;
		if (wanted[i].given != NULL)
			*wanted[i].given = *wanted[i].out;
	}
	return 0;
}

void access_release(struct access *a)
{
	secret_free(a->password);
	secret_free(a->passphrase);
	secret_free(a->become_password);
	free(a->endpoints);
	free(a->key_file);
	free(a->known_hosts);
	gate_free(a->gate);
	memset(a, 0, sizeof(*a));
}
