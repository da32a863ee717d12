#include <stdlib.h>
#include <string.h>
#include <libxml/parserInternals.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlIO.h>
#include "shim.h"
#include "_cgo_export.h"

/* At most this many errors are kept per call; the rest are counted. */
#define MM7_MAX_ERRS 64

static void mm7_silent(void *ctx, const char *msg, ...) { (void)ctx; (void)msg; }
static void mm7_silent_structured(void *ctx, xmlErrorPtr e) { (void)ctx; (void)e; }

char *mm7_path(xmlNodePtr n);

static void mm7_collect(void *data, xmlErrorPtr e) {
	mm7_errs *errs = (mm7_errs *)data;
	if (errs == NULL || e == NULL) return;
	if (errs->n >= MM7_MAX_ERRS) { errs->dropped++; return; }
	if (errs->n == errs->cap) {
		int cap = errs->cap ? errs->cap * 2 : 8;
		mm7_err *v = realloc(errs->v, cap * sizeof(mm7_err));
		if (v == NULL) { errs->dropped++; return; }
		errs->v = v;
		errs->cap = cap;
	}
	mm7_err *o = &errs->v[errs->n++];
	o->line = e->line;
	o->col = e->int2;
	o->level = e->level;
	o->domain = e->domain;
	o->code = e->code;
	o->msg = e->message ? strdup(e->message) : NULL;
	o->path = NULL;
	if (e->node != NULL) {
		xmlNodePtr n = (xmlNodePtr)e->node;
		if (n->type == XML_ATTRIBUTE_NODE) n = n->parent;
		if (n != NULL && n->type == XML_ELEMENT_NODE) {
			o->path = mm7_path(n);
			long l = xmlGetLineNo(n);
			if (l > 0) o->line = (int)l;
		}
	}
}

/* Parser errors reach the handler with the parser context as data. */
static void mm7_collect_parser(void *data, xmlErrorPtr e) {
	xmlParserCtxtPtr ctxt = (xmlParserCtxtPtr)data;
	mm7_collect(ctxt ? ctxt->_private : NULL, e);
}

static xmlParserInputPtr mm7_loader(const char *url, const char *id, xmlParserCtxtPtr ctxt) {
	(void)id;
	char *data = NULL;
	int len = 0;
	if (url == NULL || !mm7xsdResolve((char *)url, &data, &len)) return NULL;
	xmlParserInputBufferPtr buf = xmlParserInputBufferCreateMem(data, len, XML_CHAR_ENCODING_NONE);
	free(data);
	if (buf == NULL) return NULL;
	xmlParserInputPtr in = xmlNewIOInputStream(ctxt, buf, XML_CHAR_ENCODING_NONE);
	if (in == NULL) { xmlFreeParserInputBuffer(buf); return NULL; }
	in->filename = (char *)xmlStrdup((const xmlChar *)url);
	return in;
}

/*
 * Runs once, from a Go package init (so on the main thread). libxml2 keeps its
 * error handlers per thread: the calls without ThrDef silence this thread, the
 * ThrDef ones every thread created later.
 */
void mm7_setup(void) {
	xmlInitParser();
	xmlSetGenericErrorFunc(NULL, mm7_silent);
	xmlThrDefSetGenericErrorFunc(NULL, mm7_silent);
	xmlSetStructuredErrorFunc(NULL, mm7_silent_structured);
	xmlThrDefSetStructuredErrorFunc(NULL, mm7_silent_structured);
	xmlSetExternalEntityLoader(mm7_loader);
}

void mm7_errs_free(mm7_errs *e) {
	for (int i = 0; i < e->n; i++) { free(e->v[i].msg); free(e->v[i].path); }
	free(e->v);
	e->v = NULL;
	e->n = e->cap = e->dropped = 0;
}

/*
 * Parses without network, without loading or applying a DTD and without
 * substituting entities. The caller refuses documents with a DTD outright.
 */
