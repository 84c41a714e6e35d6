/* tui.c: the TUI's loop: the terminal, the screen stack, keys, questions and signals. */
#include "tui.h"

#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <limits.h>
#include <locale.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "app.h"
#include "error.h"
#include "journal.h"

#define KEY_CTRL_C 3

static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
	got_signal = sig;
}

/* ---- the stack and what screens ask of the app ---- */

int app_push(struct app *app, const struct screen_type *type, const void *arg)
{
	void *state;
	int r;

	if (app->depth == APP_MAX_DEPTH) {
		app_message(app, ST_FAIL, "too many screens open; press Esc to go back");
		return HNSP_ERR_LIMIT;
	}
	if ((state = calloc(1, type->size)) == NULL) {
		app_message(app, ST_FAIL, "out of memory");
		return HNSP_ERR_NOMEM;
	}
	if (type->open != NULL && (r = type->open(app, state, arg)) < 0) {
		if (type->close != NULL)
			type->close(app, state);
		free(state);
		return r;
	}
	app->stack[app->depth++] = (struct frame){type, state};
	app_changed(app);
	return 0;
}

static void close_top(struct app *app)
{
	struct frame *f = &app->stack[--app->depth];

	if (f->type->close != NULL)
		f->type->close(app, f->state);
	free(f->state);
}

void app_pop(struct app *app)
{
	if (app->depth <= 1)
		return;
	close_top(app);
	app_changed(app);
}

void app_changed(struct app *app)
{
	app->generation++;
}

void app_message(struct app *app, enum style st, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(app->message, sizeof(app->message), fmt, ap);
	va_end(ap);
	app->message_style = st;
}

void app_ask(struct app *app, const struct choice *choices, size_t n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(app->question, sizeof(app->question), fmt, ap);
	va_end(ap);
	app->choices = choices;
	app->nchoices = n;
}

const char *app_run_warning(const struct app *app)
{
	static char text[256];
	const char *w = app->edit.project ? project_host_key_warning(app->edit.project) : NULL;

	snprintf(text, sizeof(text), "%s%s", w ? "\nWARNING: " : "", w ? w : "");
	return text;
}

int app_open_project(struct app *app, const char *path)
{
	int r;

	if (app->edit.path != NULL && strcmp(app->edit.path, path) == 0)
		r = edit_reload(&app->edit, app->cfg->catalog);
	else {
		edit_release(&app->edit);
		r = edit_open(&app->edit, path, app->cfg->state_dir, app->cfg->catalog);
	}
	if (r < 0) {
		app_message(app, ST_FAIL, "cannot read %s: %s", path,
			    r == HNSP_ERR_IO ? strerror(errno) : hnsp_strerror(r));
		edit_release(&app->edit);
		return r;
	}
	app_changed(app);
	return 0;
}

int app_show_run(struct app *app, const char *id, const char *dir)
{
	char path[PATH_MAX];

	runview_release(&app->run);
	runview_init(&app->run);
	snprintf(app->run.id, sizeof(app->run.id), "%s", id);
	app->run_note[0] = '\0';
	app->run_is_child = strcmp(id, app->child.run) == 0;
	snprintf(path, sizeof(path), "%s/events.jsonl", dir);
	app->following = tail_open(&app->tail, path) == 0;
	if (!app->following)
		snprintf(app->run_note, sizeof(app->run_note), "cannot read %s: %s", path,
			 strerror(errno));
	app_changed(app);
	return 0;
}

int app_start_run(struct app *app, bool resume)
{
	int r;

	if (app->edit.project == NULL) {
		app_message(app, ST_FAIL, "the project has errors; fix them first (see the overview)");
		return HNSP_ERR_INVALID;
	}
	if ((r = child_start(&app->child, app->cfg->state_dir, app->edit.path, resume)) < 0) {
		app_message(app, ST_FAIL, "%s",
			    r == HNSP_ERR_EXISTS ? "a run started here is still going; wait for it, "
						   "or stop it with Ctrl-C"
						 : "cannot start apply");
		return r;
	}
	runview_release(&app->run);
	runview_init(&app->run);
	tail_close(&app->tail);
	app->following = false;
	app->run_is_child = true;
	app->run_note[0] = '\0';
	return app_push(app, &run_screen, NULL);
}

