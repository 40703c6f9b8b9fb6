package openapi

import (
	"context"
	"testing"
	"time"
)

// FuzzLoad feeds arbitrary documents to Load: it must not panic, must not
// read outside the document, and must finish in bounded time.
func FuzzLoad(f *testing.F) {
	for _, seed := range []string{
		`{"openapi":"3.0.0","info":{"title":"t","version":"1"},"paths":{"/a/{id}":{"get":{"parameters":[{"name":"id","in":"path","schema":{"type":"string","nullable":true}}],"responses":{"200":{"description":"ok"}}}}}}`,
		"openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n  /x?a=b:\n    post:\n      requestBody: {content: {application/json: {schema: {$ref: '#/components/schemas/N'}}}}\n      responses: {default: {description: d}}\ncomponents:\n  schemas:\n    N: {type: [object, 'null'], properties: {n: {$ref: '#/components/schemas/N'}}}\n",
		`{"swagger":"2.0","info":{"title":"t","version":"1"},"host":"h","paths":{"/f":{"post":{"consumes":["multipart/form-data"],"parameters":[{"name":"f","in":"formData","type":"file"}],"responses":{"200":{"description":"ok"}}}}}}`,
		"openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths:\n  /e:\n    get: {$ref: '../../etc/passwd'}\n",
		"openapi: 3.0.0\npaths: {/x: {get: {responses: {200: {$ref: '#/nope'}}}}}\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		start := time.Now()
		doc, err := Load(ctx, Source{Data: data, Name: "fuzz"}, &LoadOptions{MaxBytes: 1 << 20})
		if d := time.Since(start); d > 10*time.Second {
			t.Fatalf("Load took %v", d)
		}
		if err != nil {
			return
		}
		for _, op := range doc.Operations {
			if op.Method == "" || op.Pointer == "" {
				t.Fatalf("incomplete operation %+v", op)
			}
			for _, p := range op.Parameters {
				if p.Schema == nil {
					t.Fatalf("parameter %q has nil schema", p.Name)
				}
			}
		}
		_ = doc.Diagnostics.Format()
	})
}

// FuzzFastDecode feeds arbitrary JSON to the fast decoder and its
// reference resolution: they must not panic (Load would fall back to
// kin-openapi, hiding the bug).
func FuzzFastDecode(f *testing.F) {
	for _, seed := range []string{
		`{"openapi":"3.0.0","info":{"title":"t","version":"1"},"paths":{"/a/{id}":{"get":{"parameters":[{"name":"id","in":"path","schema":{"type":"string","nullable":true}}],"responses":{"200":{"description":"ok"}}}}}}`,
		`{"openapi":"3.1.0","paths":{"/p":{"post":{"requestBody":{"$ref":"#/components/requestBodies/B"},"responses":{"200":{"$ref":"#/components/responses/R"}}}}},"components":{"schemas":{"S":{"type":["string","null"],"items":[true,{"$ref":"#/components/schemas/S"}],"exclusiveMinimum":9007199254740993}},"requestBodies":{"B":{"content":{"application/json":{"schema":{"$ref":"#/components/schemas/S","description":"d"}}}}},"responses":{"R":{"description":"r"}}},"webhooks":{"w":{}}}`,
		`{"openapi":"3.0.3","paths":{"/x":{"get":{"parameters":[{"$ref":"#/components/parameters/P"}],"responses":{"default":{"description":"d","content":{"a/b":{"schema":{"allOf":[{"$ref":"#/components/schemas/A"}],"minLength":"x","enum":5}}}}}}}},"components":{"parameters":{"P":{"name":"p","in":"query","explode":1}},"schemas":{"A":{"$ref":"#/components/schemas/A"}}}}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, v := range []string{"3.0.3", "3.1.0"} {
			doc, _, err := fastDecode(data, specVersion{version: v}, "fuzz")
			if err == nil {
				resolveLocal(doc)
			}
		}
	})
}
