/*
 * ssh.c — the libssh transport (see ssh.h for the contract).
 *
 * A link is used by one thread at a time: the remote executor opens it on the
 * engine thread and then hands it to the instance's relay thread, so no
 * locking is needed here. libssh's blocking calls are bounded by the
 * session timeout (the host's `timeout`), so a dead link never hangs the
 * engine: a read returns at its own timeout and the caller decides.
 */
#include "ssh.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <libssh/libssh.h>
#include <libssh/sftp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEFAULT_TIMEOUT_S 15

struct ssh_link {
	ssh_session s;
	char *name;
	int timeout_s;
};

struct ssh_stream {
	struct ssh_link *l;
	ssh_channel ch;
	char err[512];           /* last stderr line */
	char errbuf[512];        /* stderr line being assembled */
	size_t errlen;
};

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static void ssh_lib_init(void) { ssh_init(); }

static void wipe_free(char *s)
{
	if (!s)
		return;
	explicit_bzero(s, strlen(s));
	free(s);
}

int ssh_link_timeout(const struct ssh_link *l) { return l->timeout_s; }

char *ssh_shell_quote(const char *s)
{
	size_t n = 2;
	for (const char *p = s; *p; p++)
		n += *p == '\'' ? 4 : 1;
	char *q = xmalloc(n + 1), *o = q;
	*o++ = '\'';
	for (const char *p = s; *p; p++) {
		if (*p == '\'') {
			memcpy(o, "'\\''", 4);
			o += 4;
		} else {
			*o++ = *p;
		}
	}
	*o++ = '\'';
	*o = '\0';
	return q;
}

/* ---- host key ---- */

static char *key_fingerprint(ssh_session s, char **type)
{
	ssh_key key = NULL;
	unsigned char *hash = NULL;
	size_t hlen = 0;
	if (ssh_get_server_publickey(s, &key) != SSH_OK)
		return NULL;
	*type = xstrdup(ssh_key_type_to_char(ssh_key_type(key)) ? ssh_key_type_to_char(ssh_key_type(key)) : "?");
	int rc = ssh_get_publickey_hash(key, SSH_PUBLICKEY_HASH_SHA256, &hash, &hlen);
	ssh_key_free(key);
	if (rc != 0)
		return NULL;
	char *fp = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash, hlen);
	ssh_clean_pubkey_hash(&hash);
	char *out = fp ? xstrdup(fp) : NULL;
	ssh_string_free_char(fp);
	return out;
}

/* The answers given in this process about unknown host keys, by host name,
 * known_hosts file and fingerprint. */
struct answer {
	char *key;
	int yes;
	struct answer *next;
};
static pthread_mutex_t answers_lock = PTHREAD_MUTEX_INITIALIZER;
static struct answer *answers;

static char *answer_key(const char *name, const char *kh, const char *fp)
{
	return xasprintf("%s\n%s\n%s", name, kh, fp);
}

/* 1 or 0 as answered before, -1 when never asked. Under answers_lock. */
static int answer_find(const char *name, const char *kh, const char *fp)
{
	_cleanup_free_ char *k = answer_key(name, kh, fp);
	for (struct answer *a = answers; a; a = a->next)
		if (!strcmp(a->key, k))
			return a->yes;
	return -1;
}

static void answer_add(const char *name, const char *kh, const char *fp, int yes)
{
	struct answer *a = xcalloc(1, sizeof *a);
	a->key = answer_key(name, kh, fp);
	a->yes = yes;
	a->next = answers;
	answers = a;
}

