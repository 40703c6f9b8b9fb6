package mcpgen_test

import (
	"context"
	"fmt"

	"github.com/rest2mcp/rest2mcp/mcpgen"
	"github.com/rest2mcp/rest2mcp/openapi"
)

func ExampleGenerate() {
	spec := []byte(`
openapi: 3.0.3
info: {title: Pets, version: "1"}
paths:
  /pets/{petId}:
    get:
      operationId: pets/get
      summary: Get a pet
      parameters:
        - {name: petId, in: path, required: true, schema: {type: integer}}
      responses:
        "200":
          description: The pet.
          content:
            application/json:
              schema:
                type: array
                items: {type: string}
`)
	doc, err := openapi.Load(context.Background(), openapi.Source{Data: spec, Name: "pets.yaml"}, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	tools, _ := mcpgen.Generate(doc, &mcpgen.Options{Prefix: "zoo_"})
	for _, t := range tools {
		fmt.Println(t.Name, "|", t.Title, "| wrapped:", t.OutputWrapped, "| read-only:", t.Annotations.ReadOnly)
		fmt.Println(string(t.InputSchema))
	}
	// Output:
	// zoo_pets_get | Get a pet | wrapped: true | read-only: true
	// {"properties":{"petId":{"type":"integer"}},"required":["petId"],"type":"object"}
}
