package main

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"gorm.io/gorm"

	"github.com/mlplatform/model-registry/gen/registrydb"
)

// An implementation does the three per-call operations the issue compares:
// insert one model, get one model by name, list 100 models after a name.
type implementation struct {
	name   string
	insert func(ctx context.Context, name string) error
	get    func(ctx context.Context, name string) error
	list   func(ctx context.Context, after string) (int, error)
}

// generated is the registry's own code: sqlc's methods.
func generated(pool *pgxpool.Pool) implementation {
	q := registrydb.New(pool)
	return implementation{
		name: "generated",
		insert: func(ctx context.Context, name string) error {
			_, err := q.ModelCreate(ctx, registrydb.ModelCreateParams{ModelName: name, DisplayName: name})
			return err
		},
		get: func(ctx context.Context, name string) error {
			_, err := q.ModelGetByName(ctx, name)
			return err
		},
		list: func(ctx context.Context, after string) (int, error) {
			rows, err := q.ModelList(ctx, after, 100)
			return len(rows), err
		},
	}
}

// handModel is what hand-written code scans a models row into.
type handModel struct {
	ModelID            uuid.UUID
	ModelName          string
	DisplayName        string
	Description        *string
	Objective          *string
	TeamID             *uuid.UUID
	PrimaryContact     *string
	SecondaryContact   *string
	BusinessUnit       *string
	RiskLevel          *string
	ComplianceRequired *bool
	GithubRepo         *string
	DocumentationURL   *string
	CreatedAt          *time.Time
	UpdatedAt          *time.Time
	CreatedBy          *string
	CreatedByUserID    *uuid.UUID
}

const handColumns = `model_id, model_name, display_name, description, objective, team_id, primary_contact,
	secondary_contact, business_unit, risk_level, compliance_required, github_repo, documentation_url,
	created_at, updated_at, created_by, created_by_user_id`

func (m *handModel) fields() []any {
	return []any{&m.ModelID, &m.ModelName, &m.DisplayName, &m.Description, &m.Objective, &m.TeamID, &m.PrimaryContact,
		&m.SecondaryContact, &m.BusinessUnit, &m.RiskLevel, &m.ComplianceRequired, &m.GithubRepo, &m.DocumentationURL,
		&m.CreatedAt, &m.UpdatedAt, &m.CreatedBy, &m.CreatedByUserID}
}

// handPgx is the floor: the same statements written by hand on pgx.
func handPgx(pool *pgxpool.Pool) implementation {
	return implementation{
		name: "pgx",
		insert: func(ctx context.Context, name string) error {
			var m handModel
			return pool.QueryRow(ctx, `INSERT INTO models (model_name, display_name, risk_level, compliance_required, created_by)
				VALUES ($1, $2, 'medium', FALSE, CURRENT_USER) RETURNING `+handColumns, name, name).Scan(m.fields()...)
		},
		get: func(ctx context.Context, name string) error {
			var m handModel
			return pool.QueryRow(ctx, `SELECT `+handColumns+` FROM models WHERE model_name = $1`, name).Scan(m.fields()...)
		},
		list: func(ctx context.Context, after string) (int, error) {
			rows, err := pool.Query(ctx, `SELECT `+handColumns+` FROM models WHERE model_name > $1 ORDER BY model_name LIMIT 100`, after)
			if err != nil {
				return 0, err
			}
			var out []handModel
			for rows.Next() {
				var m handModel
				if err := rows.Scan(m.fields()...); err != nil {
					return 0, err
				}
				out = append(out, m)
			}
			return len(out), rows.Err()
		},
	}
}

// gormModel maps the models table for GORM, as Kubeflow Model Registry maps
// its tables.
type gormModel struct {
	ModelID            uuid.UUID `gorm:"primaryKey;type:uuid;default:gen_random_uuid()"`
	ModelName          string
	DisplayName        string
	Description        *string
	Objective          *string
	TeamID             *uuid.UUID
	PrimaryContact     *string
	SecondaryContact   *string
	BusinessUnit       *string
	RiskLevel          *string `gorm:"default:medium"`
	ComplianceRequired *bool   `gorm:"default:false"`
	GithubRepo         *string
	DocumentationURL   *string
	CreatedAt          *time.Time `gorm:"autoCreateTime:false;default:now()"`
	UpdatedAt          *time.Time `gorm:"autoUpdateTime:false;default:now()"`
	CreatedBy          *string    `gorm:"default:CURRENT_USER"`
	CreatedByUserID    *uuid.UUID
}

func (gormModel) TableName() string { return "models" }

func gormORM(db *gorm.DB) implementation {
	return implementation{
		name: "gorm",
		insert: func(ctx context.Context, name string) error {
			return db.WithContext(ctx).Create(&gormModel{ModelName: name, DisplayName: name}).Error
		},
		get: func(ctx context.Context, name string) error {
			var m gormModel
			return db.WithContext(ctx).Where("model_name = ?", name).First(&m).Error
		},
		list: func(ctx context.Context, after string) (int, error) {
			var ms []gormModel
			err := db.WithContext(ctx).Where("model_name > ?", after).Order("model_name").Limit(100).Find(&ms).Error
			return len(ms), err
		},
	}
}

// seedModels gives get and list something to find.
func seedModels(ctx context.Context, pool *pgxpool.Pool, n int) error {
	q := registrydb.New(pool)
	rows := make([]registrydb.ModelInsertManyCopyFromParams, n)
	medium := "medium"
	for i := range rows {
		name := fmt.Sprintf("seed-model-%06d", i)
		rows[i] = registrydb.ModelInsertManyCopyFromParams{ModelID: uuid.New(), ModelName: name, DisplayName: name, RiskLevel: &medium}
	}
	_, err := q.ModelInsertManyCopyFrom(ctx, rows)
	return err
}