static int check_host_key(struct ssh_link *l, const struct ssh_target *t, const struct ssh_prompts *p,
    char **cause)
{
	char *type = NULL;
	_cleanup_free_ char *fp = key_fingerprint(l->s, &type);
	_cleanup_free_ char *ktype = type;
	const char *kh = t->known_hosts ? t->known_hosts : "~/.ssh/known_hosts";
	if (!fp)
		return err_set(cause, "%s: cannot read the server's host key: %s", l->name, ssh_get_error(l->s));
	enum ssh_known_hosts_e st = ssh_session_is_known_server(l->s);
	switch (st) {
	case SSH_KNOWN_HOSTS_OK:
		return 0;
	case SSH_KNOWN_HOSTS_CHANGED:
	case SSH_KNOWN_HOSTS_OTHER:
		return err_set(cause, "%s: HOST KEY CHANGED: the server offers %s %s, which does not match %s; "
		    "refusing to connect (someone may be intercepting the connection; if the host was "
		    "reinstalled, remove its old entry with ssh-keygen -R)", l->name, ktype, fp, kh);
	case SSH_KNOWN_HOSTS_UNKNOWN:
	case SSH_KNOWN_HOSTS_NOT_FOUND: {
		/* One question at a time in the process, and each asked once:
		 * every runtime on a host opens its own link, and nobody wants
		 * to answer for the same key eleven times. */
		pthread_mutex_lock(&answers_lock);
		int yes = p && p->accept_new_host_key, known = 0, declined = 0;
		if (!yes) {
			int a = answer_find(l->name, kh, fp);
			if (a >= 0) {
				yes = a;
				known = a; /* accepted earlier: already in known_hosts */
				declined = !a;
			} else if (p && p->confirm) {
				char *q = xasprintf("The host key of %s is not known. Its %s key fingerprint is %s. "
				    "Accept it and add it to %s?", l->name, ktype, fp, kh);
				yes = p->confirm(p->arg, q) == 1;
				free(q);
				answer_add(l->name, kh, fp, yes);
				declined = !yes;
			}
		}
		if (!yes) {
			pthread_mutex_unlock(&answers_lock);
			if (declined)
				return err_set(cause, "%s: the unknown host key %s %s was declined; nothing was added "
				    "to %s", l->name, ktype, fp, kh);
			return err_set(cause, "%s: unknown host key %s %s; check it, then accept it with "
			    "--accept-new-host-key (or add it to %s)", l->name, ktype, fp, kh);
		}
		if (known) {
			pthread_mutex_unlock(&answers_lock);
			return 0;
		}
		if (t->known_hosts) {
			/* libssh appends to the file but does not create its directory. */
			char *dir = xstrdup(t->known_hosts), *slash = strrchr(dir, '/');
			if (slash && slash != dir) {
				*slash = '\0';
				mkdir_p(dir, 0700);
			}
			free(dir);
		}
		int rc = ssh_session_update_known_hosts(l->s);
		pthread_mutex_unlock(&answers_lock);
		if (rc != SSH_OK)
			return err_set(cause, "%s: cannot add the host key to %s: %s", l->name, kh, ssh_get_error(l->s));
		return 0;
	}
	case SSH_KNOWN_HOSTS_ERROR:
	default:
		return err_set(cause, "%s: cannot check the host key against %s: %s", l->name, kh, ssh_get_error(l->s));
	}
}

/* ---- authentication ---- */

struct pass_ctx {
	const struct ssh_prompts *p;
};

/* libssh asks through this for a key's passphrase. */
static int passphrase_cb(const char *prompt, char *buf, size_t len, int echo, int verify, void *userdata)
{
	struct pass_ctx *c = userdata;
	if (!c->p || !c->p->secret || len == 0)
		return -1;
	char *ans = c->p->secret(c->p->arg, prompt);
	if (!ans)
		return -1;
	snprintf(buf, len, "%s", ans);
	wipe_free(ans);
	return 0;
}

/* Identity files imported in this process, by path; key NULL when the
 * import failed (a wrong or refused passphrase is not asked again). */
struct idkey {
	char *path;
	ssh_key key;
	struct idkey *next;
};
static pthread_mutex_t keys_lock = PTHREAD_MUTEX_INITIALIZER;
static struct idkey *idkeys;

/* Under keys_lock. */
static struct idkey *idkey_get(const char *path, struct pass_ctx *pc)
{
	for (struct idkey *k = idkeys; k; k = k->next)
		if (!strcmp(k->path, path))
			return k;
	struct idkey *k = xcalloc(1, sizeof *k);
	k->path = xstrdup(path);
	if (ssh_pki_import_privkey_file(path, NULL, passphrase_cb, pc, &k->key) != SSH_OK)
		k->key = NULL;
	k->next = idkeys;
	idkeys = k;
	return k;
}

