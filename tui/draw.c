/* draw.c: cut, sanitised and styled text for the TUI. */
#include "draw.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include <wctype.h>

static bool utf8_mode;
static bool color_mode;

/* The symbols the TUI writes, and what a terminal without UTF-8 shows. */
static const struct {
	const char *utf8;
	const char *ascii;
} symbols[] = {
	{"↑↓", "up/dn"}, {"←→", "lt/rt"}, {"…", "..."}, {"·", "-"},  {"✓", "+"},
	{"✗", "x"},      {"▶", ">"},      {"█", "#"},   {"░", "-"}, {"─", "-"},
	{"•", "*"},      {"↓", "v"},      {"↑", "^"},   {"→", ">"}, {"←", "<"},
	{"│", "|"},      {"┌", "+"},      {"┐", "+"},   {"└", "+"}, {"┘", "+"},
};

/* Colour (foreground, background; -1 the terminal's own) and attributes of
 * each style, and the attributes that stand in for colour without it. */
static const struct {
	short fg, bg;
	int color_attr;
	int mono_attr;
} styles[ST_COUNT] = {
	[ST_NORMAL] = {-1, -1, 0, 0},
	[ST_TITLE] = {COLOR_WHITE, COLOR_BLUE, A_BOLD, A_REVERSE | A_BOLD},
	[ST_KEYS] = {-1, -1, 0, 0},
	[ST_KEY] = {COLOR_BLACK, COLOR_CYAN, 0, A_REVERSE},
	[ST_HEAD] = {-1, -1, A_BOLD, A_BOLD | A_UNDERLINE},
	[ST_SELECT] = {-1, -1, A_REVERSE, A_REVERSE},
	[ST_DIM] = {-1, -1, A_DIM, A_DIM},
	[ST_OK] = {COLOR_GREEN, -1, 0, 0},
	[ST_WARN] = {COLOR_YELLOW, -1, A_BOLD, A_BOLD},
	[ST_FAIL] = {COLOR_RED, -1, A_BOLD, A_BOLD},
	[ST_RUN] = {COLOR_CYAN, -1, A_BOLD, A_BOLD},
};

static const struct {
	const char *word;
	enum style st;
} status_styles[] = {
	{"ok", ST_OK},          {"pass", ST_OK},       {"succeeded", ST_OK},
	{"changed", ST_OK},     {"valid", ST_OK},      {"warn", ST_WARN},
	{"warning", ST_WARN},   {"skip", ST_WARN},     {"interrupted", ST_WARN},
	{"partial", ST_WARN},   {"fail", ST_FAIL},     {"failed", ST_FAIL},
	{"unreachable", ST_FAIL}, {"error", ST_FAIL},  {"running", ST_RUN},
};

void draw_init(bool utf8, bool color)
{
	utf8_mode = utf8;
	color_mode = color;
	if (!color_mode)
		return;
	start_color();
	bool defaults = use_default_colors() == OK;
	for (short i = 1; i < ST_COUNT; i++) {
		short fg = styles[i].fg, bg = styles[i].bg;
		if (fg < 0 && bg < 0)
			continue;
		if (!defaults) { /* no "the terminal's own": white on black */
			fg = fg < 0 ? COLOR_WHITE : fg;
			bg = bg < 0 ? COLOR_BLACK : bg;
		}
		init_pair(i, fg, bg);
	}
}

int draw_attr(enum style st)
{
	if (!color_mode)
		return styles[st].mono_attr;
	if (styles[st].fg < 0 && styles[st].bg < 0)
		return styles[st].color_attr;
	return styles[st].color_attr | COLOR_PAIR((int)st);
}

enum style draw_status_style(const char *status)
{
	for (size_t i = 0; status && i < sizeof(status_styles) / sizeof(status_styles[0]); i++)
		if (strcmp(status, status_styles[i].word) == 0)
			return status_styles[i].st;
	return ST_NORMAL;
}

/* The ASCII stand-in for the symbol s starts with, or NULL; *len gets the
 * symbol's bytes. */
static const char *ascii_symbol(const char *s, size_t *len)
{
	for (size_t i = 0; i < sizeof(symbols) / sizeof(symbols[0]); i++) {
		size_t n = strlen(symbols[i].utf8);
		if (strncmp(s, symbols[i].utf8, n) == 0) {
			*len = n;
			return symbols[i].ascii;
		}
	}
	return NULL;
}

/* Converts s into at most width columns of wide characters in out (room for
 * cap); returns how many, and the columns in *cols. */
