/* app.h: what the TUI's screens share (internal to tui/).
 *
 * The app holds the models - the open project, the preflight or verify job,
 * the apply child and the run being shown - and a stack of screens.  A
 * screen is a small object: a table of keys, a tick that collects what it
 * shows from the models, a draw that only draws that, and its own state.
 * The loop: collect, draw, wait up to 250 ms for a key, dispatch it (the
 * question or help over the screen, the screen's widgets, its table, the
 * arrows of its list, the global table). */
#ifndef HNSP_TUI_APP_H
#define HNSP_TUI_APP_H

#include <curses.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "child.h"
#include "draw.h"
#include "edit.h"
#include "form.h"
#include "job.h"
#include "lines.h"
#include "list.h"
#include "runview.h"
#include "tail.h"
#include "tui.h"

struct app;

typedef void (*action_fn)(struct app *app, void *screen);

/* One key of a table: the bottom line and the help show it. */
struct binding {
	int key;
	int alt;                 /* a second key for the same action, or 0 */
	const char *label;       /* the key as shown: "Enter" */
	const char *what;        /* what it does: "open" */
	action_fn act;
	bool help_only;          /* in the help, not on the bottom line */
};

/* Where a screen draws. */
struct area {
	int top, left, rows, cols;
};

#define NO_LIST ((size_t)-1)
#define KEY_ESC 27

struct screen_type {
	const char *title;
	const struct binding *keys;   /* ended by an entry whose key is 0 */
	size_t size;                  /* bytes of the screen's state, zeroed before open */
	size_t list;                  /* offsetof the struct list the arrows move, or NO_LIST */
	/* Fills the state from arg (what the opener passes); < 0 refuses, after
	 * app_message() says why. */
	int (*open)(struct app *app, void *s, const void *arg);
	/* Collects what the screen shows from the models; may be NULL. */
	void (*tick)(struct app *app, void *s);
	void (*draw)(struct app *app, void *s, WINDOW *w, const struct area *a);
	/* Keys of the screen's widgets, before its table; true when used.  NULL: none. */
	bool (*key)(struct app *app, void *s, int key);
	/* Frees what the state holds; may be NULL. */
	void (*close)(struct app *app, void *s);
};

/* One answer to a question. */
struct choice {
	int key;
	const char *label;       /* "s stop the run" */
	action_fn act;           /* NULL: just close the question */
};

#define APP_MAX_DEPTH 16
#define APP_NOTE_MAX (PATH_MAX + 1024)

struct app {
	const struct tui_config *cfg;
	struct edit edit;             /* the open project; edit.path NULL when none */
	struct job job;               /* preflight or verify */
	struct child child;           /* apply started here */
	/* the run the run screen shows */
	struct runview run;
	struct tail tail;             /* its events.jsonl */
	bool following;               /* events may still come */
	bool run_is_child;            /* the run is (or will be) the child's */
	char run_note[APP_NOTE_MAX];  /* what else to know about it: why it ended early */
	/* screens */
	struct frame {
		const struct screen_type *type;
		void *state;              /* owned */
	} stack[APP_MAX_DEPTH];
	size_t depth;
	unsigned generation;          /* bumped when a model changes: screens collect again */
	/* over the screen */
	char message[512];            /* the line above the keys */
	enum style message_style;
	char question[512];           /* a question waiting for one of choices, or "" */
	const struct choice *choices;
	size_t nchoices;
	bool help;
	double now;                   /* Unix time at this turn of the loop */
	bool quit;
	int exit_code;
	char farewell[1024];          /* printed once the terminal is restored */
};

extern const struct screen_type picker_screen, example_screen, overview_screen, hosts_screen,
	host_form_screen, components_screen, settings_screen, preflight_screen, plan_screen,
	run_screen, verify_screen, runs_screen;

/* The forms of the settings screen: its open() takes one of these. */
extern const struct settings_form network_form, ssh_form;

/* Opens a screen over the current one; on refusal nothing changes. */
int app_push(struct app *app, const struct screen_type *type, const void *arg);
/* Closes the top screen (never the last). */
void app_pop(struct app *app);
/* Something changed that screens show: they collect it again. */
void app_changed(struct app *app);
void app_message(struct app *app, enum style st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Asks a question; choices (borrowed, static) answer it. */
void app_ask(struct app *app, const struct choice *choices, size_t n, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* What a question before a run of the open project ends with so that the run is
 * confirmed knowing it: "\nWARNING: ..." (host keys not verified), or "".
 * Static: valid until the next call. */
const char *app_run_warning(const struct app *app);

/* Opens the project file at path in the editors.  Returns 0 or < 0 after a message. */
int app_open_project(struct app *app, const char *path);
/* Shows run id (its directory dir) in the run screen: what the journal has,
 * then what comes while it runs. */
int app_show_run(struct app *app, const char *id, const char *dir);
/* Starts apply of the open project (resume: the newest unfinished run) and
 * opens the run screen on it. */
int app_start_run(struct app *app, bool resume);
/* Saves doc (stolen: a changed copy of app->edit.doc, or NULL when none
 * could be made) as the open project when it is valid, and says so; when it
 * is not, the file is unchanged and the errors go to form f (may be NULL) and
 * the message.  Returns what edit_save returns. */
int app_save(struct app *app, json_t *doc, struct form *f);
/* Starts preflight or verify of the open project on the worker. */
int app_start_job(struct app *app, enum job_kind kind);

#endif
