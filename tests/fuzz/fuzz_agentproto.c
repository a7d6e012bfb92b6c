/*
 * fuzz_agentproto.c — libFuzzer target for the agent protocol decoder
 * (base/agentproto.c): what another machine sends becomes structures
 * here, so every byte sequence must be refused cleanly or decoded into a
 * message whose checked fields hold what the table promises.
 *
 * The input is fed to the line reader in chunks whose sizes come from the
 * input itself (so framing is fuzzed too); each complete line is decoded,
 * the fields the receivers rely on are read, hellos are version-checked,
 * "sample" process objects are converted, and every decoded message is
 * encoded again and must decode to the same type.
 */
#include "agentproto.h"
#include "util.h"

#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_msg(const struct agent_msg *m)
{
	char *cause = NULL;
	switch (m->type) {
	case AGENT_MSG_HELLO:
		if (agentproto_check_hello(m, &cause) < 0)
			free(cause);
		(void)agentproto_has_capability(m, "samples");
		break;
	case AGENT_MSG_LAUNCH: {
		json_t *argv = json_object_get(m->json, "argv"), *a;
		size_t i;
		if (json_array_size(argv) == 0)
			abort();
		json_array_foreach(argv, i, a)
			if (!json_is_string(a) || strlen(json_string_value(a)) != json_string_length(a))
				abort();
		break;
	}
	case AGENT_MSG_SAMPLE: {
		json_t *procs = json_object_get(m->json, "procs"), *p;
		size_t i;
		json_array_foreach(procs, i, p) {
			struct proc_sample ps;
			if (agentproto_proc_from_json(p, &ps) == 0 && (unsigned)ps.role >= ROLE__COUNT)
				abort();
		}
		break;
	}
	case AGENT_MSG_OUTPUT:
		if (!json_is_string(json_object_get(m->json, "line")) || m->id < 0)
			abort();
		break;
	default:
		break;
	}
	size_t len;
	char *line = agentproto_encode(m->json, &len, NULL);
	if (line) {
		struct agent_msg again;
		if (agentproto_decode(line, len, &again, NULL) < 0 || again.type != m->type)
			abort();
		agentproto_msg_free(&again);
		free(line);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct agentproto_reader r;
	agentproto_reader_init(&r);
	size_t off = 0;
	unsigned seed = size ? data[0] : 1;
	while (off < size) {
		size_t chunk = 1 + (seed % 97);
		seed = seed * 1103515245u + 12345u;
		if (chunk > size - off)
			chunk = size - off;
		if (agentproto_reader_feed(&r, (const char *)data + off, chunk, NULL) < 0)
			break;
		off += chunk;
		const char *line;
		size_t len;
		while (agentproto_reader_next(&r, &line, &len)) {
			struct agent_msg m;
			char *cause = NULL;
			if (agentproto_decode(line, len, &m, &cause) == 0) {
				check_msg(&m);
				agentproto_msg_free(&m);
			} else {
				if (!cause || strchr(cause, '\n'))
					abort();
				free(cause);
			}
		}
	}
	/* Arbitrary bytes as an output line must always become a JSON string. */
	json_t *s = agentproto_string((const char *)data, size);
	if (!json_is_string(s))
		abort();
	json_decref(s);
	agentproto_reader_free(&r);
	return 0;
}
