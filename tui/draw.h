/* draw.h: text on the terminal, cut to fit, in the terminal's character set.
 *
 * Every string the TUI shows goes through draw_text(): it is cut to the width
 * it is given (by display columns, so wide characters count double), control
 * bytes become '?' (text from hosts cannot move the cursor or retitle the
 * terminal), and on a terminal whose locale is not UTF-8 the few symbols the
 * TUI uses are replaced by ASCII and any other non-ASCII byte by '?'.  Styles
 * are colours when the terminal has them and NO_COLOR is unset, else plain
 * attributes (bold, reverse, underline). */
#ifndef HNSP_TUI_DRAW_H
#define HNSP_TUI_DRAW_H

#include <curses.h>
#include <stdbool.h>

enum style {
	ST_NORMAL,
	ST_TITLE,   /* the title bar */
	ST_KEYS,    /* the bottom line of keys */
	ST_KEY,     /* a key's name on the bottom line */
	ST_HEAD,    /* table headings and section names */
	ST_SELECT,  /* the row or field under the cursor */
	ST_DIM,     /* secondary text */
	ST_OK,
	ST_WARN,
	ST_FAIL,
	ST_RUN,     /* something in progress */
	ST_COUNT
};

/* Chooses the character set and colours; call once after the terminal is set
 * up.  utf8: the locale's codeset is UTF-8; color: has_colors() and NO_COLOR
 * unset or empty. */
void draw_init(bool utf8, bool color);

/* The curses attributes of a style. */
int draw_attr(enum style st);
/* The style for a status word of the journal, preflight or verify: ok, pass,
 * succeeded, changed -> OK; warn, skip, skipped, interrupted -> WARN; fail,
 * failed, unreachable -> FAIL; running -> RUN; anything else NORMAL. */
enum style draw_status_style(const char *status);

/* Draws s at (y, x) in at most width columns; returns the columns used. */
int draw_text(WINDOW *w, int y, int x, int width, enum style st, const char *s);
int draw_fmt(WINDOW *w, int y, int x, int width, enum style st, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
/* Fills width columns at (y, x) with spaces in style st. */
void draw_fill(WINDOW *w, int y, int x, int width, enum style st);
/* A bar of width columns showing done out of total. */
void draw_bar(WINDOW *w, int y, int x, int width, long done, long total, enum style st);
/* A horizontal line of width columns. */
void draw_hline(WINDOW *w, int y, int x, int width, enum style st);
/* A frame of rows x cols whose top left corner is (y, x). */
void draw_frame(WINDOW *w, int y, int x, int rows, int cols);
/* The display columns s takes (as draw_text would draw it). */
int draw_width(const char *s);

#endif
