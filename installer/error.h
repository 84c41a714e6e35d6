/* error.h: the project's one error convention.
 *
 * Actions return int: 0 on success or one of the negative codes below.
 * hnsp_strerror() names a code for a person; details a person can act on
 * (file, line, column) travel separately in a struct diag_list. */
#ifndef HNSP_ERROR_H
#define HNSP_ERROR_H

enum hnsp_err {
	HNSP_OK = 0,
	HNSP_ERR_NOMEM = -1,   /* out of memory */
	HNSP_ERR_IO = -2,      /* a file could not be read or written (see errno / diags) */
	HNSP_ERR_INVALID = -3, /* input was rejected; the diagnostics say why */
	HNSP_ERR_LIMIT = -4,   /* input exceeded a size, depth or count limit */
	HNSP_ERR_NOTFOUND = -5, /* a named thing does not exist */
	HNSP_ERR_EXISTS = -6    /* a thing to be created exists already */
};

/* Returns a static, lowercase description of err (never NULL). */
const char *hnsp_strerror(int err);

#endif
