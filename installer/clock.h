/* clock.h: the monotonic clock every module times things with. */
#ifndef HNSP_CLOCK_H
#define HNSP_CLOCK_H

/* Milliseconds on CLOCK_MONOTONIC: for durations and deadlines, never dates. */
long clock_ms(void);

#endif
