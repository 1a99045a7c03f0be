package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/zapflow/zapflow/internal/agent"
	"github.com/zapflow/zapflow/internal/app"
	"github.com/zapflow/zapflow/internal/config"
)

const apikeyUsage = "usage: zapflow apikey create -user EMAIL -name N | zapflow apikey list | zapflow apikey revoke ID"

// apikey manages API keys from the command line, for the operator who has
// no key yet (or lost the admin's): create, list, revoke.
func apikey(ctx context.Context, cfg config.Config, args []string, out io.Writer) error {
	if len(args) == 0 {
		return usageError{apikeyUsage}
	}
	switch args[0] {
	case "create":
		return apikeyCreate(ctx, cfg, args[1:], out)
	case "list":
		if len(args) > 1 {
			return usageError{"usage: zapflow apikey list"}
		}
		return apikeyList(ctx, cfg, out)
	case "revoke":
		if len(args) != 2 {
			return usageError{"usage: zapflow apikey revoke ID (the id from 'zapflow apikey list')"}
		}
		id, err := strconv.ParseInt(args[1], 10, 64)
		if err != nil || id < 1 {
			return usageError{"ID must be a key's number, from 'zapflow apikey list'"}
		}
		return apikeyRevoke(ctx, cfg, id, out)
	}
	return usageError{apikeyUsage}
}

func apikeyCreate(ctx context.Context, cfg config.Config, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("apikey create", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	user := fs.String("user", "", "e-mail of the user the key acts as")
	name := fs.String("name", "", "what the key is for (e.g. crm)")
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	if *user == "" {
		return usageError{"-user is required: a key acts as a user, with that user's role (see 'zapflow admin create')"}
	}
	if *name == "" {
		return usageError{"-name is required: say what the key is for"}
	}
	db, _, err := app.Open(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	agents := agent.New(db, nil)
	u, err := agents.UserByEmail(ctx, *user)
	if err != nil {
		return err
	}
	k, key, err := agents.CreateAPIKey(ctx, *name, u.ID)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "API key %q (id %d) for %s %s, shown only now:\n%s\n", k.Name, k.ID, u.Role, u.Email, key)
	return nil
}

func apikeyList(ctx context.Context, cfg config.Config, out io.Writer) error {
	db, _, err := app.Open(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	keys, err := agent.New(db, nil).ListAPIKeys(ctx, 0)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tPREFIX\tUSER\tCREATED\tLAST USED\tREVOKED")
	for _, k := range keys {
		fmt.Fprintf(tw, "%d\t%s\t%s…\t%s\t%s\t%s\t%s\n", k.ID, k.Name, k.Prefix, k.UserEmail,
			k.CreatedAt.Format(time.RFC3339), timeOr(k.LastUsedAt, "never"), timeOr(k.RevokedAt, "-"))
	}
	return tw.Flush()
}

func apikeyRevoke(ctx context.Context, cfg config.Config, id int64, out io.Writer) error {
	db, _, err := app.Open(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	k, err := agent.New(db, nil).RevokeAPIKey(ctx, id)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "revoked API key %q (id %d) of %s\n", k.Name, k.ID, k.UserEmail)
	return nil
}

func timeOr(t *time.Time, none string) string {
	if t == nil {
		return none
	}
	return t.Format(time.RFC3339)
}
