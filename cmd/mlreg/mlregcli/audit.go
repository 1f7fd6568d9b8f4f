package mlregcli

import (
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/mlplatform/model-registry/gen/registrydb"
	"github.com/mlplatform/model-registry/registry"
	"github.com/mlplatform/model-registry/schemas"
)

func (a *app) auditCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "Read, seal and verify the audit trail",
		Long: `Every change to the registry lands in an append-only audit trail, under the
actor of --actor and the database user who made it. seal chains the rows
written since the last seal (run it on a schedule); verify recomputes the
chain and exits 1 at the first place where trail and chain disagree.`,
	}
	return group(cmd, a.auditVerifyCommand(), a.auditSealCommand(), a.auditLogCommand())
}

func (a *app) auditVerifyCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "verify",
		Short: "Check the audit trail against its hash chain (exit 1 where they disagree)",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			pool, err := a.pool(ctx)
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
				for _, b := range broken {
					ids := fmt.Sprintf("audit_id %d", b.AuditID)
					if b.LastID != b.AuditID {
						ids = fmt.Sprintf("audit_id %d to %d", b.AuditID, b.LastID)
					}
					fmt.Fprintf(a.out, "audit verify: %s (%s): %s\n", ids, plural(int(b.RowCount), "row"), b.Problem)
				}
				return fmt.Errorf("audit trail and chain disagree in %s: %w", plural(len(broken), "place"), errFindings)
			}
			s, err := q.AuditChainSummary(ctx)
			if err != nil {
				return err
			}
			if s.SealedLinks == 0 {
				fmt.Fprintf(a.out, "audit verify: nothing sealed yet (%d audit rows unsealed); run mlreg audit seal\n", s.Unsealed)
				return nil
			}
			fmt.Fprintf(a.out, "audit verify: %d links intact from audit_id %d to %d, head %s; %d rows not sealed yet\n",
				s.SealedLinks, s.FirstID, s.HeadID, s.HeadHash, s.Unsealed)
			return nil
		},
	}
}

func (a *app) auditSealCommand() *cobra.Command {
	var wait time.Duration
	cmd := &cobra.Command{
		Use:   "seal",
		Short: "Chain the audit rows written since the last seal",
		Long: `seal appends a hash-chain link for every audit row that can no longer change
place: it waits up to --wait for transactions that may still commit rows
below the horizon, and adds the coming months' audit_log partitions.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if wait <= 0 {
				return usagef("--wait must be positive")
			}
			pool, err := a.pool(cmd.Context())
			if err != nil {
				return err
			}
			defer pool.Close()
			head, err := registry.SealAudit(cmd.Context(), pool, registry.SealOptions{Wait: wait, Actor: a.actor})
			if err != nil {
				return err
			}
			fmt.Fprintf(a.out, "audit seal: %d rows sealed; head audit_id %d hash %s\n", head.Sealed, head.HeadID, head.HeadHash)
			return nil
		},
	}
	cmd.Flags().DurationVar(&wait, "wait", 30*time.Second, "how long to wait for older transactions to end")
	return cmd
}

func (a *app) auditLogCommand() *cobra.Command {
	var table, actor, since, format string
	var limit int
	cmd := &cobra.Command{
		Use:   "log",
		Short: "The audit trail, newest first",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := formatOf(cmd, format, "text", "json"); err != nil {
				return err
			}
			if limit < 1 || limit > 10000 {
				return usagef("--limit %d: want 1 to 10000", limit)
			}
			params := registrydb.AuditLogListParams{BeforeID: math.MaxInt64, MaxRows: int32(limit)}
			for flag, value := range map[string]string{"--table": table, "--actor": actor} {
				if err := validText(flag, value); err != nil {
					return err
				}
			}
			if table != "" {
				params.TableName = &table
			}
			if actor != "" {
				params.Actor = &actor
			}
			if cmd.Flags().Changed("since") {
				t, err := parseTime("--since", since)
				if err != nil {
					return err
				}
				params.Since = &t
			}
			pool, err := a.pool(cmd.Context())
			if err != nil {
				return err
			}
			defer pool.Close()
			rows, err := registrydb.New(pool).AuditLogList(cmd.Context(), params)
			if err != nil {
				return err
			}
			if format == "json" {
				return schemas.WriteJSON(a.out, newAuditLogDocument(rows))
			}
			return writeAuditText(a.out, rows)
		},
	}
	flags := cmd.Flags()
	flags.StringVar(&table, "table", "", "only changes to this table")
	flags.StringVar(&actor, "actor", "", "only changes recorded for this actor")
	flags.StringVar(&since, "since", "", "only changes from this time on (RFC 3339 or a date)")
	flags.IntVar(&limit, "limit", 50, "at most this many rows (1 to 10000)")
	flags.StringVar(&format, "format", "text", "output format: text or json")
	return cmd
}

// writeAuditText shows each change with the actor it claims and the
// database user who made it: an actor is what the application said, the
// user is what the database knows.
func writeAuditText(w io.Writer, rows []registrydb.AuditLogListRow) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tTIME (UTC)\tACTOR\tDB USER\tTABLE\tACTION\tKEY\tCHANGE")
	for _, r := range rows {
		change := string(r.NewRow)
		if r.Action == "DELETE" {
			change = string(r.OldRow)
		}
		if len(change) > 80 {
			change = change[:77] + "..."
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.AuditID, r.ClockTime.UTC().Format("2006-01-02 15:04:05"),
			printable(r.Actor), printable(r.DbUser), r.TableName, r.Action, strings.TrimSpace(string(r.RowKey)), printable(change))
	}
	return tw.Flush()
}
