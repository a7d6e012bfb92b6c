/* test_remote.c — RUNTIME@HOST names (executors_resolve): what a name
 * gives, and a one-line cause for one it refuses, whatever bytes it holds. */
#include "config.h"
#include "executor.h"
#include "ssh.h"
#include "unit.h"
#include "util.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct config cfg;

static void setup(void)
{
	static char dir[] = "/tmp/test_remote.XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	setenv("ISOLAB_DATADIR", dir, 1);
	setenv("XDG_CONFIG_HOME", dir, 1);
	setenv("XDG_STATE_HOME", dir, 1);
	static const char text[] =
	    "runtimes = { native = { driver = \"native\"; }; };\n"
	    "hosts = { lab1 = { address = \"192.0.2.1\"; port = 2222; }; };\n";
	struct config_text t = { .path = "test.conf", .text = text, .len = sizeof text - 1 };
	char *cause = NULL;
	ck_assert_msg(config_load_texts(&cfg, &t, 1, &cause) == 0, "%s", cause);
	rmdir(dir);
}

static void teardown(void)
{
	config_free(&cfg);
}

/* Resolves name in a set of executors of its own; the executor's host
 * (copied) and the runtime's name, or NULL with *cause. */
static char *resolve(const char *name, const char **rt_name, char **cause)
{
	struct executors *xs = executors_new(&cfg);
	const struct runtime_conf *rt = NULL;
	const struct executor *ex = NULL;
	char *host = NULL;
	if (executors_resolve(xs, name, &rt, &ex, cause) == 0) {
		host = xasprintf("%s:%s", ex->ops->name, ex->host);
		*rt_name = rt->name;
	}
	executors_free(xs);
	return host;
}

START_TEST(test_names)
{
	const char *rt = NULL;
	char *cause = NULL;
	char *h = resolve("native@root@[::1]:22", &rt, &cause);
	ck_assert_msg(h != NULL, "%s", cause);
	ck_assert_str_eq(h, "remote:root@[::1]:22");
	ck_assert_str_eq(rt, "native");
	free(h);
	h = resolve("native@lab1", &rt, &cause);
	ck_assert_msg(h != NULL, "%s", cause);
	ck_assert_str_eq(h, "remote:lab1");
	free(h);
	h = resolve("native@local", &rt, &cause);
	ck_assert_str_eq(h, "local:local");
	free(h);
	h = resolve("native", &rt, &cause);
	ck_assert_str_eq(h, "local:local");
	free(h);
}
END_TEST

/* Found by tests/fuzz/fuzz_remote: the name was quoted back whole, so a
 * newline in it made the message two lines. */
START_TEST(test_cause_one_line)
{
	static const char *const bad[][2] = {
		{ "l\nb@11albx", "unknown runtime 'l?b' (see 'isolab list runtimes')" },
		{ "native@host:99999\n", "invalid host 'host:99999?': expected a configured host, an ssh "
		  "alias or [user@]host[:port]" },
		{ "native@[::1\x1b[2J", "invalid host '[::1?[2J': expected a configured host, an ssh "
		  "alias or [user@]host[:port]" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		const char *rt = NULL;
		char *cause = NULL;
		ck_assert_ptr_null(resolve(bad[i][0], &rt, &cause));
		ck_assert_str_eq(cause, bad[i][1]);
		free(cause);
	}
}
END_TEST

START_TEST(test_shell_quote)
{
	char *q = ssh_shell_quote("it's $(x) \"y\"");
	ck_assert_str_eq(q, "'it'\\''s $(x) \"y\"'");
	free(q);
}
END_TEST

int main(void)
{
	const TTest *const list[] = {
		test_names,
		test_cause_one_line,
		test_shell_quote,
	};
	return unit_run("remote", setup, teardown, list, ARRAY_SIZE(list));
}
