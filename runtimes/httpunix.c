/*
 * httpunix.c — HTTP/1.1 over a unix socket (see httpunix.h for what it
 * does and does not speak). Written for Firecracker's API server, which
 * answers each request with a status line, Content-Length (when there is
 * a body) and a JSON body such as {"fault_message": "..."} on errors.
 */
#include "config.h"
#include "httpunix.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define HEAD_MAX 16384

void httpunix_free(struct http_response *resp)
{
	if (!resp)
		return;
	free(resp->reason);
	for (size_t i = 0; i < resp->nheaders; i++) {
		free(resp->headers[i].name);
		free(resp->headers[i].value);
	}
	free(resp->body);
	memset(resp, 0, sizeof *resp);
}

const char *httpunix_header(const struct http_response *resp, const char *name)
{
	for (size_t i = 0; i < resp->nheaders; i++)
		if (!strcasecmp(resp->headers[i].name, name))
			return resp->headers[i].value;
	return NULL;
}

static const char *trim(char *s, char **end)
{
	while (*s == ' ' || *s == '\t')
		s++;
	char *e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	if (end)
		*end = e;
	return s;
}

int httpunix_parse_head(const char *head, size_t len, struct http_response *resp, char **cause)
{
	_cleanup_free_ char *h = xstrndup(head, len);
	char *save = NULL;
	char *line = strtok_r(h, "\n", &save);
	if (!line)
		return err_set(cause, "HTTP: empty answer");
	line[strcspn(line, "\r")] = '\0';
	/* "HTTP/1.1 204 No Content" (the reason may be empty). */
	int major = 0, minor = 0, status = 0, off = 0;
	if (sscanf(line, "HTTP/%d.%d %3d%n", &major, &minor, &status, &off) != 3 || major != 1 || status < 100 ||
	    status > 999 || (line[off] && line[off] != ' '))
		return err_set(cause, "HTTP: bad status line '%.80s'", line);
	resp->status = status;
	resp->reason = xstrdup(trim(line + off, NULL));
	while ((line = strtok_r(NULL, "\n", &save))) {
		line[strcspn(line, "\r")] = '\0';
		if (!*line)
			break;
		char *colon = strchr(line, ':');
		if (!colon || colon == line || strchr(" \t", line[0]))
			return err_set(cause, "HTTP: bad header line '%.80s'", line);
		if (resp->nheaders == HTTPUNIX_MAX_HEADERS)
			return err_set(cause, "HTTP: more than %d headers", HTTPUNIX_MAX_HEADERS);
		*colon = '\0';
		resp->headers[resp->nheaders].name = xstrdup(line);
		resp->headers[resp->nheaders].value = xstrdup(trim(colon + 1, NULL));
		resp->nheaders++;
	}
	return 0;
}

static int ms_left(uint64_t deadline)
{
	uint64_t now = mono_ns();
	return now >= deadline ? 0 : (int)((deadline - now) / 1000000u) + 1;
}

static int connect_to(const char *sock_path, char **cause)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (strlen(sock_path) >= sizeof sa.sun_path)
		return err_set(cause, "socket path too long: %s", sock_path);
	memcpy(sa.sun_path, sock_path, strlen(sock_path) + 1);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return err_errno(cause, "socket");
	/* A unix connect never returns EINPROGRESS: it succeeds or fails at once
	 * (EAGAIN when the backlog is full, retried by the caller's deadline). */
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return err_errno(cause, "connect %s", sock_path);
	}
	return fd;
}

static int send_all(int fd, const char *p, size_t n, uint64_t deadline, char **cause)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w > 0) {
			p += w;
			n -= (size_t)w;
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno != EAGAIN)
			return err_errno(cause, "HTTP: send");
		struct pollfd pf = { .fd = fd, .events = POLLOUT };
		int left = ms_left(deadline);
		if (left == 0 || poll(&pf, 1, left) == 0)
			return err_set(cause, "HTTP: timed out sending the request");
	}
	return 0;
}

/* Reads what is there into *buf (grown), waiting until the deadline;
 * returns bytes read, 0 at EOF, -1 on error or timeout. */
