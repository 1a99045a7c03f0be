package lead

import (
	"context"
	"encoding/csv"
	"io"
	"strconv"
	"time"
)

// Report counts the leads created in [From, To) by source and by status
// (a zero bound is open).
type Report struct {
	From     time.Time     `json:"from"`
	To       time.Time     `json:"to"`
	Total    int           `json:"total"`
	BySource []SourceCount `json:"by_source"`
	ByStatus []StatusCount `json:"by_status"`
}

// SourceCount is how many leads came from a source. Every source of the
// list appears (0 when none came from it), most leads first; leads with
// no source count under SourceID 0 and Name "", listed last when any.
type SourceCount struct {
	SourceID int64  `json:"source_id"`
	Name     string `json:"name"`
	Count    int    `json:"count"`
}

// StatusCount is how many leads are in a status now; every status
// appears, in funnel order.
type StatusCount struct {
	Status Status `json:"status"`
	Count  int    `json:"count"`
}

// Report counts the leads created in [from, to).
func (s *Service) Report(ctx context.Context, from, to time.Time) (Report, error) {
	r := Report{From: from, To: to, BySource: []SourceCount{}, ByStatus: []StatusCount{}}
	where, args := Filter{From: from, To: to}.where()
	q := s.db.Read()
	rows, err := q.Query(ctx, `SELECT src.id, src.name, COUNT(l.id) FROM lead_sources src
		LEFT JOIN (SELECT l.id, l.source_id FROM leads l`+where+`) l ON l.source_id = src.id
		GROUP BY src.id, src.name ORDER BY COUNT(l.id) DESC, LOWER(src.name), src.id`, args...)
	if err != nil {
		return Report{}, err
	}
	for rows.Next() {
		var c SourceCount
		if err := rows.Scan(&c.SourceID, &c.Name, &c.Count); err != nil {
			rows.Close()
			return Report{}, err
		}
		r.BySource = append(r.BySource, c)
		r.Total += c.Count
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return Report{}, err
	}
	noneWhere := " WHERE l.source_id IS NULL"
	if where != "" {
		noneWhere = where + " AND l.source_id IS NULL"
	}
	var none int
	if err := q.QueryRow(ctx, `SELECT COUNT(*) FROM leads l`+noneWhere, args...).Scan(&none); err != nil {
		return Report{}, err
	}
	if none > 0 {
		r.BySource = append(r.BySource, SourceCount{Count: none})
		r.Total += none
	}
	counts := map[Status]int{}
	rows, err = q.Query(ctx, `SELECT l.status, COUNT(*) FROM leads l`+where+` GROUP BY l.status`, args...)
	if err != nil {
		return Report{}, err
	}
	defer rows.Close()
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return Report{}, err
		}
		counts[Status(st)] = n
	}
	if err := rows.Err(); err != nil {
		return Report{}, err
	}
	for _, st := range Statuses {
		r.ByStatus = append(r.ByStatus, StatusCount{Status: st, Count: counts[st]})
	}
	return r, nil
}

// WriteCSV writes r as CSV rows "group,key,name,count": one per source
// (group "source", key its id, 0 for none) and one per status (group
// "status", key and name the status).
func (r Report) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	rec := [][]string{{"group", "key", "name", "count"}}
	for _, c := range r.BySource {
		rec = append(rec, []string{"source", strconv.FormatInt(c.SourceID, 10), c.Name, strconv.Itoa(c.Count)})
	}
	for _, c := range r.ByStatus {
		rec = append(rec, []string{"status", string(c.Status), string(c.Status), strconv.Itoa(c.Count)})
	}
	if err := cw.WriteAll(rec); err != nil {
		return err
	}
	return cw.Error()
}
