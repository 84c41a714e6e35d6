/* clock.c: the monotonic clock in milliseconds. */
#include "clock.h"

#include <time.h>

long clock_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}
