/* push.h: copy a local file or directory tree to a host, over one SSH connection.
 *
 * What lands on the host:
 *   - src a regular file: dst is the file's full remote path (not a directory
 *     to put it in).  src a directory: dst becomes a copy of that directory
 *     (like rsync "src/ dst"): its subdirectories, files and symlinks.
 *   - Each file is written as DIR/.NAME.hnsp-part (mode 0600 while written),
 *     checked with SHA-256 on the host, given its mode, then renamed over NAME
 *     (mv -T: an existing file or symlink is replaced atomically; an existing
 *     directory is an error).  Nobody ever sees a half-written NAME.
 *   - A file whose remote copy has the same size and SHA-256 is not sent (only
 *     its mode is fixed when it differs).
 *   - A .NAME.hnsp-part left by an interrupted push is continued when its
 *     content is a prefix of the local file (checked with SHA-256); otherwise
 *     it is overwritten.  A dropped connection leaves the part for next time.
 *   - The host is not trusted: a symlink is never written, chmod-ed or renamed
 *     through.  A part that is a symlink is removed (never followed); a new
 *     part is created with O_EXCL; a directory of the tree that is a symlink
 *     on the host is an error.
 *   - Permission bits (including setuid/setgid/sticky) of files and
 *     directories are kept; owner and times are not (files belong to the
 *     login user).  Directories are created; dst's missing parents too.
 *   - Symlinks are recreated as symlinks with the same target text (never
 *     followed).  Other file types (fifo, socket, device) are refused.
 *
 * Remote paths are taken literally: a relative dst is relative to the login
 * directory, and "~" is not expanded.
 * Everything runs as the connection's user (SFTP cannot use sudo).  The host
 * needs bash and coreutils (sha256sum, stat, mv -T): any Debian does.
 * The data goes over SFTP; hashing, renames and modes over a few batched
 * commands (one before and one after the transfer, whatever the file count).
 * Nothing prints; failures come back in a struct ssh_failure. */
#ifndef HNSP_PUSH_H
#define HNSP_PUSH_H

#include <stdbool.h>
#include <stddef.h>

#include "ssh.h"

struct push_options {
	bool checksum;  /* host re-reads each written file and compares SHA-256 */
	bool resume;    /* continue a matching .NAME.hnsp-part */
	bool fsync;     /* fsync each file before its rename (fsync@openssh.com) */
	long timeout_ms; /* for each batched command (hashing trees takes time); 0: none */
	/* Called after each chunk sent; path is the local path; may be NULL. */
	void (*on_progress)(void *ctx, const char *path, unsigned long long done,
			    unsigned long long size);
	void *ctx;
};

/* The defaults: checksum, resume and fsync on, no timeout, no callback. */
void push_options_init(struct push_options *o);

struct push_stats {
	size_t files;                  /* regular files and symlinks written */
	size_t skipped;                /* already identical on the host */
	size_t resumed;                /* continued from a .hnsp-part */
	size_t dirs;                   /* directories in the tree (created or kept) */
	unsigned long long bytes_sent; /* file bytes sent (not protocol overhead) */
	long elapsed_ms;
};

/* Pushes the local file or directory tree src to the remote path dst over
 * conn (borrowed, used on the caller's thread only).  o may be NULL for the
 * defaults; stats may be NULL.  Returns 0, or a negative HNSP_ERR_*
 * (NOTFOUND: src missing; INVALID: a special file or a bad path; LIMIT: tree
 * too large or deep; IO: the host or a local read failed) with fail filled
 * with a one-line message naming the host. */
int push_path(struct ssh_conn *conn, const char *src, const char *dst,
	      const struct push_options *o, struct push_stats *stats, struct ssh_failure *fail);

/* One line of the host's answer to the prepare step (the host is not
 * trusted: any bytes), for a file: "KIND SIZE MODE HASH PSIZE PHASH", KIND n
 * (none), f (regular file) or l (symlink), MODE octal, PSIZE -1 for no part,
 * a hash "-" when not computed; for a symlink: "same" or "diff". */
#define PROBE_LINE_MAX 200 /* the longest line read; a file's line stays below */

struct push_probe {
	char kind;                 /* files: as sent; symlinks: 's' (same) or 'd' (diff) */
	unsigned long long size;   /* the remote file's size */
	unsigned long long mode;   /* its permission bits and type bits as sent */
	char hash[65];             /* its SHA-256, or "" when not 64 characters */
	long long part_size;       /* the .hnsp-part's size, -1 when there is none */
	char part_hash[65];        /* the part's SHA-256, or "" */
};

/* Reads line (len bytes, no newline; a symlink's answer when link) into out.
 * Returns 0, or HNSP_ERR_INVALID when it is not such a line. */
int push_probe_parse(const char *line, size_t len, bool link, struct push_probe *out);

#endif
