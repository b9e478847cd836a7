package domain_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDomainImportsNoIO keeps the domain pure: it depends on nothing outside
// the standard library and the domain itself (transitively), and no domain
// package imports a standard package that does I/O.
func TestDomainImportsNoIO(t *testing.T) {
	deps, err := exec.Command("go", "list", "-deps", "./...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, deps)
	}
	for _, pkg := range strings.Fields(string(deps)) {
		first, _, _ := strings.Cut(pkg, "/")
		if strings.Contains(first, ".") && !strings.HasPrefix(pkg, "github.com/ticketify/ticketify/domain") {
			t.Errorf("domain depends on %s; the domain imports only the standard library", pkg)
		}
	}

	direct, err := exec.Command("go", "list", "-f", `{{.ImportPath}}:{{join .Imports " "}}`, "./...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, direct)
	}
	io := map[string]bool{"os": true, "os/exec": true, "net": true, "net/http": true, "database/sql": true,
		"io/fs": true, "io/ioutil": true, "syscall": true, "log": true, "log/slog": true, "crypto/rand": true, "math/rand": true, "math/rand/v2": true}
	for _, line := range strings.Split(strings.TrimSpace(string(direct)), "\n") {
		pkg, imports, _ := strings.Cut(line, ":")
		for _, imp := range strings.Fields(imports) {
			if io[imp] {
				t.Errorf("%s imports %s: the domain does no I/O and reads no clock or randomness", pkg, imp)
			}
		}
	}
}
