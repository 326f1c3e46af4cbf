/*
 * cmd_top.c: `memvisor top SOCK [--interval S] [--once]`: a live,
 * full-screen view of a running guest's memory, sampled through the
 * control socket's `stats` request (the guest is never paused) and drawn
 * with ncurses; top_view.c turns the samples into lines.
 *
 * Keys: q quits, p pauses and resumes the view (sampling, not the guest),
 * s cycles the process sort (rss, vsz, swap, faults, pid), r samples now,
 * + and - double and halve the interval. --once prints one plain frame of
 * 80x24 to stdout (two samples an interval apart, for the rates; one with
 * --interval 0) and exits.
 *
 * Exit status: 0 after q or --once, 1 when the VMM answers with an error
 * or stops answering after the first sample, 2 for usage errors or a
 * socket nobody answers on at the start.
 */
#include "commands.h"
#include "ctlsock.h"
#include "top_view.h"
#include "util.h"

#include <curses.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ONCE_WIDTH 80
#define ONCE_HEIGHT 24
#define INTERVAL_MIN 0.1
#define INTERVAL_MAX 60.0

/* One run of top: the socket, the view and the last two samples (owned). */
struct top_session {
	const char *sock;
	struct top_view view;
	json_object *now, *prev;
	bool once;
	bool sample_failed;
};

static int top_usage(int status)
{
	fprintf(status ? stderr : stdout,
		"usage: memvisor top SOCK [--interval SECS] [--once]\n"
		"A live view of a running VM's memory (every SECS seconds, default 1):\n"
		"zones' free blocks per order, largest slab caches, LRU and reclaim rates,\n"
		"swap and balloon, processes (VIRT RES SHR SWAP in KiB, faults).\n"
		"Keys: q quit, p pause the view, s next sort (rss vsz swap faults pid),\n"
		"r refresh now, + / - double / halve the interval.\n"
		"--once prints one 80x24 frame without escape codes and exits.\n");
	return status;
}

/* Fills s from the command line; returns -1 to exit with top_usage's status. */
static int parse_args(struct top_session *s, int argc, char **argv, int *status)
{
	static const struct option opts[] = {
		{ "interval", required_argument, NULL, 'i' }, { "once", no_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	int c;
	*s = (struct top_session){ .view = { .sort = TOP_SORT_RSS, .interval = 1.0 } };
	while ((c = getopt_long(argc, argv, "i:h", opts, NULL)) != -1) {
		if (c == 'o')
			s->once = true;
		else if (c == 'i' && mv_parse_seconds(optarg, &s->view.interval) == 0 &&
			 s->view.interval <= INTERVAL_MAX)
			continue;
		else {
			if (c == 'i')
				mv_err("--interval %s: not a number of seconds up to %.0f", optarg,
				       INTERVAL_MAX);
			*status = top_usage(c == 'h' ? 0 : MV_EXIT_USAGE);
			return -1;
		}
	}
	if (optind != argc - 1) {
		*status = top_usage(MV_EXIT_USAGE);
		return -1;
	}
	s->sock = argv[optind];
	return 0;
}

/* Takes a new sample; the last one becomes prev. Returns 0, or (after
 * printing why) 1 for an error reply, MV_EXIT_USAGE for no reply at all. */
static int take_sample(struct top_session *s)
{
	json_object *resp = ctlsock_stats(s->sock);
	if (!resp || !ctlsock_ok(resp)) {
		int status = resp ? 1 : MV_EXIT_USAGE;
		json_object_put(resp);
		s->sample_failed = true;
		return status;
	}
	json_object_put(s->prev);
	s->prev = s->now;
	s->now = resp;
	return 0;
}

static void sleep_seconds(double secs)
{
	struct timespec t = { .tv_sec = (time_t)secs,
			      .tv_nsec = (long)((secs - (double)(time_t)secs) * 1e9) };
	while (nanosleep(&t, &t) != 0)
		;
}

/* --once: one frame of 80x24 as plain lines. */
static int run_once(struct top_session *s)
{
	struct top_frame *f = malloc(sizeof(*f));
	int rc = take_sample(s);
	if (!rc && s->view.interval > 0) {
		sleep_seconds(s->view.interval);
		rc = take_sample(s);
	}
	if (!rc && f) {
		s->view.width = ONCE_WIDTH;
		s->view.height = ONCE_HEIGHT;
		top_render(&s->view, s->now, s->prev, f);
		for (int k = 0; k < f->n; k++)
			printf("%s\n", f->line[k]);
	}
	free(f);
	return rc ? rc : !f;
}

/* Redraws the screen from the samples held (nothing is requested). */
static void draw(struct top_session *s, struct top_frame *f)
{
	s->view.width = COLS;
	s->view.height = LINES;
	top_render(&s->view, s->now, s->prev, f);
	erase();
	for (int k = 0; k < f->n; k++)
		mvaddstr(k, 0, f->line[k]);
	refresh();
}

/* Acts on one key; false when top should end. next: when to sample again. */
static bool on_key(struct top_session *s, int key, double *next)
{
	switch (key) {
	case 'q':
	case 'Q':
		return false;
	case 'p':
		s->view.paused = !s->view.paused;
		break;
	case 's':
		s->view.sort = top_sort_next(s->view.sort);
		break;
	case 'r':
		*next = 0;
		break;
	case '+':
		s->view.interval = s->view.interval * 2 < INTERVAL_MAX ? s->view.interval * 2
								       : INTERVAL_MAX;
		break;
	case '-':
		s->view.interval = s->view.interval / 2 > INTERVAL_MIN ? s->view.interval / 2
								       : INTERVAL_MIN;
		break;
	}
	return true;
}

/* Waits for a key until the time `next`; ERR when it came first. */
static int key_until(double next)
{
	double left = next - mv_monotonic_seconds();
	timeout(left > 0 ? (int)(left * 1000) + 1 : 0);
	return getch();
}

/* The live view: samples every interval, redraws after each sample or key. */
static int run_live(struct top_session *s)
{
	struct top_frame *f = malloc(sizeof(*f));
	int first = f ? take_sample(s) : 1;
	if (first) {
		free(f);
		return first;
	}
	SCREEN *screen = newterm(NULL, stdout, stdin);
	if (!screen) {
		const char *term = getenv("TERM");
		mv_err("top: cannot drive the terminal (TERM=%s); --once prints a plain frame",
		       term ? term : "unset");
		free(f);
		return MV_EXIT_USAGE;
	}
	cbreak();
	noecho();
	keypad(stdscr, TRUE);
	curs_set(0);
	double next = mv_monotonic_seconds() + s->view.interval;
	bool running = true;
	while (running) {
		draw(s, f);
		int key = key_until(next);
		if (key != ERR) {
			running = on_key(s, key, &next);
			continue;
		}
		if (!s->view.paused && take_sample(s) != 0)
			break;
		next = mv_monotonic_seconds() + s->view.interval;
	}
	endwin();
	delscreen(screen);
	free(f);
	if (s->sample_failed)
		mv_err("top: %s stopped answering", s->sock);
	return s->sample_failed ? 1 : 0;
}

int cmd_top(int argc, char **argv)
{
	struct top_session s;
	int status;
	if (parse_args(&s, argc, argv, &status) < 0)
		return status;
	status = s.once ? run_once(&s) : run_live(&s);
	json_object_put(s.now);
	json_object_put(s.prev);
	return status;
}
