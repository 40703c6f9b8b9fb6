package openapi

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
)

// The cache codec is a compact binary encoding of a [Document] that
// reproduces it exactly: the dynamic Go types inside schemas (float64 from
// decoded JSON, uint64 from length and count keywords, nil versus empty
// maps and slices) survive, which a JSON round trip would not, and a map
// reached from several places (a schema shared by many operations) is
// written once and decoded into one shared map again.
//
// Layout: a string table (count, then each string's length, then all
// string bytes), then the value itself. Structs are written field by field
// in declaration order, so the layout depends on the Go types; the cache
// key includes [typeFingerprint] of [Document] for that reason.

// maxCodecDepth bounds nesting on both sides so that neither a cyclic
// value nor a crafted entry can exhaust the stack.
const maxCodecDepth = 10000

// Tags of dynamically typed values (interface values and schemas).
const (
	tagNil      byte = iota // nil interface
	tagFalse                // bool false
	tagTrue                 // bool true
	tagString               // string: string index
	tagFloat64              // float64: 8 bytes, little endian
	tagUint64               // uint64: uvarint
	tagInt64                // int64: varint
	tagInt                  // int: varint
	tagNumber               // json.Number: string index
	tagMap                  // map[string]any: uvarint count, then key index and value per entry
	tagMapRef               // an earlier map again: uvarint map index
	tagNilMap               // typed nil map[string]any
	tagSlice                // []any: uvarint count, then values
	tagNilSlice             // typed nil []any
	tagStrings              // []string: uvarint count+1 (0 = nil), then string indexes
)

var (
	anyMapType = reflect.TypeFor[map[string]any]()
	errCorrupt = errors.New("corrupt cache entry")
)

// encoder writes one value in the cache codec.
type encoder struct {
	body  []byte
	strs  map[string]uint64
	order []string
	maps  map[uintptr]uint64
	depth int
}

// encodeDocument returns the codec form of doc.
func encodeDocument(doc *Document) ([]byte, error) {
	e := &encoder{
		body: make([]byte, 0, 1<<16),
		strs: map[string]uint64{},
		maps: map[uintptr]uint64{},
	}
	if err := e.encode(reflect.ValueOf(doc).Elem()); err != nil {
		return nil, err
	}
	size := 0
	for _, s := range e.order {
		size += len(s)
	}
	out := make([]byte, 0, size+len(e.body)+3*len(e.order)+binary.MaxVarintLen64)
	out = binary.AppendUvarint(out, uint64(len(e.order)))
	for _, s := range e.order {
		out = binary.AppendUvarint(out, uint64(len(s)))
	}
	for _, s := range e.order {
		out = append(out, s...)
	}
	return append(out, e.body...), nil
}

func (e *encoder) uvarint(v uint64) { e.body = binary.AppendUvarint(e.body, v) }

func (e *encoder) str(s string) {
	i, ok := e.strs[s]
	if !ok {
		i = uint64(len(e.order))
		e.strs[s] = i
		e.order = append(e.order, s)
	}
	e.uvarint(i)
}

