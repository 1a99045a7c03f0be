package ui

// The texts of the simulated customer's richer messages on the sandbox
// page (voice notes, documents, location pins).
var (
	enMediaIn = map[string]string{
		"sandbox.voice":         "Send a voice note",
		"sandbox.voice.hint":    "Sends a one-second voice note (Ogg Opus), as WhatsApp records them.",
		"sandbox.document":      "Send a PDF",
		"sandbox.document.hint": "Sends a sample PDF; the text, if any, is its caption.",
		"sandbox.location":      "Share a location",
		"sandbox.location.hint": "Shares a pin on Avenida Paulista, São Paulo; the text, if any, names the place.",
		"media.failed":          "This file could not be kept:",
		"media.retrying":        "Fetching this file from WhatsApp failed; trying again shortly.",
	}
	ptBRMediaIn = map[string]string{
		"sandbox.voice":         "Enviar um áudio",
		"sandbox.voice.hint":    "Envia um áudio de um segundo (Ogg Opus), como o WhatsApp grava.",
		"sandbox.document":      "Enviar um PDF",
		"sandbox.document.hint": "Envia um PDF de exemplo; o texto, se houver, vira a legenda.",
		"sandbox.location":      "Enviar localização",
		"sandbox.location.hint": "Envia um pino na Avenida Paulista, em São Paulo; o texto, se houver, dá nome ao lugar.",
		"media.failed":          "Não foi possível guardar este arquivo:",
		"media.retrying":        "Falhou ao buscar este arquivo no WhatsApp; tentando de novo em instantes.",
	}
)
