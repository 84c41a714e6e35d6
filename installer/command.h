/* command.h: remote commands as argument vectors, quoted once, here.
 *
 * SSH runs a command through the remote user's shell, so an argument vector
 * must become one string.  This is the only place that builds that string:
 * every argument is single-quoted, so no input can inject shell syntax. */
#ifndef HNSP_COMMAND_H
#define HNSP_COMMAND_H

/* Joins the NULL-terminated argv into one shell-safe string.  Returns new
 * memory (free it), or NULL when out of memory or argv is empty. */
char *command_quote(const char *const *argv);

#endif
