package schemacheck

import (
	"slices"
	"strings"
)

// pack copies a sealed schema tree into one block of memory, in the order a
// body's members are read (names sorted, as encoders write them), with its
// property names in one string, its lookup indexes in one slice and its
// class patterns in one block. The fast path runs between network waits,
// with its data out of the CPU's caches: a card deposit reads some forty
// schemas, names and tables, which scattered over the heap cost a cache
// miss each. The copy holds the same rules; nothing refers to the original.
func pack(root *fastSchema) *fastSchema {
	var order []*fastSchema
	seen := map[*fastSchema]int{}
	var visit func(f *fastSchema)
	visit = func(f *fastSchema) {
		if f == nil {
			return
		}
		if _, ok := seen[f]; ok {
			return
		}
		seen[f] = len(order)
		order = append(order, f)
		byName := make([]int, len(f.propNames))
		for i := range byName {
			byName[i] = i
		}
		slices.SortFunc(byName, func(a, b int) int { return strings.Compare(f.propNames[a], f.propNames[b]) })
		for _, i := range byName {
			visit(f.propSchema[i])
		}
		visit(f.items)
		visit(f.extra)
		for _, list := range [][]*fastSchema{f.allOf, f.oneOf, f.anyOf} {
			for _, sub := range list {
				visit(sub)
			}
		}
		for _, t := range []jsonType{tString, tNumber, tBoolean} {
			visit(f.oneOfByType[t])
		}
	}
	visit(root)

	// Every block is sized first, so that no append moves it.
	var names strings.Builder
	nNames, nPtrs, nInts, nLists, nPatterns := 0, 0, 0, 0, 0
	for _, f := range order {
		for _, n := range f.propNames {
			names.WriteString(n)
		}
		nNames += len(f.propNames)
		nPtrs += len(f.propSchema) + len(f.allOf) + len(f.oneOf) + len(f.anyOf)
		nLists += len(f.byLen)
		for _, ix := range f.byLen {
			nInts += len(ix)
		}
		if _, ok := f.pattern.(*classPattern); ok {
			nPatterns++
		}
	}
	all := names.String()
	nodes := make([]fastSchema, len(order))
	ptrs := make([]*fastSchema, 0, nPtrs)
	ints := make([]int, 0, nInts)
	lists := make([][]int, 0, nLists)
	patterns := make([]classPattern, 0, nPatterns)
	strs := make([]string, 0, nNames)
	at := func(f *fastSchema) *fastSchema {
		if f == nil {
			return nil
		}
		return &nodes[seen[f]]
	}
	repoint := func(list []*fastSchema) []*fastSchema {
		if list == nil {
			return nil
		}
		start := len(ptrs)
		for _, f := range list {
			ptrs = append(ptrs, at(f))
		}
		return ptrs[start:len(ptrs):len(ptrs)]
	}
	off := 0
	for i, f := range order {
		n := &nodes[i]
		*n = *f
		if f.propNames != nil {
			start := len(strs)
			for _, name := range f.propNames {
				strs = append(strs, all[off:off+len(name)])
				off += len(name)
			}
			n.propNames = strs[start:len(strs):len(strs)]
		}

		n.propSchema = repoint(f.propSchema)
		n.allOf, n.oneOf, n.anyOf = repoint(f.allOf), repoint(f.oneOf), repoint(f.anyOf)
		n.items, n.extra = at(f.items), at(f.extra)
		if f.byLen != nil {
			start := len(lists)
			for _, ix := range f.byLen {
				if ix == nil {
					lists = append(lists, nil)
					continue
				}
				s := len(ints)
				ints = append(ints, ix...)
				lists = append(lists, ints[s:len(ints):len(ints)])
			}
			n.byLen = lists[start:len(lists):len(lists)]
		}
		if f.oneOfByType != nil {
			n.oneOfByType = make(map[jsonType]*fastSchema, len(f.oneOfByType))
			for t, sub := range f.oneOfByType {
				n.oneOfByType[t] = at(sub)
			}
		}
		if p, ok := f.pattern.(*classPattern); ok {
			patterns = append(patterns, *p)
			n.pattern = &patterns[len(patterns)-1]
		}
	}
	return &nodes[0]
}
