/* bundle.c: see bundle.h. */
#include "bundle.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <openssl/evp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "error.h"

char *bundle_dir(const struct project *p)
{
	if (p->artefacts.source != ARTEFACTS_OFFLINE || p->artefacts.bundle == NULL)
		return NULL;
	return strdup(p->artefacts.bundle);
}

/* What the project's components need, in catalog order: the request that
 * bundle.py reads. */
static json_t *needs_json(const struct project *p, const struct catalog *cat)
{
	size_t *needed_by = calloc(cat->components.n, sizeof(*needed_by));
	json_t *all = json_array();

	if (needed_by == NULL || all == NULL) {
		free(needed_by);
		json_decref(all);
		return NULL;
	}
	project_needs(p, cat, needed_by);
	for (size_t i = 0; i < cat->components.n; i++) {
		const struct component *c = COMPONENT_AT(cat, i);
		json_t *bins;
		if (needed_by[i] == NEED_NONE || (bins = json_array()) == NULL)
			continue;
		for (size_t k = 0; k < c->binaries.n; k++) {
			const struct catalog_binary *b =
				OBJLIST_AT(&c->binaries, struct catalog_binary, k);
			json_array_append_new(bins, json_pack("{s:s, s:s, s:s}", "name", b->name,
							      "package", b->package, "path",
							      b->path));
		}
		json_array_append_new(all, json_pack("{s:s, s:o, s:o, s:o}", "id", c->id, "packages",
						     strlist_to_json(&c->packages), "binaries", bins,
						     "images", strlist_to_json(&c->images)));
	}
	free(needed_by);
	return all;
}

