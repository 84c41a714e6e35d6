/* list.h: a cursor over a screen's rows and the scroll that keeps it in view.
 *
 * A screen that shows rows keeps one struct list; the app moves it with the
 * arrow keys, Page Up/Down, Home and End, and the screen's drawing asks
 * which rows to show.  A pager has no cursor of its own: the keys scroll. */
#ifndef HNSP_TUI_LIST_H
#define HNSP_TUI_LIST_H

#include <stdbool.h>
#include <stddef.h>

struct list {
	size_t n;       /* rows */
	size_t cursor;  /* the selected row; for a pager, the first row shown */
	size_t top;     /* the first row shown */
	int rows;       /* rows the screen had for it when last drawn */
	bool pager;     /* the keys scroll; no row is selected */
};

/* Sets the number of rows, keeping the cursor in range. */
void list_set(struct list *l, size_t n);
/* Moves for a key; true when the key was a move key. */
bool list_key(struct list *l, int key);
/* Fits the view into rows lines: after it, rows top .. top+rows-1 are shown
 * and hold the cursor. */
void list_fit(struct list *l, int rows);
/* The selected row, or false when there is none (an empty list or a pager). */
bool list_selected(const struct list *l, size_t *row);

#endif
