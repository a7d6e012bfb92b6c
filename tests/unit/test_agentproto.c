/* test_agentproto.c — the agent protocol's framing, versioning and its
 * refusal of malformed input (base/agentproto.c). */
#include "agentproto.h"
#include "unit.h"
#include "util.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

static int decode_str(const char *s, struct agent_msg *m, char **cause)
{
	return agentproto_decode(s, strlen(s), m, cause);
}

/* Decoding must fail and say something containing want. */
static void expect_bad(const char *line, const char *want)
{
	struct agent_msg m;
	char *cause = NULL;
	ck_assert_msg(decode_str(line, &m, &cause) < 0, "accepted: %s", line);
	ck_assert_ptr_nonnull(cause);
	ck_assert_msg(strstr(cause, want), "cause '%s' lacks '%s'", cause, want);
	ck_assert_ptr_null(strchr(cause, '\n'));
	free(cause);
}

START_TEST(test_hello_versions)
{
	struct agent_msg m;
	char *cause = NULL;
	ck_assert_int_eq(decode_str("{\"type\":\"hello\",\"proto\":1,\"capabilities\":[\"ping\",\"samples\"]}\n",
	    &m, &cause), 0);
	ck_assert_int_eq(m.type, AGENT_MSG_HELLO);
	ck_assert_int_eq(agentproto_check_hello(&m, &cause), 0);
	ck_assert(agentproto_has_capability(&m, "ping"));
	ck_assert(!agentproto_has_capability(&m, "teleport"));
	agentproto_msg_free(&m);

	ck_assert_int_eq(decode_str("{\"type\":\"hello\",\"proto\":2}", &m, &cause), 0);
	ck_assert_int_eq(agentproto_check_hello(&m, &cause), -1);
	ck_assert_ptr_nonnull(strstr(cause, "version 2"));
	ck_assert_ptr_nonnull(strstr(cause, "version 1"));
	free(cause);
	cause = NULL;
	agentproto_msg_free(&m);

	/* A hello that is not one is not a version match. */
	ck_assert_int_eq(decode_str("{\"type\":\"pong\",\"seq\":1}", &m, &cause), 0);
	ck_assert_int_eq(agentproto_check_hello(&m, &cause), -1);
	free(cause);
	agentproto_msg_free(&m);
}
END_TEST

START_TEST(test_malformed)
{
	expect_bad("", "not JSON");
	expect_bad("{\"type\":\"hello\",\"proto\":1", "not JSON");
	expect_bad("[1,2]", "JSON object");
	expect_bad("{\"proto\":1}", "\"type\"");
	expect_bad("{\"type\":7}", "\"type\"");
	expect_bad("{\"type\":\"reboot\"}", "unknown message type 'reboot'");
	expect_bad("{\"type\":\"hello\"}", "\"proto\" must be an integer");
	expect_bad("{\"type\":\"hello\",\"proto\":\"1\"}", "\"proto\" must be an integer");
	expect_bad("{\"type\":\"launch\",\"argv\":[\"a\"]}", "\"id\"");
	expect_bad("{\"type\":\"launch\",\"id\":-1,\"argv\":[\"a\"]}", "\"id\"");
	expect_bad("{\"type\":\"launch\",\"id\":4294967296,\"argv\":[\"a\"]}", "\"id\"");
	expect_bad("{\"type\":\"launch\",\"id\":1,\"argv\":[]}", "must not be empty");
	expect_bad("{\"type\":\"launch\",\"id\":1,\"argv\":[\"a\",2]}", "argv[1]");
	expect_bad("{\"type\":\"launch\",\"id\":1,\"argv\":[\"a\\u0000b\"]}", "u0000"); /* jansson refuses NUL */
	expect_bad("{\"type\":\"stop\",\"id\":1,\"force\":1}", "\"force\" must be true or false");
	expect_bad("{\"type\":\"probe\",\"runtime\":{\"name\":\"x\"}}", "\"driver\"");
	expect_bad("{\"type\":\"prepare\",\"id\":1,\"run_id\":\"r\",\"runtime\":{\"name\":\"x\",\"driver\":\"native\","
	    "\"options\":{\"k\":1}}}", "option values must be strings");
	/* One meaning per field. */
	expect_bad("{\"type\":\"exit\",\"id\":1,\"status\":0,\"status\":9}", "not JSON");
	/* Control bytes in an unknown type do not reach the message. */
	struct agent_msg m;
	char *cause = NULL;
	ck_assert_int_eq(decode_str("{\"type\":\"a\\nb\"}", &m, &cause), -1);
	ck_assert_ptr_null(strchr(cause, '\n'));
	free(cause);
}
END_TEST

