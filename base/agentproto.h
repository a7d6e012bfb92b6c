/*
 * agentproto.h — the protocol between isolab and `isolab agent` on a remote
 * host: versioned JSON lines over an SSH channel's stdin/stdout.
 * docs/agent-protocol.md is the reference; this module frames, encodes,
 * decodes and validates messages, and converts process samples.
 *
 * Framing: one JSON object per line, UTF-8, terminated by '\n', at most
 * AGENTPROTO_MAX_LINE bytes including the newline. Every message has a
 * string "type". Unknown fields are ignored (a newer minor version may add
 * them); an unknown type gets an "error" reply and the stream goes on.
 * Versioning: "hello" carries "proto" (the major version). Peers with a
 * different major refuse each other with a message naming both versions.
 * Errors follow the contract in util.h.
 */
#ifndef ISOLAB_AGENTPROTO_H
#define ISOLAB_AGENTPROTO_H

#include <stddef.h>
#include <jansson.h>
#include "sampler.h"

#define AGENTPROTO_VERSION 1
#define AGENTPROTO_MAX_LINE (1024 * 1024)

enum agent_msg_type {
	AGENT_MSG_HELLO,      /* both ways: proto, capabilities */
	AGENT_MSG_LIST,       /* client: list the agent's drivers */
	AGENT_MSG_RUNTIMES,   /* agent: drivers [{name, description}] */
	AGENT_MSG_PROBE,      /* client: runtime {name, driver, options} */
	AGENT_MSG_STATUS,     /* agent: available, version, reason, fix */
	AGENT_MSG_PREPARE,    /* client: id, run_id, runtime, limits, network, threads */
	AGENT_MSG_LAUNCH,     /* client: id, argv */
	AGENT_MSG_LAUNCHED,   /* agent: id, pid */
	AGENT_MSG_OUTPUT,     /* agent: id, line */
	AGENT_MSG_SAMPLE,     /* agent: id, t, procs */
	AGENT_MSG_EXIT,       /* agent: id, status (a waitpid status) */
	AGENT_MSG_STOP,       /* client: id, force */
	AGENT_MSG_CLEANUP,    /* client: id */
	AGENT_MSG_OK,         /* agent: op, id */
	AGENT_MSG_ERROR,      /* agent: op, id, msg */
	AGENT_MSG_PING,       /* client: seq */
	AGENT_MSG_PONG,       /* agent: seq */
	AGENT_MSG__COUNT
};

/* A decoded, validated message. */
struct agent_msg {
	enum agent_msg_type type;
	int id;              /* the instance id, or -1 when the type has none */
	json_t *json;        /* the whole object; owned by the message */
};

/* The wire name of a type ("hello", "launch", ...). */
const char *agentproto_type_name(enum agent_msg_type t);
/* Decodes one line (without or with its '\n'): a JSON object with a known
 * type and the fields that type requires, of the right JSON types. Returns
 * 0 and fills m (free with agentproto_msg_free), or -1 with a cause. */
int agentproto_decode(const char *line, size_t len, struct agent_msg *m, char **cause);
void agentproto_msg_free(struct agent_msg *m);
/* Encodes msg (not stolen) as one line ending in '\n'; returns it malloc'd
 * and its length in *len, or NULL when it would exceed the line limit. */
char *agentproto_encode(json_t *msg, size_t *len, char **cause);
/* Checks a peer's hello: 0 when its major version is ours; -1 with a cause
 * naming both versions otherwise. */
int agentproto_check_hello(const struct agent_msg *m, char **cause);
/* Whether a hello lists capability cap. */
int agentproto_has_capability(const struct agent_msg *m, const char *cap);
/* Whether path is an uploaded agent's directory as the remote driver's
 * guard makes it (mktemp -d $TMPDIR/isolab-agent.XXXXXXXX): absolute, no
 * "." or ".." component, printable, ending in isolab-agent. and 8 letters
 * or digits. Both ends check it before the name goes into a command or an
 * rm -rf. */
int agentproto_updir_ok(const char *path);

/* A JSON string from bytes that need not be UTF-8: each byte that does not
 * start a valid UTF-8 sequence becomes U+FFFD. New reference. */
json_t *agentproto_string(const char *s, size_t len);
/* A process sample as the journal writes it (pid, ppid, comm, role, the
 * pidstat fields). New reference. */
json_t *agentproto_proc_to_json(const struct proc_sample *p);
/* The reverse; missing or mistyped numbers read as 0, an unknown role as
 * ROLE_GUEST. Returns -1 when o is not an object with an integer pid. */
int agentproto_proc_from_json(const json_t *o, struct proc_sample *p);

/* Splits a byte stream into protocol lines. */
struct agentproto_reader {
	char *buf;
	size_t len, cap;
	size_t start;        /* where the next line begins */
};
void agentproto_reader_init(struct agentproto_reader *r);
void agentproto_reader_free(struct agentproto_reader *r);
/* Appends data. Returns -1 (cause) when a line grows past the limit. */
int agentproto_reader_feed(struct agentproto_reader *r, const char *data, size_t len, char **cause);
/* The next complete line (without '\n'), valid until the next feed or
 * next call; returns 1, or 0 when no complete line is buffered. */
int agentproto_reader_next(struct agentproto_reader *r, const char **line, size_t *len);

#endif
