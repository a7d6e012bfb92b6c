/*
 * test_httpunix.c — the HTTP/1.1-over-unix-socket client against a
 * scripted server (fakehttp.h): the request line, headers and body it
 * sends; 204, 200 and 400 answers (a Firecracker-style fault_message),
 * answers in pieces, bodies to EOF; and every way it must fail: no
 * server, no answer within the timeout, a connection closed inside the
 * answer, a malformed head.
 */
#include "config.h"
#include "fakehttp.h"
#include "httpunix.h"
#include "unit.h"
#include "util.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char tmpdir[] = "/tmp/isolab-test-http.XXXXXX";
static char *sock;

static void setup(void)
{
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	sock = xasprintf("%s/api.sock", tmpdir);
}

static void teardown(void)
{
	rm_rf(tmpdir);
	strcpy(tmpdir, "/tmp/isolab-test-http.XXXXXX");
	free(sock);
}

static char *request(size_t i)
{
	char *p = xasprintf("%s/req.%zu", tmpdir, i);
	char *s = read_file(p, NULL);
	free(p);
	return s;
}

START_TEST(put_with_body_204)
{
	const char *replies[] = { "HTTP/1.1 204 No Content\r\nServer: Firecracker API\r\n\r\n" };
	pid_t srv = fake_serve(sock, tmpdir, replies, 1);
	ck_assert_int_gt(srv, 0);
	struct http_response r;
	char *cause = NULL;
	const char *body = "{\"action_type\":\"InstanceStart\"}";
	int rc = httpunix_request(sock, "PUT", "/actions", body, 2000, &r, &cause);
	ck_assert_msg(rc == 0, "%s", cause ? cause : "");
	ck_assert_int_eq(r.status, 204);
	ck_assert_str_eq(r.reason, "No Content");
	ck_assert_ptr_null(r.body);
	ck_assert_str_eq(httpunix_header(&r, "server"), "Firecracker API");
	httpunix_free(&r);
	fake_stop(srv);
	char *req = request(0);
	ck_assert_ptr_nonnull(req);
	ck_assert_msg(!strncmp(req, "PUT /actions HTTP/1.1\r\n", 23), "request line: %.40s", req);
	char *cl = xasprintf("\r\nContent-Length: %zu\r\n", strlen(body));
	ck_assert_ptr_nonnull(strstr(req, cl));
	ck_assert_ptr_nonnull(strstr(req, "\r\nContent-Type: application/json\r\n"));
	ck_assert_ptr_nonnull(strstr(req, "\r\nHost: localhost\r\n"));
	char *end = strstr(req, "\r\n\r\n");
	ck_assert_ptr_nonnull(end);
	ck_assert_str_eq(end + 4, body);
	free(cl);
	free(req);
}
END_TEST

START_TEST(get_200_in_pieces)
{
	const char *replies[] = { "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\x01"
				  "content-length: 39\r\n\r\n{\"state\":\"Not started\",\x01\"app_name\":\"fc\"}" };
	pid_t srv = fake_serve(sock, tmpdir, replies, 1);
	struct http_response r;
	char *cause = NULL;
	int rc = httpunix_request(sock, "GET", "/", NULL, 2000, &r, &cause);
	ck_assert_msg(rc == 0, "%s", cause ? cause : "");
	ck_assert_int_eq(r.status, 200);
	ck_assert_uint_eq(r.body_len, 39);
	ck_assert_str_eq(r.body, "{\"state\":\"Not started\",\"app_name\":\"fc\"}");
	ck_assert_str_eq(httpunix_header(&r, "Content-Length"), "39");
	ck_assert_ptr_null(httpunix_header(&r, "X-Missing"));
	httpunix_free(&r);
	fake_stop(srv);
	char *req = request(0);
	ck_assert_msg(!strncmp(req, "GET / HTTP/1.1\r\n", 16), "%.30s", req);
	ck_assert_ptr_null(strstr(req, "Content-Length"));
	free(req);
}
END_TEST

START_TEST(status_400_fault_message)
{
	const char *replies[] = { "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: 54\r\n\r\n"
				  "{\"fault_message\":\"Invalid kernel path: /nonexistent.\"}" };
	pid_t srv = fake_serve(sock, tmpdir, replies, 1);
	struct http_response r;
	char *cause = NULL;
	/* An HTTP error is an answer, not a client failure. */
	ck_assert_int_eq(httpunix_request(sock, "PUT", "/boot-source", "{}", 2000, &r, &cause), 0);
	ck_assert_int_eq(r.status, 400);
	ck_assert_str_eq(r.reason, "Bad Request");
	ck_assert_ptr_nonnull(strstr(r.body, "Invalid kernel path"));
	httpunix_free(&r);
	fake_stop(srv);
}
END_TEST