START_TEST(test_valid_messages)
{
	static const char *const ok[] = {
		"{\"type\":\"list\"}",
		"{\"type\":\"runtimes\",\"drivers\":[]}",
		"{\"type\":\"status\",\"available\":false,\"reason\":\"no\"}",
		"{\"type\":\"prepare\",\"id\":3,\"run_id\":\"r\",\"runtime\":{\"name\":\"n\",\"driver\":\"native\"}}",
		"{\"type\":\"launched\",\"id\":3,\"pid\":42}",
		"{\"type\":\"output\",\"id\":3,\"line\":\"rate=1\"}",
		"{\"type\":\"sample\",\"id\":3,\"t\":1.5,\"procs\":[]}",
		"{\"type\":\"exit\",\"id\":3,\"status\":0}",
		"{\"type\":\"cleanup\",\"id\":3}",
		"{\"type\":\"ok\",\"op\":\"cleanup\",\"id\":3}",
		"{\"type\":\"error\",\"op\":\"launch\",\"id\":null,\"msg\":\"x\"}",
		"{\"type\":\"ping\",\"seq\":9,\"future_field\":{\"x\":1}}",
	};
	for (size_t i = 0; i < ARRAY_SIZE(ok); i++) {
		struct agent_msg m;
		char *cause = NULL;
		ck_assert_msg(decode_str(ok[i], &m, &cause) == 0, "%s: %s", ok[i], cause ? cause : "");
		ck_assert_str_eq(agentproto_type_name(m.type), json_string_value(json_object_get(m.json, "type")));
		agentproto_msg_free(&m);
	}
	struct agent_msg m;
	ck_assert_int_eq(decode_str("{\"type\":\"exit\",\"id\":7,\"status\":256}", &m, NULL), 0);
	ck_assert_int_eq(m.id, 7);
	agentproto_msg_free(&m);
}
END_TEST

START_TEST(test_encode_framing)
{
	json_t *o = json_pack("{s:s, s:i, s:s}", "type", "output", "id", 1, "line", "a\nb\r\"c\"");
	size_t len = 0;
	char *line = agentproto_encode(o, &len, NULL);
	json_decref(o);
	ck_assert_ptr_nonnull(line);
	ck_assert_uint_eq(len, strlen(line));
	ck_assert_int_eq(line[len - 1], '\n');
	ck_assert_ptr_eq(strchr(line, '\n'), line + len - 1); /* the only newline */
	struct agent_msg m;
	ck_assert_int_eq(agentproto_decode(line, len, &m, NULL), 0);
	ck_assert_str_eq(json_string_value(json_object_get(m.json, "line")), "a\nb\r\"c\"");
	agentproto_msg_free(&m);
	free(line);

	/* Past the line limit: refused on both ends. */
	char *big = xmalloc(AGENTPROTO_MAX_LINE + 1);
	memset(big, 'x', AGENTPROTO_MAX_LINE);
	big[AGENTPROTO_MAX_LINE] = '\0';
	o = json_pack("{s:s, s:i, s:s}", "type", "output", "id", 1, "line", big);
	char *cause = NULL;
	ck_assert_ptr_null(agentproto_encode(o, &len, &cause));
	ck_assert_ptr_nonnull(strstr(cause, "limit"));
	free(cause);
	cause = NULL;
	json_decref(o);
	ck_assert_int_eq(agentproto_decode(big, AGENTPROTO_MAX_LINE, &m, &cause), -1);
	ck_assert_ptr_nonnull(strstr(cause, "limit"));
	free(cause);
	free(big);
}
END_TEST

