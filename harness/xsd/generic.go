package xsd

// Schema is any compiled XML schema, for documents that are not MM7 (the
// harness's JUnit report, for one). It is safe for concurrent use.
type Schema struct{ c *compiled }

// CompileSchema compiles the schema file main from files (name → bytes);
// imports and includes resolve among files and nowhere else.
func CompileSchema(main string, files map[string][]byte) (*Schema, error) {
	const base = "embedded:/generic/"
	c, err := compile(base+main, func(url string) ([]byte, bool) {
		name, ok := localName(url, base)
		if !ok {
			return nil, false
		}
		b, ok := files[name]
		return b, ok
	})
	if err != nil {
		return nil, err
	}
	return &Schema{c: c}, nil
}

// Validate validates a whole document and returns its problems.
func (s *Schema) Validate(doc []byte) []Error {
	d, errs := parseDoc(doc, "")
	if d == nil {
		fillColumns(doc, errs)
		return errs
	}
	defer d.free()
	errs = s.c.validateDoc(d, StageSchema)
	fillColumns(doc, errs)
	return errs
}
