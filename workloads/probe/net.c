/*
 * net.c - TCP throughput and request/response latency between two probes.
 *
 * net-client opens one connection and sends a 16-byte header (magic, mode,
 * duration) so that one net-server serves both modes:
 *   stream  the client writes 128 KiB buffers for the duration, like iperf3;
 *           at the end it half-closes and the server answers with the byte
 *           count it received (server_bytes=).
 *   rr      netperf TCP_RR: a 1-byte request, a 1-byte response, Nagle off;
 *           one transaction is one event.
 * The server serves clients one after another and prints its ready line
 * (with the port, which may have been chosen by the kernel) only once it
 * is listening, because the engine starts the client on that line.
 * Addresses are numeric (inet_pton): a static binary cannot use NSS.
 */
#include "build-config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "probe.h"
#include "runner.h"

#define NET_MAGIC "IPRB"
#define NET_HEADER 16
#define NET_CHUNK (128 * 1024)
#define NET_DEFAULT "127.0.0.1:7000"
/* Blocking calls wake this often to notice the end of the run. */
#define NET_TICK_MS 200

enum net_mode { MODE_STREAM, MODE_RR };
enum { C_BYTES };

struct net_state {
	int fd;			/* client: the connection; server: the listener */
	enum net_mode mode;
	bool once;
	atomic_uint clients;
	uint64_t server_bytes;
	bool have_server_bytes;
};

/* Parses "A.B.C.D:PORT" or "[v6]:PORT" into ss; false when malformed. */
static bool
net_parse(const char *s, struct sockaddr_storage *ss, socklen_t *len, bool port0_ok)
{
	char host[64];
	const char *colon;

	memset(ss, 0, sizeof *ss);
	if (s[0] == '[') {
		const char *close = strchr(s, ']');
		if (close == NULL || close[1] != ':' || (size_t)(close - s - 1) >= sizeof host)
			return false;
		memcpy(host, s + 1, (size_t)(close - s - 1));
		host[close - s - 1] = '\0';
		colon = close + 1;
	} else {
		colon = strrchr(s, ':');
		if (colon == NULL || (size_t)(colon - s) >= sizeof host)
			return false;
		memcpy(host, s, (size_t)(colon - s));
		host[colon - s] = '\0';
	}
	char *end;
	errno = 0;
	unsigned long port = strtoul(colon + 1, &end, 10);
	if (colon[1] == '\0' || *end != '\0' || errno || port > 65535 || (port == 0 && !port0_ok))
		return false;
	struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
	if (inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons((uint16_t)port);
		*len = sizeof *in4;
		return true;
	}
	if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		*len = sizeof *in6;
		return true;
	}
	return false;
}

