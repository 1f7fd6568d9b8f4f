package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/mlplatform/model-registry/gen/registrydb"
	"github.com/mlplatform/model-registry/registry"
)

// errBrokenChain makes `audit verify` exit 1 after naming the broken link.
var errBrokenChain = fmt.Errorf("audit chain is broken: %w", errFindings)

func cmdAudit(ctx context.Context, e env, args []string) error {
	if len(args) == 0 {
		return usagef("audit needs a subcommand: verify, seal or log")
	}
	switch args[0] {
	case "verify":
		return cmdAuditVerify(ctx, e, args[1:])
	case "seal":
		return cmdAuditSeal(ctx, e, args[1:])
	case "log":
		return cmdAuditLog(ctx, e, args[1:])
	}
	return usagef("unknown audit subcommand %q (want verify, seal or log)", args[0])
}

func cmdAuditVerify(ctx context.Context, e env, args []string) error {
	if len(args) > 0 {
		return usagef("audit verify takes no arguments")
	}
	pool, err := connect(ctx, e.databaseURL)
	if err != nil {
		return err
	}
	defer pool.Close()
	q := registrydb.New(pool)
	broken, err := q.AuditVerify(ctx)
	if err != nil {
		return err
	}
	if len(broken) > 0 {
		fmt.Fprintf(e.out, "audit verify: first broken link at audit_id %d: %s\n", broken[0].AuditID, broken[0].Problem)
		return errBrokenChain
	}
	s, err := q.AuditChainSummary(ctx)
	if err != nil {
		return err
	}
	if s.SealedLinks == 0 {
		fmt.Fprintf(e.out, "audit verify: nothing sealed yet (%d audit rows unsealed); run mlreg audit seal\n", s.Unsealed)
		return nil
	}
	fmt.Fprintf(e.out, "audit verify: %d links intact from audit_id %d to %d, head %s; %d rows not sealed yet\n",
		s.SealedLinks, s.FirstID, s.HeadID, s.HeadHash, s.Unsealed)
	return nil
}

func cmdAuditSeal(ctx context.Context, e env, args []string) error {
	fs := flag.NewFlagSet("audit seal", flag.ContinueOnError)
	wait := fs.Duration("wait", 30*time.Second, "")
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usagef("audit seal takes no arguments")
	}
	pool, err := connect(ctx, e.databaseURL)
	if err != nil {
		return err
	}
	defer pool.Close()
	head, err := registry.SealAudit(ctx, pool, registry.SealOptions{Wait: *wait, Actor: e.actor})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.out, "audit seal: %d rows sealed; head audit_id %d hash %s\n", head.Sealed, head.HeadID, head.HeadHash)
	return nil
}

func cmdAuditLog(ctx context.Context, e env, args []string) error {
	fs := flag.NewFlagSet("audit log", flag.ContinueOnError)
	table := fs.String("table", "", "")
	actor := fs.String("actor", "", "")
	since := fs.String("since", "", "")
	limit := fs.Int("limit", 50, "")
	format := fs.String("format", "text", "")
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usagef("audit log takes flags only: --table T --actor A --since TIME --limit N")
	}
	if *format != "text" && *format != "json" {
		return usagef("unknown format %q for audit log (want text or json)", *format)
	}
	if *limit < 1 || *limit > 10000 {
		return usagef("--limit %d: want 1 to 10000", *limit)
	}
	params := registrydb.AuditLogListParams{BeforeID: math.MaxInt64, MaxRows: int32(*limit)}
	if *table != "" {
		params.TableName = table
	}
	if *actor != "" {
		params.Actor = actor
	}
	if *since != "" {
		t, err := parseTime(*since)
		if err != nil {
			return err
		}
		params.Since = &t
	}
	pool, err := connect(ctx, e.databaseURL)
	if err != nil {
		return err
	}
	defer pool.Close()
	rows, err := registrydb.New(pool).AuditLogList(ctx, params)
	if err != nil {
		return err
	}
	if *format == "json" {
		return renderJSON(e.out, rows)
	}
	return renderAuditText(e.out, rows)
}

func renderAuditText(w io.Writer, rows []registrydb.AuditLogListRow) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tTIME (UTC)\tACTOR\tTABLE\tACTION\tKEY\tCHANGE")
	for _, r := range rows {
		change := string(r.NewRow)
		if r.Action == "DELETE" {
			change = string(r.OldRow)
		}
		if len(change) > 80 {
			change = change[:77] + "..."
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", r.AuditID, r.ClockTime.UTC().Format("2006-01-02 15:04:05"),
			r.Actor, r.TableName, r.Action, strings.TrimSpace(string(r.RowKey)), change)
	}
	return tw.Flush()
}
