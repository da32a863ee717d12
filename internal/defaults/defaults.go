// Package defaults fills a configuration's unset limits from its
// defaults: the one rule every limits type of the harness follows (zero or
// negative means "the default").
package defaults

import "reflect"

// Fill sets every numeric field of the struct *v that is zero or negative
// to the same field of d. Other fields are left as they are.
func Fill[T any](v *T, d T) {
	rv, rd := reflect.ValueOf(v).Elem(), reflect.ValueOf(d)
	for i := range rv.NumField() {
		f := rv.Field(i)
		if !f.CanSet() {
			continue
		}
		switch f.Kind() {
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			if f.Int() <= 0 {
				f.SetInt(rd.Field(i).Int())
			}
		case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
			if f.Uint() == 0 {
				f.SetUint(rd.Field(i).Uint())
			}
		case reflect.Float32, reflect.Float64:
			if f.Float() <= 0 {
				f.SetFloat(rd.Field(i).Float())
			}
		}
	}
}
