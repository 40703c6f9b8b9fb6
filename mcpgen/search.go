package mcpgen

import (
	"cmp"
	"math"
	"slices"
	"strings"
)

// SearchIndex ranks tools against plain-language queries with BM25F over
// the fields of each tool (name, summary, a verb derived from the HTTP
// method, tags, path words, description and parameter names), light
// stemming and synonyms: a small table of generic verbs and pronouns, and
// abbreviations derived from the spec's own vocabulary (a term that is a
// prefix of another and occurs with it in the same operations, as GitHub's
// "repo" and "repository", "org" and "organization"). Near spellings that
// share a long prefix ("register", "registrant") match at a lower weight.
// No network and no model is involved. An index is immutable and safe for
// concurrent use.
type SearchIndex struct {
	tools []*Tool
	docs  []searchDoc
	// df counts the documents containing each term outside the derived
	// verb field; every indexed term has an entry.
	df map[string]int
	// avgLen is the mean length of each field.
	avgLen [numFields]float64
	// abbrev links a term to the spec terms it abbreviates or that
	// abbreviate it.
	abbrev map[string][]string
	// vocab is every indexed term, sorted (for near spellings).
	vocab []string
	// postings lists the documents containing each term, ascending.
	postings map[string][]int32
}

// Indexed fields.
const (
	fieldName = iota
	fieldSummary
	fieldVerb
	fieldTag
	fieldPath
	fieldDesc
	fieldParam
	numFields
)

// fieldWeight and fieldB are the BM25F weight and length normalisation of
// each field: a term in a tool's name or summary says more about the
// operation than one in a parameter name, and a short name that matches
// beats a long one that also matches.
var (
	fieldWeight = [numFields]float64{3, 2.5, 2, 1.2, 1.2, 0.5, 0.3}
	fieldB      = [numFields]float64{0.75, 0.6, 0, 0.3, 0.5, 0.75, 0.5}
)

const (
	bm25K1 = 1.2
	// maxDescWords bounds the description words indexed: long
	// descriptions are mostly prose about edge cases.
	maxDescWords = 60
	// synonymWeight scales a query term's synonyms and abbreviations;
	// nearWeight its near spellings.
	synonymWeight = 0.7
	nearWeight    = 0.5
	// orderBonus rewards each pair of consecutive query terms found in the
	// same order in the name or summary ("tasks in a project" prefers
	// getTasksForProject to getProjectsForTask).
	orderBonus = 0.15
	// coverageBonus rewards names and summaries that say little besides
	// what was asked ("List pull requests" for "list pull requests").
	coverageBonus = 0.6
	// readBonus favours GET operations for requests without an action
	// verb.
	readBonus = 0.3
	// deprecatedFactor ranks deprecated operations below their
	// replacements.
	deprecatedFactor = 0.6
)

// searchDoc is one tool's term frequencies per field.
type searchDoc struct {
	tf  map[string]*[numFields]float64
	len [numFields]float64
	// seq is the term sequence of the name and the summary, for the order
	// bonus.
	seq        []string
	deprecated bool
	// read is set for GET operations.
	read bool
}

// SearchHit is one ranked result of [SearchIndex.Search].
type SearchHit struct {
	Tool  *Tool
	Score float64
}

