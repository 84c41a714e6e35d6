/* error.c: names for the project's error codes. */
#include "error.h"

#include <stddef.h>

static const char *const messages[] = {
	[0] = "success",
	[-HNSP_ERR_NOMEM] = "out of memory",
	[-HNSP_ERR_IO] = "input/output error",
	[-HNSP_ERR_INVALID] = "invalid input",
	[-HNSP_ERR_LIMIT] = "input exceeds a limit",
	[-HNSP_ERR_NOTFOUND] = "not found",
	[-HNSP_ERR_EXISTS] = "already exists",
};

const char *hnsp_strerror(int err)
{
	if (err > 0 || (unsigned)-err >= sizeof(messages) / sizeof(messages[0]) ||
	    messages[-err] == NULL)
		return "unknown error";
	return messages[-err];
}
