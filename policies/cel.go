package policies

import (
	"fmt"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types"
)

// Bounds on rule conditions. They keep a hostile or careless policy from
// making a decision expensive.
const (
	celMaxExpressionBytes = 4096
	celCostLimit          = 100_000
)

// CEL variable names, shared by the environment and the activation.
const (
	celClaims   = "claims"
	celScopes   = "scopes"
	celSubject  = "subject"
	celIssuer   = "issuer"
	celClientID = "clientId"
)

// newCELEnv returns the environment rule conditions compile in.
func newCELEnv() (*cel.Env, error) {
	env, err := cel.NewEnv(
		cel.Variable(celClaims, cel.MapType(cel.StringType, cel.DynType)),
		cel.Variable(celScopes, cel.ListType(cel.StringType)),
		cel.Variable(celSubject, cel.StringType),
		cel.Variable(celIssuer, cel.StringType),
		cel.Variable(celClientID, cel.StringType),
		cel.ParserExpressionSizeLimit(celMaxExpressionBytes),
	)
	if err != nil {
		return nil, fmt.Errorf("create CEL environment: %w", err)
	}
	return env, nil
}

// compileCondition compiles a rule condition once. The expression must be
// of type bool (or dyn, checked when evaluated).
func compileCondition(env *cel.Env, expr string) (cel.Program, error) {
	ast, iss := env.Compile(expr)
	if err := iss.Err(); err != nil {
		return nil, err
	}
	if out := ast.OutputType(); !out.IsExactType(cel.BoolType) && !out.IsExactType(cel.DynType) {
		return nil, fmt.Errorf("condition has type %s, want bool", out)
	}
	prg, err := env.Program(ast, cel.CostLimit(celCostLimit))
	if err != nil {
		return nil, fmt.Errorf("plan condition: %w", err)
	}
	return prg, nil
}

// evalCondition evaluates prg for s. An evaluation error (a missing claim,
// a non-bool result, the cost limit) yields onError, so callers fail
// closed: deny rules pass true, allow rules false.
func evalCondition(prg cel.Program, s *Subject, onError bool) bool {
	if s == nil {
		s = &Subject{}
	}
	out, _, err := prg.Eval((*celVars)(s))
	if err != nil {
		return onError
	}
	b, ok := out.(types.Bool)
	if !ok {
		return onError
	}
	return bool(b)
}

// celVars exposes a [Subject] to CEL without building a map per call.
type celVars Subject

// ResolveName implements cel.Activation.
func (v *celVars) ResolveName(name string) (any, bool) {
	switch name {
	case celClaims:
		if v.Claims == nil {
			return map[string]any{}, true
		}
		return v.Claims, true
	case celScopes:
		if v.Scopes == nil {
			return []string{}, true
		}
		return v.Scopes, true
	case celSubject:
		return v.Subject, true
	case celIssuer:
		return v.Issuer, true
	case celClientID:
		return v.ClientID, true
	}
	return nil, false
}

// Parent implements cel.Activation.
func (v *celVars) Parent() cel.Activation { return nil }
