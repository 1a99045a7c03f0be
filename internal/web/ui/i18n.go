package ui

import (
	"context"
	"net/http"

	"golang.org/x/text/language"
)

// The languages of the web app: English and Brazilian Portuguese, picked
// from the browser unless the user chose one.
var (
	supported = []language.Tag{language.English, language.BrazilianPortuguese}
	matcher   = language.NewMatcher(supported)
)

// locale is the language of a request: the user's choice, else the
// browser's Accept-Language.
func locale(r *http.Request) string {
	if l := userFrom(r.Context()).Locale; l == "en" || l == "pt-BR" {
		return l
	}
	tags, _, _ := language.ParseAcceptLanguage(r.Header.Get("Accept-Language"))
	_, i, _ := matcher.Match(tags...)
	if supported[i] == language.BrazilianPortuguese {
		return "pt-BR"
	}
	return "en"
}

type localeKey struct{}

func withLocale(ctx context.Context, l string) context.Context {
	return context.WithValue(ctx, localeKey{}, l)
}

// t translates key into the context's language; a key with no
// translation shows in English, and an unknown key as itself.
func t(ctx context.Context, key string) string {
	l, _ := ctx.Value(localeKey{}).(string)
	if l == "pt-BR" {
		if s, ok := lookup(ptBRParts, key); ok {
			return s
		}
	}
	if s, ok := lookup(enParts, key); ok {
		return s
	}
	return key
}

func lookup(parts []map[string]string, key string) (string, bool) {
	for _, m := range parts {
		if s, ok := m[key]; ok {
			return s, true
		}
	}
	return "", false
}