xmlDocPtr mm7_parse(const char *buf, int len, const char *url, mm7_errs *errs, int *ns_ok) {
	if (len <= 0) return NULL;
	xmlParserCtxtPtr ctxt = xmlCreateMemoryParserCtxt(buf, len);
	if (ctxt == NULL) return NULL;
	ctxt->sax->serror = mm7_collect_parser;
	ctxt->_private = errs;
	xmlCtxtUseOptions(ctxt, XML_PARSE_NONET | XML_PARSE_BIG_LINES);
	xmlParseDocument(ctxt);
	xmlDocPtr doc = ctxt->myDoc;
	ctxt->myDoc = NULL;
	if (doc != NULL && !ctxt->wellFormed) { xmlFreeDoc(doc); doc = NULL; }
	if (ns_ok != NULL) *ns_ok = ctxt->nsWellFormed;
	if (doc != NULL && url != NULL) {
		if (doc->URL != NULL) xmlFree((xmlChar *)doc->URL);
		doc->URL = xmlStrdup((const xmlChar *)url);
	}
	xmlFreeParserCtxt(ctxt);
	return doc;
}

int mm7_has_dtd(xmlDocPtr doc) {
	return doc != NULL && (doc->intSubset != NULL || doc->extSubset != NULL);
}

long mm7_node_line(xmlNodePtr n) { return xmlGetLineNo(n); }

xmlSchemaPtr mm7_compile(xmlDocPtr doc, mm7_errs *errs) {
	xmlSchemaParserCtxtPtr p = xmlSchemaNewDocParserCtxt(doc);
	if (p == NULL) return NULL;
	xmlSchemaSetParserStructuredErrors(p, mm7_collect, errs);
	xmlSchemaPtr s = xmlSchemaParse(p);
	xmlSchemaFreeParserCtxt(p);
	return s;
}

int mm7_validate_doc(xmlSchemaPtr s, xmlDocPtr doc, mm7_errs *errs) {
	xmlSchemaValidCtxtPtr v = xmlSchemaNewValidCtxt(s);
	if (v == NULL) return -1;
	xmlSchemaSetValidStructuredErrors(v, mm7_collect, errs);
	int rc = xmlSchemaValidateDoc(v, doc);
	xmlSchemaFreeValidCtxt(v);
	return rc;
}

int mm7_validate_elem(xmlSchemaPtr s, xmlNodePtr n, mm7_errs *errs) {
	xmlSchemaValidCtxtPtr v = xmlSchemaNewValidCtxt(s);
	if (v == NULL) return -1;
	xmlSchemaSetValidStructuredErrors(v, mm7_collect, errs);
	int rc = xmlSchemaValidateOneElement(v, n);
	xmlSchemaFreeValidCtxt(v);
	return rc;
}

xmlNodePtr mm7_first_elem(xmlNodePtr n) {
	if (n == NULL) return NULL;
	xmlNodePtr c = (n->type == XML_DOCUMENT_NODE) ? ((xmlDocPtr)n)->children : n->children;
	while (c != NULL && c->type != XML_ELEMENT_NODE) c = c->next;
	return c;
}

xmlNodePtr mm7_next_elem(xmlNodePtr n) {
	xmlNodePtr c = n ? n->next : NULL;
	while (c != NULL && c->type != XML_ELEMENT_NODE) c = c->next;
	return c;
}

const char *mm7_local(xmlNodePtr n) { return n && n->name ? (const char *)n->name : ""; }

const char *mm7_ns(xmlNodePtr n) { return n && n->ns && n->ns->href ? (const char *)n->ns->href : ""; }

/*
 * The element's path as the document spells it: prefix:name steps, with a
 * [k] position only where same-named siblings make one necessary.
 */
char *mm7_path(xmlNodePtr n) {
	char *out = strdup("");
	for (xmlNodePtr e = n; e != NULL && e->type == XML_ELEMENT_NODE; e = e->parent) {
		int pos = 0, count = 0;
		for (xmlNodePtr s = e->parent ? e->parent->children : NULL; s != NULL; s = s->next) {
			if (s->type != XML_ELEMENT_NODE || !xmlStrEqual(s->name, e->name)) continue;
			count++;
			if (s == e) pos = count;
		}
		const char *prefix = (e->ns && e->ns->prefix) ? (const char *)e->ns->prefix : "";
		size_t need = strlen(out) + strlen(prefix) + strlen((const char *)e->name) + 32;
		char *step = malloc(need);
		if (step == NULL) break;
		if (count > 1)
			snprintf(step, need, "/%s%s%s[%d]%s", prefix, *prefix ? ":" : "", e->name, pos, out);
		else
			snprintf(step, need, "/%s%s%s%s", prefix, *prefix ? ":" : "", e->name, out);
		free(out);
		out = step;
	}
	return out;
}