// encode writes a statically typed value.
func (e *encoder) encode(v reflect.Value) error {
	if e.depth++; e.depth > maxCodecDepth {
		return errors.New("encode document: nesting too deep")
	}
	defer func() { e.depth-- }()
	switch v.Kind() {
	case reflect.String:
		e.str(v.String())
	case reflect.Bool:
		e.body = append(e.body, boolByte(v.Bool()))
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		e.body = binary.AppendVarint(e.body, v.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		e.uvarint(v.Uint())
	case reflect.Float32, reflect.Float64:
		e.body = binary.LittleEndian.AppendUint64(e.body, math.Float64bits(v.Float()))
	case reflect.Pointer:
		if v.IsNil() {
			e.body = append(e.body, 0)
			return nil
		}
		e.body = append(e.body, 1)
		return e.encode(v.Elem())
	case reflect.Interface:
		return e.value(v.Interface())
	case reflect.Slice:
		if v.IsNil() {
			e.uvarint(0)
			return nil
		}
		e.uvarint(uint64(v.Len()) + 1)
		for i := range v.Len() {
			if err := e.encode(v.Index(i)); err != nil {
				return err
			}
		}
	case reflect.Map:
		if v.Type() == anyMapType {
			return e.value(v.Interface())
		}
		if v.IsNil() {
			e.uvarint(0)
			return nil
		}
		e.uvarint(uint64(v.Len()) + 1)
		for it := v.MapRange(); it.Next(); {
			if err := e.encode(it.Key()); err != nil {
				return err
			}
			if err := e.encode(it.Value()); err != nil {
				return err
			}
		}
	case reflect.Struct:
		if err := checkExported(v.Type()); err != nil {
			return err
		}
		for i := range v.NumField() {
			if err := e.encode(v.Field(i)); err != nil {
				return err
			}
		}
	default:
		return fmt.Errorf("encode document: unsupported %s", v.Type())
	}
	return nil
}

// value writes a dynamically typed value with its tag.
func (e *encoder) value(v any) error {
	if e.depth++; e.depth > maxCodecDepth {
		return errors.New("encode document: nesting too deep")
	}
	defer func() { e.depth-- }()
	switch x := v.(type) {
	case nil:
		e.body = append(e.body, tagNil)
	case bool:
		e.body = append(e.body, tagFalse+boolByte(x))
	case string:
		e.body = append(e.body, tagString)
		e.str(x)
	case float64:
		e.body = append(e.body, tagFloat64)
		e.body = binary.LittleEndian.AppendUint64(e.body, math.Float64bits(x))
	case uint64:
		e.body = append(e.body, tagUint64)
		e.uvarint(x)
	case int64:
		e.body = append(e.body, tagInt64)
		e.body = binary.AppendVarint(e.body, x)
	case int:
		e.body = append(e.body, tagInt)
		e.body = binary.AppendVarint(e.body, int64(x))
	case json.Number:
		e.body = append(e.body, tagNumber)
		e.str(string(x))
	case map[string]any:
		return e.anyMap(x)
	case []any:
		if x == nil {
			e.body = append(e.body, tagNilSlice)
			return nil
		}
		e.body = append(e.body, tagSlice)
		e.uvarint(uint64(len(x)))
		for _, c := range x {
			if err := e.value(c); err != nil {
				return err
			}
		}
	case []string:
		e.body = append(e.body, tagStrings)
		if x == nil {
			e.uvarint(0)
			return nil
		}
		e.uvarint(uint64(len(x)) + 1)
		for _, s := range x {
			e.str(s)
		}
	default:
		return fmt.Errorf("encode document: unsupported value of type %T", v)
	}
	return nil
}

// anyMap writes a map[string]any, or a reference to it when it was
// written before.
func (e *encoder) anyMap(m map[string]any) error {
	if m == nil {
		e.body = append(e.body, tagNilMap)
		return nil
	}
	id := reflect.ValueOf(m).Pointer()
	if i, seen := e.maps[id]; seen {
		e.body = append(e.body, tagMapRef)
		e.uvarint(i)
		return nil
	}
	e.maps[id] = uint64(len(e.maps))
	e.body = append(e.body, tagMap)
	e.uvarint(uint64(len(m)))
	for k, c := range m {
		e.str(k)
		if err := e.value(c); err != nil {
			return err
		}
	}
	return nil
}

// checkExported refuses struct types with unexported fields, which
// reflection can neither read nor set.
func checkExported(t reflect.Type) error {
	for i := range t.NumField() {
		if !t.Field(i).IsExported() {
			return fmt.Errorf("cache codec: %s.%s is unexported", t, t.Field(i).Name)
		}
	}
	return nil
}

func boolByte(b bool) byte {
	if b {
		return 1
	}
	return 0
}

// decoder reads one value in the cache codec. Every element of every
// counted sequence takes at least one byte and no byte belongs to two
// elements, so the counts of a valid entry add up to less than its size;
// the decoder checks that, and a corrupt entry yields an error, never a
// huge allocation or a panic.
type decoder struct {
	buf  []byte
	strs []string
	maps []map[string]any
	// budget is what is left of the entry's size for counts.
	budget uint64
	depth  int
}

// decodeDocument decodes the codec form of a [Document].
func decodeDocument(data []byte) (*Document, error) {
	d := &decoder{buf: data, budget: uint64(len(data))}
	n, err := d.count(1)
	if err != nil {
		return nil, err
	}
	lens := make([]uint64, n)
	total := uint64(0)
	for i := range lens {
		if lens[i], err = d.uvarint(); err != nil {
			return nil, err
		}
		total += lens[i]
		if total > uint64(len(d.buf)) {
			return nil, fmt.Errorf("%w: string table overruns the entry", errCorrupt)
		}
	}
	// One allocation holds every string; the decoded strings are slices
	// of it.
	blob := string(d.buf[:total])
	d.buf = d.buf[total:]
	d.strs = make([]string, n)
	off := uint64(0)
	for i, l := range lens {
		d.strs[i] = blob[off : off+l]
		off += l
	}
	doc := new(Document)
	if err := d.decode(reflect.ValueOf(doc).Elem()); err != nil {
		return nil, err
	}
	if len(d.buf) != 0 {
		return nil, fmt.Errorf("%w: %d trailing bytes", errCorrupt, len(d.buf))
	}
	return doc, nil
}

func (d *decoder) uvarint() (uint64, error) {
	v, n := binary.Uvarint(d.buf)
	if n <= 0 {
		return 0, fmt.Errorf("%w: bad varint", errCorrupt)
	}
	d.buf = d.buf[n:]
	return v, nil
}

func (d *decoder) varint() (int64, error) {
	v, n := binary.Varint(d.buf)
	if n <= 0 {
		return 0, fmt.Errorf("%w: bad varint", errCorrupt)
	}
	d.buf = d.buf[n:]
	return v, nil
}

// count reads an element count whose elements take at least minSize
// bytes each.
func (d *decoder) count(minSize int) (int, error) {
	n, err := d.uvarint()
	if err != nil {
		return 0, err
	}
	if n > uint64(len(d.buf)/minSize) || n > d.budget {
		return 0, fmt.Errorf("%w: count %d overruns the entry", errCorrupt, n)
	}
	d.budget -= n
	return int(n), nil
}

// optCount reads a count+1 field, where 0 means nil.
func (d *decoder) optCount() (n int, isNil bool, err error) {
	v, err := d.uvarint()
	if err != nil {
		return 0, false, err
	}
	if v == 0 {
		return 0, true, nil
	}
	if n := v - 1; n > uint64(len(d.buf)) || n > d.budget {
		return 0, false, fmt.Errorf("%w: count %d overruns the entry", errCorrupt, n)
	}
	d.budget -= v - 1
	return int(v - 1), false, nil
}

func (d *decoder) readByte() (byte, error) {
	if len(d.buf) == 0 {
		return 0, fmt.Errorf("%w: truncated", errCorrupt)
	}
	b := d.buf[0]
	d.buf = d.buf[1:]
	return b, nil
}

func (d *decoder) str() (string, error) {
	i, err := d.uvarint()
	if err != nil {
		return "", err
	}
	if i >= uint64(len(d.strs)) {
		return "", fmt.Errorf("%w: string index %d out of range", errCorrupt, i)
	}
	return d.strs[i], nil
}

func (d *decoder) float() (float64, error) {
	if len(d.buf) < 8 {
		return 0, fmt.Errorf("%w: truncated", errCorrupt)
	}
	f := math.Float64frombits(binary.LittleEndian.Uint64(d.buf))
	d.buf = d.buf[8:]
	return f, nil
}

// decode reads a statically typed value into the settable v.
func (d *decoder) decode(v reflect.Value) error {
	if d.depth++; d.depth > maxCodecDepth {
		return fmt.Errorf("%w: nesting too deep", errCorrupt)
	}
	defer func() { d.depth-- }()
	switch v.Kind() {
	case reflect.String:
		s, err := d.str()
		v.SetString(s)
		return err
	case reflect.Bool:
		b, err := d.readByte()
		v.SetBool(b == 1)
		return err
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		i, err := d.varint()
		v.SetInt(i)
		return err
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		u, err := d.uvarint()
		v.SetUint(u)
		return err
	case reflect.Float32, reflect.Float64:
		f, err := d.float()
		v.SetFloat(f)
		return err
	case reflect.Pointer:
		b, err := d.readByte()
		if err != nil || b == 0 {
			return err
		}
		p := reflect.New(v.Type().Elem())
		v.Set(p)
		return d.decode(p.Elem())
	case reflect.Interface:
		x, err := d.value()
		if err != nil {
			return err
		}
		if x != nil {
			v.Set(reflect.ValueOf(x))
		}
		return nil
	case reflect.Slice:
		return d.slice(v)
	case reflect.Map:
		return d.typedMap(v)
	case reflect.Struct:
		if err := checkExported(v.Type()); err != nil {
			return err
		}
		for i := range v.NumField() {
			if err := d.decode(v.Field(i)); err != nil {
				return err
			}
		}
		return nil
	default:
		return fmt.Errorf("decode document: unsupported %s", v.Type())
	}
}

func (d *decoder) slice(v reflect.Value) error {
	n, isNil, err := d.optCount()
	if err != nil || isNil {
		return err
	}
	s := reflect.MakeSlice(v.Type(), n, n)
	for i := range n {
		if err := d.decode(s.Index(i)); err != nil {
			return err
		}
	}
	v.Set(s)
	return nil
}

func (d *decoder) typedMap(v reflect.Value) error {
	if v.Type() == anyMapType {
		x, err := d.value()
		if err != nil {
			return err
		}
		m, ok := x.(map[string]any)
		if !ok {
			return fmt.Errorf("%w: %T where a map was expected", errCorrupt, x)
		}
		v.Set(reflect.ValueOf(m))
		return nil
	}
	n, isNil, err := d.optCount()
	if err != nil || isNil {
		return err
	}
	t := v.Type()
	m := reflect.MakeMapWithSize(t, n)
	key, elem := reflect.New(t.Key()).Elem(), reflect.New(t.Elem()).Elem()
	for range n {
		key.SetZero()
		elem.SetZero()
		if err := d.decode(key); err != nil {
			return err
		}
		if err := d.decode(elem); err != nil {
			return err
		}
		m.SetMapIndex(key, elem)
	}
	v.Set(m)
	return nil
}

// value reads a dynamically typed value.
func (d *decoder) value() (any, error) {
	if d.depth++; d.depth > maxCodecDepth {
		return nil, fmt.Errorf("%w: nesting too deep", errCorrupt)
	}
	defer func() { d.depth-- }()
	tag, err := d.readByte()
	if err != nil {
		return nil, err
	}
	switch tag {
	case tagNil:
		return nil, nil
	case tagFalse:
		return false, nil
	case tagTrue:
		return true, nil
	case tagString:
		return d.str()
	case tagFloat64:
		return d.float()
	case tagUint64:
		return d.uvarint()
	case tagInt64:
		return d.varint()
	case tagInt:
		i, err := d.varint()
		if err != nil || int64(int(i)) != i {
			return nil, orCorrupt(err, "int out of range")
		}
		return int(i), nil
	case tagNumber:
		s, err := d.str()
		return json.Number(s), err
	case tagMap:
		return d.anyMap()
	case tagMapRef:
		i, err := d.uvarint()
		if err != nil || i >= uint64(len(d.maps)) {
			return nil, orCorrupt(err, "map reference out of range")
		}
		return d.maps[i], nil
	case tagNilMap:
		return map[string]any(nil), nil
	case tagSlice:
		n, err := d.count(1)
		if err != nil {
			return nil, err
		}
		s := make([]any, n)
		for i := range s {
			if s[i], err = d.value(); err != nil {
				return nil, err
			}
		}
		return s, nil
	case tagNilSlice:
		return []any(nil), nil
	case tagStrings:
		n, isNil, err := d.optCount()
		if err != nil || isNil {
			return []string(nil), err
		}
		s := make([]string, n)
		for i := range s {
			if s[i], err = d.str(); err != nil {
				return nil, err
			}
		}
		return s, nil
	default:
		return nil, fmt.Errorf("%w: unknown tag %d", errCorrupt, tag)
	}
}

func (d *decoder) anyMap() (map[string]any, error) {
	// Each entry takes at least two bytes (key index and value tag).
	n, err := d.count(2)
	if err != nil {
		return nil, err
	}
	m := make(map[string]any, n)
	d.maps = append(d.maps, m)
	for range n {
		k, err := d.str()
		if err != nil {
			return nil, err
		}
		if m[k], err = d.value(); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// orCorrupt returns err, or a corruption error with msg when err is nil.
func orCorrupt(err error, msg string) error {
	if err != nil {
		return err
	}
	return fmt.Errorf("%w: %s", errCorrupt, msg)
}
