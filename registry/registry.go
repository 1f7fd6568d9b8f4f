// Package registry is the thin hand-written layer over the generated
// registrydb package: transactions with bounded retries, and typed errors
// in place of driver errors. Everything else is a generated method.
//
// Queries made with New, and those WithTx hands to its function, return
// ErrNotFound, ErrAlreadyExists and *ConstraintError themselves; a
// registrydb.New of one's own returns the driver's errors, for MapError.
package registry

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/mlplatform/model-registry/gen/registrydb"
)

// ErrNotFound is returned when a query that expects a row finds none.
var ErrNotFound = errors.New("not found")

// ErrAlreadyExists is returned when a write collides with a unique key.
var ErrAlreadyExists = errors.New("already exists")

// ConstraintError is a write refused by a CHECK, foreign key, NOT NULL or
// exclusion constraint. Constraint is the name of the constraint.
type ConstraintError struct {
	Constraint string
	Table      string
	Message    string
	Err        error
}

func (e *ConstraintError) Error() string {
	return fmt.Sprintf("constraint %s: %s", e.Constraint, e.Message)
}

func (e *ConstraintError) Unwrap() error { return e.Err }

// ErrConstraint matches every *ConstraintError with errors.Is.
var ErrConstraint = errors.New("constraint violation")

// Is lets errors.Is(err, ErrConstraint) match any constraint error.
func (e *ConstraintError) Is(target error) bool { return target == ErrConstraint }

// PostgreSQL error codes (SQLSTATE) this package maps or retries.
const (
	codeUniqueViolation      = "23505"
	codeCheckViolation       = "23514"
	codeForeignKeyViolation  = "23503"
	codeNotNullViolation     = "23502"
	codeExclusionViolation   = "23P01"
	codeSerializationFailure = "40001"
	codeDeadlockDetected     = "40P01"
)

// MapError turns driver errors into this package's errors; others, and
// errors it mapped already, pass through.
func MapError(err error) error {
	var mapped *ConstraintError
	if err == nil || errors.Is(err, ErrNotFound) || errors.Is(err, ErrAlreadyExists) || errors.As(err, &mapped) {
		return err
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("%w: %w", ErrNotFound, err)
	}
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return err
	}
	switch pgErr.Code {
	case codeUniqueViolation:
		return fmt.Errorf("%w: %s (%s)", ErrAlreadyExists, pgErr.Detail, pgErr.ConstraintName)
	case codeCheckViolation, codeForeignKeyViolation, codeNotNullViolation, codeExclusionViolation:
		name := pgErr.ConstraintName
		if name == "" {
			name = pgErr.ColumnName
		}
		return &ConstraintError{Constraint: name, Table: pgErr.TableName, Message: pgErr.Message, Err: err}
	}
	return err
}

// Retryable reports whether err is a serialization failure or a deadlock,
// the two errors a whole transaction may simply be run again after.
func Retryable(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) &&
		(pgErr.Code == codeSerializationFailure || pgErr.Code == codeDeadlockDetected)
}

// TxOptions tunes WithTx.
type TxOptions struct {
	pgx.TxOptions
	// Actor is recorded as the transaction's registry.actor setting.
	Actor string
	// MaxAttempts bounds the runs of fn (default 5).
	MaxAttempts int
	// OnRetry, if set, is called before each retry with the error that caused it.
	OnRetry func(attempt int, err error)
}

// TxBeginner starts transactions: a *pgxpool.Pool or a *pgx.Conn.
type TxBeginner interface {
	BeginTx(ctx context.Context, txOptions pgx.TxOptions) (pgx.Tx, error)
}

// WithTx runs fn in a transaction with the generated queries bound to it and
// commits when fn returns nil. A serialization failure or deadlock runs the
// whole transaction again, up to MaxAttempts times, with jittered backoff;
// any other error rolls back and is returned, mapped by MapError.
func WithTx(ctx context.Context, db TxBeginner, opts TxOptions, fn func(q *registrydb.Queries) error) error {
	attempts := opts.MaxAttempts
	if attempts <= 0 {
		attempts = 5
	}
	var err error
	for attempt := 1; attempt <= attempts; attempt++ {
		err = runTx(ctx, db, opts, fn)
		if err == nil || !Retryable(err) || attempt == attempts {
			break
		}
		if opts.OnRetry != nil {
			opts.OnRetry(attempt, err)
		}
		backoff := time.Duration(1<<attempt)*5*time.Millisecond + time.Duration(rand.Int64N(int64(10*time.Millisecond)))
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(backoff):
		}
	}
	return MapError(err)
}

func runTx(ctx context.Context, db TxBeginner, opts TxOptions, fn func(q *registrydb.Queries) error) error {
	return pgx.BeginTxFunc(ctx, db, opts.TxOptions, func(tx pgx.Tx) error {
		q := New(tx)
		if opts.Actor != "" {
			if err := q.SessionSetActor(ctx, opts.Actor); err != nil {
				return err
			}
		}
		return fn(q)
	})
}
