package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/rest2mcp/rest2mcp/store"
)

// Field is one control of a try-it form, generated from a top-level
// property of the tool's input schema.
type Field struct {
	Name, Description string
	// Type is the schema type: string, integer, number, boolean, object,
	// array (or "" when the schema gives none; then the value is JSON or
	// a string).
	Type     string
	Required bool
	// Enum lists the allowed values of a string enum (a select).
	Enum []string
	// Value is what the form last held.
	Value string
}

// JSON reports whether the field takes a JSON value (objects, arrays).
func (f Field) JSON() bool { return f.Type == "object" || f.Type == "array" || f.Type == "" }

// Numeric reports whether the field takes a number.
func (f Field) Numeric() bool { return f.Type == "integer" || f.Type == "number" }

// schemaFields returns the form fields of an input schema, in the order
// of its properties.
func schemaFields(schema json.RawMessage) ([]Field, error) {
	if len(schema) == 0 {
		return nil, nil
	}
	var s struct {
		Properties json.RawMessage `json:"properties"`
		Required   []string        `json:"required"`
	}
	if err := json.Unmarshal(schema, &s); err != nil {
		return nil, fmt.Errorf("input schema: %w", err)
	}
	if len(s.Properties) == 0 {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(s.Properties))
	if _, err := dec.Token(); err != nil { // {
		return nil, fmt.Errorf("input schema properties: %w", err)
	}
	var out []Field
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("input schema properties: %w", err)
		}
		name, _ := tok.(string)
		var p struct {
			Type        json.RawMessage `json:"type"`
			Description string          `json:"description"`
			Enum        []any           `json:"enum"`
		}
		if err := dec.Decode(&p); err != nil {
			return nil, fmt.Errorf("input schema property %q: %w", name, err)
		}
		f := Field{Name: name, Description: p.Description, Required: slices.Contains(s.Required, name), Type: schemaType(p.Type)}
		for _, e := range p.Enum {
			if v, ok := e.(string); ok && f.Type == "string" {
				f.Enum = append(f.Enum, v)
			}
		}
		out = append(out, f)
	}
	return out, nil
}

// schemaType reads "type": a string, or the first non-null type of a list.
func schemaType(raw json.RawMessage) string {
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return one
	}
	var many []string
	if json.Unmarshal(raw, &many) == nil {
		for _, t := range many {
			if t != "null" {
				return t
			}
		}
	}
	return ""
}

// formArgs reads the try-it form's "arg.<name>" values into tool
// arguments: empty fields are left out, numbers and JSON values are
// parsed. Fields keep what was typed, for the page shown next.
func formArgs(form url.Values, fields []Field) (map[string]any, error) {
	args := map[string]any{}
	for i := range fields {
		f := &fields[i]
		v := form.Get("arg." + f.Name)
		f.Value = v
		v = strings.TrimSpace(v)
		if v == "" {
			continue
		}
		switch {
		case f.Numeric():
			if _, err := strconv.ParseFloat(v, 64); err != nil {
				return nil, fmt.Errorf("%w: argument %s: %q is not a number", store.ErrInvalid, f.Name, v)
			}
			args[f.Name] = json.Number(v)
		case f.Type == "boolean":
			b, err := strconv.ParseBool(v)
			if err != nil {
				return nil, fmt.Errorf("%w: argument %s: want true or false", store.ErrInvalid, f.Name)
			}
			args[f.Name] = b
		case f.JSON():
			var j any
			if err := json.Unmarshal([]byte(v), &j); err != nil {
				if f.Type != "" {
					return nil, fmt.Errorf("%w: argument %s: not valid JSON: %v", store.ErrInvalid, f.Name, err)
				}
				j = v
			}
			args[f.Name] = j
		default:
			args[f.Name] = v
		}
	}
	return args, nil
}

// operationPage shows one operation: what decides its scopes, its
// annotation hints (editable for stored APIs) and the try-it form.
func (h *Handler) operationPage(w http.ResponseWriter, r *http.Request) {
	h.renderOperation(w, r, http.StatusOK, r.PathValue("name"), r.URL.Query().Get("key"), nil)
}

