package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/ticketify/ticketify/domain"
	"github.com/ticketify/ticketify/internal/i18n"
)

// TestEveryCommandPrintsItsHelp: `ticketify <command> [<subcommand>] --help`
// (or -h), wherever the flag stands, prints that command's usage on
// standard output and succeeds, without opening the database or writing
// anything.
func TestEveryCommandPrintsItsHelp(t *testing.T) {
	cases := []struct {
		args []string
		want []string // usage lines the help must show
	}{
		{[]string{"serve"}, []string{"ticketify serve", "TICKETIFY_DATA_DIR"}},
		{[]string{"demo"}, []string{"ticketify demo"}},
		{[]string{"discord"}, []string{"ticketify discord register-commands"}},
		{[]string{"discord", "register-commands"}, []string{"ticketify discord register-commands", "-guild"}},
		{[]string{"projections"}, []string{"ticketify projections rebuild", "ticketify projections list"}},
		{[]string{"projections", "rebuild"}, []string{"ticketify projections rebuild"}},
		{[]string{"projections", "rebuild", "ticket-views"}, []string{"ticketify projections rebuild"}},
		{[]string{"projections", "list"}, []string{"ticketify projections list"}},
		{[]string{"audit"}, []string{"ticketify audit verify"}},
		{[]string{"audit", "verify"}, []string{"ticketify audit verify"}},
		{[]string{"export"}, []string{"ticketify export user", "ticketify export guild"}},
		{[]string{"export", "user"}, []string{"ticketify export user", "-out", "-as-of"}},
		{[]string{"export", "user", "4242"}, []string{"ticketify export user", "-out"}},
		{[]string{"export", "guild"}, []string{"ticketify export guild", "-out", "-as-of"}},
		{[]string{"export", "guild", "8", "--out", "x.zip"}, []string{"ticketify export guild"}},
		{[]string{"import"}, []string{"ticketify import", "-trust", "-fingerprint"}},
		{[]string{"import", "guild.zip"}, []string{"ticketify import", "-trust"}},
		{[]string{"erase"}, []string{"ticketify erase user", "ticketify erase guild"}},
		{[]string{"erase", "user"}, []string{"ticketify erase user"}},
		{[]string{"erase", "guild", "8"}, []string{"ticketify erase guild"}},
		{[]string{"help"}, []string{"ticketify import", "ticketify export guild", "TICKETIFY_DATA_DIR"}},
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // a command that ignored --help and started would stop at once
	for _, c := range cases {
		for _, h := range []string{"--help", "-h"} {
			args := append(append([]string{}, c.args...), h)
			t.Run(strings.Join(args, " "), func(t *testing.T) {
				dir := t.TempDir()
				env := map[string]string{"TICKETIFY_DATA_DIR": dir, "TICKETIFY_HTTP_ADDR": "127.0.0.1:0", "TICKETIFY_LOG_LEVEL": "error"}
				var stdout, stderr bytes.Buffer
				if err := run(ctx, args, func(k string) string { return env[k] }, &stdout, &stderr); err != nil {
					t.Fatalf("exit 1: %v\nstderr: %s", err, stderr.String())
				}
				for _, w := range c.want {
					if !strings.Contains(stdout.String(), w) {
						t.Errorf("the help does not show %q:\n%s", w, stdout.String())
					}
				}
				if stderr.Len() > 0 {
					t.Errorf("stderr: %s", stderr.String())
				}
				if des, _ := os.ReadDir(dir); len(des) > 0 {
					t.Errorf("--help wrote %d files in the data directory (started something)", len(des))
				}
			})
		}
	}
	// `ticketify help COMMAND` is the same as `ticketify COMMAND --help`.
	var viaHelp, viaFlag bytes.Buffer
	getenv := func(string) string { return "" }
	if err := run(ctx, []string{"help", "export", "guild"}, getenv, &viaHelp, &viaHelp); err != nil {
		t.Fatal(err)
	}
	if err := run(ctx, []string{"export", "guild", "--help"}, getenv, &viaFlag, &viaFlag); err != nil {
		t.Fatal(err)
	}
	if viaHelp.String() != viaFlag.String() {
		t.Fatalf("help export guild:\n%s\nexport guild --help:\n%s", viaHelp.String(), viaFlag.String())
	}
	// An unknown command stays an error, with or without --help.
	if err := run(ctx, []string{"frobnicate", "--help"}, getenv, &viaHelp, &viaHelp); err == nil || !strings.Contains(err.Error(), "unknown command") {
		t.Fatalf("ticketify frobnicate --help: %v", err)
	}
}

// A broken rule reaches the terminal as its English sentence, not its key,
// wherever it is wrapped.
func TestARefusalIsSaidInWordsOnTheTerminal(t *testing.T) {
	err := fmt.Errorf("import: nothing imported: %w", domain.Refuse(domain.ErrConflict, "privacy.import_not_empty"))
	got := oneLine(err)
	if strings.Contains(got, "privacy.import_not_empty") || !strings.HasPrefix(got, "import: nothing imported: ") ||
		!strings.Contains(got, i18n.Of("en").T("privacy.import_not_empty")) {
		t.Fatalf("the terminal says %q", got)
	}
}
