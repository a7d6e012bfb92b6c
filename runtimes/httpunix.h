/*
 * httpunix.h — a small HTTP/1.1 client over a unix socket, for VMM APIs
 * (Firecracker's API socket) that speak JSON over HTTP on a local socket.
 *
 * One request per connection: connect, send the request line, Host,
 * Accept, Content-Type and Content-Length headers and the body, then read
 * the status line, the headers and a body of Content-Length bytes (or up
 * to EOF when there is none; none at all for 1xx, 204 and 304). One
 * deadline bounds the whole exchange. No chunked transfer coding: the
 * servers this talks to never use it, and an answer that does is refused.
 * Errors follow the contract in util.h; an HTTP error status is not an
 * error of the client: the caller reads resp->status.
 */
#ifndef ISOLAB_HTTPUNIX_H
#define ISOLAB_HTTPUNIX_H

#include <stddef.h>

#define HTTPUNIX_MAX_HEADERS 32
#define HTTPUNIX_MAX_BODY (1u << 20)

struct http_header {
	char *name;
	char *value;
};

struct http_response {
	int status;                    /* 204, 400, ... */
	char *reason;                  /* "No Content", malloc'd */
	struct http_header headers[HTTPUNIX_MAX_HEADERS];
	size_t nheaders;
	char *body;                    /* malloc'd, NUL-terminated (may hold NULs before), or NULL */
	size_t body_len;
};

/* Sends method path with body (NULL: none; sent as application/json) to
 * the server on the unix socket sock_path and reads its answer into resp
 * within timeout_ms. resp is the caller's to free with httpunix_free,
 * also after an error. */
int httpunix_request(const char *sock_path, const char *method, const char *path, const char *body, int timeout_ms,
    struct http_response *resp, char **cause);
/* The value of header name (case-insensitive), or NULL; owned by resp. */
const char *httpunix_header(const struct http_response *resp, const char *name);
/* Parses a complete response head (status line and headers, up to and
 * excluding the empty line) of len bytes into resp. Exposed for tests. */
int httpunix_parse_head(const char *head, size_t len, struct http_response *resp, char **cause);
void httpunix_free(struct http_response *resp);

#endif