int app_save(struct app *app, json_t *doc, struct form *f)
{
	const struct diag_list *refused = &app->edit.refused;
	const char *first = "";
	int r;

	if (doc == NULL && app->edit.doc == NULL) {
		app_message(app, ST_FAIL, "the file is not YAML that can be edited here; fix it in "
					  "an editor (the overview lists its problems)");
		return HNSP_ERR_INVALID;
	}
	r = edit_save(&app->edit, doc, app->cfg->catalog);
	if (f != NULL)
		form_set_errors(f, r == HNSP_ERR_INVALID ? refused : NULL);
	for (size_t i = 0; i < refused->len && !first[0]; i++)
		if (refused->items[i].severity == DIAG_ERROR)
			first = refused->items[i].message;
	switch (r) {
	case 0:
		app_changed(app);
		for (size_t i = 0; i < app->edit.diags.len && !first[0]; i++)
			first = app->edit.diags.items[i].message;
		if (app->edit.diags.warnings > 0)
			app_message(app, ST_WARN, "saved %s, with %zu %s: %s", app->edit.path,
				    app->edit.diags.warnings,
				    app->edit.diags.warnings == 1 ? "warning" : "warnings", first);
		else
			app_message(app, ST_OK, "saved %s", app->edit.path);
		break;
	case HNSP_ERR_INVALID:
		app_message(app, ST_FAIL, "not saved, the file is unchanged: %zu %s%s%s",
			    refused->errors, refused->errors == 1 ? "error" : "errors",
			    f != NULL ? ", shown at the fields" : ": ", f != NULL ? "" : first);
		break;
	case HNSP_ERR_IO:
		app_message(app, ST_FAIL, "cannot write %s: %s", app->edit.path, strerror(errno));
		break;
	default:
		app_message(app, ST_FAIL, "not saved: %s", hnsp_strerror(r));
	}
	return r;
}

int app_start_job(struct app *app, enum job_kind kind)
{
	int r;

	if (app->job.running) {
		app_message(app, ST_WARN, "%s is still running; wait for it", job_name(app->job.kind));
		return HNSP_ERR_EXISTS;
	}
	r = job_start(&app->job, kind, app->edit.path, app->cfg->state_dir, app->cfg->datadir,
		      app->cfg->catalog);
	if (r < 0)
		app_message(app, ST_FAIL, "cannot start %s: %s", job_name(kind), hnsp_strerror(r));
	app_changed(app);
	return r;
}

/* ---- collecting: the models move on between keys ---- */