// NewSearchIndex indexes tools. The tools are shared, not copied.
func NewSearchIndex(tools []*Tool) *SearchIndex {
	ix := &SearchIndex{tools: tools, docs: make([]searchDoc, len(tools)), df: map[string]int{}, postings: map[string][]int32{}}
	pairs := map[[2]string]int{}
	for i, t := range tools {
		d := searchDoc{tf: map[string]*[numFields]float64{}}
		add := func(field int, text string, limit int) []string {
			terms := searchTerms(text)
			if limit > 0 && len(terms) > limit {
				terms = terms[:limit]
			}
			for _, term := range terms {
				c := d.tf[term]
				if c == nil {
					c = new([numFields]float64)
					d.tf[term] = c
				}
				c[field]++
				d.len[field]++
			}
			return terms
		}
		op := t.Operation
		name := t.Name
		if op != nil && op.ID != "" {
			name = op.ID
		}
		d.seq = append(d.seq, add(fieldName, name, 0)...)
		if op != nil {
			summary := op.Summary
			if summary == "" {
				summary = firstSentence(op.Description)
			}
			d.seq = append(d.seq, add(fieldSummary, summary, 0)...)
			add(fieldDesc, op.Description, maxDescWords)
			for _, tag := range op.Tags {
				add(fieldTag, tag, 0)
			}
			add(fieldPath, pathWords(op.Path), 0)
			add(fieldVerb, methodVerb(op.Method, op.Path), 0)
			for _, p := range op.Parameters {
				add(fieldParam, p.Name, 0)
			}
			d.deprecated = op.Deprecated
			d.read = strings.EqualFold(op.Method, "GET")
		} else {
			d.seq = append(d.seq, add(fieldSummary, t.Title, 0)...)
			add(fieldDesc, t.Description, maxDescWords)
		}
		for term := range d.tf {
			ix.postings[term] = append(ix.postings[term], int32(i))
		}
		for term, c := range d.tf {
			// The derived verb does not count for rarity (every POST
			// would make "create" common), only for being known.
			if c[fieldVerb] == 0 || c[fieldVerb] < sumFields(c) {
				ix.df[term]++
			} else if _, ok := ix.df[term]; !ok {
				ix.df[term] = 0
			}
			for n := 3; n < len(term); n++ {
				if d.tf[term[:n]] != nil {
					pairs[[2]string{term[:n], term}]++
				}
			}
		}
		for f := range numFields {
			ix.avgLen[f] += d.len[f]
		}
		ix.docs[i] = d
	}
	for f := range numFields {
		if len(tools) > 0 {
			ix.avgLen[f] /= float64(len(tools))
		}
		if ix.avgLen[f] == 0 {
			ix.avgLen[f] = 1
		}
	}
	// An abbreviation occurs with its long form in at least two
	// operations and in a tenth of its own.
	ix.abbrev = map[string][]string{}
	for p, n := range pairs {
		if n >= 2 && float64(n) >= 0.1*float64(ix.df[p[0]]) {
			ix.abbrev[p[0]] = append(ix.abbrev[p[0]], p[1])
			ix.abbrev[p[1]] = append(ix.abbrev[p[1]], p[0])
		}
	}
	for k, v := range ix.abbrev {
		slices.Sort(v)
		ix.abbrev[k] = v
	}
	for term := range ix.df {
		ix.vocab = append(ix.vocab, term)
	}
	slices.Sort(ix.vocab)
	return ix
}

// Len returns the number of indexed tools.
func (ix *SearchIndex) Len() int { return len(ix.tools) }

