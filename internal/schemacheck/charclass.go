package schemacheck

import (
	"regexp"
	"regexp/syntax"
	"strconv"
	"unicode/utf8"
)

// patternMatcher matches a string against a schema pattern.
type patternMatcher interface{ Match([]byte) bool }

// byteSet is a set of bytes: 32 bytes, one cache line, where a [256]bool
// table took four.
type byteSet [4]uint64

func (s *byteSet) add(c byte)      { s[c>>6] |= 1 << (c & 63) }
func (s *byteSet) has(c byte) bool { return s[c>>6]&(1<<(c&63)) != 0 }

// classPattern matches the common pattern shape ^[class]{min,max}$ (or *, +,
// ?, or no quantifier) with a byte table instead of the regexp engine. Only
// ASCII classes are compiled this way, so byte length is character count.
type classPattern struct {
	set      byteSet
	min, max int // max -1: unbounded
}

func (p *classPattern) Match(b []byte) bool {
	if len(b) < p.min || p.max >= 0 && len(b) > p.max {
		return false
	}
	for _, c := range b {
		if !p.set.has(c) {
			return false
		}
	}
	return true
}

// compilePattern returns a byte-table matcher for simple patterns, a set for
// patterns with few matches, and the regexp (compiled as kin-openapi compiles
// it) for the rest.
func compilePattern(pattern string) (patternMatcher, error) {
	if p, ok := parseClassPattern(pattern); ok {
		return p, nil
	}
	kp := kinPattern(pattern)
	re, err := regexp.Compile(kp)
	if err != nil {
		return nil, err
	}
	if m, ok := compileSyntax(kp); ok {
		return m, nil
	}
	return re, nil
}

// compileSyntax compiles two more shapes without the regexp engine: a pattern
// with a small finite language (^(0[1-9]|1[0-2]|[1-9])$) and a literal prefix
// followed by one unbounded class (^https://[^\s]+$, or \S unanchored).
func compileSyntax(pattern string) (patternMatcher, bool) {
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return nil, false
	}
	re = re.Simplify()
	if re.Op == syntax.OpCharClass {
		// Unanchored single class: the string contains one such character.
		if c, ok := byteClass(re); ok {
			return containsClass{c}, true
		}
		return nil, false
	}
	if re.Op != syntax.OpConcat || len(re.Sub) < 3 || re.Sub[0].Op != syntax.OpBeginText || re.Sub[len(re.Sub)-1].Op != syntax.OpEndText {
		return nil, false
	}
	body := re.Sub[1 : len(re.Sub)-1]
	if set, ok := finiteLanguage(body, 256); ok {
		m := make(setPattern, len(set))
		for _, w := range set {
			m[w] = struct{}{}
		}
		return m, true
	}
	if len(body) == 2 && body[0].Op == syntax.OpLiteral && body[0].Flags&syntax.FoldCase == 0 && body[1].Op == syntax.OpPlus &&
		body[1].Sub[0].Op == syntax.OpCharClass {
		if c, ok := byteClass(body[1].Sub[0]); ok {
			return prefixedClass{prefix: string(body[0].Rune), class: c}, true
		}
	}
	return nil, false
}

// finiteLanguage lists every string a concatenation matches, if there are at
// most limit of them.
func finiteLanguage(seq []*syntax.Regexp, limit int) ([]string, bool) {
	out := []string{""}
	for _, re := range seq {
		words, ok := language(re, limit)
		if !ok || len(out)*len(words) > limit {
			return nil, false
		}
		next := make([]string, 0, len(out)*len(words))
		for _, a := range out {
			for _, b := range words {
				next = append(next, a+b)
			}
		}
		out = next
	}
	return out, true
}

func language(re *syntax.Regexp, limit int) ([]string, bool) {
	switch re.Op {
	case syntax.OpLiteral, syntax.OpCharClass:
		// ASCII only, so that invalid UTF-8 (U+FFFD to the regexp engine)
		// cannot match where the set does not.
		for _, r := range re.Rune {
			if r >= utf8.RuneSelf {
				return nil, false
			}
		}
	}
	switch re.Op {
	case syntax.OpLiteral:
		if re.Flags&syntax.FoldCase != 0 {
			return nil, false
		}
		return []string{string(re.Rune)}, true
	case syntax.OpCharClass:
		var out []string
		for i := 0; i+1 < len(re.Rune); i += 2 {
			for r := re.Rune[i]; r <= re.Rune[i+1]; r++ {
				if len(out) >= limit {
					return nil, false
				}
				out = append(out, string(r))
			}
		}
		return out, true
	case syntax.OpCapture:
		return language(re.Sub[0], limit)
	case syntax.OpConcat:
		return finiteLanguage(re.Sub, limit)
	case syntax.OpAlternate:
		var out []string
		for _, sub := range re.Sub {
			words, ok := language(sub, limit)
			if !ok || len(out)+len(words) > limit {
				return nil, false
			}
			out = append(out, words...)
		}
		return out, true
	}
	return nil, false
}

