package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/zapflow/zapflow/internal/app"
	"github.com/zapflow/zapflow/internal/config"
	"github.com/zapflow/zapflow/internal/privacy"
)

const contactUsage = "usage: zapflow contact export ID [-o FILE] | zapflow contact erase ID -confirm PHONE"

// contact answers a customer's LGPD/GDPR request from the command line:
// export writes the contact's ZIP, erase deletes them (the audit line
// records user 0: the operator at the console).
func contact(ctx context.Context, cfg config.Config, args []string, out io.Writer) error {
	if len(args) < 2 || (args[0] != "export" && args[0] != "erase") {
		return usageError{contactUsage}
	}
	id, err := strconv.ParseInt(args[1], 10, 64)
	if err != nil || id < 1 {
		return usageError{"ID must be a contact's number (the id in the API and the web app)"}
	}
	fs := flag.NewFlagSet("contact "+args[0], flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	file := fs.String("o", "", "file to write the ZIP to (default zapflow-contact-ID.zip)")
	confirm := fs.String("confirm", "", "the contact's phone number, to confirm the erasure")
	if err := fs.Parse(args[2:]); err != nil {
		return usageError{err.Error()}
	}
	if args[0] == "erase" && *confirm == "" {
		return usageError{"-confirm is required: repeat the contact's phone number (erasing cannot be undone)"}
	}
	db, _, err := app.Open(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	svc := privacy.New(db, time.Now)
	if args[0] == "erase" {
		res, err := svc.Erase(ctx, id, *confirm, privacy.Actor{})
		if err != nil {
			return err
		}
		if res.Status == privacy.StatusAlreadyErased {
			fmt.Fprintf(out, "contact %d was already erased on %s\n", id, res.ErasedAt.Format(time.RFC3339))
			return nil
		}
		total := 0
		for _, n := range res.Deleted {
			total += n
		}
		fmt.Fprintf(out, "contact %d erased: %d records deleted\n", id, total)
		return nil
	}
	e, err := svc.Prepare(ctx, id)
	if err != nil {
		return err
	}
	if *file == "" {
		*file = e.Filename()
	}
	f, err := os.OpenFile(*file, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if err := e.WriteTo(ctx, f); err != nil {
		_ = f.Close()
		_ = os.Remove(*file)
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	fmt.Fprintf(out, "contact %d exported to %s\n", id, *file)
	return nil
}
