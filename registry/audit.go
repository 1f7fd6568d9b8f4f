package registry

import (
	"context"
	"fmt"
	"time"

	"github.com/mlplatform/model-registry/gen/registrydb"
)

// DB runs queries and starts transactions: a *pgxpool.Pool or a *pgx.Conn.
type DB interface {
	registrydb.DBTX
	TxBeginner
}

// SealOptions tunes SealAudit.
type SealOptions struct {
	// Wait bounds how long SealAudit waits for transactions that may still
	// commit audit rows below the horizon (default 30s).
	Wait time.Duration
	// PartitionMonths is how many monthly audit_log partitions, from this
	// month on, should exist afterwards (default 3).
	PartitionMonths int32
	// Actor names who seals, as in TxOptions.
	Actor string
}

// SealAudit appends hash-chain links for every audit row that can no longer
// change place in audit_id order, and returns the new head.
//
// Audit ids are handed out before commit, so a transaction still running may
// commit an id below one already visible. SealAudit therefore reads the last
// id handed out, then waits until every transaction of the database that was
// running at that moment has ended: after that, every id up to it is
// committed or gone for good, and sealing up to it cannot skip a row that
// appears later.
func SealAudit(ctx context.Context, db DB, opts SealOptions) (registrydb.AuditSealRow, error) {
	if opts.Wait <= 0 {
		opts.Wait = 30 * time.Second
	}
	if opts.PartitionMonths <= 0 {
		opts.PartitionMonths = 3
	}
	q := New(db)
	horizon, err := q.AuditLogLastID(ctx)
	if err != nil {
		return registrydb.AuditSealRow{}, MapError(err)
	}
	xmax, err := q.AuditSnapshotXmax(ctx)
	if err != nil {
		return registrydb.AuditSealRow{}, MapError(err)
	}
	deadline := time.Now().Add(opts.Wait)
	for {
		finished, err := q.AuditTransactionsFinishedBefore(ctx, xmax)
		if err != nil {
			return registrydb.AuditSealRow{}, MapError(err)
		}
		if finished {
			break
		}
		if time.Now().After(deadline) {
			return registrydb.AuditSealRow{}, fmt.Errorf("audit seal: transactions older than the seal horizon still run after %s; seal again later", opts.Wait)
		}
		select {
		case <-ctx.Done():
			return registrydb.AuditSealRow{}, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	// Partitions first, in a transaction of their own: attaching one locks
	// audit_log, which every audited write needs, so the lock must not be
	// held through the seal.
	err = WithTx(ctx, db, TxOptions{Actor: opts.Actor}, func(q *registrydb.Queries) error {
		_, err := q.AuditAddPartitions(ctx, opts.PartitionMonths)
		return err
	})
	if err != nil {
		return registrydb.AuditSealRow{}, fmt.Errorf("audit seal: adding partitions: %w", err)
	}
	var head registrydb.AuditSealRow
	err = WithTx(ctx, db, TxOptions{Actor: opts.Actor}, func(q *registrydb.Queries) error {
		var err error
		head, err = q.AuditSeal(ctx, horizon)
		return err
	})
	return head, err
}
