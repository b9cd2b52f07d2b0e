package middleware

import (
	"regexp"
	"strconv"
)

// patternMatcher matches a string against a schema pattern.
type patternMatcher interface{ Match([]byte) bool }

// classPattern matches the common pattern shape ^[class]{min,max}$ (or *, +,
// ?, or no quantifier) with a byte table instead of the regexp engine. Only
// ASCII classes are compiled this way, so byte length is character count.
type classPattern struct {
	set      [256]bool
	min, max int // max -1: unbounded
}

func (p *classPattern) Match(b []byte) bool {
	if len(b) < p.min || p.max >= 0 && len(b) > p.max {
		return false
	}
	for _, c := range b {
		if !p.set[c] {
			return false
		}
	}
	return true
}

// compilePattern returns a byte-table matcher for simple patterns and the
// regexp (compiled as kin-openapi compiles it) for the rest.
func compilePattern(pattern string) (patternMatcher, error) {
	if p, ok := parseClassPattern(pattern); ok {
		return p, nil
	}
	return regexp.Compile(kinPattern(pattern))
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
				p.set[c] = true
			}
			i += 3
			continue
		}
		p.set[lo] = true
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