static size_t convert(const char *s, int width, wchar_t *out, size_t cap, int *cols)
{
	mbstate_t ps;
	size_t n = 0;
	int used = 0;

	memset(&ps, 0, sizeof(ps));
	while (s && *s && n + 1 < cap) {
		wchar_t wc;
		size_t len = 1;
		int cw = 1;
		const char *alt = utf8_mode ? NULL : ascii_symbol(s, &len);

		if (alt != NULL) {
			if (used + (int)strlen(alt) > width)
				break;
			for (; *alt && n + 1 < cap; alt++, used++)
				out[n++] = (wchar_t)*alt;
			s += len;
			continue;
		}
		if (!utf8_mode || (unsigned char)*s < 0x80) {
			unsigned char c = (unsigned char)*s;
			wc = c == '\t' ? L' ' : c < 0x20 || c >= 0x7f ? L'?' : (wchar_t)c;
		} else {
			len = mbrtowc(&wc, s, strlen(s), &ps);
			if (len == (size_t)-1 || len == (size_t)-2 || len == 0) {
				memset(&ps, 0, sizeof(ps));
				wc = L'?';
				len = 1;
			}
			if (iswcntrl((wint_t)wc))
				wc = L'?';
			if ((cw = wcwidth(wc)) < 0) {
				wc = L'?';
				cw = 1;
			}
		}
		if (used + cw > width)
			break;
		out[n++] = wc;
		used += cw;
		s += len;
	}
	out[n] = L'\0';
	*cols = used;
	return n;
}

int draw_text(WINDOW *w, int y, int x, int width, enum style st, const char *s)
{
	wchar_t out[1024];
	int cols = 0;
	size_t n;

	if (width <= 0 || s == NULL)
		return 0;
	n = convert(s, width, out, sizeof(out) / sizeof(out[0]), &cols);
	wattron(w, draw_attr(st));
	mvwaddnwstr(w, y, x, out, (int)n);
	wattroff(w, draw_attr(st));
	return cols;
}

int draw_fmt(WINDOW *w, int y, int x, int width, enum style st, const char *fmt, ...)
{
	char buf[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return draw_text(w, y, x, width, st, buf);
}

void draw_fill(WINDOW *w, int y, int x, int width, enum style st)
{
	wattron(w, draw_attr(st));
	if (width > 0)
		mvwhline(w, y, x, ' ', width);
	wattroff(w, draw_attr(st));
}

/* width copies of the symbol g (a UTF-8 character of one column). */
static void repeat(WINDOW *w, int y, int x, int width, enum style st, const char *g)
{
	char buf[4 * 1024 + 1];
	size_t len = strlen(g), off = 0;

	for (int i = 0; i < width && off + len < sizeof(buf); i++, off += len)
		memcpy(buf + off, g, len);
	buf[off] = '\0';
	draw_text(w, y, x, width, st, buf);
}

void draw_bar(WINDOW *w, int y, int x, int width, long done, long total, enum style st)
{
	long fill = total > 0 ? (long)width * (done < total ? done : total) / total : 0;

	if (width <= 0)
		return;
	repeat(w, y, x, (int)fill, st, "█");
	repeat(w, y, x + (int)fill, width - (int)fill, st, "░");
}

void draw_hline(WINDOW *w, int y, int x, int width, enum style st)
{
	repeat(w, y, x, width, st, "─");
}

void draw_frame(WINDOW *w, int y, int x, int rows, int cols)
{
	if (rows < 2 || cols < 2)
		return;
	draw_text(w, y, x, 1, ST_NORMAL, "┌");
	draw_hline(w, y, x + 1, cols - 2, ST_NORMAL);
	draw_text(w, y, x + cols - 1, 1, ST_NORMAL, "┐");
	for (int r = 1; r < rows - 1; r++) {
		draw_text(w, y + r, x, 1, ST_NORMAL, "│");
		draw_text(w, y + r, x + cols - 1, 1, ST_NORMAL, "│");
	}
	draw_text(w, y + rows - 1, x, 1, ST_NORMAL, "└");
	draw_hline(w, y + rows - 1, x + 1, cols - 2, ST_NORMAL);
	draw_text(w, y + rows - 1, x + cols - 1, 1, ST_NORMAL, "┘");
}

int draw_width(const char *s)
{
	wchar_t out[1024];
	int cols = 0;

	convert(s, 1 << 20, out, sizeof(out) / sizeof(out[0]), &cols);
	return cols;
}