static int authenticate(struct ssh_link *l, const struct ssh_target *t, const struct ssh_prompts *p,
    char **cause)
{
	struct pass_ctx pc = { .p = p };
	int rc = SSH_AUTH_DENIED;
	const char *tried = "";
	if (t->identity) {
		/* One import per identity file in the process: a passphrase is
		 * asked once, not once per link (a probe and an instance per
		 * runtime), and the key, decrypted, stays in this process's
		 * memory only, as ssh-agent keeps it. Signing with it is
		 * serialised under the lock. */
		pthread_mutex_lock(&keys_lock);
		struct idkey *k = idkey_get(t->identity, &pc);
		if (!k->key) {
			pthread_mutex_unlock(&keys_lock);
			return err_set(cause, "%s: cannot read the identity file %s (missing, unreadable, or a "
			    "wrong or no passphrase)", l->name, t->identity);
		}
		rc = ssh_userauth_publickey(l->s, NULL, k->key);
		pthread_mutex_unlock(&keys_lock);
		tried = "the identity file";
	} else {
		if (getenv("SSH_AUTH_SOCK")) {
			rc = ssh_userauth_agent(l->s, NULL);
			tried = "ssh-agent";
		}
		if (rc != SSH_AUTH_SUCCESS && rc != SSH_AUTH_ERROR) {
			rc = ssh_userauth_publickey_auto(l->s, NULL, NULL);
			tried = *tried ? "ssh-agent and the default keys" : "the default keys";
		}
	}
	if (rc == SSH_AUTH_ERROR)
		return err_set(cause, "%s: authentication failed: %s", l->name, ssh_get_error(l->s));
	if (rc != SSH_AUTH_SUCCESS && p && p->secret) {
		char *q = xasprintf("Password for %s: ", l->name);
		char *pw = p->secret(p->arg, q);
		free(q);
		if (pw) {
			rc = ssh_userauth_password(l->s, NULL, pw);
			wipe_free(pw);
			tried = "a password";
		}
	}
	if (rc != SSH_AUTH_SUCCESS)
		return err_set(cause, "%s: authentication refused (tried %s); give the host an identity "
		    "file, load a key into ssh-agent, or run from a terminal to type a password", l->name, tried);
	return 0;
}

struct ssh_link *ssh_link_open(const struct ssh_target *t, const struct ssh_prompts *p, char **cause)
{
	pthread_once(&init_once, ssh_lib_init);
	struct ssh_link *l = xcalloc(1, sizeof *l);
	l->name = xstrdup(t->name ? t->name : t->host);
	l->timeout_s = t->timeout_s > 0 ? t->timeout_s : DEFAULT_TIMEOUT_S;
	l->s = ssh_new();
	if (!l->s) {
		err_set(cause, "%s: cannot create an SSH session", l->name);
		goto fail;
	}
	long timeout = l->timeout_s;
	int verbosity = SSH_LOG_NOLOG;
	ssh_options_set(l->s, SSH_OPTIONS_LOG_VERBOSITY, &verbosity);
	if (ssh_options_set(l->s, SSH_OPTIONS_HOST, t->host) < 0) {
		err_set(cause, "%s: invalid host '%s'", l->name, t->host);
		goto fail;
	}
	/* ~/.ssh/config and the system file first: what the target says wins. */
	ssh_options_parse_config(l->s, NULL);
	if (t->user)
		ssh_options_set(l->s, SSH_OPTIONS_USER, t->user);
	if (t->port > 0) {
		unsigned port = (unsigned)t->port;
		ssh_options_set(l->s, SSH_OPTIONS_PORT, &port);
	}
	if (t->known_hosts)
		ssh_options_set(l->s, SSH_OPTIONS_KNOWNHOSTS, t->known_hosts);
	ssh_options_set(l->s, SSH_OPTIONS_TIMEOUT, &timeout);
	int nodelay = 1;
	ssh_options_set(l->s, SSH_OPTIONS_NODELAY, &nodelay);
	if (ssh_connect(l->s) != SSH_OK) {
		err_set(cause, "%s: cannot connect: %s", l->name, ssh_get_error(l->s));
		goto fail;
	}
	if (check_host_key(l, t, p, cause) < 0 || authenticate(l, t, p, cause) < 0)
		goto fail;
	return l;
fail:
	ssh_link_close(l);
	return NULL;
}

void ssh_link_close(struct ssh_link *l)
{
	if (!l)
		return;
	if (l->s) {
		if (ssh_is_connected(l->s))
			ssh_disconnect(l->s);
		ssh_free(l->s);
	}
	free(l->name);
	free(l);
}