// Search returns up to limit tools ranked by relevance to query, best
// first (ties by name). allow, when not nil, filters the candidates (for
// visibility). A query without known terms returns nothing.
func (ix *SearchIndex) Search(query string, limit int, allow func(*Tool) bool) []SearchHit {
	if limit <= 0 || len(ix.tools) == 0 {
		return nil
	}
	groups, order := ix.queryGroups(query)
	if len(groups) == 0 {
		return nil
	}
	n := float64(len(ix.tools))
	// A group counts as one term whose documents are those containing
	// any of its alternatives (so a rare synonym does not outweigh the
	// common word the user wrote); weights[i][term] is the alternative's
	// query weight times the group's idf.
	weights := make([]map[string]float64, len(groups))
	// candidate marks the documents containing some query term: only
	// they are scored.
	candidate := make([]bool, len(ix.docs))
	groupHas := make([]bool, len(ix.docs))
	for i, g := range groups {
		clear(groupHas)
		df := 0
		for term := range g.alts {
			for _, j := range ix.postings[term] {
				if !groupHas[j] {
					groupHas[j], candidate[j] = true, true
					df++
				}
			}
		}
		idf := math.Log(1 + (n-float64(df)+0.5)/(float64(df)+0.5))
		weights[i] = map[string]float64{}
		for term, qw := range g.alts {
			weights[i][term] = qw * idf
		}
	}
	// A request without an action verb ("who is in a team", "albums I
	// saved") is a lookup.
	lookup := !slices.ContainsFunc(groups, func(g queryGroup) bool {
		return slices.ContainsFunc([]string{"creat", "updat", "delet"}, func(v string) bool { return g.alts[v] > 0 })
	})
	var hits []SearchHit
	for i := range ix.docs {
		if !candidate[i] {
			continue
		}
		d := &ix.docs[i]
		var score float64
		matched := 0
		for _, g := range weights {
			var best float64
			for term, w := range g {
				c := d.tf[term]
				if c == nil {
					continue
				}
				var tf float64
				for f := range numFields {
					if c[f] > 0 {
						tf += fieldWeight[f] * c[f] / (1 - fieldB[f] + fieldB[f]*d.len[f]/ix.avgLen[f])
					}
				}
				if s := w * tf / (bm25K1 + tf); s > best {
					best = s
				}
			}
			if best > 0 {
				matched++
				score += best
			}
		}
		if score <= 0 {
			continue
		}
		if allow != nil && !allow(ix.tools[i]) {
			continue
		}
		// Coordination: a tool matching every part of the request beats
		// one matching a single part very well.
		score *= 0.5 + 0.5*float64(matched)/float64(len(groups))
		score += orderBonus * float64(inOrder(d.seq, order))
		score += coverageBonus * coverage(d.seq, weights)
		if lookup && d.read {
			score += readBonus
		}
		if d.deprecated {
			score *= deprecatedFactor
		}
		hits = append(hits, SearchHit{Tool: ix.tools[i], Score: score})
	}
	slices.SortFunc(hits, func(a, b SearchHit) int {
		if c := cmp.Compare(b.Score, a.Score); c != 0 {
			return c
		}
		return cmp.Compare(a.Tool.Name, b.Tool.Name)
	})
	if len(hits) > limit {
		hits = hits[:limit]
	}
	return hits
}

// sumFields is the total frequency of a term over all fields.
func sumFields(c *[numFields]float64) float64 {
	var n float64
	for _, v := range c {
		n += v
	}
	return n
}

// coverage is the share of the terms of seq that some query group
// matches.
func coverage(seq []string, groups []map[string]float64) float64 {
	if len(seq) == 0 {
		return 0
	}
	n := 0
	for _, t := range seq {
		for _, g := range groups {
			if g[t] > 0 {
				n++
				break
			}
		}
	}
	return float64(n) / float64(len(seq))
}

// inOrder counts the consecutive pairs of terms that occur in seq in the
// same order.
func inOrder(seq, terms []string) int {
	n := 0
	for i := 0; i+1 < len(terms); i++ {
		a := slices.Index(seq, terms[i])
		if a < 0 {
			continue
		}
		if slices.Contains(seq[a+1:], terms[i+1]) {
			n++
		}
	}
	return n
}

// queryGroup is one query word with its weighted alternatives: the term
// itself (weight 1, orig), its synonyms and abbreviations (synonymWeight)
// and near spellings (nearWeight), each restricted to terms the index
// knows. A word contributes the best of its group.
type queryGroup struct {
	orig string
	alts map[string]float64
}

