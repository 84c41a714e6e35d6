/* suggest.h: "did you mean" for misspelt keys and names. */
#ifndef HNSP_SUGGEST_H
#define HNSP_SUGGEST_H

#include <stddef.h>

/* Returns the candidate closest to word by edit distance, or NULL when none is
 * close enough to be a plausible typo.  Borrows everything; returns one of the
 * candidates. */
const char *suggest_closest(const char *word, const char *const *candidates, size_t n);

#endif