static ssize_t recv_some(int fd, char **buf, size_t *len, size_t *cap, uint64_t deadline, char **cause)
{
	for (;;) {
		if (*cap - *len < 4096) {
			*cap = *cap ? *cap * 2 : 8192;
			*buf = xrealloc(*buf, *cap + 1);
		}
		ssize_t r = recv(fd, *buf + *len, *cap - *len, 0);
		if (r >= 0) {
			*len += (size_t)r;
			(*buf)[*len] = '\0';
			return r;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN)
			return err_errno(cause, "HTTP: recv");
		struct pollfd pf = { .fd = fd, .events = POLLIN };
		int left = ms_left(deadline);
		if (left == 0 || poll(&pf, 1, left) == 0)
			return err_set(cause, "HTTP: no complete answer within the timeout");
	}
}

/* The end of the head (index of the byte after the empty line), or 0. */
static size_t head_end(const char *b, size_t len, size_t *head_len)
{
	for (size_t i = 0; i + 1 < len; i++) {
		if (b[i] != '\n')
			continue;
		if (b[i + 1] == '\n') {
			*head_len = i;
			return i + 2;
		}
		if (i + 2 < len && b[i + 1] == '\r' && b[i + 2] == '\n') {
			*head_len = i;
			return i + 3;
		}
	}
	return 0;
}

int httpunix_request(const char *sock_path, const char *method, const char *path, const char *body, int timeout_ms,
    struct http_response *resp, char **cause)
{
	memset(resp, 0, sizeof *resp);
	uint64_t deadline = mono_ns() + (uint64_t)(timeout_ms > 0 ? timeout_ms : 1) * 1000000u;
	int fd = connect_to(sock_path, cause);
	if (fd < 0)
		return -1;
	size_t blen = body ? strlen(body) : 0;
	_cleanup_free_ char *req = body
	    ? xasprintf("%s %s HTTP/1.1\r\nHost: localhost\r\nAccept: application/json\r\n"
			"Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n",
		  method, path, blen)
	    : xasprintf("%s %s HTTP/1.1\r\nHost: localhost\r\nAccept: application/json\r\n\r\n", method, path);
	char *buf = NULL;
	size_t len = 0, cap = 0, hl = 0, start = 0;
	int rc = -1;
	if (send_all(fd, req, strlen(req), deadline, cause) < 0 || send_all(fd, body, blen, deadline, cause) < 0)
		goto out;
	while (!(start = head_end(buf ? buf : "", len, &hl))) {
		if (len > HEAD_MAX) {
			err_set(cause, "HTTP: answer head longer than %d bytes", HEAD_MAX);
			goto out;
		}
		ssize_t r = recv_some(fd, &buf, &len, &cap, deadline, cause);
		if (r < 0)
			goto out;
		if (r == 0) {
			err_set(cause, len ? "HTTP: the server closed the connection inside the answer's head"
					   : "HTTP: the server closed the connection without answering");
			goto out;
		}
	}
	if (httpunix_parse_head(buf, hl, resp, cause) < 0)
		goto out;
	const char *te = httpunix_header(resp, "Transfer-Encoding");
	if (te && strcasecmp(te, "identity")) {
		err_set(cause, "HTTP: unsupported Transfer-Encoding '%s'", te);
		goto out;
	}
	int no_body = resp->status / 100 == 1 || resp->status == 204 || resp->status == 304 || !strcmp(method, "HEAD");
	const char *cl = httpunix_header(resp, "Content-Length");
	long long want = -1;
	if (no_body) {
		want = 0;
	} else if (cl) {
		char *end = NULL;
		errno = 0;
		want = strtoll(cl, &end, 10);
		if (errno || end == cl || *end || want < 0 || want > (long long)HTTPUNIX_MAX_BODY) {
			err_set(cause, "HTTP: bad Content-Length '%s'", cl);
			goto out;
		}
	}
	/* Without Content-Length the body runs to EOF. */
	while (want < 0 || len - start < (size_t)want) {
		if (len - start > HTTPUNIX_MAX_BODY) {
			err_set(cause, "HTTP: body longer than %u bytes", HTTPUNIX_MAX_BODY);
			goto out;
		}
		ssize_t r = recv_some(fd, &buf, &len, &cap, deadline, cause);
		if (r < 0)
			goto out;
		if (r == 0) {
			if (want < 0)
				break;
			err_set(cause, "HTTP: the server closed the connection after %zu of %lld body bytes", len - start,
			    want);
			goto out;
		}
	}
	size_t n = want < 0 ? len - start : (size_t)want;
	if (n || want < 0) {
		resp->body = xmalloc(n + 1);
		memcpy(resp->body, buf + start, n);
		resp->body[n] = '\0';
		resp->body_len = n;
	}
	rc = 0;
out:
	free(buf);
	close(fd);
	return rc;
}
