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
xmlDocPtr mm7_parse(const char *buf, int len, const char *url, mm7_errs *errs) {
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
