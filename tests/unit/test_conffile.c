/* test_conffile.c — libconfig files read without trusting them: bytes
 * libconfig cannot scan, isolab's own @include (relative, no loops, regular
 * files only, bounded depth), the syntax checked before libconfig with the
 * file and line, and settings that keep the file and line they were
 * written at. Valid text parses exactly as libconfig alone parses it. */
#include "conffile.h"
#include "unit.h"
#include "util.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char tmpdir[64];

static void setup(void)
{
	strcpy(tmpdir, "/tmp/test_conffile.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void teardown(void)
{
	rm_rf(tmpdir);
}

/* Writes len bytes (strlen when len is 0) to tmpdir/name; returns the path. */
static char *put(const char *name, const char *text, size_t len)
{
	char *path = xasprintf("%s/%s", tmpdir, name);
	_cleanup_free_ char *dir = xstrdup(path);
	*strrchr(dir, '/') = '\0';
	ck_assert_int_eq(mkdir_p(dir, 0700), 0);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	if (!len)
		len = strlen(text);
	ck_assert_uint_eq(fwrite(text, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
	return path;
}

/* Reads path and expects the error "<file>:<what>", file relative to tmpdir. */
static void want_error(const char *path, const char *file, const char *what)
{
	config_t lc;
	char *cause = NULL;
	config_init(&lc);
	struct conffile *cf = conffile_read(&lc, path, NULL, 0, &cause);
	config_destroy(&lc);
	ck_assert_msg(cf == NULL, "%s: read without error", path);
	_cleanup_free_ char *want = xasprintf("%s/%s:%s", tmpdir, file, what);
	ck_assert_str_eq(cause, want);
	ck_assert_ptr_null(strchr(cause, '\n'));
	free(cause);
}

static void want_text_error(const char *text, const char *what)
{
	_cleanup_free_ char *path = put("t.conf", text, 0);
	want_error(path, "t.conf", what);
}

/* The issue's input: "@include \"" then NUL bytes then a file name made
 * libconfig's scanner call exit() ("input in flex scanner failed"). */
START_TEST(test_include_nul)
{
	const char *top = getenv("top_srcdir");
	_cleanup_free_ char *path = xasprintf("%s/tests/data/config/include-nul.conf", top ? top : ".");
	config_t lc;
	char *cause = NULL;
	config_init(&lc);
	ck_assert_ptr_null(conffile_read(&lc, path, NULL, 0, &cause));
	config_destroy(&lc);
	_cleanup_free_ char *want = xasprintf("%s:2: a NUL byte: a configuration file is text", path);
	ck_assert_str_eq(cause, want);
	free(cause);
}
END_TEST

/* The same exit, without a NUL: an @include of a directory. */
START_TEST(test_include_not_regular)
{
	_cleanup_free_ char *sub = xasprintf("%s/sub", tmpdir);
	ck_assert_int_eq(mkdir(sub, 0700), 0);
	want_text_error("a = 1;\n@include \"\"\n", "2: @include: expected a file name, got \"\"");
	_cleanup_free_ char *w = xasprintf("1: @include \"sub\": %s/sub is not a regular file", tmpdir);
	want_text_error("@include \"sub\"\n", w);
	_cleanup_free_ char *w2 = xasprintf("1: @include \".\": %s/. is not a regular file", tmpdir);
	want_text_error("@include \".\"\n", w2);
	/* A FIFO is refused without blocking on its open. */
	_cleanup_free_ char *fifo = xasprintf("%s/fifo", tmpdir);
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	_cleanup_free_ char *w3 = xasprintf("1: @include \"fifo\": %s is not a regular file", fifo);
	want_text_error("@include \"fifo\"\n", w3);
	want_text_error("@include \"/dev/zero\"\n",
	    "1: @include \"/dev/zero\": /dev/zero is not a regular file");
	_cleanup_free_ char *w4 = xasprintf("1: @include \"nope.conf\": cannot open %s/nope.conf: "
	    "No such file or directory", tmpdir);
	want_text_error("@include \"nope.conf\"\n", w4);
}
END_TEST

START_TEST(test_bytes)
{
	want_text_error("a = 1;\nb = \"\xff\";\n", "2: invalid UTF-8 (byte 0xff): a configuration "
	    "file is UTF-8 text");
	want_text_error("a = \"\xc0\xaf\";\n", "1: invalid UTF-8 (byte 0xc0): a configuration "
	    "file is UTF-8 text");                   /* overlong '/' */
	want_text_error("a = \"\xed\xa0\x80\";\n", "1: invalid UTF-8 (byte 0xed): a configuration "
	    "file is UTF-8 text");                   /* a surrogate */
	_cleanup_free_ char *p = put("nul.conf", "a = 1;\n\nb = \"x\0y\";\n", 20);
	want_error(p, "nul.conf", "3: a NUL byte: a configuration file is text");

	/* Valid UTF-8 in strings and comments is fine. */
	_cleanup_free_ char *ok = put("ok.conf", "# π ≈ 3.14\nname = \"Grüße, 世界 🙂\";\n", 0);
	config_t lc;
	char *cause = NULL;
	config_init(&lc);
	struct conffile *cf = conffile_read(&lc, ok, NULL, 0, &cause);
	ck_assert_msg(cf != NULL, "%s", cause);
	const char *v = NULL;
	ck_assert(config_lookup_string(&lc, "name", &v));
	ck_assert_str_eq(v, "Grüße, 世界 🙂");
	config_destroy(&lc);
	conffile_free(cf);
}
END_TEST

/* Reads path (or text) and returns the handle; lc stays for the caller. */
static struct conffile *read_ok(config_t *lc, const char *path, const char *text)
{
	char *cause = NULL;
	config_init(lc);
	struct conffile *cf = conffile_read(lc, path, text, text ? strlen(text) : 0, &cause);
	ck_assert_msg(cf != NULL, "%s", cause ? cause : "?");
	return cf;
}

static void want_at(config_t *lc, const char *setting, const char *file, unsigned line)
{
	config_setting_t *s = config_lookup(lc, setting);
	ck_assert_msg(s != NULL, "no setting %s", setting);
	_cleanup_free_ char *want = xasprintf("%s/%s", tmpdir, file);
	ck_assert_str_eq(config_setting_source_file(s), want);
	ck_assert_uint_eq(config_setting_source_line(s), line);
}

START_TEST(test_include_lines)
{
	/* Relative to the including file's directory, not to the cwd; nested;
	 * a comment after the name; settings keep their own file and line. */
	_cleanup_free_ char *c = put("d/e/c.conf", "\n\nc = 3;", 0);
	_cleanup_free_ char *b = put("d/b.conf", "b1 = 1;\n@include \"e/c.conf\"  # c\nb2 = {\n  x = 2; };\n", 0);
	_cleanup_free_ char *a = put("a.conf", "a1 = 1;\n  @include \"d/b.conf\"\na2 = [ 1,\n 2 ];\n"
	    "g = {\n@include \"d/e/c.conf\" // again\n};\nlast = \"z\";\n", 0);
	config_t lc;
	struct conffile *cf = read_ok(&lc, a, NULL);
	want_at(&lc, "a1", "a.conf", 1);
	want_at(&lc, "b1", "d/b.conf", 1);
	want_at(&lc, "c", "d/e/c.conf", 3);
	want_at(&lc, "b2", "d/b.conf", 3);
	want_at(&lc, "b2.x", "d/b.conf", 4);
	want_at(&lc, "a2", "a.conf", 3);
	want_at(&lc, "g", "a.conf", 5);
	want_at(&lc, "g.c", "d/e/c.conf", 3);
	want_at(&lc, "last", "a.conf", 8);
	config_destroy(&lc);
	conffile_free(cf);

	/* A setting read twice is a duplicate, named where it was written. */
	_cleanup_free_ char *dup = put("dup.conf", "@include \"d/e/c.conf\"\n@include \"d/e/c.conf\"\n", 0);
	want_error(dup, "d/e/c.conf", "3: duplicate setting name");

	/* An absolute name; a name with escaped quote and backslash. */
	_cleanup_free_ char *q = put("q\"\\.conf", "q = 1;\n", 0);
	_cleanup_free_ char *t = xasprintf("@include \"%s\"\n@include \"q\\\"\\\\.conf\"\n", c);
	cf = read_ok(&lc, a, t);
	want_at(&lc, "c", "d/e/c.conf", 3);
	ck_assert_ptr_nonnull(config_lookup(&lc, "q"));
	config_destroy(&lc);
	conffile_free(cf);

	/* An error in an included file names that file and its line. */
	free(put("bad.conf", "x = 1;\ny = ;\n", 0));
	_cleanup_free_ char *inc = put("inc.conf", "ok = 1;\n@include \"bad.conf\"\n", 0);
	want_error(inc, "bad.conf", "2: syntax error: expected a value, got ';'");
}
END_TEST

START_TEST(test_include_loops_and_depth)
{
	_cleanup_free_ char *a = put("a.conf", "a = 1;\n@include \"b.conf\"\n", 0);
	free(put("b.conf", "\n@include \"a.conf\"\n", 0));
	_cleanup_free_ char *w = xasprintf("2: @include \"a.conf\": a loop: %s/a.conf is already "
	    "being read", tmpdir);
	want_error(a, "b.conf", w);
	_cleanup_free_ char *self = put("self.conf", "@include \"self.conf\"\n", 0);
	_cleanup_free_ char *w2 = xasprintf("1: @include \"self.conf\": a loop: %s/self.conf is "
	    "already being read", tmpdir);
	want_error(self, "self.conf", w2);

	/* The same file twice side by side is no loop. */
	free(put("x.conf", "x = 1;\n", 0));
	free(put("y.conf", "@include \"x.conf\"\n", 0));
	_cleanup_free_ char *twice = put("twice.conf", "g1 = {\n@include \"y.conf\"\n};\ng2 = {\n"
	    "@include \"y.conf\"\n};\n", 0);
	config_t lc;
	struct conffile *cf = read_ok(&lc, twice, NULL);
	want_at(&lc, "g2.x", "x.conf", 1);
	config_destroy(&lc);
	conffile_free(cf);

	/* Ten files deep is fine, eleven is not. */
	for (int i = 0; i < 12; i++) {
		_cleanup_free_ char *name = xasprintf("n%d.conf", i);
		_cleanup_free_ char *text = xasprintf("v%d = %d;\n@include \"n%d.conf\"\n", i, i, i + 1);
		free(put(name, text, 0));
	}
	free(put("n10.conf", "v10 = 10;\n", 0));
	_cleanup_free_ char *n0 = xasprintf("%s/n0.conf", tmpdir);
	cf = read_ok(&lc, n0, NULL);
	ck_assert_ptr_nonnull(config_lookup(&lc, "v10"));
	config_destroy(&lc);
	conffile_free(cf);
	free(put("n10.conf", "v10 = 10;\n@include \"n11.conf\"\n", 0));
	want_error(n0, "n10.conf", "2: @include \"n11.conf\": nested deeper than 10 files");
}
END_TEST

START_TEST(test_include_line_rules)
{
	free(put("x.conf", "x = 1;\n", 0));
	want_text_error("@include \"x.conf\" y = 2;\n",
	    "1: @include \"x.conf\": expected the end of the line after the file name");
	want_text_error("@include \"x.conf\" /* c */\n",
	    "1: @include \"x.conf\": expected the end of the line after the file name");
	want_text_error("@include \"x.c\\onf\"\n",
	    "1: @include: only \\\\ and \\\" may follow a backslash in a file name");
	want_text_error("@include \"x.conf\n\"\n",
	    "1: @include: expected the file name's closing quote on the same line");
	want_text_error("@include \"x\x1b.conf\"\n",
	    "1: @include: a control character (0x1b) in the file name");
	/* Not at the beginning of a line: libconfig's scanner does not see an
	 * @include there either, and '@' is a syntax error. */
	want_text_error("a = 1; @include \"x.conf\"\n", "1: syntax error: expected a setting name, got '@'");
	want_text_error("@includex \"x.conf\"\n", "1: syntax error: expected a setting name, got '@'");

	/* Inside a string or a comment, an @include line is text. */
	config_t lc;
	_cleanup_free_ char *p = xasprintf("%s/s.conf", tmpdir);
	struct conffile *cf = read_ok(&lc, p, "s = \"a\n@include \\\"x.conf\\\"\n\";\n/*\n@include "
	    "\"nope\"\n*/ # @include \"nope\"\nt = 1; // x\n@include \"x.conf\"");
	const char *s = NULL;
	ck_assert(config_lookup_string(&lc, "s", &s));
	ck_assert_str_eq(s, "a\n@include \"x.conf\"\n");
	ck_assert_ptr_nonnull(config_lookup(&lc, "x"));
	want_at(&lc, "t", "s.conf", 7);
	config_destroy(&lc);
	conffile_free(cf);
}
END_TEST

START_TEST(test_syntax)
{
	want_text_error("a = \"abc;\n\n", "1: a string still open at the end of the file");
	want_text_error("a = 1;\n/* b = 2;\n", "2: a comment (/*) still open at the end of the file");
	want_text_error("a = 1;\n\"x\" = 2;\n", "2: syntax error: expected a setting name, got a string");
	want_text_error("a = 1, \"x\";\n", "1: syntax error: expected a setting name, got a string");
	want_text_error("g = { a = 1; \"x\" };\n",
	    "1: syntax error: expected a setting name or '}', got a string");
	want_text_error("a = [ 1, ( 2 ) ];\n", "1: syntax error: expected a number, a boolean or a "
	    "string (an array holds no arrays, lists or groups), got '('");
	want_text_error("a = ( 1, );\n", "1: syntax error: expected a value, got ')'");
	want_text_error("a = [ 1 2 ];\n", "1: syntax error: expected ',' or ']', got '2'");
	want_text_error("true = 1;\n", "1: syntax error: expected a setting name, got 'true'");
	want_text_error("a = -;\n", "1: syntax error: expected a value, got '-'");
	want_text_error("a = 1;;\n", "1: syntax error: expected a setting name, got ';'");
	want_text_error("a = 1;\n}\n", "2: syntax error: expected a setting name, got '}'");
	want_text_error("g = { a = 1;\n", "2: syntax error: expected a setting name or '}', got the "
	    "end of the file");
	want_text_error("a = \x01;\n", "1: syntax error: expected a value, got byte 0x01");
	want_text_error("a = [ 1, \"x\" ];\n", "1: mismatched element type in array");

	/* Nesting is bounded before libconfig's parser sees it. */
	char deep[256] = "a = ";
	for (int i = 0; i < 65; i++)
		strcat(deep, "(");
	want_text_error(deep, "1: groups, lists and arrays nested deeper than 64 levels");
	deep[4 + 64] = '\0';
	for (int i = 0; i < 64; i++)
		strcat(deep, ")");
	strcat(deep, ";");
	config_t lc;
	_cleanup_free_ char *p = xasprintf("%s/deep.conf", tmpdir);
	struct conffile *cf = read_ok(&lc, p, deep);
	config_destroy(&lc);
	conffile_free(cf);
}
END_TEST

/* Valid text: the same settings as libconfig alone gives (compared through
 * config_write, which prints every setting with its type). */
START_TEST(test_same_as_libconfig)
{
	static const char *const texts[] = {
		"",
		"# only a comment",
		"a = 1; b = -2; c = +3L; d = 0x1f; e = 0XffLL; f = 1.5; g = .5e3; h = -.;\n"
		"i = 5.; j = 1e5; k = 2E-3; l = True; m = FALSE; *n = \"x\" \"y\"; o-p_q = 4LL;\n",
		"s = \"tab\\there \\\"q\\\" back\\\\slash \\x41 \\q\";\n",
		"g = { h = { i = ( 1, \"two\", [ 3, 4 ], { j = 5; }, ( ) ); }; k: [ ]; }\nl = 1, m = 2",
		"a = 1 b = 2\r\nc\t=\f3;\r\n// end without a newline",
		"x = 99999999999; y = -2147483648; z = 2147483648;",
		"a = 1;/* c */b = 2; /* multi\nline */ c = 3 # x\n",
		"a = \"multi\nline\nstring\";\nb = 2;",
	};
	for (size_t i = 0; i < ARRAY_SIZE(texts); i++) {
		config_t ours, theirs;
		_cleanup_free_ char *p = xasprintf("%s/same.conf", tmpdir);
		struct conffile *cf = read_ok(&ours, p, texts[i]);
		config_init(&theirs);
		/* libconfig 1.5 wants a newline after a last comment. */
		_cleanup_free_ char *t = xasprintf("%s\n", texts[i]);
		ck_assert_msg(config_read_string(&theirs, t), "libconfig: text %zu: %s", i,
		    config_error_text(&theirs));
		char *a = NULL, *b = NULL;
		size_t alen, blen;
		FILE *fa = open_memstream(&a, &alen), *fb = open_memstream(&b, &blen);
		config_write(&ours, fa);
		config_write(&theirs, fb);
		fclose(fa);
		fclose(fb);
		ck_assert_msg(!strcmp(a, b), "text %zu:\nours:\n%s\nlibconfig:\n%s", i, a, b);
		free(a);
		free(b);
		config_destroy(&ours);
		config_destroy(&theirs);
		conffile_free(cf);
	}
}
END_TEST

START_TEST(test_limits)
{
	/* A file over the limit, and includes that multiply past it. */
	size_t n = CONFFILE_MAX_BYTES + 1;
	char *big = xmalloc(n + 1);
	memset(big, ' ', n);
	big[n] = '\0';
	_cleanup_free_ char *p = put("big.conf", big, n);
	config_t lc;
	char *cause = NULL;
	config_init(&lc);
	ck_assert_ptr_null(conffile_read(&lc, p, NULL, 0, &cause));
	_cleanup_free_ char *want = xasprintf("%s: cannot read: larger than the configuration's limit", p);
	ck_assert_str_eq(cause, want);
	free(cause);
	config_destroy(&lc);
	free(big);

	size_t k = CONFFILE_MAX_BYTES / 8;
	char *part = xmalloc(k + 1);
	memset(part, '\n', k);
	part[k] = '\0';
	free(put("l0.conf", part, k));
	free(part);
	for (int i = 1; i <= 4; i++) {
		_cleanup_free_ char *name = xasprintf("l%d.conf", i);
		_cleanup_free_ char *text = xasprintf("@include \"l%d.conf\"\n@include \"l%d.conf\"\n", i - 1, i - 1);
		free(put(name, text, 0));
	}
	_cleanup_free_ char *l4 = xasprintf("%s/l4.conf", tmpdir);
	config_init(&lc);
	ck_assert_ptr_null(conffile_read(&lc, l4, NULL, 0, &cause));
	ck_assert_msg(strstr(cause, ": the configuration is larger than 4 MiB with its @include files"),
	    "%s", cause);
	free(cause);
	config_destroy(&lc);
}
END_TEST

START_TEST(test_missing)
{
	_cleanup_free_ char *p = xasprintf("%s/nope.conf", tmpdir);
	config_t lc;
	char *cause = NULL;
	config_init(&lc);
	errno = 0;
	ck_assert_ptr_null(conffile_read(&lc, p, NULL, 0, &cause));
	ck_assert_int_eq(errno, ENOENT);
	_cleanup_free_ char *want = xasprintf("%s: cannot open: No such file or directory", p);
	ck_assert_str_eq(cause, want);
	free(cause);
	config_destroy(&lc);
}
END_TEST

int main(void)
{
	const TTest *const list[] = {
		test_include_nul,
		test_include_not_regular,
		test_bytes,
		test_include_lines,
		test_include_loops_and_depth,
		test_include_line_rules,
		test_syntax,
		test_same_as_libconfig,
		test_limits,
		test_missing,
	};
	return unit_run("conffile", setup, teardown, list, ARRAY_SIZE(list));
}