/*
 * The element tree under root, written once into a flat buffer that Go reads
 * as XML tokens (tokens.go, which documents the format): the decoder's view of
 * the document the validator read, without a second parse. Comments and
 * processing instructions are left out, as the decoder ignores them; only
 * the newlines in them are kept, for the line numbers.
 */
typedef struct { char *b; size_t n, cap; int failed; } mm7_buf;

static void mm7_put(mm7_buf *w, const void *p, size_t n) {
	if (w->failed) return;
	if (w->n + n > w->cap) {
		size_t cap = w->cap ? w->cap : 1024;
		while (cap < w->n + n) cap *= 2;
		char *b = realloc(w->b, cap);
		if (b == NULL) { w->failed = 1; return; }
		w->b = b;
		w->cap = cap;
	}
	memcpy(w->b + w->n, p, n);
	w->n += n;
}

static void mm7_put_u32(mm7_buf *w, size_t v) {
	unsigned char b[4] = { v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, (v >> 24) & 0xff };
	if (v > 0xffffffffu) w->failed = 1;
	mm7_put(w, b, 4);
}

static void mm7_put_str(mm7_buf *w, const xmlChar *s) {
	size_t n = s ? strlen((const char *)s) : 0;
	mm7_put_u32(w, n);
	if (n) mm7_put(w, s, n);
}

static const xmlChar *mm7_href(xmlNsPtr ns) { return ns && ns->href ? ns->href : NULL; }

/* An attribute's value: the content of its text children, in order. */
static void mm7_put_attr_value(mm7_buf *w, xmlAttrPtr a) {
	size_t n = 0;
	for (xmlNodePtr c = a->children; c != NULL; c = c->next)
		if (c->content) n += strlen((const char *)c->content);
	mm7_put_u32(w, n);
	for (xmlNodePtr c = a->children; c != NULL; c = c->next)
		if (c->content) mm7_put(w, c->content, strlen((const char *)c->content));
}

int mm7_flatten(xmlNodePtr root, char **out, size_t *n) {
	mm7_buf w = {0};
	xmlNodePtr node = root;
	while (node != NULL) {
		int descend = 0;
		switch (node->type) {
		case XML_ELEMENT_NODE: {
			mm7_put(&w, "S", 1);
			mm7_put_u32(&w, (size_t)xmlGetLineNo(node));
			mm7_put_str(&w, mm7_href(node->ns));
			mm7_put_str(&w, node->name);
			size_t na = 0;
			for (xmlAttrPtr a = node->properties; a != NULL; a = a->next) na++;
			mm7_put_u32(&w, na);
			for (xmlAttrPtr a = node->properties; a != NULL; a = a->next) {
				mm7_put_str(&w, mm7_href(a->ns));
				mm7_put_str(&w, a->name);
				mm7_put_attr_value(&w, a);
			}
			descend = node->children != NULL;
			if (!descend) mm7_put(&w, "E", 1);
			break;
		}
		case XML_TEXT_NODE:
		case XML_CDATA_SECTION_NODE:
			mm7_put(&w, "T", 1);
			mm7_put_str(&w, node->content);
			break;
		case XML_COMMENT_NODE:
		case XML_PI_NODE: {
			/* Left out, but the lines they span still count. */
			size_t nl = 0;
			for (const xmlChar *c = node->content; c != NULL && *c; c++) nl += *c == '\n';
			if (nl) { mm7_put(&w, "N", 1); mm7_put_u32(&w, nl); }
			break;
		}
		default:
			break;
		}
		if (descend) { node = node->children; continue; }
		/* Climb until a node has a next sibling, closing elements on the way. */
		while (node != root && node->next == NULL) {
			node = node->parent;
			mm7_put(&w, "E", 1);
		}
		node = (node == root) ? NULL : node->next;
	}
	if (w.failed) { free(w.b); return 0; }
	*out = w.b;
	*n = w.n;
	return 1;
}