// queryGroups returns the groups of a query and its known terms in order.
func (ix *SearchIndex) queryGroups(query string) (groups []queryGroup, order []string) {
	seen := map[string]bool{}
	for _, term := range searchTerms(query) {
		if seen[term] {
			continue
		}
		seen[term] = true
		g := queryGroup{alts: map[string]float64{}}
		put := func(t string, v float64) {
			if _, ok := ix.df[t]; ok && g.alts[t] < v {
				g.alts[t] = v
			}
		}
		_, known := ix.df[term]
		if known {
			g.orig = term
			g.alts[term] = 1
			order = append(order, term)
		}
		for _, syn := range searchSynonyms[term] {
			put(syn, synonymWeight)
		}
		for _, ab := range ix.abbrev[term] {
			put(ab, synonymWeight)
		}
		for _, near := range ix.near(term) {
			put(near, nearWeight)
		}
		if len(g.alts) == 0 {
			continue
		}
		// Two words of one synonym class ("open a new") are one part of
		// the request.
		merged := false
		for _, prev := range groups {
			if prev.alts[term] > 0 {
				for t, v := range g.alts {
					prev.alts[t] = max(prev.alts[t], v)
				}
				merged = true
				break
			}
		}
		if !merged {
			groups = append(groups, g)
		}
	}
	// Pronouns and question words are stop words, unless the spec names
	// the caller or people ("/user/repos" is "my repositories").
	for _, w := range rawWords(query) {
		if syns, ok := pronounSynonyms[w]; ok && !seen[w] {
			seen[w] = true
			g := queryGroup{alts: map[string]float64{}}
			for _, s := range syns {
				if _, ok := ix.df[stem(s)]; ok {
					g.alts[stem(s)] = synonymWeight
				}
			}
			if len(g.alts) > 0 {
				groups = append(groups, g)
			}
		}
	}
	return groups, order
}

// near returns the indexed terms sharing a long prefix with term (at
// least 5 letters and three quarters of the shorter word).
func (ix *SearchIndex) near(term string) []string {
	if len(term) < 5 {
		return nil
	}
	var out []string
	i, _ := slices.BinarySearch(ix.vocab, term[:5])
	for ; i < len(ix.vocab) && strings.HasPrefix(ix.vocab[i], term[:5]); i++ {
		v := ix.vocab[i]
		common := 0
		for common < len(v) && common < len(term) && v[common] == term[common] {
			common++
		}
		if 4*common >= 3*min(len(v), len(term)) {
			out = append(out, v)
		}
	}
	return out
}

// methodVerb returns the verb a user would use for an operation: "list"
// for a GET on a collection, "get" for a GET on an item, "create" for
// POST, "update" for PUT and PATCH, "delete" for DELETE.
func methodVerb(method, path string) string {
	switch strings.ToUpper(method) {
	case "GET", "HEAD":
		segs := strings.Split(strings.Trim(path, "/"), "/")
		if last := segs[len(segs)-1]; strings.HasPrefix(last, "{") {
			return "get"
		}
		return "list"
	case "POST":
		return "create"
	case "PUT", "PATCH":
		return "update"
	case "DELETE":
		return "delete"
	}
	return ""
}

// pathWords returns the literal words of a path template (parameters and
// ".json" suffixes left out).
func pathWords(path string) string {
	var b strings.Builder
	for _, seg := range strings.Split(path, "/") {
		if strings.HasPrefix(seg, "{") {
			continue
		}
		b.WriteString(strings.TrimSuffix(seg, ".json"))
		b.WriteByte(' ')
	}
	return b.String()
}

// firstSentence returns text up to its first full stop or line break.
func firstSentence(text string) string {
	if i := strings.IndexAny(text, ".\n"); i >= 0 {
		return text[:i]
	}
	return text
}

// searchStopWords are left out of documents and queries.
var searchStopWords = map[string]bool{
	"a": true, "an": true, "the": true, "of": true, "for": true, "to": true, "in": true, "on": true,
	"by": true, "with": true, "and": true, "or": true, "from": true, "this": true, "that": true,
	"is": true, "are": true, "be": true, "it": true, "its": true, "as": true, "at": true, "can": true,
	"do": true, "how": true, "what": true, "which": true, "some": true, "any": true, "you": true,
	"your": true, "please": true, "i": true, "me": true, "my": true, "we": true, "our": true,
	"want": true, "need": true, "into": true, "about": true, "there": true, "will": true,
	"would": true, "should": true, "using": true, "via": true, "every": true,
	"all": true, "who": true, "whose": true, "s": true, "if": true, "not": true,
	"someone": true, "something": true, "own": true, "given": true, "specific": true, "specified": true,
}

