package mcpgen

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
)

// Budget is what a list of tools costs a model: the size of the tools
// array of tools/list and an estimate of its tokens.
type Budget struct {
	Tools  int `json:"tools"`
	Bytes  int `json:"bytes"`
	Tokens int `json:"estimatedTokens"`
	// Largest are the most expensive tools, largest first.
	Largest []ToolCost `json:"largest,omitempty"`
}

// ToolCost is the size of one tool definition.
type ToolCost struct {
	Name   string `json:"name"`
	Bytes  int    `json:"bytes"`
	Tokens int    `json:"estimatedTokens"`
}

// EstimateTokens estimates the tokens of n bytes of JSON tool definitions:
// one token per four bytes, the usual rule of thumb for English text and
// JSON with BPE tokenizers (measured tokenizers give 3.2–4.5 bytes per
// token on tool definitions; treat the figure as ±25 %).
func EstimateTokens(n int) int { return (n + 3) / 4 }

// MeasureBudget encodes each tool as tools/list does and returns the total
// and the top largest tools (top <= 0: none listed).
func MeasureBudget(tools []*Tool, top int) (Budget, error) {
	b := Budget{Tools: len(tools)}
	costs := make([]ToolCost, 0, len(tools))
	for _, t := range tools {
		raw, err := json.Marshal(t.MCPTool())
		if err != nil {
			return Budget{}, fmt.Errorf("encode tool %s: %w", t.Name, err)
		}
		costs = append(costs, ToolCost{Name: t.Name, Bytes: len(raw), Tokens: EstimateTokens(len(raw))})
		b.Bytes += len(raw)
	}
	if len(tools) > 1 {
		b.Bytes += len(tools) - 1 // array commas
	}
	b.Bytes += 2 // brackets
	b.Tokens = EstimateTokens(b.Bytes)
	if top > 0 {
		slices.SortStableFunc(costs, func(x, y ToolCost) int { return cmp.Compare(y.Bytes, x.Bytes) })
		b.Largest = costs[:min(top, len(costs))]
	}
	return b, nil
}
