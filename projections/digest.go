package projections

import (
	"fmt"
	"io"
	"reflect"
	"sort"
	"strconv"
	"time"

	"github.com/remitflow/remitflow/domain/money"
	"github.com/shopspring/decimal"
)

var (
	amountType  = reflect.TypeFor[money.Amount]()
	decimalType = reflect.TypeFor[decimal.Decimal]()
	timeType    = reflect.TypeFor[time.Time]()
)

// writeCanonical writes a labelled line with a canonical rendering of v to
// a digest: struct fields by name, map entries in key order, amounts and
// decimals in canonical decimal form, times in UTC RFC 3339, pointers by
// what they point to. Equal state renders to equal bytes on every rebuild.
func writeCanonical(w io.Writer, label string, v any) {
	fmt.Fprintf(w, "%s ", label)
	canonical(w, reflect.ValueOf(v))
	fmt.Fprintln(w)
}

func canonical(w io.Writer, v reflect.Value) {
	if !v.IsValid() {
		io.WriteString(w, "null")
		return
	}
	switch v.Type() {
	case amountType:
		a := v.Interface().(money.Amount)
		fmt.Fprintf(w, "%q", a.Value.String()+" "+string(a.Currency))
		return
	case decimalType:
		fmt.Fprintf(w, "%q", v.Interface().(decimal.Decimal).String())
		return
	case timeType:
		fmt.Fprintf(w, "%q", v.Interface().(time.Time).UTC().Format(time.RFC3339Nano))
		return
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			io.WriteString(w, "null")
			return
		}
		canonical(w, v.Elem())
	case reflect.Struct:
		io.WriteString(w, "{")
		for i := range v.NumField() {
			f := v.Type().Field(i)
			if !f.IsExported() {
				continue
			}
			fmt.Fprintf(w, "%s:", f.Name)
			canonical(w, v.Field(i))
			io.WriteString(w, ",")
		}
		io.WriteString(w, "}")
	case reflect.Slice, reflect.Array:
		io.WriteString(w, "[")
		for i := range v.Len() {
			canonical(w, v.Index(i))
			io.WriteString(w, ",")
		}
		io.WriteString(w, "]")
	case reflect.Map:
		keys := v.MapKeys()
		sort.Slice(keys, func(i, j int) bool { return fmt.Sprint(keys[i]) < fmt.Sprint(keys[j]) })
		io.WriteString(w, "{")
		for _, k := range keys {
			fmt.Fprintf(w, "%q:", fmt.Sprint(k))
			canonical(w, v.MapIndex(k))
			io.WriteString(w, ",")
		}
		io.WriteString(w, "}")
	case reflect.String:
		io.WriteString(w, strconv.Quote(v.String()))
	case reflect.Float32, reflect.Float64:
		io.WriteString(w, strconv.FormatFloat(v.Float(), 'g', -1, 64))
	default:
		fmt.Fprint(w, v.Interface())
	}
}
