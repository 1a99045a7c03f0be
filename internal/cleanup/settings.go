package cleanup

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/settings"
)

// Key is the settings section (and settings_audit section) of the cleanup.
const Key = "cleanup"

// Retention bounds in days: at least one day, at most ten years.
const (
	MinRetentionDays = 1
	MaxRetentionDays = 3650
)

// Settings are what the admin sets on the cleanup panel.
type Settings struct {
	// Enabled turns the daily scheduled run on; "run cleanup now" and dry
	// runs work either way.
	Enabled bool `json:"enabled"`
	// RetentionDays is how many days of history are kept.
	RetentionDays int `json:"retention_days"`
	// TimeOfDay is when the daily run starts, "HH:MM" in the time zone
	// (UTC).
	TimeOfDay string `json:"time_of_day"`
}

// DefaultSettings: off, three months kept, at 03:00.
var DefaultSettings = Settings{Enabled: false, RetentionDays: 90, TimeOfDay: "03:00"}

// Input changes some settings: a field left out keeps its value.
type Input struct {
	Enabled       *bool   `json:"enabled"`
	RetentionDays *int    `json:"retention_days"`
	TimeOfDay     *string `json:"time_of_day"`
}

var timeOfDayRE = regexp.MustCompile(`^([01][0-9]|2[0-3]):[0-5][0-9]$`)

// Validate names the first wrong field.
func (s Settings) Validate() error {
	if s.RetentionDays < MinRetentionDays || s.RetentionDays > MaxRetentionDays {
		return apperr.Invalid("retention_days", "invalid_settings",
			fmt.Sprintf("retention_days must be a whole number of days from %d to %d", MinRetentionDays, MaxRetentionDays))
	}
	if !timeOfDayRE.MatchString(s.TimeOfDay) {
		return apperr.Invalid("time_of_day", "invalid_settings", "time_of_day must be a time as HH:MM (24-hour), e.g. 03:00")
	}
	return nil
}

// clock returns the hour and minute of TimeOfDay (valid settings only).
func (s Settings) clock() (hour, minute int) {
	h, m, _ := strings.Cut(s.TimeOfDay, ":")
	hour, _ = strconv.Atoi(h)
	minute, _ = strconv.Atoi(m)
	return hour, minute
}

// Settings returns the saved settings (the defaults until saved).
func (s *Service) Settings(ctx context.Context) (Settings, error) {
	return settings.Get(ctx, s.settings, nil, Key, DefaultSettings)
}

// UpdateSettings merges in over the saved settings, validates the result
// and saves it. The next scheduler tick (within a minute) follows it.
func (s *Service) UpdateSettings(ctx context.Context, in Input) (Settings, error) {
	v, err := s.Settings(ctx)
	if err != nil {
		return Settings{}, err
	}
	if in.Enabled != nil {
		v.Enabled = *in.Enabled
	}
	if in.RetentionDays != nil {
		v.RetentionDays = *in.RetentionDays
	}
	if in.TimeOfDay != nil {
		v.TimeOfDay = strings.TrimSpace(*in.TimeOfDay)
	}
	if err := v.Validate(); err != nil {
		return Settings{}, err
	}
	if err := settings.Put(ctx, s.settings, Key, v); err != nil {
		return Settings{}, err
	}
	return v, nil
}

// View is the settings with what follows from them: the time zone they
// are read in, the cutoff a run started now would use and when the next
// scheduled run is due (zero when the schedule is off).
type View struct {
	Settings
	TimeZone  string    `json:"time_zone"`
	CutoffNow time.Time `json:"cutoff_now"`
	NextRunAt time.Time `json:"next_run_at,omitzero"`
}

// ViewOf describes v as of now.
func (s *Service) ViewOf(v Settings) View {
	now := s.now()
	out := View{Settings: v, TimeZone: s.loc.String(), CutoffNow: Cutoff(now, v.RetentionDays, s.loc).UTC()}
	if v.Enabled {
		out.NextRunAt = nextSlot(now, v, s.loc).UTC()
	}
	return out
}
