package mm7

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
)

// The message structs describe themselves through tags (see messages.go);
// these helpers read the tags so the rules live in one place.

var (
	dateTimeType = reflect.TypeOf(DateTime(""))
	addressType  = reflect.TypeOf(Address{})
	detailsType  = reflect.TypeOf(Details{})
)

// withMM7Version returns m, or a copy of m with MM7Version set to version
// when it is empty.
func withMM7Version(m Message, version string) Message {
	if MM7VersionOf(m) != "" {
		return m
	}
	v := reflect.ValueOf(m).Elem()
	cp := reflect.New(v.Type())
	cp.Elem().Set(v)
	cp.Elem().FieldByName("MM7Version").SetString(version)
	return cp.Interface().(Message)
}

type fieldValue struct{ field, value string }

// lexicalDates lists the DateTime values of m that are not xs:dateTime but
// that Time can still read.
func lexicalDates(m Message) []fieldValue {
	var out []fieldValue
	walk(reflect.ValueOf(m), func(path *fieldPath, v reflect.Value, _ reflect.StructField) {
		if v.Type() != dateTimeType || v.String() == "" {
			return
		}
		d := DateTime(v.String())
		if _, err := d.Time(); err == nil && !d.Valid() {
			out = append(out, fieldValue{path.String(), string(d)})
		}
	})
	return out
}

// fieldPath is the dotted path of the field walk is visiting. It is kept
// as bytes while walking, and made a string only for a visit that needs
// it: every message decoded is walked, and few of its fields are named.
type fieldPath struct{ b []byte }

func (p *fieldPath) String() string { return string(p.b) }

// walk visits every struct field under v, depth first, with its dotted path.
func walk(v reflect.Value, visit func(path *fieldPath, v reflect.Value, sf reflect.StructField)) {
	walkFrom(v, &fieldPath{b: make([]byte, 0, 64)}, visit)
}

func walkFrom(v reflect.Value, path *fieldPath, visit func(path *fieldPath, v reflect.Value, sf reflect.StructField)) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			walkFrom(v.Elem(), path, visit)
		}
	case reflect.Slice:
		n := len(path.b)
		for i := 0; i < v.Len(); i++ {
			path.b = append(strconv.AppendInt(append(path.b[:n], '['), int64(i), 10), ']')
			walkFrom(v.Index(i), path, visit)
		}
		path.b = path.b[:n]
	case reflect.Struct:
		t := v.Type()
		n := len(path.b)
		for i := 0; i < t.NumField(); i++ {
			sf := t.Field(i)
			if !sf.IsExported() {
				continue
			}
			path.b = path.b[:n]
			if !sf.Anonymous {
				if n > 0 {
					path.b = append(path.b, '.')
				}
				path.b = append(path.b, sf.Name...)
			}
			fv := v.Field(i)
			if !sf.Anonymous {
				visit(path, fv, sf)
			}
			if fv.Type() != addressType && fv.Type() != detailsType {
				walkFrom(fv, path, visit)
			}
		}
		path.b = path.b[:n]
	}
}

// checkMessage refuses a message that would not be schema-valid in flavour
// v: fields the release lacks, required fields left empty, values outside
// an enumeration, dates that are not xs:dateTime, an MM7Version the release
// does not allow.
func checkMessage(m Message, v Flavour) error {
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	rel := v.Release
	if mv := MM7VersionOf(m); !rel.AllowsMM7Version(mv) {
		add("MM7Version %q is not allowed in %s", mv, rel)
	}
	walk(reflect.ValueOf(m), func(path *fieldPath, fv reflect.Value, sf reflect.StructField) {
		if sf.Tag.Get("rel") == "6" && rel.Major() == 5 && !fv.IsZero() {
			add("%s is not part of %s (Release 6 only)", path, rel)
		}
		if _, req := sf.Tag.Lookup("required"); req && fv.IsZero() {
			add("%s is required", path)
		}
		if fv.Kind() == reflect.Pointer {
			if fv.IsNil() {
				return
			}
			fv = fv.Elem()
		}
		switch fv.Type() {
		case dateTimeType:
			if d := DateTime(fv.String()); d != "" && !d.Valid() {
				add("%s %q is not an xs:dateTime", path, d)
			}
		case addressType:
			a := fv.Interface().(Address)
			if !a.IsZero() && !a.valid() {
				add("%s has no address form", path)
			}
			if a.rel6Only() && rel.Major() == 5 {
				add("%s: addressCoding and id are Release 6 only", path)
			}
		case detailsType:
			if inner := strings.TrimSpace(fv.Interface().(Details).InnerXML); inner != "" && !strings.HasPrefix(inner, "<") {
				add("%s holds text; the schema allows elements only", path)
			}
		}
		if typ := fv.Type().Name(); fv.Kind() == reflect.String && enumerations[typ] != nil && fv.String() != "" {
			if !allowedValue(typ, fv.String(), rel) {
				add("%s %q is not a %s of %s", path, fv.String(), typ, rel)
			}
		}
	})
	if r := ResponseOf(m); r != nil && r.Status.Code < 1 {
		add("Status.Code %d is not a positive integer", r.Status.Code)
	}
	if len(problems) > 0 {
		return fmt.Errorf("mm7: %s cannot be written as %s: %s", m.Kind(), v.Name, strings.Join(problems, "; "))
	}
	return nil
}