// searchSynonyms are generic verb synonyms (stemmed), the same for every
// API: CRUD verbs as users say them.
var searchSynonyms = func() map[string][]string {
	groups := [][]string{
		{"get", "fetch", "retrieve", "read", "show", "view", "see", "look", "detail"},
		{"list", "enumerate", "browse", "show", "get"},
		{"create", "add", "new", "make", "post", "open", "upload", "send", "insert", "publish", "schedule", "put"},
		{"delete", "remove", "destroy", "erase", "drop", "unfollow", "revoke", "kick"},
		{"update", "edit", "change", "modify", "set", "patch", "rename", "replace"},
		{"search", "find", "query", "lookup"},
		{"request", "ask", "invite"},
		{"current", "now", "currently"},
		{"stop", "end", "cancel", "terminate"},
		{"play", "start", "resume"},
		{"buy", "purchase", "order"},
	}
	m := map[string][]string{}
	for _, g := range groups {
		for _, w := range g {
			w = stem(w)
			for _, o := range g {
				if o = stem(o); o != w && !slices.Contains(m[w], o) {
					m[w] = append(m[w], o)
				}
			}
		}
	}
	return m
}()

// pronounSynonyms map first-person and question words to how APIs name
// the caller and people.
var pronounSynonyms = map[string][]string{
	"my":   {"authenticated", "current", "me"},
	"me":   {"authenticated", "current", "me"},
	"mine": {"authenticated", "current", "me"},
	"i":    {"authenticated", "current", "me"},
	"who":  {"user", "member", "participant", "collaborator", "people", "attendee"},
}

// rawWords splits text into lower-case words without stemming or stop
// words.
func rawWords(text string) []string {
	return strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9')
	})
}

// searchTerms splits text into stemmed lower-case terms: camelCase,
// snake_case, kebab-case, paths and punctuation all separate words; stop
// words are dropped.
func searchTerms(text string) []string {
	var terms []string
	var word []rune
	flush := func() {
		if len(word) == 0 {
			return
		}
		w := strings.ToLower(string(word))
		word = word[:0]
		if searchStopWords[w] {
			return
		}
		terms = append(terms, stem(w))
	}
	runes := []rune(text)
	for i, r := range runes {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			word = append(word, r)
		case r >= 'A' && r <= 'Z':
			// A capital starts a word unless it continues an acronym
			// ("getURLs" is "get" and "urls").
			if len(word) > 0 {
				prevUpper := runes[i-1] >= 'A' && runes[i-1] <= 'Z'
				nextLower := i+2 < len(runes) && isLower(runes[i+1]) && isLower(runes[i+2])
				if !prevUpper || nextLower {
					flush()
				}
			}
			word = append(word, r)
		default:
			flush()
		}
	}
	flush()
	return terms
}

func isLower(r rune) bool { return r >= 'a' && r <= 'z' }

// stem removes common English inflections so that "repositories" and
// "repository" meet, and "created" and "create". It is deliberately
// light: the same function runs on documents and queries, so it only has
// to be consistent.
func stem(w string) string {
	n := len(w)
	switch {
	case n > 4 && strings.HasSuffix(w, "ies"):
		return w[:n-3] + "y"
	case n > 4 && strings.HasSuffix(w, "sses"):
		return w[:n-2]
	case n > 4 && (strings.HasSuffix(w, "ches") || strings.HasSuffix(w, "shes") || strings.HasSuffix(w, "xes")):
		return w[:n-2]
	case n > 3 && strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss") && !strings.HasSuffix(w, "us") && !strings.HasSuffix(w, "is"):
		w = w[:n-1]
	case n > 5 && strings.HasSuffix(w, "ing"):
		w = w[:n-3]
	case n > 4 && strings.HasSuffix(w, "ed") && !strings.HasSuffix(w, "eed"):
		w = w[:n-2]
	}
	if n := len(w); n > 4 && strings.HasSuffix(w, "e") {
		return w[:n-1]
	}
	return w
}
