/* command.c: shell quoting of argument vectors. */
#include "command.h"

#include <stdlib.h>
#include <string.h>

/* Characters that never need quoting: keeps logged commands readable. */
static int is_safe(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s; s++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,@+%",
			    *s))
			return 0;
	return 1;
}

char *command_quote(const char *const *argv)
{
	size_t len = 0;
	char *out, *p;

	if (argv == NULL || argv[0] == NULL)
		return NULL;
	for (size_t i = 0; argv[i] != NULL; i++)
		len += strlen(argv[i]) * 4 + 3; /* worst case: every byte is a quote */
	if ((out = malloc(len + 1)) == NULL)
		return NULL;
	p = out;
	for (size_t i = 0; argv[i] != NULL; i++) {
		const char *s = argv[i];
		if (i > 0)
			*p++ = ' ';
		if (is_safe(s)) {
			size_t n = strlen(s);
			memcpy(p, s, n);
			p += n;
			continue;
		}
		*p++ = '\'';
		for (; *s; s++) {
			if (*s == '\'') {
				memcpy(p, "'\\''", 4);
				p += 4;
			} else {
				*p++ = *s;
			}
		}
		*p++ = '\'';
	}
	*p = '\0';
	return out;
}