START_TEST(body_to_eof)
{
	const char *replies[] = { "HTTP/1.1 200 OK\r\n\r\nno length, ends at close" };
	pid_t srv = fake_serve(sock, tmpdir, replies, 1);
	struct http_response r;
	char *cause = NULL;
	ck_assert_int_eq(httpunix_request(sock, "GET", "/version", NULL, 2000, &r, &cause), 0);
	ck_assert_str_eq(r.body, "no length, ends at close");
	httpunix_free(&r);
	fake_stop(srv);
}
END_TEST

START_TEST(timeout_bounded)
{
	const char *replies[] = { NULL };
	pid_t srv = fake_serve(sock, tmpdir, replies, 1);
	struct http_response r;
	char *cause = NULL;
	uint64_t t0 = mono_ns();
	ck_assert_int_eq(httpunix_request(sock, "PUT", "/actions", "{}", 300, &r, &cause), -1);
	double ms = (double)(mono_ns() - t0) / 1e6;
	ck_assert_msg(ms >= 250 && ms < 2000, "gave up after %.0f ms (timeout 300)", ms);
	ck_assert_ptr_nonnull(strstr(cause, "timeout"));
	free(cause);
	httpunix_free(&r);
	fake_stop(srv);
}
END_TEST

START_TEST(closed_inside_body)
{
	const char *replies[] = { "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort" };
	pid_t srv = fake_serve(sock, tmpdir, replies, 1);
	struct http_response r;
	char *cause = NULL;
	ck_assert_int_eq(httpunix_request(sock, "GET", "/", NULL, 2000, &r, &cause), -1);
	ck_assert_msg(strstr(cause, "5 of 100"), "%s", cause);
	free(cause);
	httpunix_free(&r);
	fake_stop(srv);
}
END_TEST

START_TEST(closed_without_answer)
{
	const char *replies[] = { "" };
	pid_t srv = fake_serve(sock, tmpdir, replies, 1);
	struct http_response r;
	char *cause = NULL;
	ck_assert_int_eq(httpunix_request(sock, "GET", "/", NULL, 2000, &r, &cause), -1);
	ck_assert_msg(strstr(cause, "without answering"), "%s", cause);
	free(cause);
	httpunix_free(&r);
	fake_stop(srv);
}
END_TEST

START_TEST(no_server)
{
	struct http_response r;
	char *cause = NULL;
	ck_assert_int_eq(httpunix_request(sock, "GET", "/", NULL, 500, &r, &cause), -1);
	ck_assert_msg(strstr(cause, "connect") && strstr(cause, "api.sock"), "%s", cause);
	free(cause);
	httpunix_free(&r);
}
END_TEST

START_TEST(bad_heads)
{
	static const char *const bad[] = { "HTTP/2 200 OK", "HTTP/1.1 20 OK", "SSH-2.0-OpenSSH", "HTTP/1.1 200OK",
		"HTTP/1.1 200 OK\r\nno colon here", "HTTP/1.1 200 OK\r\n folded: header" };
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct http_response r = { 0 };
		char *cause = NULL;
		ck_assert_msg(httpunix_parse_head(bad[i], strlen(bad[i]), &r, &cause) == -1, "accepted '%s'", bad[i]);
		ck_assert_ptr_nonnull(cause);
		free(cause);
		httpunix_free(&r);
	}
	struct http_response r = { 0 };
	const char *good = "HTTP/1.0 204 \r\nA:  spaced value  \r\nB:";
	ck_assert_int_eq(httpunix_parse_head(good, strlen(good), &r, NULL), 0);
	ck_assert_int_eq(r.status, 204);
	ck_assert_str_eq(r.reason, "");
	ck_assert_str_eq(httpunix_header(&r, "a"), "spaced value");
	ck_assert_str_eq(httpunix_header(&r, "B"), "");
	httpunix_free(&r);
}
END_TEST

START_TEST(chunked_refused)
{
	const char *replies[] = { "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n" };
	pid_t srv = fake_serve(sock, tmpdir, replies, 1);
	struct http_response r;
	char *cause = NULL;
	ck_assert_int_eq(httpunix_request(sock, "GET", "/", NULL, 2000, &r, &cause), -1);
	ck_assert_msg(strstr(cause, "chunked"), "%s", cause);
	free(cause);
	httpunix_free(&r);
	fake_stop(srv);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("httpunix");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, put_with_body_204);
	tcase_add_test(tc, get_200_in_pieces);
	tcase_add_test(tc, status_400_fault_message);
	tcase_add_test(tc, body_to_eof);
	tcase_add_test(tc, timeout_bounded);
	tcase_add_test(tc, closed_inside_body);
	tcase_add_test(tc, closed_without_answer);
	tcase_add_test(tc, no_server);
	tcase_add_test(tc, bad_heads);
	tcase_add_test(tc, chunked_refused);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run_suite(suite());
}
