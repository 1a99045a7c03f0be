package ui

// The texts of a contact's data requests on the contact page (see
// messages.go).
var (
	enPrivacy = map[string]string{
		"contacts.privacy":        "Data requests (LGPD/GDPR)",
		"contacts.privacy.hint":   "When this customer asks what you hold about them, download it all; when they ask you to delete it, erase it all. Erasing cannot be undone: only an anonymous line (who erased which contact id, when) remains.",
		"contacts.export_data":    "Download all their data (ZIP)",
		"contacts.erase.confirm":  "To erase everything, type their phone number",
		"contacts.erase":          "Erase all their data",
		"contacts.erase.mismatch": "That is not this contact's number: type it again to confirm.",
		"contacts.erased":         "The contact and everything about them were erased.",
	}
	ptBRPrivacy = map[string]string{
		"contacts.privacy":        "Solicitações de dados (LGPD)",
		"contacts.privacy.hint":   "Quando este cliente pedir o que você guarda sobre ele, baixe tudo; quando pedir para apagar, apague tudo. Apagar não pode ser desfeito: resta só uma linha anônima (quem apagou qual id de contato, e quando).",
		"contacts.export_data":    "Baixar todos os dados (ZIP)",
		"contacts.erase.confirm":  "Para apagar tudo, digite o número de telefone",
		"contacts.erase":          "Apagar todos os dados",
		"contacts.erase.mismatch": "Esse não é o número deste contato: digite de novo para confirmar.",
		"contacts.erased":         "O contato e tudo sobre ele foram apagados.",
	}
)
