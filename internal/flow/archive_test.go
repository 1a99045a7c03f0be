package flow

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/apperr"
	"github.com/zapflow/zapflow/internal/store"
	"github.com/zapflow/zapflow/internal/store/storetest"
)

// Deleting a flow archives it: its runs and their history stay readable
// (a run in progress ends cancelled with the reason), it leaves the list
// and stops firing, and its name is free for a new flow.
func TestDeletingAFlowKeepsItsRuns(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		now := time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC)
		s := newTestService(t, db, &now)
		rec, err := s.Create(ctx, setFlow("one"))
		require.NoError(t, err)
		res, err := s.Event(ctx, "e", nil, "")
		require.NoError(t, err)
		require.Len(t, res.RunIDs, 1)
		runID := res.RunIDs[0]

		require.NoError(t, s.Delete(ctx, rec.ID))
		run, err := s.GetRun(ctx, runID)
		require.NoError(t, err, "the run outlives its flow")
		require.Equal(t, StatusCancelled, run.Status)
		require.Equal(t, ReasonFlowDeleted, run.Reason)
		runs, err := s.ListRuns(ctx, RunFilter{FlowID: rec.ID})
		require.NoError(t, err)
		require.Len(t, runs, 1)

		list, err := s.List(ctx, false)
		require.NoError(t, err)
		require.Empty(t, list)
		list, err = s.List(ctx, true)
		require.NoError(t, err)
		require.Len(t, list, 1)
		require.NotNil(t, list[0].ArchivedAt)
		require.False(t, list[0].Enabled)
		got, err := s.Get(ctx, rec.ID)
		require.NoError(t, err)
		require.NotNil(t, got.ArchivedAt)

		res, err = s.Event(ctx, "e", nil, "")
		require.NoError(t, err)
		require.Empty(t, res.RunIDs, "an archived flow starts nothing")

		_, err = s.SetEnabled(ctx, rec.ID, true)
		requireCode(t, err, "flow_archived")
		_, err = s.Update(ctx, rec.ID, setFlow("two"))
		requireCode(t, err, "flow_archived")
		_, err = s.TestRun(ctx, rec.ID, TestRunRequest{To: "+5511999990000"})
		requireCode(t, err, "flow_archived")
		require.NoError(t, s.Delete(ctx, rec.ID), "deleting again changes nothing")
		requireCode(t, s.Delete(ctx, rec.ID+100), "not_found")

		again, err := s.Create(ctx, setFlow("two"))
		require.NoError(t, err, "the name is free again")
		require.NotEqual(t, rec.ID, again.ID)
		_, err = s.Create(ctx, setFlow("three"))
		requireCode(t, err, "flow_exists")
		require.Contains(t, err.Error(), "?replace=true")
		out, err := s.ExportFlow(ctx, again.ID, YAML)
		require.NoError(t, err)
		replaced, err := s.Import(ctx, out, YAML, true)
		require.NoError(t, err)
		require.Equal(t, again.ID, replaced.ID, "replace finds the live flow, not the archived one")
	})
}

func requireCode(t *testing.T, err error, code string) {
	t.Helper()
	require.Error(t, err)
	ae, ok := apperr.As(err)
	require.True(t, ok, err.Error())
	require.Equal(t, code, ae.Code, err.Error())
}