/* Runs the bundle tool with request on its stdin; returns its JSON answer. */
static json_t *run_tool(const char *tool, const char *request, char *err, size_t errsize)
{
	int in[2], out[2], status;
	json_error_t jerr;
	json_t *answer;
	FILE *f;
	pid_t pid;

	if (pipe2(in, O_CLOEXEC) < 0)
		goto broken;
	if (pipe2(out, O_CLOEXEC) < 0) {
		close(in[0]);
		close(in[1]);
		goto broken;
	}
	if ((pid = fork()) < 0) {
		close(in[0]), close(in[1]), close(out[0]), close(out[1]);
		goto broken;
	}
	if (pid == 0) {
		dup2(in[0], STDIN_FILENO);
		dup2(out[1], STDOUT_FILENO);
		execlp("python3", "python3", tool, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	/* The tool reads its whole request before it answers. */
	{
		void (*old)(int) = signal(SIGPIPE, SIG_IGN);
		size_t left = strlen(request);
		while (left > 0) {
			ssize_t n = write(in[1], request, left);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			request += n;
			left -= (size_t)n;
		}
		signal(SIGPIPE, old);
	}
	close(in[1]);
	f = fdopen(out[0], "r");
	answer = f ? json_loadf(f, JSON_DISABLE_EOF_CHECK, &jerr) : NULL;
	if (f)
		fclose(f);
	else
		close(out[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (answer == NULL)
		snprintf(err, errsize, "%s gave no answer (exit status %d); is python3 installed?",
			 tool, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	return answer;
broken:
	snprintf(err, errsize, "cannot start %s: %s", tool, strerror(errno));
	return NULL;
}

int bundle_build(const struct project *p, const struct catalog *cat, const char *datadir,
		 const char *out_dir, json_t **result, char *err, size_t errsize)
{
	char tool[PATH_MAX];
	json_t *needs = needs_json(p, cat), *req, *answer;
	char *text;
	int r = HNSP_ERR_NOMEM;

	*result = NULL;
	err[0] = '\0';
	snprintf(tool, sizeof(tool), "%s/playbooks/tools/bundle.py", datadir);
	req = needs ? json_pack("{s:s, s:s, s:o}", "out", out_dir, "project", p->name, "components",
				needs)
		    : NULL;
	text = req ? json_dumps(req, JSON_COMPACT) : NULL;
	json_decref(req);
	if (text == NULL)
		return r;
	answer = run_tool(tool, text, err, errsize);
	free(text);
	if (answer == NULL)
		return HNSP_ERR_IO;
	if (json_is_true(json_object_get(answer, "ok"))) {
		*result = json_incref(json_object_get(answer, "manifest"));
		r = 0;
	} else if (json_object_get(answer, "missing")) {
		*result = json_incref(json_object_get(answer, "missing"));
		r = HNSP_ERR_NOTFOUND;
	} else if (json_is_string(json_object_get(answer, "refused"))) {
		snprintf(err, errsize, "%s", json_string_value(json_object_get(answer, "refused")));
		r = HNSP_ERR_INVALID;
	} else {
		const char *why = json_string_value(json_object_get(answer, "error"));
		snprintf(err, errsize, "%s", why ? why : "the bundle tool failed without saying why");
		r = HNSP_ERR_IO;
	}
	json_decref(answer);
	return r;
}

/* SHA-256 of the file at path as 64 hex digits; false when it cannot be read. */
static bool file_sha256(const char *path, char hex[65])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char buf[1 << 16], d[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = 0;
	bool ok = ctx != NULL && fd >= 0 && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1;

	while (ok && (n = read(fd, buf, sizeof(buf))) > 0)
		ok = EVP_DigestUpdate(ctx, buf, (size_t)n) == 1;
	ok = ok && n == 0 && EVP_DigestFinal_ex(ctx, d, &len) == 1 && len == 32;
	for (unsigned int i = 0; ok && i < len; i++)
		snprintf(hex + 2 * i, 3, "%02x", d[i]);
	if (fd >= 0)
		close(fd);
	EVP_MD_CTX_free(ctx);
	return ok;
}

/* True when the JSON array a holds the string s. */
static bool holds(const json_t *a, const char *s)
{
	size_t i;
	const json_t *v;
	json_array_foreach(a, i, v)
	{
		if (json_is_string(v) && strcmp(json_string_value(v), s) == 0)
			return true;
	}
	return false;
}

/* The first thing component c needs that the manifest's entry for it lacks. */
static const char *lacking(const struct component *c, const json_t *entry)
{
	for (size_t k = 0; k < c->packages.n; k++)
		if (!holds(json_object_get(entry, "packages"), c->packages.v[k]))
			return c->packages.v[k];
	for (size_t k = 0; k < c->binaries.n; k++) {
		const char *name = OBJLIST_AT(&c->binaries, struct catalog_binary, k)->name;
		if (!holds(json_object_get(entry, "binaries"), name))
			return name;
	}
	for (size_t k = 0; k < c->images.n; k++)
		if (!holds(json_object_get(entry, "images"), c->images.v[k]))
			return c->images.v[k];
	return NULL;
}

int bundle_check(const struct project *p, const struct catalog *cat, char *err, size_t errsize)
{
	char *dir = bundle_dir(p), path[PATH_MAX];
	size_t *needed_by = calloc(cat->components.n, sizeof(*needed_by));
	json_t *m = NULL, *files, *entry;
	json_error_t jerr;
	const char *rel, *what;
	int r = HNSP_ERR_NOMEM;

	err[0] = '\0';
	if (dir == NULL || needed_by == NULL)
		goto out;
	snprintf(path, sizeof(path), "%s/manifest.json", dir);
	if ((m = json_load_file(path, 0, &jerr)) == NULL) {
		snprintf(err, errsize,
			 "the offline bundle %s has no readable manifest.json (%s); build it with "
			 "'hnsp-installer bundle %s'",
			 dir, jerr.text, p->path);
		r = HNSP_ERR_NOTFOUND;
		goto out;
	}
	project_needs(p, cat, needed_by);
	for (size_t i = 0; i < cat->components.n; i++) {
		const struct component *c = COMPONENT_AT(cat, i);
		if (needed_by[i] == NEED_NONE)
			continue;
		entry = json_object_get(json_object_get(m, "components"), c->id);
		if (entry == NULL || (what = lacking(c, entry)) != NULL) {
			snprintf(err, errsize,
				 "the offline bundle %s lacks %s for component '%s'; rebuild it with "
				 "'hnsp-installer bundle %s'",
				 dir, entry ? what : "everything", c->id, p->path);
			r = HNSP_ERR_NOTFOUND;
			goto out;
		}
	}
	files = json_object_get(m, "files");
	json_object_foreach(files, rel, entry)
	{
		struct stat st;
		char want[65], got[65];
		snprintf(want, sizeof(want), "%s",
			 json_string_value(json_object_get(entry, "sha256")) ?: "");
		snprintf(path, sizeof(path), "%s/%s", dir, rel);
		if (stat(path, &st) < 0) {
			snprintf(err, errsize,
				 "the offline bundle %s is missing %s (listed in its manifest); "
				 "rebuild it with 'hnsp-installer bundle %s'",
				 dir, rel, p->path);
			r = HNSP_ERR_NOTFOUND;
			goto out;
		}
		if ((json_int_t)st.st_size != json_integer_value(json_object_get(entry, "size")) ||
		    !file_sha256(path, got) || strcmp(got, want) != 0) {
			snprintf(err, errsize,
				 "the offline bundle %s has a changed %s (size or SHA-256 differ "
				 "from its manifest); rebuild it with 'hnsp-installer bundle %s'",
				 dir, rel, p->path);
			r = HNSP_ERR_INVALID;
			goto out;
		}
	}
	r = 0;
out:
	json_decref(m);
	free(needed_by);
	free(dir);
	return r;
}
