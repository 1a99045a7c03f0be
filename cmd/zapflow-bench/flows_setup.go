package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// Setup for `zapflow-bench flows`: the senders the webhooks come in on (and
// the flow replies from), and the flow itself. Everything goes through the
// public API and the sandbox control API, as an operator would do it.

// benchFlowYAML is the flow under test, three steps per message:
// set_variables, a branch on the text, and a send_template whose four
// placeholders come from the trigger (with filters) and literals. Sender and
// recipient are left out on purpose: a message-triggered flow replies from
// the number the message came in on, to the customer who wrote, which is
// what the benchmark checks. Every generated message says "pedido", so the
// else path is there for realism (its condition is still evaluated) but is
// never taken.
const benchFlowYAML = `name: %s
description: Created by zapflow-bench flows; safe to delete.
enabled: false
trigger:
  type: whatsapp.message_received
steps:
  - id: prepare
    type: set_variables
    set:
      name: '{{trigger.contact.name | default("cliente")}}'
  - id: route
    type: branch
    branches:
      - when: lower(trigger.message) contains "pedido"
        steps:
          - id: confirm
            type: send_template
            template:
              name: appointment_confirmation
              language: pt_BR
            variables:
              "1": '{{vars.name}}'
              "2": Dra. Beatriz
              "3": '{{trigger.timestamp | format_date("DD/MM", "America/Sao_Paulo")}}'
              "4": Av. Paulista, 1000
    else:
      - id: fallback
        type: send_template
        template:
          name: call_followup
          language: pt_BR
        variables:
          "1": '{{vars.name}}'
          "2": nossa equipe
`

// benchFlowSteps is how many steps a completed run of benchFlowYAML records.
const benchFlowSteps = 3

type apiFlow struct {
	ID      int64  `json:"id"`
	Name    string `json:"name"`
	Enabled bool   `json:"enabled"`
	Trigger struct {
		Type string `json:"type"`
	} `json:"trigger"`
}

// doRaw sends a non-JSON body (the flow file) and decodes a JSON answer.
func (c *apiClient) doRaw(ctx context.Context, method, path, contentType string, body []byte, out any, want int) error {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Authorization", "Bearer "+c.key)
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != want {
		return fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, snippet(data))
	}
	if out != nil {
		return json.Unmarshal(data, out)
	}
	return nil
}

// createBenchFlow stores and enables the flow and returns its id. Other
// enabled flows on the same triggers would add runs and sends of their own
// to the measurement; they are reported, not touched.
func createBenchFlow(ctx context.Context, c *apiClient, name string, progress io.Writer) (int64, error) {
	var list struct {
		Flows []apiFlow `json:"flows"`
	}
	if _, err := c.do(ctx, http.MethodGet, "/api/v1/flows", nil, &list, http.StatusOK); err != nil {
		return 0, err
	}
	for _, f := range list.Flows {
		if f.Enabled && (f.Trigger.Type == "whatsapp.message_received" || f.Trigger.Type == "whatsapp.conversation_started") {
			fmt.Fprintf(progress, "warning: flow %d (%q) is enabled on %s too: its runs and sends add to the load\n", f.ID, f.Name, f.Trigger.Type)
		}
	}
	var created apiFlow
	body := fmt.Sprintf(benchFlowYAML, strconv.Quote(name))
	if err := c.doRaw(ctx, http.MethodPost, "/api/v1/flows", "application/yaml", []byte(body), &created, http.StatusCreated); err != nil {
		return 0, fmt.Errorf("create flow: %w", err)
	}
	var enabled apiFlow
	if _, err := c.do(ctx, http.MethodPost, "/api/v1/flows/"+strconv.FormatInt(created.ID, 10)+"/enable", nil, &enabled, http.StatusOK); err != nil {
		return created.ID, fmt.Errorf("enable flow %d: %w", created.ID, err)
	}
	if !enabled.Enabled {
		return created.ID, fmt.Errorf("flow %d: enable answered enabled=false", created.ID)
	}
	return created.ID, nil
}

// extraSenderID is the phone_number_id of the k-th number the benchmark
// adds (k >= 0), after the sandbox's built-in ...011 and ...012.
func extraSenderID(k int) string { return strconv.FormatInt(100000000000013+int64(k), 10) }

// setupSenders returns n senders of the account, adding numbers to the
// sandbox and registering them in zapflow when the account has fewer, and
// sets each one's rate_limit and sandbox throughput to rate. Re-runs against
// the same server reuse the numbers an earlier run added.
func setupSenders(ctx context.Context, c *apiClient, account int64, n, rate int, progress io.Writer) ([]apiSender, error) {
	acct := "/api/v1/accounts/" + strconv.FormatInt(account, 10) + "/senders"
	var list struct {
		Senders []apiSender `json:"senders"`
	}
	if _, err := c.do(ctx, http.MethodGet, acct, nil, &list, http.StatusOK); err != nil {
		return nil, err
	}
	senders := list.Senders
	slices.SortFunc(senders, func(a, b apiSender) int { return int(a.ID - b.ID) })
	have := map[string]bool{}
	for _, s := range senders {
		have[s.PhoneNumberID] = true
	}
	for k := 0; len(senders) < n; k++ {
		if k >= 1000 {
			return nil, errors.New("could not find free phone_number_ids for the extra senders")
		}
		pid := extraSenderID(k)
		if have[pid] {
			continue
		}
		display := fmt.Sprintf("+55 11 4100-%04d", k+3)
		code, err := c.do(ctx, http.MethodPost, "/sandbox/api/senders",
			map[string]string{"phone_number_id": pid, "display_phone_number": display}, nil, http.StatusCreated)
		if err != nil && code != http.StatusConflict { // 409: an earlier run added it to the sandbox
			return nil, fmt.Errorf("add sandbox number %s: %w", pid, err)
		}
		var s apiSender
		if _, err := c.do(ctx, http.MethodPost, acct, map[string]any{"phone_number_id": pid, "rate_limit": rate}, &s, http.StatusCreated); err != nil {
			return nil, fmt.Errorf("register sender %s: %w", pid, err)
		}
		fmt.Fprintf(progress, "added sender %d (%s, %s)\n", s.ID, pid, display)
		senders = append(senders, s)
		have[pid] = true
	}
	senders = senders[:n]
	for _, s := range senders {
		if !s.Online {
			fmt.Fprintf(progress, "warning: sender %d (%s) is not online (status %q)\n", s.ID, s.PhoneNumberID, s.Status)
		}
		var upd apiSender
		if _, err := c.do(ctx, http.MethodPatch, "/api/v1/senders/"+strconv.FormatInt(s.ID, 10),
			map[string]int{"rate_limit": rate}, &upd, http.StatusOK); err != nil {
			return nil, fmt.Errorf("set rate_limit: %w", err)
		}
		if upd.RateLimit != rate {
			return nil, fmt.Errorf("sender %d: asked for rate_limit %d, server answered %d", s.ID, rate, upd.RateLimit)
		}
		if _, err := c.do(ctx, http.MethodPost, "/sandbox/api/senders/"+url.PathEscape(s.PhoneNumberID)+"/throughput",
			map[string]int{"mps": rate}, nil, http.StatusOK); err != nil {
			return nil, fmt.Errorf("set sandbox throughput: %w", err)
		}
	}
	return senders, nil
}

// webhookURL is where Meta (here: the benchmark) posts the account's webhooks.
func webhookURL(base string, account int64) string {
	return strings.TrimRight(base, "/") + "/webhooks/whatsapp/" + strconv.FormatInt(account, 10)
}