/* ---- channels ---- */

static void stream_take_stderr(struct ssh_stream *st)
{
	char buf[256];
	int n;
	while ((n = ssh_channel_read_nonblocking(st->ch, buf, sizeof buf, 1)) > 0) {
		for (int i = 0; i < n; i++) {
			if (buf[i] == '\n') {
				if (st->errlen) {
					st->errbuf[st->errlen] = '\0';
					memcpy(st->err, st->errbuf, st->errlen + 1);
				}
				st->errlen = 0;
			} else if (st->errlen < sizeof st->errbuf - 1) {
				st->errbuf[st->errlen++] = (unsigned char)buf[i] < 0x20 ? ' ' : buf[i];
			}
		}
	}
}

struct ssh_stream *ssh_stream_open(struct ssh_link *l, const char *command, char **cause)
{
	struct ssh_stream *st = xcalloc(1, sizeof *st);
	st->l = l;
	st->ch = ssh_channel_new(l->s);
	if (!st->ch || ssh_channel_open_session(st->ch) != SSH_OK ||
	    ssh_channel_request_exec(st->ch, command) != SSH_OK) {
		err_set(cause, "%s: cannot start a remote command: %s", l->name, ssh_get_error(l->s));
		ssh_stream_close(st);
		return NULL;
	}
	return st;
}

