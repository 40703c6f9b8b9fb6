package mcpgen_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/rest2mcp/rest2mcp/mcpgen"
	"github.com/rest2mcp/rest2mcp/openapi"
)

func ExampleInvoker_Call() {
	// A stand-in for the upstream REST API.
	upstream := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"id": 7, "path": "`+r.URL.EscapedPath()+`", "key": "`+r.Header.Get("X-Api-Key")+`"}`)
	}))
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println(err)
		return
	}
	upstream.Listener = l
	upstream.Start()
	defer upstream.Close()

	inv, err := mcpgen.NewInvoker(mcpgen.InvokerOptions{
		BaseURL: upstream.URL + "/v1",
		Client:  &http.Client{},
		Credentials: func(ctx context.Context, req *http.Request, t *mcpgen.Tool) error {
			req.Header.Set("X-Api-Key", "upstream-key")
			return nil
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	id := &openapi.Parameter{Name: "petId", In: openapi.InPath, Style: "simple", Schema: openapi.Schema{"type": "string"}}
	tool := &mcpgen.Tool{
		Name:      "get_pet",
		Operation: &openapi.Operation{Method: "GET", Path: "/pets/{petId}", Parameters: []*openapi.Parameter{id}},
		Bindings:  []mcpgen.Binding{{Arg: "petId", Loc: mcpgen.LocPath, Name: "petId", Param: id, Required: true}},
	}
	res := inv.Call(context.Background(), tool, map[string]any{"petId": "a/../b"})
	fmt.Println(res.Status, res.MCP.IsError)
	fmt.Println(res.MCP.Content[0].(mcp.TextContent).Text)
	// Output:
	// 200 false
	// {"id":7,"path":"/v1/pets/a%2F..%2Fb","key":"upstream-key"}
}