static double wall_now(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

/* The run shown still writes events. */
static bool run_alive(const struct app *app)
{
	if (app->run_is_child)
		return child_alive(&app->child);
	return app->run.project[0] &&
	       journal_project_running(app->cfg->state_dir, app->run.project);
}

static void follow(struct app *app)
{
	tail_read(&app->tail, runview_line, &app->run);
	/* While it runs, more comes - even after a run_end: a resumed run goes on
	 * in the same journal. */
	if (run_alive(app))
		return;
	/* It is gone: what it wrote before it went is all there now. */
	tail_read(&app->tail, runview_line, &app->run);
	app->following = false;
	tail_close(&app->tail);
	if (!runview_ended(&app->run))
		snprintf(app->run_note, sizeof(app->run_note),
			 "the run's process ended before the run did; resume it with R in the "
			 "project's overview");
	app_changed(app);
}

static void collect(struct app *app)
{
	struct child *c = &app->child;

	app->now = wall_now();
	if (job_poll(&app->job)) {
		if (app->job.why[0])
			app_message(app, ST_FAIL, "%s did not run: %s", job_name(app->job.kind),
				    app->job.why);
		else
			app_message(app, app->job.good ? ST_OK : ST_FAIL, "%s", app->job.said);
		app_changed(app);
	}
	if (child_poll(c)) {
		if (app->run_is_child && c->run[0] && !app->following && app->run.id[0] == '\0')
			app_show_run(app, c->run, c->dir);
		if (app->run_is_child && c->exited && c->run[0] == '\0')
			snprintf(app->run_note, sizeof(app->run_note),
				 "apply ended before the run started (exit status %d):\n%s",
				 WIFEXITED(c->status) ? WEXITSTATUS(c->status) : -1, c->said);
		app_changed(app);
	}
	if (app->following)
		follow(app);
}

/* ---- keys ---- */

static void detach(struct app *app, void *s)
{
	(void)s;
	if (app->child.run[0])
		snprintf(app->farewell, sizeof(app->farewell),
			 "hnsp-installer tui: run %s goes on; follow it with\n"
			 "  hnsp-installer --state %s runs log %s --follow",
			 app->child.run, app->cfg->state_dir, app->child.run);
	else
		snprintf(app->farewell, sizeof(app->farewell),
			 "hnsp-installer tui: apply goes on (process %ld); see "
			 "'hnsp-installer --state %s runs list'",
			 (long)app->child.pid, app->cfg->state_dir);
	app->quit = true;
}

static void stop_run(struct app *app, void *s)
{
	(void)s;
	child_stop(&app->child);
	app_message(app, ST_WARN, "asked the run to stop after its current task; it is marked "
				  "interrupted and can be resumed");
}

static const struct choice run_choices[] = {
	{'s', "s  stop the run after its current task", stop_run},
	{'d', "d  detach: leave the TUI, the run goes on", detach},
	{KEY_ESC, "Esc  carry on watching", NULL},
};

static void ask_about_run(struct app *app)
{
	app_ask(app, run_choices, sizeof(run_choices) / sizeof(run_choices[0]),
		"A run is in progress (%s).", app->child.run[0] ? app->child.run : "starting");
}

static void act_quit(struct app *app, void *s)
{
	(void)s;
	if (child_alive(&app->child))
		ask_about_run(app);
	else
		app->quit = true;
}

static void act_back(struct app *app, void *s)
{
	(void)s;
	if (app->depth > 1)
		app_pop(app);
	else
		app_message(app, ST_NORMAL, "q quits");
}

static void act_help(struct app *app, void *s)
{
	(void)s;
	app->help = true;
}

static const struct binding global_keys[] = {
	{'?', KEY_F(1), "?", "help", act_help, false},
	{KEY_ESC, 0, "Esc", "back", act_back, false},
	{'q', 0, "q", "quit", act_quit, false},
	{KEY_CTRL_C, 0, "Ctrl-C", "stop or detach a run (else quit)", act_quit, true},
	{0, 0, NULL, NULL, NULL, false},
};

static bool run_binding(struct app *app, const struct binding *keys, void *s, int ch)
{
	for (const struct binding *b = keys; b != NULL && b->key != 0; b++)
		if (ch == b->key || (b->alt != 0 && ch == b->alt)) {
			if (b->act != NULL)
				b->act(app, s);
			return true;
		}
	return false;
}

static void answer(struct app *app, int ch)
{
	for (size_t i = 0; i < app->nchoices; i++)
		if (app->choices[i].key == ch) {
			action_fn act = app->choices[i].act;
			app->question[0] = '\0';
			app->nchoices = 0;
			if (act != NULL)
				act(app, app->stack[app->depth - 1].state);
			return;
		}
}

static void dispatch(struct app *app, int ch)
{
	struct frame *top = &app->stack[app->depth - 1];

	if (app->nchoices > 0) {
		answer(app, ch);
		return;
	}
	if (app->help) {
		app->help = false;
		return;
	}
	app->message[0] = '\0';
	if (top->type->key != NULL && top->type->key(app, top->state, ch))
		return;
	if (run_binding(app, top->type->keys, top->state, ch))
		return;
	if (top->type->list != NO_LIST &&
	    list_key((struct list *)((char *)top->state + top->type->list), ch))
		return;
	run_binding(app, global_keys, top->state, ch);
}

/* ---- drawing ---- */

static void draw_title(struct app *app, int cols)
{
	const struct frame *top = &app->stack[app->depth - 1];
	const char *project = app->edit.project ? app->edit.project->name
			      : app->edit.name ? app->edit.name : NULL;
	char right[128] = "";

	draw_fill(stdscr, 0, 0, cols, ST_TITLE);
	if (child_alive(&app->child))
		snprintf(right, sizeof(right), "run: %s ", app->run_is_child && app->run.status[0]
							   ? app->run.status : "starting");
	else if (app->job.running)
		snprintf(right, sizeof(right), "%s running… ", job_name(app->job.kind));
	draw_fmt(stdscr, 0, 0, cols - draw_width(right), ST_TITLE, " hnsp-installer%s%s · %s",
		 project && top->type != &picker_screen ? " · " : "",
		 project && top->type != &picker_screen ? project : "", top->type->title);
	if (draw_width(right) < cols / 2)
		draw_text(stdscr, 0, cols - draw_width(right), draw_width(right), ST_TITLE, right);
}

static const struct binding move_keys = {KEY_UP, KEY_DOWN, "↑↓", "move (PgUp PgDn Home End)",
					  NULL, false};

/* The keys of the top screen, then its list's, then the app's; help_only
 * ones only for the help.  Returns how many went into out. */
static size_t current_keys(const struct app *app, bool help, const struct binding **out,
			   size_t cap)
{
	const struct frame *top = &app->stack[app->depth - 1];
	const struct binding *tables[] = {top->type->keys, global_keys};
	size_t n = 0;

	for (size_t t = 0; t < 2; t++) {
		if (t == 1 && top->type->list != NO_LIST && n < cap)
			out[n++] = &move_keys;
		for (const struct binding *b = tables[t]; b != NULL && b->key != 0 && n < cap; b++)
			if (help || !b->help_only)
				out[n++] = b;
	}
	return n;
}

static const char *key_what(const struct binding *b)
{
	return b == &move_keys ? "move" : b->what;
}

static int draw_key(int y, int x, int cols, const struct binding *b)
{
	int used = draw_text(stdscr, y, x, cols - x, ST_KEY, b->label);

	return used + draw_fmt(stdscr, y, x + used, cols - x - used, ST_KEYS, " %s  ", key_what(b));
}

/* The bottom line: the screen's keys from the left, as many as fit, and the
 * app's at the right end. */
static void draw_keys(struct app *app, int y, int cols)
{
	const struct binding *keys[64];
	size_t n = current_keys(app, false, keys, 64), apps = n;
	int right = 0, x = 0;

	while (apps > 0 && keys[apps - 1] >= global_keys &&
	       keys[apps - 1] < global_keys + sizeof(global_keys) / sizeof(global_keys[0]))
		apps--;
	for (size_t i = apps; i < n; i++)
		right += draw_width(keys[i]->label) + draw_width(key_what(keys[i])) + 3;
	if (right > cols)
		right = cols;
	for (size_t i = 0; i < apps; i++) { /* whole keys only */
		int need = draw_width(keys[i]->label) + draw_width(key_what(keys[i])) + 1;
		if (x + need > cols - right)
			break;
		x += draw_key(y, x, cols - right, keys[i]);
	}
	for (size_t i = apps, xr = (size_t)(cols - right); i < n; i++)
		xr += (size_t)draw_key(y, (int)xr, cols, keys[i]);
}

/* A framed box of rows x cols in the middle of the screen; returns its top left. */
static void draw_box(int rows, int cols, int *y, int *x)
{
	*y = (LINES - rows) / 2;
	*x = (COLS - cols) / 2;
	for (int r = 0; r < rows; r++)
		draw_fill(stdscr, *y + r, *x, cols, ST_NORMAL);
	draw_frame(stdscr, *y, *x, rows, cols);
}

static void draw_question(struct app *app)
{
	struct lines q = {0};
	int width = 0, rows, y, x;

	/* Drawn from the app's own text: the question, a line at a time. */
	lines_add_text(&q, ST_HEAD, 0, 0, app->question);
	for (size_t i = 0; i < q.n; i++)
		width = draw_width(q.v[i].text) + 4 > width ? draw_width(q.v[i].text) + 4 : width;
	for (size_t i = 0; i < app->nchoices; i++)
		if (draw_width(app->choices[i].label) + 6 > width)
			width = draw_width(app->choices[i].label) + 6;
	width = width > COLS - 2 ? COLS - 2 : width;
	rows = (int)q.n + (int)app->nchoices + 3;
	draw_box(rows, width, &y, &x);
	lines_draw(&q, 0, stdscr, y + 1, x + 2, (int)q.n, width - 4);
	for (size_t i = 0; i < app->nchoices; i++)
		draw_text(stdscr, y + 2 + (int)q.n + (int)i, x + 4, width - 6, ST_NORMAL,
			  app->choices[i].label);
	lines_release(&q);
}

static void draw_help(struct app *app)
{
	const struct binding *keys[64];
	size_t n = current_keys(app, true, keys, 64);
	int width = COLS - 4 < 70 ? COLS - 4 : 70;
	int rows = (int)n + 4 < LINES - 2 ? (int)n + 4 : LINES - 2, y, x;

	draw_box(rows, width, &y, &x);
	draw_fmt(stdscr, y + 1, x + 2, width - 4, ST_HEAD, "Keys of %s (any key closes this)",
		 app->stack[app->depth - 1].type->title);
	for (int i = 0; i < (int)n && i < rows - 4; i++) {
		draw_text(stdscr, y + 3 + i, x + 2, 12, ST_KEY, keys[i]->label);
		draw_text(stdscr, y + 3 + i, x + 15, width - 17, ST_NORMAL, keys[i]->what);
	}
}

static void draw_all(struct app *app)
{
	const struct frame *top = &app->stack[app->depth - 1];
	int rows = LINES, cols = COLS;
	struct area a = {1, 0, rows - 3, cols};

	erase();
	if (rows < 10 || cols < 40) {
		draw_text(stdscr, 0, 0, cols, ST_FAIL,
			  "The window is too small: 40x10 at least, 80x24 or more is best.");
		refresh();
		return;
	}
	draw_title(app, cols);
	top->type->draw(app, top->state, stdscr, &a);
	draw_text(stdscr, rows - 2, 0, cols, app->message_style, app->message);
	draw_keys(app, rows - 1, cols - 1);
	if (app->nchoices > 0)
		draw_question(app);
	else if (app->help)
		draw_help(app);
	refresh();
}

/* ---- stderr while the screen is the TUI's ---- */

/* What is written to stderr while curses has the terminal - by a library, or
 * a tool it runs - goes to STATE/tui-stderr.log instead of over the screen,
 * and is shown once the terminal is restored.  The file stays only when the
 * TUI died before that. */
struct capture {
	int saved;               /* the real stderr, or -1 */
	int fd;                  /* the log, or -1 */
	char path[PATH_MAX];
};

static void capture_start(struct capture *c, const char *state)
{
	c->saved = -1;
	snprintf(c->path, sizeof(c->path), "%s/tui-stderr.log", state);
	if ((c->fd = open(c->path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0)
		return;
	fflush(stderr);
	if ((c->saved = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3)) < 0 ||
	    dup2(c->fd, STDERR_FILENO) < 0) {
		if (c->saved >= 0)
			close(c->saved);
		close(c->fd);
		unlink(c->path);
		c->fd = c->saved = -1;
	}
}

static void capture_end(struct capture *c)
{
	char buf[4096];
	off_t off = 0;
	ssize_t n;

	if (c->fd < 0)
		return;
	fflush(stderr);
	dup2(c->saved, STDERR_FILENO);
	close(c->saved);
	while ((n = pread(c->fd, buf, sizeof(buf), off)) > 0) {
		fwrite(buf, 1, (size_t)n, stderr);
		off += n;
	}
	close(c->fd);
	unlink(c->path);
}

/* ---- the loop ---- */

static void loop(struct app *app)
{
	while (!app->quit) {
		struct frame *top;
		int ch;

		if (got_signal == SIGINT && child_alive(&app->child)) {
			got_signal = 0;
			ask_about_run(app);
		} else if (got_signal != 0) { /* leave; a run goes on */
			if (child_alive(&app->child))
				detach(app, NULL);
			app->exit_code = 1;
			break;
		}
		collect(app);
		top = &app->stack[app->depth - 1];
		if (top->type->tick != NULL)
			top->type->tick(app, top->state);
		draw_all(app);
		if ((ch = getch()) == ERR || ch == KEY_RESIZE)
			continue; /* a resize is drawn at the next turn, at the new size */
		dispatch(app, ch);
	}
}

int tui_run(const struct tui_config *cfg)
{
	static const int signals[] = {SIGINT, SIGTERM, SIGHUP};
	struct sigaction sa = {.sa_handler = on_signal}, old[3];
	const char *no_color = getenv("NO_COLOR");
	struct capture capture;
	struct app *app;
	SCREEN *scr;
	int r;

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr, "hnsp-installer tui: needs a terminal (standard input and output)\n");
		return 2;
	}
	if (cfg->project != NULL && access(cfg->project, R_OK) != 0) {
		fprintf(stderr, "hnsp-installer tui: cannot read %s: %s\n", cfg->project,
			strerror(errno));
		return 2;
	}
	if ((app = calloc(1, sizeof(*app))) == NULL) {
		fprintf(stderr, "hnsp-installer tui: out of memory\n");
		return 1;
	}
	app->cfg = cfg;
	child_init(&app->child);
	runview_init(&app->run);
	tail_init(&app->tail);
	setlocale(LC_ALL, "");
	setlocale(LC_NUMERIC, "C"); /* numbers as everywhere else */
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < 3; i++)
		sigaction(signals[i], &sa, &old[i]);
	capture_start(&capture, cfg->state_dir);
	if ((scr = newterm(NULL, stdout, stdin)) == NULL) {
		capture_end(&capture);
		fprintf(stderr, "hnsp-installer tui: cannot use the terminal (TERM=%s)\n",
			getenv("TERM") ? getenv("TERM") : "");
		r = 2;
		goto out;
	}
	raw(); /* Ctrl-C is a key: it asks before it stops a run */
	noecho();
	keypad(stdscr, TRUE);
	curs_set(0);
	set_escdelay(25);
	timeout(250);
	draw_init(strcmp(nl_langinfo(CODESET), "UTF-8") == 0,
		  has_colors() && (no_color == NULL || no_color[0] == '\0'));
	if (app_push(app, &picker_screen, NULL) < 0) {
		r = 1;
		goto done;
	}
	if (cfg->project != NULL && app_open_project(app, cfg->project) == 0)
		app_push(app, &overview_screen, NULL);
	loop(app);
	r = app->exit_code;
	if (app->job.running) { /* its threads hold sessions: let them end */
		app_message(app, ST_NORMAL, "waiting for %s to finish…", job_name(app->job.kind));
		draw_all(app);
	}
done:
	job_release(&app->job);
	while (app->depth > 0)
		close_top(app);
	endwin();
	delscreen(scr);
	capture_end(&capture);
out:
	for (size_t i = 0; i < 3; i++)
		sigaction(signals[i], &old[i], NULL);
	child_release(&app->child);
	runview_release(&app->run);
	tail_close(&app->tail);
	edit_release(&app->edit);
	if (app->farewell[0])
		printf("%s\n", app->farewell);
	free(app);
	return r;
}
