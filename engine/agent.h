/*
 * agent.h — `isolab agent`: the remote end of the remote executor.
 *
 * The local isolab starts it over an SSH channel and speaks the agent
 * protocol (docs/agent-protocol.md, agentproto.h) on its input and output.
 * The agent has no lifecycle of its own: each instance it is asked for
 * runs through instance.c and the local executor, exactly as a local
 * instance on that machine, the same drivers and the same sampler. What
 * stays with the client is everything that interprets: metric patterns,
 * readiness, the journal, the statistics. The agent relays raw output
 * lines and its sampler's rows, and forwards the workload's exit status.
 *
 * Teardown: when the input ends for any reason (the local isolab exited,
 * the link died, sshd killed the session), when the output breaks, or on a
 * signal, every instance is stopped by force and cleaned up, the agent's
 * resource journal (/run/isolab/<run-id>.agent<pid>/) is reaped and
 * removed, and so are its data directory and remove_dir (the directory an
 * uploaded agent runs from). A resource that cannot be reaped stays in the
 * resource journal for `isolab cleanup` on that host.
 *
 * It is single-threaded: one epoll loop over its input, the signal fd, a
 * 1 Hz timer and each instance's fds. It writes nothing to its output but
 * protocol lines; warnings go to opts->warn.
 *
 * This and what it uses are the whole of the static isolab-agent that
 * isolab uploads to hosts without isolab (cli/agent-main.c): it links the
 * local executor and the drivers, never the remote executor or libssh.
 */
#ifndef ISOLAB_AGENT_H
#define ISOLAB_AGENT_H

struct agent_opts {
	int in_fd, out_fd;           /* the protocol's two directions */
	int signal_fd;               /* readable when the agent must end (a signalfd), or -1 */
	const char *remove_dir;      /* removed at the end, or NULL */
	void (*warn)(const char *msg); /* a teardown that did not go through, or NULL */
};

/* Serves the protocol until the input ends, the output breaks or a signal
 * comes, then tears everything down. 0, or -1 with a cause when it could
 * not start. */
int agent_serve(const struct agent_opts *o, char **cause);

#endif