// byteClass turns a character class into a byte table, when that is exact for
// a string of any length: the table decides every ASCII character, and the
// class holds either all non-ASCII runes (as [^\s] does) or none, so any byte
// from 0x80 up is in or out whatever rune it belongs to (invalid UTF-8 counts
// as U+FFFD, as in the regexp engine).
func byteClass(re *syntax.Regexp) (*byteSet, bool) {
	ranges := re.Rune
	var set byteSet
	for i := 0; i+1 < len(ranges); i += 2 {
		for c := ranges[i]; c <= ranges[i+1] && c < utf8.RuneSelf; c++ {
			set.add(byte(c))
		}
	}
	next := rune(utf8.RuneSelf) // the first non-ASCII rune not yet covered
	any := false
	for i := 0; i+1 < len(ranges); i += 2 {
		lo, hi := ranges[i], ranges[i+1]
		if hi < utf8.RuneSelf {
			continue
		}
		any = true
		if lo > next {
			return nil, false
		}
		next = max(next, hi+1)
	}
	if !any {
		return &set, true
	}
	if next <= utf8.MaxRune {
		return nil, false
	}
	for c := utf8.RuneSelf; c < 256; c++ {
		set.add(byte(c))
	}
	return &set, true
}

// setPattern matches the strings of a small finite language.
type setPattern map[string]struct{}

func (p setPattern) Match(b []byte) bool {
	_, ok := p[string(b)]
	return ok
}

// prefixedClass matches ^prefix[class]+$.
type prefixedClass struct {
	prefix string
	class  *byteSet
}

func (p prefixedClass) Match(b []byte) bool {
	if len(b) <= len(p.prefix) || string(b[:len(p.prefix)]) != p.prefix {
		return false
	}
	for _, c := range b[len(p.prefix):] {
		if !p.class.has(c) {
			return false
		}
	}
	return true
}

// containsClass matches a string holding at least one character of the class.
type containsClass struct{ class *byteSet }

func (p containsClass) Match(b []byte) bool {
	for _, c := range b {
		if p.class.has(c) {
			return true
		}
	}
	return false
}

func parseClassPattern(s string) (*classPattern, bool) {
	if len(s) < 4 || s[0] != '^' || s[1] != '[' || s[len(s)-1] != '$' {
		return nil, false
	}
	p := &classPattern{min: 1, max: 1}
	i := 2
	if i < len(s) && s[i] == '^' {
		return nil, false // negated classes stay with the regexp engine
	}
	for i < len(s) && s[i] != ']' {
		lo := s[i]
		if lo == '\\' || lo == '[' || lo >= 0x80 {
			return nil, false
		}
		if i+2 < len(s) && s[i+1] == '-' && s[i+2] != ']' {
			hi := s[i+2]
			if hi == '\\' || hi >= 0x80 || hi < lo {
				return nil, false
			}
			for c := int(lo); c <= int(hi); c++ {
				p.set.add(byte(c))
			}
			i += 3
			continue
		}
		p.set.add(lo)
		i++
	}
	if i >= len(s) {
		return nil, false
	}
	q := s[i+1 : len(s)-1]
	switch q {
	case "":
	case "*":
		p.min, p.max = 0, -1
	case "+":
		p.min, p.max = 1, -1
	case "?":
		p.min, p.max = 0, 1
	default:
		if len(q) < 3 || q[0] != '{' || q[len(q)-1] != '}' {
			return nil, false
		}
		body := q[1 : len(q)-1]
		lo, hi, comma := body, body, false
		for j := 0; j < len(body); j++ {
			if body[j] == ',' {
				lo, hi, comma = body[:j], body[j+1:], true
				break
			}
		}
		min, err := strconv.Atoi(lo)
		if err != nil || min < 0 {
			return nil, false
		}
		max := min
		if comma {
			if hi == "" {
				max = -1
			} else if max, err = strconv.Atoi(hi); err != nil || max < min {
				return nil, false
			}
		}
		p.min, p.max = min, max
	}
	return p, true
}