START_TEST(test_reader)
{
	struct agentproto_reader r;
	agentproto_reader_init(&r);
	const char *stream = "{\"type\":\"list\"}\n{\"type\":\"ping\",\"seq\":1}\n{\"type\":\"pi";
	const char *line;
	size_t len;
	/* Byte by byte: lines come out whole whatever the chunking. */
	int seen = 0;
	for (const char *p = stream; *p; p++) {
		ck_assert_int_eq(agentproto_reader_feed(&r, p, 1, NULL), 0);
		while (agentproto_reader_next(&r, &line, &len)) {
			struct agent_msg m;
			ck_assert_int_eq(agentproto_decode(line, len, &m, NULL), 0);
			ck_assert_int_eq(m.type, seen == 0 ? AGENT_MSG_LIST : AGENT_MSG_PING);
			agentproto_msg_free(&m);
			seen++;
		}
	}
	ck_assert_int_eq(seen, 2);
	ck_assert_int_eq(agentproto_reader_next(&r, &line, &len), 0); /* the cut-off tail stays */
	ck_assert_int_eq(agentproto_reader_feed(&r, "ng\",\"seq\":2}\n", 13, NULL), 0);
	ck_assert_int_eq(agentproto_reader_next(&r, &line, &len), 1);
	ck_assert_int_eq((int)len, (int)strlen("{\"type\":\"ping\",\"seq\":2}"));
	agentproto_reader_free(&r);

	/* A line that never ends is an error, not unbounded memory. */
	agentproto_reader_init(&r);
	char *chunk = xmalloc(65536);
	memset(chunk, 'a', 65536);
	int rc = 0;
	char *cause = NULL;
	for (int i = 0; i < 17 && rc == 0; i++)
		rc = agentproto_reader_feed(&r, chunk, 65536, &cause);
	ck_assert_int_eq(rc, -1);
	ck_assert_ptr_nonnull(strstr(cause, "longer than"));
	free(cause);
	free(chunk);
	agentproto_reader_free(&r);
}
END_TEST

START_TEST(test_string_utf8)
{
	json_t *j = agentproto_string("ok \xc3\xa9 \xff\xfe end\xe2\x82", 15);
	ck_assert_ptr_nonnull(j);
	const char *s = json_string_value(j);
	ck_assert_ptr_nonnull(strstr(s, "\xc3\xa9"));           /* valid é kept */
	ck_assert_ptr_nonnull(strstr(s, "\xef\xbf\xbd\xef\xbf\xbd")); /* two bad bytes */
	ck_assert_ptr_nonnull(strstr(s, "end\xef\xbf\xbd"));     /* cut sequence */
	json_decref(j);
	/* Overlong encodings and surrogates are not UTF-8 either. */
	j = agentproto_string("\xc0\xaf\xed\xa0\x80", 5);
	ck_assert_ptr_null(strchr(json_string_value(j), '/'));
	json_decref(j);
}
END_TEST

START_TEST(test_proc_roundtrip)
{
	struct proc_sample p = { .pid = 123, .ppid = 1, .role = ROLE_RUNTIME, .usr = 12.5, .cpu = 50,
		.rss_kb = 4096, .threads = 3, .cswch_s = 7, .kb_rd_s = -1 };
	snprintf(p.comm, sizeof p.comm, "exe");
	snprintf(p.name, sizeof p.name, "sentry");
	json_t *o = agentproto_proc_to_json(&p);
	struct proc_sample q;
	ck_assert_int_eq(agentproto_proc_from_json(o, &q), 0);
	json_decref(o);
	ck_assert_int_eq(q.pid, 123);
	ck_assert_int_eq(q.role, ROLE_RUNTIME);
	ck_assert_str_eq(q.comm, "exe");
	/* the component's name crosses to the host, as the local sampler gives it */
	ck_assert_str_eq(q.name, "sentry");
	ck_assert_int_eq(q.has_vcpu, 0);
	/* a VMM's vCPU threads' part crosses too, never more than the whole */
	p.has_vcpu = 1;
	p.vcpu_cpu = 30;
	o = agentproto_proc_to_json(&p);
	ck_assert_int_eq(agentproto_proc_from_json(o, &q), 0);
	ck_assert(q.has_vcpu == 1 && q.vcpu_cpu == 30);
	json_object_set_new(o, "vcpu_cpu", json_real(51));
	ck_assert_int_eq(agentproto_proc_from_json(o, &q), 0);
	ck_assert_int_eq(q.has_vcpu, 0);
	json_decref(o);
	p.has_vcpu = 0;
	p.name[0] = '\0';
	o = agentproto_proc_to_json(&p);
	ck_assert_ptr_null(json_object_get(o, "name"));
	ck_assert_int_eq(agentproto_proc_from_json(o, &q), 0);
	ck_assert_str_eq(q.name, "");
	json_decref(o);
	ck_assert(q.usr == 12.5 && q.cpu == 50 && q.kb_rd_s == -1);
	ck_assert_uint_eq(q.rss_kb, 4096);
	ck_assert_uint_eq(q.threads, 3);
	/* Unknown roles become guest rows, mistyped numbers 0, no pid is an error. */
	json_t *odd = json_pack("{s:i, s:s, s:s, s:s}", "pid", 5, "role", "wizard", "cpu", "lots", "comm",
	    "a-very-long-command-name-that-does-not-fit");
	ck_assert_int_eq(agentproto_proc_from_json(odd, &q), 0);
	ck_assert_int_eq(q.role, ROLE_GUEST);
	ck_assert(q.cpu == 0);
	ck_assert_uint_eq(strlen(q.comm), sizeof q.comm - 1);
	ck_assert_str_eq(q.name, ""); /* none given */
	json_decref(odd);
	json_t *nopid = json_pack("{s:s}", "comm", "x");
	ck_assert_int_eq(agentproto_proc_from_json(nopid, &q), -1);
	json_decref(nopid);
}
END_TEST

