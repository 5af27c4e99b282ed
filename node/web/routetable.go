package web

import "sort"

// Route is one registered route: a method and a path pattern as echo has it
// (":id" for a parameter, "*" for the rest of the path).
type Route struct{ Method, Path string }

// Routes lists every route of the server, the ones Config.Mount added
// included, sorted by path and method. The authorisation matrix test walks it
// (node/web/authz_test.go), so no route goes unchecked.
func (s *Server) Routes() []Route {
	var out []Route
	seen := map[Route]bool{}
	for _, r := range s.e.Routes() {
		x := Route{Method: r.Method, Path: r.Path}
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Path != out[j].Path {
			return out[i].Path < out[j].Path
		}
		return out[i].Method < out[j].Method
	})
	return out
}
