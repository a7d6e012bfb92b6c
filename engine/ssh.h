/*
 * ssh.h — the SSH transport for remote hosts (libssh): one authenticated
 * session per link, host keys checked against OpenSSH's known_hosts, and
 * the three things the remote executor does over it: run a short command,
 * upload a file (SFTP), and open a long-lived exec channel to `isolab agent`.
 *
 * Host keys: a known key is accepted; a changed key (or a key of another
 * type than the one known) is refused with a message saying so; an unknown
 * key is shown with its SHA-256 fingerprint and accepted only when
 * prompts->accept_new_host_key is set or prompts->confirm says yes, and is
 * then added to the known_hosts file. Questions are asked one at a time in
 * the process, and each (host, known_hosts file, fingerprint) only once:
 * the answer is remembered until the process ends, so the many links to
 * one host (a probe and an instance per runtime) do not ask again.
 * Authentication: the identity file when one is given, else ssh-agent, else
 * the default keys (~/.ssh/id_*), then a password through prompts->secret.
 * Secrets are wiped and freed at once; nothing is stored. An identity file
 * is read once per process (its passphrase asked once); the decrypted key
 * stays in memory for the process's other links, as ssh-agent would keep
 * it, and a failed read is not retried. A password is asked per link.
 * Named hosts from ~/.ssh/config and /etc/ssh/ssh_config are resolved by
 * libssh's own parser (ssh_options_parse_config); explicit target fields win.
 * Commands run by the remote user's shell, so every word isolab puts in one
 * is quoted with ssh_shell_quote and built only from isolab's own paths.
 * Errors follow the contract in util.h.
 */
#ifndef ISOLAB_SSH_H
#define ISOLAB_SSH_H

#include <stddef.h>
#include <sys/types.h>

struct ssh_target {
	const char *name;        /* how the person named the host, for messages */
	const char *host;        /* address, or an alias in ~/.ssh/config */
	const char *user;        /* NULL: from ssh config, else the local user */
	int port;                /* 0: from ssh config, else 22 */
	const char *identity;    /* private key file, or NULL */
	const char *known_hosts; /* NULL: ~/.ssh/known_hosts */
	int timeout_s;           /* connect timeout and dead-link limit; 0: 15 */
};

struct ssh_prompts {
	/* Asks a yes/no question; 1 means yes. NULL: the answer is no. */
	int (*confirm)(void *arg, const char *question);
	/* Asks for a secret (password, passphrase): a malloc'd answer that the
	 * caller wipes and frees, or NULL. NULL: never ask. */
	char *(*secret)(void *arg, const char *prompt);
	void *arg;
	int accept_new_host_key; /* --accept-new-host-key */
};

struct ssh_link;
struct ssh_stream;

/* Connects, checks the host key and authenticates. */
struct ssh_link *ssh_link_open(const struct ssh_target *t, const struct ssh_prompts *p, char **cause);
/* Disconnects and frees; NULL is fine. */
void ssh_link_close(struct ssh_link *l);
/* The dead-link limit in seconds. */
int ssh_link_timeout(const struct ssh_link *l);
/* Runs command (through the remote shell) to completion, capturing at most
 * cap bytes of its stdout into malloc'd *out (may be NULL) and its exit
 * status (-1 when the server sent none) into *status. */
int ssh_link_run(struct ssh_link *l, const char *command, char **out, size_t cap, int *status, char **cause);
/* Uploads a local file to remote_path (created exclusively) over SFTP. */
int ssh_link_upload(struct ssh_link *l, const char *local_path, const char *remote_path, unsigned mode,
    char **cause);

/* Opens an exec channel running command; its stdin/stdout are the stream. */
struct ssh_stream *ssh_stream_open(struct ssh_link *l, const char *command, char **cause);
/* Writes all of data (blocking, bounded by the link's timeout). */
int ssh_stream_write(struct ssh_stream *s, const char *data, size_t len, char **cause);
/* Reads what stdout has, waiting at most timeout_ms. Returns the byte
 * count, 0 when nothing came in time, -1 at EOF or on a broken link (cause
 * says which). */
ssize_t ssh_stream_read(struct ssh_stream *s, char *buf, size_t cap, int timeout_ms, char **cause);
/* The last line the remote command wrote to stderr ("" when none); owned
 * by the stream. Said in messages when the agent fails to start. */
const char *ssh_stream_stderr(struct ssh_stream *s);
/* The socket, to poll for readability together with other fds. */
int ssh_stream_fd(const struct ssh_stream *s);
/* Closes the channel (sending EOF first, so the agent tears down); NULL is fine. */
void ssh_stream_close(struct ssh_stream *s);

/* One shell word: s in single quotes. Malloc'd. */
char *ssh_shell_quote(const char *s);
/* SHA-256 of a local file as 64 lowercase hex digits into hex[65]. */
int ssh_sha256_file(const char *path, char hex[65], char **cause);

#endif
