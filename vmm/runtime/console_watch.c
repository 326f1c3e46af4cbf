/*
 * console_watch.c: matching guest console lines against the patterns a
 * schedule waits on (see console_watch.h).
 */
#include "console_watch.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

void console_watch_init(struct console_watch *w)
{
	memset(w, 0, sizeof(*w));
	pthread_mutex_init(&w->lock, NULL);
}

void console_watch_destroy(struct console_watch *w)
{
	for (int i = 0; i < w->n; i++)
		regfree(&w->re[i]);
	w->n = 0;
	pthread_mutex_destroy(&w->lock);
}

/*
 * Whether a repetition (* + ? {m,n}) applies to a group or to another
 * repetition: glibc's regcomp copies the repeated subtree for each level,
 * so "((a+)+)+..." or "a++++..." takes memory exponential in the pattern's
 * length (POSIX leaves stacked repetition undefined anyway). Bracket
 * expressions and escaped characters are atoms.
 */
static bool repeats_a_group_or_repetition(const char *re)
{
	char prev = 0; /* 'a' atom, 'r' repetition, ')' end of a group */
	for (size_t i = 0; re[i]; i++) {
		char c = re[i];
		if (c == '\\' && re[i + 1]) {
			i++;
			prev = 'a';
		} else if (c == '[') {
			size_t j = i + 1 + (re[i + 1] == '^');
			j += re[j] == ']';          /* a leading ] is literal */
			while (re[j] && re[j] != ']')
				j++;
			i = re[j] ? j : i;
			prev = 'a';
		} else if (c == '*' || c == '+' || c == '?' || c == '{') {
			if (prev == 'r' || prev == ')')
				return true;
			while (c == '{' && re[i] && re[i] != '}')
				i++;
			if (!re[i])
				return false;       /* regcomp reports the open brace */
			prev = 'r';
		} else {
			prev = c == ')' ? ')' : 'a';
		}
	}
	return false;
}

static int compile(regex_t *re, const char *regex, struct mv_error *err)
{
	if (repeats_a_group_or_repetition(regex))
		return mv_fail(err, -EINVAL, "'%s': a repeated group or a repeated repetition "
			       "(e.g. (ab)+ or a+*) is not supported in console patterns", regex);
	int rc = regcomp(re, regex, REG_EXTENDED | REG_NOSUB);
	if (rc == 0)
		return 0;
	char why[128];
	regerror(rc, re, why, sizeof(why));
	return mv_fail(err, -EINVAL, "'%s': %s", regex, why);
}

int console_watch_check(const char *regex, struct mv_error *err)
{
	regex_t re;
	int rc = compile(&re, regex, err);
	if (rc < 0)
		return rc;
	regfree(&re);
	return 0;
}

int console_watch_add(struct console_watch *w, const char *regex, struct mv_error *err)
{
	if (w->n == CONSOLE_WATCH_MAX)
		return mv_fail(err, -ENOSPC, "more than %d console patterns", CONSOLE_WATCH_MAX);
	int rc = compile(&w->re[w->n], regex, err);
	if (rc < 0)
		return rc;
	return w->n++;
}

void console_watch_feed(struct console_watch *w, const char *line, size_t len)
{
	char text[512];
	if (!w->n)
		return;
	if (len >= sizeof(text))
		len = sizeof(text) - 1;
	memcpy(text, line, len);
	text[len] = 0;
	pthread_mutex_lock(&w->lock);
	for (int i = 0; i < w->n; i++)
		if (!w->seen[i] && regexec(&w->re[i], text, 0, NULL, 0) == 0)
			w->seen[i] = true;
	pthread_mutex_unlock(&w->lock);
}

bool console_watch_seen(struct console_watch *w, int i)
{
	pthread_mutex_lock(&w->lock);
	bool seen = i >= 0 && i < w->n && w->seen[i];
	pthread_mutex_unlock(&w->lock);
	return seen;
}
