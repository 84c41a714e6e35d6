/* fuzz_ydoc.c: libFuzzer harness for ydoc_parse, the YAML reader every input goes through.
 *
 * Besides the sanitizers' findings, it aborts when the documented contract
 * breaks: success means a document, no error and positioned nodes; failure
 * means no document and at least one error. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "diag.h"
#include "ydoc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_node(const struct ynode *n)
{
	if (n->line == 0 || n->column == 0)
		abort();
	switch (n->kind) {
	case YNODE_SCALAR:
		if (n->value == NULL || n->value[n->len] != '\0')
			abort();
		(void)ynode_is_null(n);
		break;
	case YNODE_SEQ:
		for (size_t i = 0; i < n->count; i++)
			if (n->items[i] == NULL)
				abort();
		break;
	case YNODE_MAP:
		for (size_t i = 0; i < n->count; i++)
			if (n->pairs[i].key == NULL || n->pairs[i].key->kind != YNODE_SCALAR ||
			    n->pairs[i].value == NULL ||
			    ynode_get(n, n->pairs[i].key->value) == NULL)
				abort();
		break;
	default:
		abort();
	}
	(void)ynode_describe(n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct diag_list diags;
	struct ydoc *doc = NULL;
	int r;

	if (size > YDOC_MAX_BYTES)
		return 0;
	diag_list_init(&diags);
	r = ydoc_parse("fuzz.yaml", (const char *)data, size, &doc, &diags);
	if (r == 0) {
		if (doc == NULL || diags.errors != 0 || (doc->root == NULL) != (doc->nnodes == 0))
			abort();
		/* Walk the node table, not the tree: aliases make the tree exponential. */
		for (size_t i = 0; i < doc->nnodes; i++)
			check_node(doc->nodes[i]);
	} else if (doc != NULL || diags.errors == 0 || diags.len == 0 ||
		   diags.items[0].message == NULL) {
		abort();
	}
	ydoc_free(doc);
	diag_list_release(&diags);
	return 0;
}
