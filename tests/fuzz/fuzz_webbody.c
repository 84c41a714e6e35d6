/* fuzz_webbody.c: libFuzzer harness for a web API request body, as the server reads it.
 *
 * Any bytes arrive from the network (after login, up to WEB_BODY_MAX):
 * web_body_parse must give an object or a reason, never both; then what the
 * handlers do with an object runs too: every field they read, and the
 * validate route's answer for a "yaml" string (the project as a tree, the
 * same call check_text makes).  project_load itself is fuzz_project's. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "web.h"
#include "ydoc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The fields the handlers read from a body. */
static const char *const fields[] = {"name", "password", "role", "yaml", "mode",
				     "become_password", "only", "from"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[512] = "";
	json_t *body, *answer;
	const char *text;
	struct diag_list quiet;
	struct ydoc *doc = NULL;
	char *dump;

	if (size > WEB_BODY_MAX)
		return 0;
	body = web_body_parse((const char *)data, size, err, sizeof(err));
	if ((body == NULL) == (err[0] == '\0') || (body != NULL && !json_is_object(body)))
		abort();
	if (body == NULL)
		return 0;
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		const char *v = json_string_value(json_object_get(body, fields[i]));
		if (v != NULL && strlen(v) > size)
			abort();
	}
	if ((text = json_string_value(json_object_get(body, "yaml"))) != NULL) {
		diag_list_init(&quiet);
		ydoc_parse("project", text, strlen(text), &doc, &quiet);
		answer = json_pack("{s:o}", "doc", ynode_to_json(doc ? doc->root : NULL));
		if (answer == NULL || (dump = json_dumps(answer, JSON_COMPACT)) == NULL)
			abort();
		free(dump);
		json_decref(answer);
		ydoc_free(doc);
		diag_list_release(&quiet);
	}
	json_decref(body);
	return 0;
}
