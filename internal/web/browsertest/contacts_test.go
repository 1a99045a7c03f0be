package browsertest

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/zapflow/zapflow/internal/contact"
)

// TestContactEditAndImport edits a contact a customer created by writing
// in: a custom field with a bad name is refused next to the field with
// nothing saved, then the fixed form saves, shows "Saved" and the opt-out
// in the history. Then a CSV with a bad row is imported: the report names
// the row and why, and the good rows are contacts.
func TestContactEditAndImport(t *testing.T) {
	p := start(t)
	ctx := context.Background()
	p.user("ana@example.com", "admin")
	sender := p.env.App.Sandbox.Senders()[0].PhoneNumberID
	_, err := p.env.App.Sandbox.CustomerWrites(sender, "+5511988887777", "Carla Cliente", "Oi!")
	require.NoError(t, err)
	p.eventually(func() bool { return p.env.Count(`SELECT COUNT(*) FROM contacts`) == 1 }, "the customer is a contact")
	page, err := p.env.App.Contacts.List(ctx, contact.Filter{})
	require.NoError(t, err)
	id := page.Contacts[0].ID

	p.login("ana@example.com")
	p.goTo("/contacts")
	p.waitText(".contacts-table", "Carla Cliente")
	p.submit(chromedp.Click(chromedp.CSS(`.contacts-table a`)))
	p.waitText("h1", "Carla Cliente")
	require.Equal(t, "/contacts/"+strconv.FormatInt(id, 10), p.location())

	p.waitVisible(".contact-form .tags input") // the tags widget is ready
	firstKey := `#fields tbody tr:nth-child(1) input[name="field_key"]`
	firstValue := `#fields tbody tr:nth-child(1) input[name="field_value"]`
	p.do(chromedp.SetValue(chromedp.ID("name"), "Carla Souza"))
	// A tag typed and not yet added with Enter is added on save. (Enter
	// through chromedp also sends a char event that a real keyboard's
	// cancelled keydown would not, and that submits the form.)
	p.do(chromedp.SendKeys(chromedp.ID("tags"), "vip"))
	p.do(chromedp.SetValue(chromedp.CSS(firstKey), "Cidade Natal"))
	p.do(chromedp.SetValue(chromedp.CSS(firstValue), "Recife"))
	_, err = chromedp.Run(p.ctx, chromedp.Evaluate[bool](`document.getElementById("opted_out").click() ?? true`))
	require.NoError(t, err)
	p.submit(chromedp.Click(chromedp.CSS(`.contact-form button[type="submit"]`)))
	p.waitText("#fields-error", "lower-case letters")
	p.waitText(".form-error", "Nothing was saved")
	p.waitText(".contact-form .tag", "vip")
	p.shot("contact-edit-refused")
	name, err := chromedp.Run(p.ctx, chromedp.Value(chromedp.ID("name")))
	require.NoError(t, err)
	require.Equal(t, "Carla Souza", name, "what was typed stays")
	c, err := p.env.App.Contacts.Get(ctx, id)
	require.NoError(t, err)
	require.Empty(t, c.Name, "nothing saved")

	p.do(chromedp.SetValue(chromedp.CSS(firstKey), "cidade_natal"))
	p.submit(chromedp.Click(chromedp.CSS(`.contact-form button[type="submit"]`)))
	p.waitText(".saved", "Saved.")
	p.waitText("#optout-history", "Opted out")
	p.waitText("#optout-history", "Agent ana@example.com")
	_, err = chromedp.Run(p.ctx, chromedp.Evaluate[bool](`(window.scrollTo(0, document.body.scrollHeight), true)`))
	require.NoError(t, err)
	p.shot("contact-edit")
	c, err = p.env.App.Contacts.Get(ctx, id)
	require.NoError(t, err)
	require.Equal(t, "Carla Souza", c.Name)
	require.Equal(t, []string{"vip"}, c.Tags)
	require.Equal(t, map[string]string{"cidade_natal": "Recife"}, c.Fields)
	require.True(t, c.OptedOut)

	file := filepath.Join(t.TempDir(), "contatos.csv")
	require.NoError(t, os.WriteFile(file, []byte("telefone;nome;tags\n(21) 97777-6666;Caio;vip\n12345;Ruim;\n+55 31 96666-5555;Duda;\n"), 0o644))
	p.goTo("/contacts")
	p.submit(chromedp.Click(chromedp.CSS(`a[href="/contacts/import"]`)))
	p.do(chromedp.SetUploadFiles(chromedp.ID("file"), []string{file}), chromedp.SetValue(chromedp.ID("region"), "BR"))
	p.submit(chromedp.Click(chromedp.CSS(`.contact-form button[type="submit"]`)))
	p.waitText("#import-report", "Imported 2 of 3 rows")
	p.waitText(".import-errors", "not a valid phone number")
	p.shot("contacts-import-report")
	row, err := chromedp.Run(p.ctx, chromedp.Evaluate[string](`document.querySelector(".import-errors tbody tr").innerText`))
	require.NoError(t, err)
	require.Contains(t, row, "3")
	require.Contains(t, row, "12345")
	require.Equal(t, 1, p.env.Count(`SELECT COUNT(*) FROM contacts WHERE phone = '+5521977776666' AND name = 'Caio'`))
	require.Equal(t, 3, p.env.Count(`SELECT COUNT(*) FROM contacts`))

	p.goTo("/contacts?q=vip")
	p.waitText(".contacts-table", "Caio")
	p.waitText(".contacts-table", "Carla Souza")
	require.NotContains(t, p.text(), "Duda", "the search finds the tag")
	p.shot("contacts-search")
}
