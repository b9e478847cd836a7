package main

import (
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/ticketify/ticketify/internal/platform/config"
)

// command is one command line of ticketify, for `ticketify help` and
// `ticketify COMMAND --help`.
type command struct {
	path   string                        // "export guild"
	args   string                        // "GUILD_ID --out FILE.zip [--as-of TIME]"
	about  string                        // one line
	detail string                        // more, for the command's own help
	flags  func(io.Writer) *flag.FlagSet // the flags it parses, when it has any
}

// commands lists every command, in the order `ticketify help` shows them;
// run refuses a command that is not listed here.
var commands = []command{
	{path: "serve", about: "run the bot, projections and HTTP server (the default command)"},
	{path: "demo", about: "everything embedded with a fake Discord and a sample server",
		detail: "With TICKETIFY_DATA_DIR unset the data goes to a temporary directory, removed on exit;\nwith it set, the data stays there."},
	{path: "discord register-commands", args: "[--guild ID]", about: "register the slash commands (globally, or in one guild at once)",
		flags: func(w io.Writer) *flag.FlagSet { fs, _ := registerFlags(w); return fs }},
	{path: "projections rebuild", args: "[NAME...]", about: "rebuild projections from the event log (all when none named)"},
	{path: "projections list", about: "list projections, their generations and parked events"},
	{path: "audit verify", about: "recompute every stream's hash chain from the log and compare"},
	{path: "export user", args: "USER_ID [--out FILE] [--as-of TIME]", about: "everything held about a person, replayed from the events (JSON)",
		flags: func(w io.Writer) *flag.FlagSet { fs, _ := exportUserFlags(w); return fs }},
	{path: "export guild", args: "GUILD_ID --out FILE [--as-of TIME]", about: "a server's events as a signed ZIP (key: DATA_DIR/export-signing.key)",
		flags: func(w io.Writer) *flag.FlagSet { fs, _ := exportGuildFlags(w); return fs }},
	{path: "import", args: "FILE (--trust PUBLIC_KEY_BASE64 | --fingerprint SHA256:…)", about: "re-import a server's export into an empty instance",
		detail: "The export must be signed by the key you trust: the public key or fingerprint the exporting installation\n" +
			"printed. Without one, the import says which key signed the export and stops. Only the server's own events\n" +
			"are accepted (its settings, members, usage and tickets); anything else refuses the whole import, before\n" +
			"anything is appended.",
		flags: func(w io.Writer) *flag.FlagSet { fs, _ := importFlags(w); return fs }},
	{path: "erase user", args: "USER_ID", about: "destroy a person's keys, delete their sessions, scrub the views"},
	{path: "erase guild", args: "GUILD_ID", about: "destroy the keys of every ticket of a server and scrub them"},
	{path: "help", args: "[COMMAND]", about: "this text, or a command's usage (as COMMAND --help)"},
}

// known says whether name is a command or a group of commands.
func known(name string) bool {
	return slices.ContainsFunc(commands, func(c command) bool { return c.path == name || strings.HasPrefix(c.path, name+" ") })
}

// isHelpFlag says whether arg asks for help.
func isHelpFlag(arg string) bool { return arg == "-h" || arg == "--help" || arg == "-help" }

// printUsage writes every command and setting.
func printUsage(w io.Writer) {
	fmt.Fprint(w, "ticketify — event-sourced Discord tickets\n\nUsage:\n")
	for _, c := range commands {
		writeSynopsis(w, c)
	}
	writeSettings(w)
}

// writeSynopsis writes a command's line of the usage.
func writeSynopsis(w io.Writer, c command) {
	line := strings.TrimSpace("ticketify " + c.path + " " + c.args)
	if len(line) < 38 {
		fmt.Fprintf(w, "  %-38s  %s\n", line, c.about)
		return
	}
	fmt.Fprintf(w, "  %s\n  %-38s  %s\n", line, "", c.about)
}

func writeSettings(w io.Writer) {
	fmt.Fprint(w, "\nSettings (environment):\n")
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	for _, v := range config.Vars {
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", v.Name, v.Default, v.Meaning)
	}
	_ = tw.Flush()
}

// printHelp writes the usage of the command that words name (flags and
// arguments after it are ignored): one command with its flags, or every
// command of a group ("export", "erase"…).
func printHelp(w io.Writer, words []string) error {
	words = slices.DeleteFunc(slices.Clone(words), isHelpFlag)
	if len(words) == 0 || words[0] == "help" {
		printUsage(w)
		return nil
	}
	if !known(words[0]) {
		return fmt.Errorf("unknown command %q", words[0])
	}
	var one *command
	for i := range commands {
		c := &commands[i]
		if c.path == words[0] || (len(words) > 1 && c.path == words[0]+" "+words[1]) {
			one = c
		}
	}
	if one == nil { // a group: every command in it
		fmt.Fprint(w, "Usage:\n")
		for _, c := range commands {
			if strings.HasPrefix(c.path, words[0]+" ") {
				writeSynopsis(w, c)
			}
		}
		fmt.Fprintf(w, "\n`ticketify %s SUBCOMMAND --help` says more about one.\n", words[0])
		return nil
	}
	fmt.Fprintf(w, "Usage:\n  %s\n\n%s.\n", strings.TrimSpace("ticketify "+one.path+" "+one.args), one.about)
	if one.detail != "" {
		fmt.Fprintf(w, "\n%s\n", one.detail)
	}
	if one.flags != nil {
		fmt.Fprint(w, "\nFlags:\n")
		fs := one.flags(w)
		fs.SetOutput(w)
		fs.PrintDefaults()
	}
	if one.path == "serve" || one.path == "demo" {
		writeSettings(w)
	} else {
		fmt.Fprint(w, "\nThe database and data directory are set in the environment (`ticketify help` lists the settings).\n")
	}
	return nil
}

// registerFlags are the flags of `discord register-commands`.
func registerFlags(stderr io.Writer) (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet("discord register-commands", flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs, fs.String("guild", "", "register in one guild (instant) instead of globally")
}

// exportOpts are the flags of `export user` and `export guild`.
type exportOpts struct{ out, asOf *string }

func exportUserFlags(stderr io.Writer) (*flag.FlagSet, exportOpts) {
	fs := flag.NewFlagSet("export user", flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs, exportOpts{
		out:  fs.String("out", "", "write the export to this file (mode 0600) instead of standard output; a .zip adds the transcripts of their tickets"),
		asOf: fs.String("as-of", "", "leave out events after this time (RFC 3339)"),
	}
}

func exportGuildFlags(stderr io.Writer) (*flag.FlagSet, exportOpts) {
	fs := flag.NewFlagSet("export guild", flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs, exportOpts{
		out:  fs.String("out", "", "the ZIP file to write (mode 0600)"),
		asOf: fs.String("as-of", "", "leave out events after this time (RFC 3339)"),
	}
}

// importOpts are the flags of `import`.
type importOpts struct{ trust, fingerprint *string }

func importFlags(stderr io.Writer) (*flag.FlagSet, importOpts) {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs, importOpts{
		trust:       fs.String("trust", "", "accept only an export signed by this public key (base64, as the export printed)"),
		fingerprint: fs.String("fingerprint", "", "accept only an export signed by the key with this fingerprint (SHA256:…, as the export printed)"),
	}
}
