package policies

import "testing"

// benchSets returns a set without conditions and one with the rules of
// rulesPolicy.
func benchSets(tb testing.TB) (plain, withCEL *Set) {
	tb.Helper()
	plain = mustCompile(tb, mustParse(tb, "hierarchy: {pets:admin: [pets:write], pets:write: [pets:read]}"), petDoc())
	withCEL = mustCompile(tb, mustParse(tb, rulesPolicy), petDoc())
	return plain, withCEL
}

func TestDecideAllowDoesNotAllocate(t *testing.T) {
	plain, _ := benchSets(t)
	sub := plain.NewSubject(Subject{Subject: "alice", Scopes: []string{"openid", "pets:admin"}})
	for _, tool := range []string{"listPets", "createPet", "getPet", "updatePet", "inventory", "health"} {
		var d Decision
		allocs := testing.AllocsPerRun(100, func() { d = plain.Decide(tool, sub) })
		if !d.Allow {
			t.Fatalf("Decide(%q) = %+v, want allowed", tool, d)
		}
		if allocs != 0 {
			t.Errorf("Decide(%q) allocates %.0f times per call, want 0", tool, allocs)
		}
	}
}

func BenchmarkDecide(b *testing.B) {
	plain, withCEL := benchSets(b)
	admin := plain.NewSubject(Subject{Subject: "alice", Scopes: []string{"openid", "pets:admin"}})
	reader := plain.NewSubject(Subject{Subject: "bob", Scopes: []string{"pets:read"}})
	celSub := withCEL.NewSubject(Subject{Subject: "carol", Scopes: []string{"pets:owner"},
		Claims: map[string]any{"groups": []any{"users", "admins"}, "tid": "t1"}})
	cases := []struct {
		name string
		set  *Set
		tool string
		sub  *Subject
		want bool
	}{
		{"allow", plain, "createPet", admin, true},
		{"allow_or_second_alternative", plain, "getPet", admin, true},
		{"deny_insufficient_scope", plain, "createPet", reader, false},
		{"deny_unknown_tool", plain, "nope", reader, false},
		{"cel_allow", withCEL, "deletePet", celSub, true},
		{"cel_deny_rule", withCEL, "listPets", withCEL.NewSubject(Subject{Claims: map[string]any{"tid": "t2"}}), false},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			if d := c.set.Decide(c.tool, c.sub); d.Allow != c.want {
				b.Fatalf("Decide(%q) = %+v, want allow %v", c.tool, d, c.want)
			}
			b.ReportAllocs()
			for b.Loop() {
				c.set.Decide(c.tool, c.sub)
			}
		})
	}
}
