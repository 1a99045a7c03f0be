package ui

// The texts of the reply box's attachments (compose_attach.go) and of the
// rich messages we send, as the chat shows them (media_content.go).
var (
	enAttach = map[string]string{
		"compose.attach":                     "Attach a file",
		"compose.attach.remove":              "Remove",
		"compose.attach.hint":                "Or drop a file on the chat. The text goes as its caption.",
		"compose.attach.caption":             "Caption (optional)",
		"compose.attach.unsupported":         "WhatsApp does not take this type of file",
		"compose.attach.too_large":           "This file is larger than WhatsApp takes for its type",
		"compose.fix.unsupported_media_type": "Send a JPEG or PNG picture, an MP4 or 3GPP video, an AAC, AMR, MP3, M4A or OGG audio, a WebP sticker, or a PDF, Word, Excel, PowerPoint or text document.",
		"compose.fix.media_too_large":        "Send a smaller file: WhatsApp takes pictures up to 5 MB, video and audio up to 16 MB, stickers up to 500 KB and documents up to 100 MB.",
		"compose.fix.attach_caption":         "WhatsApp shows no caption on voice messages and stickers: clear the text, send the file, then send the text on its own.",
		"compose.fix.attach_unread":          "Choose the file again; if it keeps failing, the file may be damaged.",
		"compose.media.link":                 "Sent by link:",
		"compose.media.reaction":             "Reaction",
		"compose.media.buttons":              "Reply buttons",
		"compose.media.list":                 "List",
	}
	ptBRAttach = map[string]string{
		"compose.attach":                     "Anexar arquivo",
		"compose.attach.remove":              "Remover",
		"compose.attach.hint":                "Ou solte um arquivo na conversa. O texto vai como legenda.",
		"compose.attach.caption":             "Legenda (opcional)",
		"compose.attach.unsupported":         "O WhatsApp não aceita este tipo de arquivo",
		"compose.attach.too_large":           "Este arquivo é maior do que o WhatsApp aceita para o tipo dele",
		"compose.fix.unsupported_media_type": "Envie uma imagem JPEG ou PNG, um vídeo MP4 ou 3GPP, um áudio AAC, AMR, MP3, M4A ou OGG, uma figurinha WebP, ou um documento PDF, Word, Excel, PowerPoint ou de texto.",
		"compose.fix.media_too_large":        "Envie um arquivo menor: o WhatsApp aceita imagens de até 5 MB, vídeo e áudio de até 16 MB, figurinhas de até 500 KB e documentos de até 100 MB.",
		"compose.fix.attach_caption":         "O WhatsApp não mostra legenda em áudios e figurinhas: apague o texto, envie o arquivo e depois mande o texto separado.",
		"compose.fix.attach_unread":          "Escolha o arquivo de novo; se continuar falhando, o arquivo pode estar danificado.",
		"compose.media.link":                 "Enviado por link:",
		"compose.media.reaction":             "Reação",
		"compose.media.buttons":              "Botões de resposta",
		"compose.media.list":                 "Lista",
	}
)
