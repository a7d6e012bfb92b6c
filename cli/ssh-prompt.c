/*
 * ssh-prompt.c — how the command line answers the SSH transport's
 * questions (engine/ssh.h): an unknown host key is accepted only with
 * --accept-new-host-key (headless runs never ask: nobody may be watching),
 * and a password or key passphrase is asked on the terminal, without
 * echo, when there is one. Nothing typed is kept.
 */
#include "cmd.h"
#include "remote.h"
#include "ssh.h"
#include "util.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

static int accept_new;

/* Reads one line from /dev/tty with echo off. */
static char *tty_secret(void *arg, const char *prompt)
{
	int fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return NULL;
	struct termios old, quiet;
	int have = tcgetattr(fd, &old) == 0;
	if (have) {
		quiet = old;
		quiet.c_lflag &= (tcflag_t)~(ECHO | ECHONL);
		tcsetattr(fd, TCSAFLUSH, &quiet);
	}
	ssize_t w = write(fd, prompt, strlen(prompt));
	(void)w;
	char buf[1024];
	size_t n = 0;
	char ch;
	while (n < sizeof buf - 1 && read(fd, &ch, 1) == 1 && ch != '\n')
		buf[n++] = ch;
	buf[n] = '\0';
	if (have)
		tcsetattr(fd, TCSAFLUSH, &old);
	w = write(fd, "\n", 1);
	close(fd);
	char *ans = xstrdup(buf);
	explicit_bzero(buf, sizeof buf);
	return ans;
}

void cli_ssh_prompts(int accept_new_host_key, int ask_on_tty)
{
	accept_new |= accept_new_host_key;
	struct ssh_prompts p = {
		.secret = ask_on_tty ? tty_secret : NULL,
		.accept_new_host_key = accept_new,
	};
	remote_set_prompts(&p);
}
