package projections_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestProjectionsKnowNoTransport states the read side's import rule: no
// package of the projections tree — projectors, the contract, the runner —
// depends (transitively) on an adapter, nor on a store implementation. The
// runner takes a Watermill subscriber per consumer group and reads the log
// through its own small interfaces; the composition root (internal/server)
// wires the MongoDB implementations in.
func TestProjectionsKnowNoTransport(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}}:{{join .Deps " "}}`, "./...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	forbidden := []string{"github.com/ticketify/ticketify/adapters/", "github.com/ticketify/ticketify/eventstore/mongostore"}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) < 2 {
		t.Fatalf("go list found %d packages: %s", len(lines), out)
	}
	for _, line := range lines {
		pkg, deps, _ := strings.Cut(line, ":")
		for _, dep := range strings.Fields(deps) {
			for _, f := range forbidden {
				if strings.HasPrefix(dep, f) {
					t.Errorf("%s depends on %s: projections know no transport and no store implementation", pkg, dep)
				}
			}
		}
	}
}
