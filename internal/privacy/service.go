package privacy

import (
	"time"

	"github.com/zapflow/zapflow/internal/store"
)

// Service exports and erases contacts' data.
type Service struct {
	db  store.DB
	now func() time.Time
}

// New builds the service.
func New(db store.DB, now func() time.Time) *Service {
	return &Service{db: db, now: now}
}