int ssh_stream_write(struct ssh_stream *st, const char *data, size_t len, char **cause)
{
	while (len) {
		uint32_t chunk = len > 32768 ? 32768 : (uint32_t)len;
		int n = ssh_channel_write(st->ch, data, chunk);
		if (n <= 0)
			return err_set(cause, "%s: the connection broke while sending: %s", st->l->name,
			    ssh_get_error(st->l->s));
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

ssize_t ssh_stream_read(struct ssh_stream *st, char *buf, size_t cap, int timeout_ms, char **cause)
{
	uint32_t want = cap > UINT32_MAX ? UINT32_MAX : (uint32_t)cap;
	int n = ssh_channel_read_timeout(st->ch, buf, want, 0, timeout_ms);
	stream_take_stderr(st);
	if (n > 0)
		return n;
	if (n == SSH_ERROR || !ssh_is_connected(st->l->s)) {
		err_set(cause, "%s: the connection is lost: %s", st->l->name, ssh_get_error(st->l->s));
		return -1;
	}
	if (ssh_channel_is_eof(st->ch) || ssh_channel_is_closed(st->ch)) {
		if (st->errlen) {
			st->errbuf[st->errlen] = '\0';
			memcpy(st->err, st->errbuf, st->errlen + 1);
			st->errlen = 0;
		}
		err_set(cause, "%s: the remote command ended%s%s", st->l->name, st->err[0] ? ": " : "", st->err);
		return -1;
	}
	return 0;
}

const char *ssh_stream_stderr(struct ssh_stream *st) { return st->err; }
int ssh_stream_fd(const struct ssh_stream *st) { return ssh_get_fd(st->l->s); }

void ssh_stream_close(struct ssh_stream *st)
{
	if (!st)
		return;
	if (st->ch) {
		if (ssh_channel_is_open(st->ch)) {
			ssh_channel_send_eof(st->ch);
			ssh_channel_close(st->ch);
		}
		ssh_channel_free(st->ch);
	}
	free(st);
}

int ssh_link_run(struct ssh_link *l, const char *command, char **out, size_t cap, int *status, char **cause)
{
	struct ssh_stream *st = ssh_stream_open(l, command, cause);
	if (!st)
		return -1;
	size_t len = 0;
	char *buf = xmalloc(cap + 1);
	uint64_t deadline = mono_ns() + (uint64_t)l->timeout_s * 4 * 1000000000ull;
	for (;;) {
		char tmp[4096];
		char *c2 = NULL;
		ssize_t n = ssh_stream_read(st, tmp, sizeof tmp, 200, &c2);
		if (n < 0) {
			int lost = !ssh_is_connected(l->s);
			if (lost) {
				free(buf);
				ssh_stream_close(st);
				if (cause)
					*cause = c2;
				else
					free(c2);
				return -1;
			}
			free(c2);
			break; /* EOF */
		}
		if (n > 0 && len < cap) {
			size_t k = (size_t)n < cap - len ? (size_t)n : cap - len;
			memcpy(buf + len, tmp, k);
			len += k;
		}
		if (mono_ns() > deadline) {
			free(buf);
			ssh_stream_close(st);
			return err_set(cause, "%s: '%s' did not finish in %d s", l->name, command, l->timeout_s * 4);
		}
	}
	buf[len] = '\0';
	*status = ssh_channel_get_exit_status(st->ch);
	ssh_stream_close(st);
	if (out)
		*out = buf;
	else
		free(buf);
	return 0;
}

int ssh_link_upload(struct ssh_link *l, const char *local_path, const char *remote_path, unsigned mode,
    char **cause)
{
	_cleanup_close_ int fd = open(local_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_errno(cause, "cannot open %s", local_path);
	sftp_session sf = sftp_new(l->s);
	if (!sf || sftp_init(sf) != SSH_OK) {
		err_set(cause, "%s: SFTP is not available (%s); the server needs an sftp subsystem to receive "
		    "the agent", l->name, ssh_get_error(l->s));
		if (sf)
			sftp_free(sf);
		return -1;
	}
	int rc = -1;
	sftp_file f = sftp_open(sf, remote_path, O_WRONLY | O_CREAT | O_EXCL, (mode_t)mode);
	if (!f) {
		err_set(cause, "%s: cannot create %s: %s", l->name, remote_path, ssh_get_error(l->s));
		goto out;
	}
	char buf[32768];
	for (;;) {
		ssize_t n = read(fd, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err_errno(cause, "cannot read %s", local_path);
			break;
		}
		if (n == 0) {
			rc = 0;
			break;
		}
		if (sftp_write(f, buf, (size_t)n) != n) {
			err_set(cause, "%s: writing %s failed: %s", l->name, remote_path, ssh_get_error(l->s));
			break;
		}
	}
	if (sftp_close(f) != SSH_NO_ERROR && rc == 0)
		rc = err_set(cause, "%s: closing %s failed: %s", l->name, remote_path, ssh_get_error(l->s));
out:
	sftp_free(sf);
	return rc;
}

/* ---- SHA-256 (FIPS 180-4), to check an uploaded agent ---- */

static const uint32_t K[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
	0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
	0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
	0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static void sha256_block(uint32_t h[8], const unsigned char *p)
{
	uint32_t w[64];
	for (int i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 | (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (int i = 16; i < 64; i++) {
		uint32_t s0 = ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^ (w[i - 15] >> 3);
		uint32_t s1 = ROR(w[i - 2], 17) ^ ROR(w[i - 2], 19) ^ (w[i - 2] >> 10);
		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
	for (int i = 0; i < 64; i++) {
		uint32_t t1 = hh + (ROR(e, 6) ^ ROR(e, 11) ^ ROR(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i];
		uint32_t t2 = (ROR(a, 2) ^ ROR(a, 13) ^ ROR(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
		hh = g;
		g = f;
		f = e;
		e = d + t1;
		d = c;
		c = b;
		b = a;
		a = t1 + t2;
	}
	h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e, h[5] += f, h[6] += g, h[7] += hh;
}

int ssh_sha256_file(const char *path, char hex[65], char **cause)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_errno(cause, "cannot open %s", path);
	uint32_t h[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab,
		0x5be0cd19 };
	unsigned char blk[128];
	size_t fill = 0;
	uint64_t total = 0;
	for (;;) {
		ssize_t n = read(fd, blk + fill, 64 - fill);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return err_errno(cause, "cannot read %s", path);
		if (n == 0)
			break;
		fill += (size_t)n;
		total += (uint64_t)n;
		if (fill == 64) {
			sha256_block(h, blk);
			fill = 0;
		}
	}
	blk[fill++] = 0x80;
	size_t padto = fill <= 56 ? 64 : 128;
	memset(blk + fill, 0, padto - fill);
	uint64_t bits = total * 8;
	for (int i = 0; i < 8; i++)
		blk[padto - 1 - i] = (unsigned char)(bits >> (8 * i));
	sha256_block(h, blk);
	if (padto == 128)
		sha256_block(h, blk + 64);
	for (int i = 0; i < 8; i++)
		snprintf(hex + 8 * i, 9, "%08x", h[i]);
	return 0;
}
