/*
 * The few libxml2 calls the Go binding does not expose: errors as structured
 * values (line, column, node path) collected per call instead of printed,
 * validation of one element in its own right, and an external-entity loader
 * that refuses everything the harness did not register.
 */
#ifndef MM7HARNESS_XSD_SHIM_H
#define MM7HARNESS_XSD_SHIM_H

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlschemas.h>

typedef struct {
	int line;
	int col;
	int level;
	int domain;
	int code;
	char *msg;
	char *path;
} mm7_err;

typedef struct {
	mm7_err *v;
	int n;
	int cap;
	int dropped;
} mm7_errs;

void mm7_setup(void);
void mm7_errs_free(mm7_errs *e);

xmlDocPtr mm7_parse(const char *buf, int len, const char *url, mm7_errs *errs, int *ns_ok);
int mm7_flatten(xmlNodePtr root, char **out, size_t *n);
xmlSchemaPtr mm7_compile(xmlDocPtr doc, mm7_errs *errs);
int mm7_validate_doc(xmlSchemaPtr s, xmlDocPtr doc, mm7_errs *errs);
int mm7_validate_elem(xmlSchemaPtr s, xmlNodePtr n, mm7_errs *errs);
int mm7_has_dtd(xmlDocPtr doc);
long mm7_node_line(xmlNodePtr n);



xmlNodePtr mm7_first_elem(xmlNodePtr n);
xmlNodePtr mm7_next_elem(xmlNodePtr n);
const char *mm7_local(xmlNodePtr n);
const char *mm7_ns(xmlNodePtr n);
char *mm7_path(xmlNodePtr n);
#endif
