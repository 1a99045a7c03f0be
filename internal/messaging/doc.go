// Package messaging keeps the conversation record (F3, F4): contacts,
// conversations per (sender, customer) with their 24-hour customer service
// window, and every inbound and outbound message with its delivery status.
// Processor applies stored webhook events to that record, one transaction
// per batch, in order per conversation.
package messaging