/* Found by fuzz_agentproto: numbers outside int's range in integer
 * fields (a double converted to int out of range is undefined). They, and
 * a pid that is no pid, read as 0 or an error, never as garbage. */
START_TEST(test_proc_out_of_range)
{
	struct proc_sample q;
	json_t *o = json_pack("{s:i, s:f, s:f, s:I}", "pid", 42, "ppid", 2e13, "cpu_num", -1e300,
	    "threads", (json_int_t)1 << 40);
	ck_assert_int_eq(agentproto_proc_from_json(o, &q), 0);
	ck_assert_int_eq(q.pid, 42);
	ck_assert_int_eq(q.ppid, 0);
	ck_assert_int_eq(q.cpu_num, 0);
	ck_assert_uint_eq(q.threads, 0);
	json_decref(o);
	json_t *big = json_pack("{s:I}", "pid", (json_int_t)1 << 40);
	ck_assert_int_eq(agentproto_proc_from_json(big, &q), -1);
	json_decref(big);
	json_t *neg = json_pack("{s:i}", "pid", -7);
	ck_assert_int_eq(agentproto_proc_from_json(neg, &q), -1);
	json_decref(neg);
}
END_TEST

/* The uploaded agent's directory: what the guard's mktemp makes under any
 * $TMPDIR, and nothing an rm -rf or a command line should be given. */
START_TEST(test_updir)
{
	ck_assert(agentproto_updir_ok("/tmp/isolab-agent.aZ09bY8x"));
	ck_assert(agentproto_updir_ok("/var/tmp/x y/isolab-agent.ABCDEFGH"));
	ck_assert(agentproto_updir_ok("/tmp//isolab-agent.ABCDEFGH"));
	ck_assert(!agentproto_updir_ok("tmp/isolab-agent.aZ09bY8x"));       /* relative */
	ck_assert(!agentproto_updir_ok("/tmp/isolab-agent.aZ09bY8"));       /* 7 */
	ck_assert(!agentproto_updir_ok("/tmp/isolab-agent.aZ09bY8xy"));     /* 9 */
	ck_assert(!agentproto_updir_ok("/tmp/isolab-agent.aZ09-Y8x"));
	ck_assert(!agentproto_updir_ok("/tmp/isolab-agent.XXXXXXXX/.."));
	ck_assert(!agentproto_updir_ok("/tmp/../isolab-agent.aZ09bY8x"));
	ck_assert(!agentproto_updir_ok("/tmp/./isolab-agent.aZ09bY8x"));
	ck_assert(!agentproto_updir_ok("/tmp\n/isolab-agent.aZ09bY8x"));
	ck_assert(!agentproto_updir_ok("/"));
	ck_assert(!agentproto_updir_ok(""));
	ck_assert(!agentproto_updir_ok("/tmp/isolab-agent."));
	ck_assert(!agentproto_updir_ok("/home/isolab-agent.aZ09bY8x/etc"));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("agentproto");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_hello_versions);
	tcase_add_test(tc, test_malformed);
	tcase_add_test(tc, test_valid_messages);
	tcase_add_test(tc, test_encode_framing);
	tcase_add_test(tc, test_reader);
	tcase_add_test(tc, test_string_utf8);
	tcase_add_test(tc, test_proc_roundtrip);
	tcase_add_test(tc, test_proc_out_of_range);
	tcase_add_test(tc, test_updir);
	suite_add_tcase(s, tc);
	return unit_run_suite(s);
}
