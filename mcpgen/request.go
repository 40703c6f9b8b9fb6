package mcpgen

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
)

// BuildRequest turns tool arguments into the upstream request, without
// credentials (see [InvokerOptions.Credentials]). The request is built
// fresh: no header of the inbound MCP request can reach it.
//
// Arguments are placed according to t.Bindings and the resolved OpenAPI
// serialisation of each parameter: path (simple, label, matrix; every
// value percent-encoded so it stays inside its segment), query (form
// with or without explode, spaceDelimited, pipeDelimited, deepObject,
// allowReserved) after the operation's FixedQuery, header (simple; CR/LF
// and other controls refused; hop-by-hop, Host, Content-Length, Cookie,
// Proxy-* and other denied names refused; Accept, Content-Type and
// Authorization ignored as OpenAPI says), cookie (form, percent-encoded,
// one Cookie header), and body (see [Invoker.buildBody]).
//
// Argument problems are reported together as *[ArgumentError] values
// joined with [errors.Join]; any other error means the tool itself is
// inconsistent (a binding without parameter, a malformed template).
func (inv *Invoker) BuildRequest(ctx context.Context, t *Tool, args map[string]any) (*http.Request, error) {
	if t == nil || t.Operation == nil {
		return nil, errors.New("build request: tool has no operation")
	}
	op := t.Operation
	base, err := inv.baseFor(op)
	if err != nil {
		return nil, fmt.Errorf("build request for %s: %w", t.Name, err)
	}

	var (
		errs      []error
		pathVals  = make(map[string]pathArg)
		query     queryWriter
		headers   = make(http.Header, 4)
		cookies   []string
		bodyParts []boundArg
	)
	errs = inv.checkUnknownArgs(t, args, errs)
	for _, k := range slices.Sorted(maps.Keys(op.FixedQuery)) {
		query.add(queryEscape(k), queryEscape(op.FixedQuery[k]))
	}
	for i := range t.Bindings {
		b := &t.Bindings[i]
		v := args[b.Arg]
		if v == nil {
			if b.Required {
				errs = append(errs, argErrorf(b.Arg, "is required"))
			}
			continue
		}
		if b.Loc == LocBody || b.Loc == LocBodyField {
			bodyParts = append(bodyParts, boundArg{b, v})
			continue
		}
		if b.Param == nil {
			return nil, fmt.Errorf("build request for %s: argument %q has no parameter", t.Name, b.Arg)
		}
		if err := inv.checkType(b.Arg, b.Param.Schema, v); err != nil {
			errs = append(errs, err)
			continue
		}
		switch b.Loc {
		case LocPath:
			s, err := serializePath(b.Arg, b.Param, v)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			pathVals[b.Param.Name] = pathArg{arg: b.Arg, value: s}
		case LocQuery:
			if err := query.addParam(b.Arg, b.Param, v); err != nil {
				errs = append(errs, err)
			}
		case LocHeader:
			if err := inv.addHeaderParam(headers, b, v); err != nil {
				errs = append(errs, err)
			}
		case LocCookie:
			if !validToken(b.Param.Name) {
				return nil, fmt.Errorf("build request for %s: cookie parameter %q is not a valid cookie name", t.Name, b.Param.Name)
			}
			pairs, err := serializeCookie(b.Arg, b.Param, v)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			cookies = append(cookies, pairs...)
		default:
			return nil, fmt.Errorf("build request for %s: argument %q has unknown location %d", t.Name, b.Arg, b.Loc)
		}
	}

	path, missing, err := expandPath(op.Path, pathVals)
	if err != nil {
		var ae *ArgumentError
		if !errors.As(err, &ae) {
			return nil, fmt.Errorf("build request for %s: %w", t.Name, err)
		}
		errs = append(errs, err)
	}
	if err := unboundPathVariables(t, missing); err != nil {
		return nil, fmt.Errorf("build request for %s: %w", t.Name, err)
	}
	body, contentType, err := inv.buildBody(t, bodyParts)
	if err != nil {
		var ae *ArgumentError
		if !errors.As(err, &ae) {
			return nil, fmt.Errorf("build request for %s: %w", t.Name, err)
		}
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}

	escapedPath := base.path + path
	target := base.scheme + "://" + base.host + escapedPath
	if q := query.b.String(); q != "" {
		target += "?" + q
	}
	var bodyReader io.Reader
	if body != nil {
		bodyReader = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, op.Method, target, bodyReader)
	if err != nil {
		return nil, fmt.Errorf("build request for %s: %w", t.Name, err)
	}
	if req.URL.EscapedPath() != escapedPath {
		// Defence in depth: the parsed URL must send exactly the path we
		// escaped, or a decoded value could have become a delimiter.
		return nil, fmt.Errorf("build request for %s: the escaped path changed when parsed", t.Name)
	}
	for name, vs := range headers {
		req.Header[name] = vs
	}
	if len(cookies) > 0 {
		req.Header.Set("Cookie", strings.Join(cookies, "; "))
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Accept", acceptHeader(t))
	req.Header.Set("User-Agent", inv.userAgent)
	return req, nil
}

// boundArg is an argument value with its binding.
type boundArg struct {
	b *Binding
	v any
}

// checkUnknownArgs adds an error for every argument no binding uses, so a
// misspelt optional argument is reported instead of silently dropped.
func (inv *Invoker) checkUnknownArgs(t *Tool, args map[string]any, errs []error) []error {
	if len(args) == 0 {
		return errs
	}
	for _, name := range slices.Sorted(maps.Keys(args)) {
		if !slices.ContainsFunc(t.Bindings, func(b Binding) bool { return b.Arg == name }) {
			errs = append(errs, argErrorf(name, "is not a parameter of this tool"))
		}
	}
	return errs
}

// unboundPathVariables fails when a path template variable has no binding
// at all (an inconsistent tool, unlike a missing argument).
func unboundPathVariables(t *Tool, missing []string) error {
	for _, name := range missing {
		bound := slices.ContainsFunc(t.Bindings, func(b Binding) bool {
			return b.Loc == LocPath && b.Param != nil && b.Param.Name == name
		})
		if !bound {
			return fmt.Errorf("path variable %q has no binding", name)
		}
	}
	return nil
}

// addHeaderParam serialises and sets one header parameter.
func (inv *Invoker) addHeaderParam(h http.Header, b *Binding, v any) error {
	name := b.Param.Name
	if !validToken(name) {
		return fmt.Errorf("header parameter %q is not a valid header name", name)
	}
	send, refuse := inv.headerParamPolicy(name)
	if refuse {
		return argErrorf(b.Arg, "sets header %q, which tool arguments may not set", name)
	}
	if !send {
		return nil
	}
	s, err := serializeHeader(b.Arg, b.Param, v)
	if err != nil {
		return err
	}
	if !validHeaderValue(s) {
		return argErrorf(b.Arg, "must not contain control characters such as CR or LF")
	}
	h.Set(name, s)
	return nil
}

// acceptHeader prefers the success response's media type.
func acceptHeader(t *Tool) string {
	s := t.Operation.Success
	if s != nil && s.ContentType != "" && !hasWildcard(s.ContentType) && validHeaderValue(s.ContentType) {
		return s.ContentType + ", */*;q=0.1"
	}
	return "*/*"
}