// renderOperation renders the operation page; p carries what the caller
// adds (an error, a try-it result, the fields as typed).
func (h *Handler) renderOperation(w http.ResponseWriter, r *http.Request, status int, name, key string, p *page) {
	a, op, ok := h.apiOperation(w, r, name, key)
	if !ok {
		return
	}
	if p == nil {
		p = &page{}
	}
	p.Title, p.Nav, p.API, p.Op = op.Key+" — "+a.Name, "apis", a, op
	if p.Fields == nil {
		fields, err := schemaFields(op.InputSchema)
		if err != nil {
			p.Error = err.Error()
		}
		p.Fields = fields
	}
	_, p.HasTester = h.reg.(Tester)
	if r.URL.Query().Get("saved") != "" && p.Flash == "" {
		p.Flash = "Saved."
	}
	h.render(w, r, status, "operation", p)
}

// saveAnnotations stores the operation's annotation hints as overrides
// (or removes every override with reset).
func (h *Handler) saveAnnotations(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if !parseForm(w, r, 64<<10) {
		return
	}
	key := r.PostFormValue("key")
	ann := &store.Annotations{}
	if r.PostFormValue("reset") == "" {
		hint := func(f string) *bool { v := r.PostFormValue(f) == "true"; return &v }
		ann = &store.Annotations{ReadOnly: hint("readOnlyHint"), Destructive: hint("destructiveHint"), Idempotent: hint("idempotentHint"), OpenWorld: hint("openWorldHint")}
	}
	if _, err := h.reg.PatchOperation(r.Context(), name, key, formVersion(r), OperationPatch{Annotations: ann}); err != nil {
		st, msg, diags := h.errorText(r, err)
		if st == http.StatusPreconditionFailed {
			msg = "Someone changed this API since the page was loaded; nothing was saved. The page now shows the latest version."
		}
		h.renderOperation(w, r, st, name, key, &page{Error: msg, Diagnostics: diags})
		return
	}
	http.Redirect(w, r, h.opts.Base+"/apis/"+url.PathEscape(name)+"/operation?"+url.Values{"key": {key}, "saved": {"1"}}.Encode(), http.StatusSeeOther)
}

// tryTool runs the try-it form: the tool is called through the API's MCP
// handler and the page shows the upstream request lines and the result.
func (h *Handler) tryTool(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if !parseForm(w, r, 1<<20) {
		return
	}
	key := r.PostFormValue("key")
	a, op := h.findOperation(w, r, name, key)
	if a == nil {
		return
	}
	if op == nil || !op.Enabled {
		h.renderOperation(w, r, http.StatusNotFound, name, key, &page{Error: fmt.Sprintf("%s has no enabled operation %q to try", name, key)})
		return
	}
	fields, err := schemaFields(op.InputSchema)
	if err != nil {
		h.renderOperation(w, r, http.StatusInternalServerError, name, key, &page{Error: err.Error()})
		return
	}
	args, err := formArgs(r.PostForm, fields)
	if err != nil {
		st, msg, _ := h.errorText(r, err)
		h.renderOperation(w, r, st, name, key, &page{Error: msg, Fields: fields})
		return
	}
	res, err := h.reg.(Tester).TryTool(r.Context(), name, op.ToolName, args, r.PostFormValue("token"))
	if err != nil {
		st, msg, _ := h.errorText(r, err)
		h.renderOperation(w, r, st, name, key, &page{Error: msg, Fields: fields})
		return
	}
	h.renderOperation(w, r, http.StatusOK, name, key, &page{Fields: fields, Try: res})
}

// findOperation loads the API name and finds its operation key. When the
// API cannot be read it renders the error page and returns a nil API; a
// missing operation is a nil *Operation beside the API.
func (h *Handler) findOperation(w http.ResponseWriter, r *http.Request, name, key string) (*APIDetail, *Operation) {
	a, err := h.reg.Get(r.Context(), name)
	if err != nil {
		st, msg, _ := h.errorText(r, err)
		h.render(w, r, st, "apis", &page{Title: "Not found", Nav: "apis", Error: msg})
		return nil, nil
	}
	for i := range a.Operations {
		if a.Operations[i].Key == key {
			return a, &a.Operations[i]
		}
	}
	return a, nil
}

// apiOperation is [Handler.findOperation] for pages about an operation
// that must exist: a missing one gets the API page with a 404 and ok is
// false whenever a page was rendered.
func (h *Handler) apiOperation(w http.ResponseWriter, r *http.Request, name, key string) (a *APIDetail, op *Operation, ok bool) {
	a, op = h.findOperation(w, r, name, key)
	if a == nil {
		return nil, nil, false
	}
	if op == nil {
		h.render(w, r, http.StatusNotFound, "api", &page{Title: a.Name, Nav: "apis", API: a, Error: fmt.Sprintf("%s has no operation %q", name, key)})
		return nil, nil, false
	}
	return a, op, true
}
