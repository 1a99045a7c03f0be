package cleanup

import "time"

// Cutoff is the start of the day, in loc, of now minus days: a run deletes
// what is dated strictly before it. Counting whole days from midnight
// makes the result the same whatever hour the run starts, as the product
// documents it: 30 days on 30 Oct 2025 keeps 30 Sep 2025 onwards.
func Cutoff(now time.Time, days int, loc *time.Location) time.Time {
	d := now.In(loc)
	return time.Date(d.Year(), d.Month(), d.Day()-days, 0, 0, 0, 0, loc)
}

// slotOn is the scheduled start on now's day (in loc).
func slotOn(now time.Time, v Settings, loc *time.Location) time.Time {
	d := now.In(loc)
	h, m := v.clock()
	return time.Date(d.Year(), d.Month(), d.Day(), h, m, 0, 0, loc)
}

// nextSlot is the next scheduled start after now: today's when it is
// still ahead, else tomorrow's.
func nextSlot(now time.Time, v Settings, loc *time.Location) time.Time {
	s := slotOn(now, v, loc)
	if now.Before(s) {
		return s
	}
	d := s.In(loc)
	h, m := v.clock()
	return time.Date(d.Year(), d.Month(), d.Day()+1, h, m, 0, 0, loc)
}
