/*
 * ssh-prompt.c — how the command line answers the SSH transport's
 * questions (engine/ssh.h). On a terminal, an unknown host key is shown
 * with its fingerprint and accepted only when the person types "yes" (as
 * OpenSSH asks), and a password or key passphrase is read without echo.
 * Without a terminal nothing is asked (nobody may be watching): an unknown
 * key is accepted only with --accept-new-host-key. Nothing typed is kept.
 */
#include "cmd.h"
#include "ssh.h"
#include "util.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <termios.h>
#include <unistd.h>

/* Writes prompt to /dev/tty and reads one line from it, with echo off
 * when quiet. NULL when there is no terminal or it reached its end. */
static char *tty_ask(const char *prompt, int quiet)
{
	int fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return NULL;
	struct termios old, noecho;
	int have = quiet && tcgetattr(fd, &old) == 0;
	if (have) {
		noecho = old;
		noecho.c_lflag &= (tcflag_t)~(ECHO | ECHONL);
		tcsetattr(fd, TCSAFLUSH, &noecho);
	}
	ssize_t w = write(fd, prompt, strlen(prompt));
	(void)w;
	char buf[1024];
	size_t n = 0;
	char ch;
	ssize_t r;
	while (n < sizeof buf - 1 && (r = read(fd, &ch, 1)) == 1 && ch != '\n')
		buf[n++] = ch;
	int eof = n == 0 && r != 1;
	buf[n] = '\0';
	if (have) {
		tcsetattr(fd, TCSAFLUSH, &old);
		w = write(fd, "\n", 1);
	}
	close(fd);
	char *ans = eof ? NULL : xstrdup(buf);
	explicit_bzero(buf, sizeof buf);
	return ans;
}

static char *tty_secret(void *arg, const char *prompt)
{
	(void)arg;
	return tty_ask(prompt, 1);
}

/* "yes" accepts; "no", an empty line or the end of input refuses; anything
 * else is asked again, as OpenSSH does. */
static int tty_confirm(void *arg, const char *question)
{
	(void)arg;
	char *prompt = xasprintf("isolab: %s (yes/no): ", question);
	int yes = 0;
	for (int tries = 0; tries < 5; tries++) {
		char *a = tty_ask(tries ? "Please type 'yes' or 'no': " : prompt, 0);
		if (!a)
			break;
		int y = !strcasecmp(a, "yes"), n = !*a || !strcasecmp(a, "no");
		free(a);
		if (y || n) {
			yes = y;
			break;
		}
	}
	free(prompt);
	return yes;
}

void cli_ssh_prompts(struct ssh_prompts *p, int accept_new_host_key, int ask_on_tty)
{
	*p = (struct ssh_prompts){
		.confirm = ask_on_tty ? tty_confirm : NULL,
		.secret = ask_on_tty ? tty_secret : NULL,
		.accept_new_host_key = accept_new_host_key,
	};
}
