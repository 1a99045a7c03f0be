// Package ai is zapflow's model access and everything built on it:
// assistants with per-customer memory (F7, also the flow step
// generate_ai_reply), the automatic WhatsApp assistant with its stop
// keywords and pause state (F19, F25), and the agent's AI helpers with
// saved prompts (F23).
//
// Every model call goes through one OpenAI-compatible chat completions
// endpoint (any base URL; the sandbox's model when nothing is configured),
// ends as a named error a person can act on, and is recorded in ai_calls
// with its model, latency, tokens and outcome.
package ai
