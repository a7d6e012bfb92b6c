/*
 * fuzz_remote.c — libFuzzer target for what isolab itself parses and
 * builds for SSH (engine/executor.c, engine/executor-remote.c, engine/ssh.c). Host keys, known_hosts
 * and ~/.ssh/config are libssh's to read (ssh_session_is_known_server,
 * ssh_options_parse_config); isolab parses RUNTIME@[USER@]HOST[:PORT]
 * names from the command line and quotes the remote command it runs.
 *
 * Input: NAME '\0' WORD
 *   NAME  a runtime name as `isolab run -r` takes it, resolved with
 *         executors_resolve against a configuration holding runtime
 *         native and host lab1;
 *   WORD  an argument quoted with ssh_shell_quote.
 * Properties besides the sanitizers: a refused name gives a one-line
 * cause; a resolved name is the configured runtime BASE on the executor
 * of HOST (the local one for no host or "local"); the quoted word, read back by the
 * rules of a POSIX shell, is WORD, and nothing in it is outside quotes but
 * escaped single quotes.
 */
#include "config.h"
#include "executor.h"
#include "ssh.h"
#include "util.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct config cfg;
static char tmpdir[] = "/tmp/isolab-fuzz-remote.XXXXXX";

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	if (!mkdtemp(tmpdir))
		abort();
	setenv("ISOLAB_DATADIR", tmpdir, 1);
	setenv("HOME", tmpdir, 1);
	setenv("XDG_CONFIG_HOME", tmpdir, 1);
	setenv("XDG_STATE_HOME", tmpdir, 1);
	static const char text[] =
	    "runtimes = { native = { driver = \"native\"; }; };\n"
	    "hosts = { lab1 = { address = \"192.0.2.1\"; user = \"u\"; port = 2222; }; };\n";
	struct config_text t = { .path = "/nonexistent/fuzz-remote.conf", .text = text,
		.len = sizeof text - 1 };
	char *cause = NULL;
	if (config_load_texts(&cfg, &t, 1, &cause) < 0) {
		fprintf(stderr, "fuzz_remote: %s\n", cause);
		abort();
	}
	rmdir(tmpdir);
	return 0;
}

/* Reads q as a POSIX shell reads one word: '...' literally, \' outside
 * quotes; anything else outside quotes is a failure (NULL). */
static char *unquote(const char *q)
{
	char *out = xmalloc(strlen(q) + 1), *o = out;
	for (const char *p = q; *p;) {
		if (*p == '\'') {
			const char *end = strchr(p + 1, '\'');
			if (!end) {
				free(out);
				return NULL;
			}
			memcpy(o, p + 1, (size_t)(end - p - 1));
			o += end - p - 1;
			p = end + 1;
		} else if (p[0] == '\\' && p[1] == '\'') {
			*o++ = '\'';
			p += 2;
		} else {
			free(out);
			return NULL;
		}
	}
	*o = '\0';
	return out;
}

static void check_resolved(const char *name, const struct runtime_conf *rt, const struct executor *ex)
{
	const char *at = strchr(name, '@');
	const char *host = at && at[1] && strcmp(at + 1, "local") ? at + 1 : "local";
	size_t blen = at ? (size_t)(at - name) : strlen(name);
	if (strncmp(rt->name, name, blen) || rt->name[blen] || strcmp(ex->host, host))
		abort();
	if (strcmp(ex->ops->name, strcmp(host, "local") ? "remote" : "local"))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = xmalloc(size + 1);
	memcpy(buf, data, size);
	buf[size] = '\0';
	const char *name = buf;
	size_t nlen = strlen(name);
	const char *word = nlen < size ? buf + nlen + 1 : "";

	struct executors *xs = executors_new(&cfg);
	const struct runtime_conf *rt = NULL;
	const struct executor *ex = NULL;
	char *cause = NULL;
	if (executors_resolve(xs, name, &rt, &ex, &cause) < 0) {
		if (!cause || !cause[0] || strchr(cause, '\n'))
			abort();
		free(cause);
	} else {
		check_resolved(name, rt, ex);
	}
	executors_free(xs);

	char *q = ssh_shell_quote(word);
	char *back = unquote(q);
	if (!back || strcmp(back, word))
		abort();
	free(back);
	free(q);
	free(buf);
	return 0;
}
