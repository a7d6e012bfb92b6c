/*
 * fakehttp.h — a scripted HTTP server on a unix socket for the unit tests
 * of httpunix.c and of the firecracker driver's API requests (header-only,
 * included by one test file each).
 *
 * fake_serve forks a process that accepts one connection per scripted
 * reply, in order. For each it reads the request (the head, then as many
 * body bytes as its Content-Length says), writes it to <dir>/req.N, then
 * writes the reply: its bytes as given, except that a '\x01' pauses 50 ms
 * (so an answer arrives in pieces), and a reply of NULL never answers
 * (the client's timeout is tested) — the connection just stays open.
 */
#ifndef ISOLAB_TEST_FAKEHTTP_H
#define ISOLAB_TEST_FAKEHTTP_H

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static void fake_write_reply(int fd, const char *reply)
{
	while (*reply) {
		if (*reply == '\x01') {
			usleep(50000);
			reply++;
			continue;
		}
		size_t n = strcspn(reply, "\x01");
		if (write(fd, reply, n) != (ssize_t)n)
			return;
		reply += n;
	}
}

/* Reads one request into buf (NUL-terminated); returns its length. */
static size_t fake_read_request(int fd, char *buf, size_t cap)
{
	size_t len = 0;
	while (len < cap - 1) {
		ssize_t r = read(fd, buf + len, cap - 1 - len);
		if (r <= 0)
			break;
		len += (size_t)r;
		buf[len] = '\0';
		const char *end = strstr(buf, "\r\n\r\n");
		if (!end)
			continue;
		const char *cl = strcasestr(buf, "\r\nContent-Length:");
		size_t want = cl && cl < end ? strtoul(cl + 17, NULL, 10) : 0;
		if (len >= (size_t)(end + 4 - buf) + want)
			break;
	}
	buf[len] = '\0';
	return len;
}

/* Listens on sock and serves the n replies in a child; returns its pid. */
static pid_t fake_serve(const char *sock, const char *dir, const char *const *replies, size_t n)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", sock);
	unlink(sock);
	int ls = socket(AF_UNIX, SOCK_STREAM, 0);
	if (ls < 0 || bind(ls, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(ls, 8) < 0)
		return -1;
	pid_t pid = fork();
	if (pid != 0) {
		close(ls);
		return pid;
	}
	static char buf[1 << 16];
	for (size_t i = 0; i < n; i++) {
		int fd = accept(ls, NULL, NULL);
		if (fd < 0)
			_exit(1);
		size_t len = fake_read_request(fd, buf, sizeof buf);
		char path[512];
		snprintf(path, sizeof path, "%s/req.%zu", dir, i);
		FILE *f = fopen(path, "w");
		if (f) {
			fwrite(buf, 1, len, f);
			fclose(f);
		}
		if (!replies[i]) {
			pause();
			_exit(0);
		}
		fake_write_reply(fd, replies[i]);
		close(fd);
	}
	_exit(0);
}

/* Stops the server and reaps it. */
static void fake_stop(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

#endif