/* Receive/send timeouts so blocked calls come back to check for the end. */
static void
net_ticks(int fd)
{
	struct timeval tv = { .tv_sec = 0, .tv_usec = NET_TICK_MS * 1000 };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

static void
net_nodelay(int fd)
{
	int one = 1;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

static bool
net_again(void)
{
	return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
}

/* Reads exactly n bytes unless the run stops or the peer goes away:
 * returns n, 0 at end of stream, -1 on error or stop. */
static ssize_t
net_read_full(struct worker *w, int fd, void *buf, size_t n)
{
	size_t off = 0;

	while (off < n) {
		ssize_t r = recv(fd, (char *)buf + off, n - off, 0);
		if (r == 0)
			return 0;
		if (r < 0) {
			if (net_again() && !worker_stopping(w))
				continue;
			return -1;
		}
		off += (size_t)r;
	}
	return (ssize_t)n;
}

/* Writes all n bytes unless the run stops; true on success. */
static bool
net_write_full(struct worker *w, int fd, const void *buf, size_t n)
{
	size_t off = 0;

	while (off < n) {
		ssize_t r = send(fd, (const char *)buf + off, n - off, MSG_NOSIGNAL);
		if (r < 0) {
			if (net_again() && !worker_stopping(w))
				continue;
			return false;
		}
		off += (size_t)r;
	}
	return true;
}

/* Serves one connection to its end. */
static void
net_serve(struct worker *w, struct net_state *st, int fd, char *buf)
{
	unsigned char hdr[NET_HEADER];
	uint64_t c[TALLY_COUNTERS] = { 0 };
	uint64_t total = 0;

	net_ticks(fd);
	if (net_read_full(w, fd, hdr, sizeof hdr) != (ssize_t)sizeof hdr ||
	    memcmp(hdr, NET_MAGIC, 4) != 0 || hdr[4] != 1 || hdr[5] > MODE_RR)
		return;
	atomic_fetch_add(&st->clients, 1);
	if (hdr[5] == MODE_RR)
		net_nodelay(fd);
	for (;;) {
		uint64_t t0 = mono_ns();
		ssize_t r;
		do
			r = recv(fd, buf, hdr[5] == MODE_RR ? 1 : NET_CHUNK, 0);
		while (r < 0 && net_again() && !worker_stopping(w));
		if (r <= 0)
			break;
		if (hdr[5] == MODE_RR && !net_write_full(w, fd, buf, 1))
			break;
		total += (uint64_t)r;
		c[C_BYTES] = (uint64_t)r;
		worker_add(w, mono_ns() - t0, 1, c);
	}
	if (hdr[5] == MODE_STREAM) {
		unsigned char out[8];
		for (int i = 0; i < 8; i++)
			out[i] = (unsigned char)(total >> (56 - 8 * i));
		net_write_full(w, fd, out, sizeof out);
	}
}

static int
net_server_work(struct worker *w)
{
	struct net_state *st = w->state;
	char *buf = malloc(NET_CHUNK);

	if (buf == NULL) {
		worker_fail(w, "out of memory");
		return -1;
	}
	while (!worker_stopping(w)) {
		struct pollfd p = { .fd = st->fd, .events = POLLIN };
		if (poll(&p, 1, NET_TICK_MS) <= 0)
			continue;
		int fd = accept4(st->fd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0) {
			if (net_again() || errno == ECONNABORTED)
				continue;
			worker_fail(w, "accept: %s", strerror(errno));
			free(buf);
			return -1;
		}
		net_serve(w, st, fd, buf);
		close(fd);
		if (st->once)
			break;
	}
	free(buf);
	return 0;
}

static double
net_bits_rate(const struct tally *t, double secs, void *state)
{
	return (double)t->c[C_BYTES] * 8 / 1e6 / secs;
}

static void
net_server_extras(struct report *r, const struct tally *t, double secs,
		  bool summary, void *state)
{
	struct net_state *st = state;

	report_u64(r, "bytes", t->c[C_BYTES]);
	report_u64(r, "clients", atomic_load(&st->clients));
}

int
net_server_run(const struct bench *b, const struct probe_opts *o)
{
	struct sockaddr_storage ss;
	socklen_t len;
	struct net_state st = { .once = o->once };
	struct runner_spec spec = {
		.bench = b->name,
		.rate_unit = "Mbit/s",
		.threads = 1,
		.time = probe_time(o, 0),
		.events = o->events,
		.interval = o->interval,
		.state = &st,
		.work = net_server_work,
		.rate = net_bits_rate,
		.extras = net_server_extras,
	};
	char err[256], host[INET6_ADDRSTRLEN];
	const char *where = o->listen ? o->listen : NET_DEFAULT;
	int one = 1;

	if (!net_parse(where, &ss, &len, true))
		probe_usage(b->name, "invalid --listen '%s': want ADDR:PORT or [ADDR6]:PORT with a numeric address",
			    where);
	st.fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (st.fd < 0)
		probe_fail(b->name, "socket: %s", strerror(errno));
	setsockopt(st.fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(st.fd, (struct sockaddr *)&ss, len) != 0)
		probe_fail(b->name, "cannot listen on %s: %s", where, strerror(errno));
	if (listen(st.fd, 16) != 0)
		probe_fail(b->name, "listen: %s", strerror(errno));
	len = sizeof ss;
	getsockname(st.fd, (struct sockaddr *)&ss, &len);
	uint16_t port;
	if (ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
		inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof host);
		port = ntohs(in6->sin6_port);
	} else {
		struct sockaddr_in *in4 = (struct sockaddr_in *)&ss;
		inet_ntop(AF_INET, &in4->sin_addr, host, sizeof host);
		port = ntohs(in4->sin_port);
	}

	struct report r;
	probe_ready_begin(&r, b->name);
	report_str(&r, "addr", host);
	report_u64(&r, "port", port);
	report_emit(&r);
	int rc = runner_run(&spec, err, sizeof err);
	close(st.fd);
	if (rc != 0)
		probe_fail(b->name, "%s", err);
	return 0;
}

static int
net_client_work(struct worker *w)
{
	struct net_state *st = w->state;
	uint64_t c[TALLY_COUNTERS] = { 0 };
	char *buf = calloc(1, NET_CHUNK);

	if (buf == NULL) {
		worker_fail(w, "out of memory");
		return -1;
	}
	size_t chunk = st->mode == MODE_RR ? 1 : NET_CHUNK;
	c[C_BYTES] = chunk;
	while (!worker_stopping(w) && worker_claim(w, 1) == 1) {
		uint64_t t0 = mono_ns();
		if (!net_write_full(w, st->fd, buf, chunk)) {
			if (worker_stopping(w))
				break;
			worker_fail(w, "send: %s", strerror(errno));
			free(buf);
			return -1;
		}
		if (st->mode == MODE_RR) {
			ssize_t r = net_read_full(w, st->fd, buf, 1);
			if (r != 1) {
				if (r < 0 && worker_stopping(w))
					break;
				worker_fail(w, "recv: %s", r == 0 ? "server closed the connection"
								  : strerror(errno));
				free(buf);
				return -1;
			}
		}
		worker_add(w, mono_ns() - t0, 1, c);
	}
	if (st->mode == MODE_STREAM && shutdown(st->fd, SHUT_WR) == 0) {
		unsigned char in[8];
		/* The server may still be draining what was sent: allow it
		 * a few seconds, whatever the stop flag says. */
		struct timeval tv = { .tv_sec = 5 };
		setsockopt(st->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
		size_t off = 0;
		while (off < sizeof in) {
			ssize_t r = recv(st->fd, in + off, sizeof in - off, 0);
			if (r <= 0)
				break;
			off += (size_t)r;
		}
		if (off == sizeof in) {
			for (int i = 0; i < 8; i++)
				st->server_bytes = st->server_bytes << 8 | in[i];
			st->have_server_bytes = true;
		}
	}
	free(buf);
	return 0;
}

static double
net_client_rate(const struct tally *t, double secs, void *state)
{
	const struct net_state *st = state;

	if (st->mode == MODE_RR)
		return (double)t->events / secs;
	return net_bits_rate(t, secs, state);
}

static void
net_client_extras(struct report *r, const struct tally *t, double secs,
		  bool summary, void *state)
{
	const struct net_state *st = state;

	if (st->mode == MODE_RR)
		report_fixed(r, "us_per_rr", hist_mean(&t->hist) / 1000.0, 2);
	report_u64(r, "bytes", t->c[C_BYTES]);
	if (summary) {
		report_str(r, "mode", st->mode == MODE_RR ? "rr" : "stream");
		if (st->mode == MODE_STREAM && st->have_server_bytes)
			report_u64(r, "server_bytes", st->server_bytes);
	}
}

int
net_client_run(const struct bench *b, const struct probe_opts *o)
{
	static const char *const modes[] = { "stream", "rr", NULL };
	struct sockaddr_storage ss;
	socklen_t len;
	struct net_state st = {
		.mode = o->mode ? (enum net_mode)probe_choice(b->name, "--mode", o->mode, modes)
				: MODE_STREAM,
	};
	struct runner_spec spec = {
		.bench = b->name,
		.threads = 1,
		.time = probe_time(o, 10),
		.events = o->events,
		.interval = o->interval,
		.state = &st,
		.work = net_client_work,
		.rate = net_client_rate,
		.extras = net_client_extras,
	};
	const char *target = o->connect ? o->connect : NET_DEFAULT;
	char err[256];

	spec.rate_unit = st.mode == MODE_RR ? "roundtrips/s" : "Mbit/s";
	if (!net_parse(target, &ss, &len, false))
		probe_usage(b->name, "invalid --connect '%s': want ADDR:PORT or [ADDR6]:PORT with a numeric address",
			    target);
	probe_ready(b->name);
	st.fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (st.fd < 0)
		probe_fail(b->name, "socket: %s", strerror(errno));
	if (connect(st.fd, (struct sockaddr *)&ss, len) != 0)
		probe_fail(b->name, "cannot connect to %s: %s", target, strerror(errno));
	if (st.mode == MODE_RR)
		net_nodelay(st.fd);
	net_ticks(st.fd);

	unsigned char hdr[NET_HEADER] = { 'I', 'P', 'R', 'B', 1, (unsigned char)st.mode };
	uint32_t ms = spec.time > 0 && spec.time < 4e6 ? (uint32_t)(spec.time * 1000) : 0;
	for (int i = 0; i < 4; i++)
		hdr[8 + i] = (unsigned char)(ms >> (24 - 8 * i));
	if (send(st.fd, hdr, sizeof hdr, MSG_NOSIGNAL) != (ssize_t)sizeof hdr)
		probe_fail(b->name, "cannot send the header to %s: %s", target, strerror(errno));

	int rc = runner_run(&spec, err, sizeof err);
	close(st.fd);
	if (rc != 0)
		probe_fail(b->name, "%s", err);
	return 0;
}
