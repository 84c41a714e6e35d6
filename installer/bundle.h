/* bundle.h: the offline bundle: built for a project, checked before a run.
 *
 * bundle_build() works out what the project's components need from the
 * catalog (packages, binaries, images) and has playbooks/tools/bundle.py
 * fetch and lay it out (docs/bundle.md): apt/, bin/, images/ and a
 * manifest.json with every file's SHA-256.  bundle_check() proves that a
 * bundle on disk holds what a project needs, file by file, before anything
 * on a host is changed.  Nothing prints. */
#ifndef HNSP_BUNDLE_H
#define HNSP_BUNDLE_H

#include <jansson.h>
#include <stddef.h>

#include "catalog.h"
#include "project.h"

/* Where the engine places the bundle on every host. */
#define BUNDLE_REMOTE_DIR "/var/lib/hnsp-installer/bundle"

/* The project's bundle directory, as project_load resolved it; new
 * memory, or NULL when the project has no offline bundle. */
char *bundle_dir(const struct project *p);

/* Builds the bundle of project p in out_dir (replaced whole, only once the
 * new one is complete).  datadir holds playbooks/tools/bundle.py.
 * On success *result is the manifest; when a source is missing it is the
 * list of what is missing, [{"component","kind","name","reason"}], and
 * nothing was written.  out_dir is replaced only when it is missing, empty or
 * a bundle built here (it holds the marker .hnsp-bundle), never through a
 * symbolic link.  Returns 0 (built), HNSP_ERR_NOTFOUND (something is
 * missing; see *result), HNSP_ERR_INVALID (out_dir refused before anything
 * was fetched; err names it) or HNSP_ERR_IO (a tool failed; err says which
 * and why).  *result is a new reference or NULL. */
int bundle_build(const struct project *p, const struct catalog *cat, const char *datadir,
		 const char *out_dir, json_t **result, char *err, size_t errsize);

/* Checks that the project's bundle holds every package, binary and image its
 * components need, and that every file the manifest lists is there with its
 * size and SHA-256.  Returns 0, or HNSP_ERR_NOTFOUND / HNSP_ERR_INVALID with
 * one line in err naming the file or component and what to do. */
int bundle_check(const struct project *p, const struct catalog *cat, char *err, size_t errsize);

#endif
