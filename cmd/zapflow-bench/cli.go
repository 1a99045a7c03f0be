package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
)

// subcommand is what one load-test subcommand (intake, send, flows) brings
// to runSubcommand; the rest of the command line handling is shared.
type subcommand[R any] struct {
	// prepare completes and validates the config once the flags are parsed;
	// an error is a usage error (exit 2).
	prepare func() error
	// run does the measurement; an error ends the command with exit 1.
	run func(context.Context) (R, error)
	// print writes the text report.
	print func(io.Writer, R)
	// failed says why a finished run counts as failed (exit 1), or "".
	failed func(R) string
}

// runSubcommand parses args into fs, whose flags the caller has defined, and
// adds -json. Then, with fs.Name() as the prefix of every message, it rejects
// extra arguments, prepares and runs c, prints the text report (to stdout,
// or to stderr with -json, which prints one JSON line of the result on
// stdout) and fails when c says so. Exit codes: 0 ok (or -h), 1 run failed,
// 2 usage error.
func runSubcommand[R any](ctx context.Context, fs *flag.FlagSet, args []string, stdout, stderr io.Writer, c subcommand[R]) int {
	name := fs.Name()
	var jsonOut bool
	fs.BoolVar(&jsonOut, "json", false, "print one JSON result line on stdout (the text report then goes to stderr)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "%s: unexpected arguments %q\n", name, fs.Args())
		return 2
	}
	if err := c.prepare(); err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		return 2
	}

	res, err := c.run(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		return 1
	}
	report := stdout
	if jsonOut {
		report = stderr
	}
	c.print(report, res)
	if jsonOut {
		line, _ := json.Marshal(res)
		fmt.Fprintf(stdout, "%s\n", line)
	}
	if why := c.failed(res); why != "" {
		fmt.Fprintf(stderr, "%s: %s\n", name, why)
		return 1
	}
	return 0
}
