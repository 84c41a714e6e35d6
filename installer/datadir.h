/* datadir.h: where the installer finds its playbooks, roles and catalog. */
#ifndef HNSP_DATADIR_H
#define HNSP_DATADIR_H

#include <stddef.h>

/* Writes the data directory into buf: $HNSP_DATA_DIR when set, else the
 * source tree the running binary was built in (build/..), else the
 * installed share directory.  Returns 0 or HNSP_ERR_NOTFOUND. */
int datadir_find(char *buf, size_t size);

#endif
