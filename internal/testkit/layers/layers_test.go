// Package layers states the import rules between Ticketify's layers as a
// test, so that a change breaking one fails the build.
package layers

import (
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

const module = "github.com/ticketify/ticketify/"

// deps maps every package matching pattern (relative to the module root,
// e.g. "internal/app/...") to what it imports: directly, or with
// transitive, everything it depends on.
func deps(t *testing.T, pattern string, transitive bool) map[string][]string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(file), "..", "..", "..")
	field := "Imports"
	if transitive {
		field = "Deps"
	}
	cmd := exec.Command("go", "list", "-f", `{{.ImportPath}}:{{join .`+field+` " "}}`, "./"+pattern)
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go list %s: %v\n%s", pattern, err, out)
	}
	m := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		pkg, ds, _ := strings.Cut(line, ":")
		m[pkg] = strings.Fields(ds)
	}
	return m
}

// drivers are the libraries only adapters and the platform may touch.
var drivers = []string{"go.mongodb.org/", "github.com/disgoorg/", "github.com/gofiber/", "github.com/ThreeDotsLabs/",
	"github.com/FerretDB/", "golang.org/x/oauth2", "modernc.org/sqlite"}

func TestTheLayersImportOnlyInward(t *testing.T) {
	rules := []struct {
		pattern    string
		transitive bool
		why        string
		refuse     func(pkg, dep string) bool
	}{
		{"domain/...", true, "the domain imports only the standard library", func(_, dep string) bool {
			first, _, _ := strings.Cut(dep, "/")
			return strings.Contains(first, ".") && !strings.HasPrefix(dep, module+"domain")
		}},
		{"internal/app/...", true, "use cases depend on no adapter", func(_, dep string) bool {
			return strings.HasPrefix(dep, module+"adapters/")
		}},
		{"internal/app/...", false, "use cases import no driver (they reach storage through the event store and the read models)", func(_, dep string) bool {
			for _, d := range drivers {
				if strings.HasPrefix(dep, d) {
					return true
				}
			}
			return false
		}},
		{"projections/...", true, "projections depend on no adapter (the transport is wired in internal/server)", func(_, dep string) bool {
			return strings.HasPrefix(dep, module+"adapters/")
		}},
		{"adapters/...", false, "adapters do not import each other", func(pkg, dep string) bool {
			return strings.HasPrefix(dep, module+"adapters/") && adapterOf(dep) != adapterOf(pkg)
		}},
		{"eventstore/...", true, "the event store depends on no adapter, no projection and no use case", func(_, dep string) bool {
			return strings.HasPrefix(dep, module+"adapters/") || strings.HasPrefix(dep, module+"projections") ||
				strings.HasPrefix(dep, module+"internal/app")
		}},
	}
	for _, rule := range rules {
		for pkg, ds := range deps(t, rule.pattern, rule.transitive) {
			if strings.HasSuffix(pkg, "_test") || strings.Contains(pkg, "/testkit/") {
				continue
			}
			for _, dep := range ds {
				if rule.refuse(pkg, dep) {
					t.Errorf("%s depends on %s: %s", pkg, dep, rule.why)
				}
			}
		}
	}
}

// adapterOf is the adapter a package belongs to: adapters/discord,
// adapters/web (the dashboard included), adapters/bus, adapters/mongo.
func adapterOf(pkg string) string {
	rest := strings.TrimPrefix(pkg, module+"adapters/")
	first, _, _ := strings.Cut(rest, "/")
	return first
}
