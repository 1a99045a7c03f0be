package forward

import "context"

const pendingQuery = `SELECT COUNT(*) FROM forward_deliveries WHERE state = 'pending'`

// Pending counts the deliveries not yet delivered (waiting, retrying, or
// held while forwarding is off), for the metrics at scrape time; the
// partial index forward_deliveries_due covers exactly these rows.
func (s *Service) Pending(ctx context.Context) (int, error) {
	var n int
	err := s.DB.Read().QueryRow(ctx, pendingQuery).Scan(&n)
	return n, err
}
