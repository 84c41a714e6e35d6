/* list.c: cursor and scroll over a screen's rows. */
#include "list.h"

#include <curses.h>

void list_set(struct list *l, size_t n)
{
	l->n = n;
	if (l->cursor >= n)
		l->cursor = n > 0 ? n - 1 : 0;
}

bool list_key(struct list *l, int key)
{
	size_t page = l->rows > 1 ? (size_t)l->rows - 1 : 1;
	size_t last = l->n > 0 ? l->n - 1 : 0;

	if (l->pager) /* the cursor is the first row shown: it stops a page early */
		last = l->n > (size_t)l->rows && l->rows > 0 ? l->n - (size_t)l->rows : 0;
	switch (key) {
	case KEY_UP:
		l->cursor = l->cursor > 0 ? l->cursor - 1 : 0;
		break;
	case KEY_DOWN:
		l->cursor = l->cursor < last ? l->cursor + 1 : last;
		break;
	case KEY_PPAGE:
		l->cursor = l->cursor > page ? l->cursor - page : 0;
		break;
	case KEY_NPAGE:
		l->cursor = l->cursor + page < last ? l->cursor + page : last;
		break;
	case KEY_HOME:
		l->cursor = 0;
		break;
	case KEY_END:
		l->cursor = last;
		break;
	default:
		return false;
	}
	return true;
}

void list_fit(struct list *l, int rows)
{
	size_t r = rows > 0 ? (size_t)rows : 1;

	l->rows = rows;
	if (l->pager) {
		size_t last = l->n > r ? l->n - r : 0;
		if (l->cursor > last)
			l->cursor = last;
		l->top = l->cursor;
		return;
	}
	list_set(l, l->n);
	if (l->cursor < l->top)
		l->top = l->cursor;
	if (l->cursor >= l->top + r)
		l->top = l->cursor - r + 1;
	if (l->top + r > l->n) /* no empty space below while rows above are hidden */
		l->top = l->n > r ? l->n - r : 0;
}

bool list_selected(const struct list *l, size_t *row)
{
	if (l->pager || l->n == 0)
		return false;
	*row = l->cursor;
	return true;
}
