package ui

// The texts of the notifications part of the web app (see messages.go):
// the bell and the notifications page.
var (
	enNotify = map[string]string{
		"notify.title":          "Notifications",
		"notify.read_all":       "Mark all read",
		"notify.mark_read":      "Mark read",
		"notify.dismiss":        "Dismiss",
		"notify.new":            "new",
		"notify.none":           "Nothing to see: no notifications.",
		"notify.show_dismissed": "Show dismissed too",
		"notify.hide_dismissed": "Hide dismissed",
	}
	ptBRNotify = map[string]string{
		"notify.title":          "Notificações",
		"notify.read_all":       "Marcar todas como lidas",
		"notify.mark_read":      "Marcar como lida",
		"notify.dismiss":        "Dispensar",
		"notify.new":            "nova",
		"notify.none":           "Nada por aqui: nenhuma notificação.",
		"notify.show_dismissed": "Mostrar também as dispensadas",
		"notify.hide_dismissed": "Ocultar dispensadas",
	}
)
