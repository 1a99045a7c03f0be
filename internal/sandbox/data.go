package sandbox

// Sender is a simulated business phone number. Its fields mirror what
// GET /{phone-number-id} reports, so the app can discover and display it the
// same way it does for a real number.
type Sender struct {
	PhoneNumberID      string // Graph object id used in /{phone-number-id}/messages
	DisplayPhoneNumber string // e.g. "+55 11 4000-0001"; webhooks carry its digits
	VerifiedName       string // business display name
	QualityRating      string // GREEN, YELLOW, RED, NA or UNKNOWN; default GREEN
	Status             string // CONNECTED, DISCONNECTED, …; default CONNECTED; only CONNECTED/FLAGGED can send
	ThroughputMPS      int    // messages per second accepted before 130429; default 80 (Meta's standard level)
	// CountryCode is prepended to a `to` written without "+" (Meta prepends the
	// business number's country code). Default: derived from DisplayPhoneNumber, else "55".
	CountryCode string
	// MessagingLimitTier is reported as whatsapp_business_manager_messaging_limit
	// (e.g. "TIER_2K"); default "TIER_2K". Informational only: not enforced.
	MessagingLimitTier string
}

// Template is a message template as Meta's GET /{waba-id}/message_templates
// returns it. The JSON tags make it serialise exactly like Meta's listing.
type Template struct {
	ID              string              `json:"id"`
	Name            string              `json:"name"`
	Language        string              `json:"language"`         // e.g. "pt_BR"
	Category        string              `json:"category"`         // MARKETING, UTILITY or AUTHENTICATION
	Status          string              `json:"status"`           // APPROVED, PAUSED, REJECTED, DISABLED, PENDING, …; default APPROVED
	ParameterFormat string              `json:"parameter_format"` // POSITIONAL ({{1}}) or NAMED ({{first_name}}); default POSITIONAL
	Components      []TemplateComponent `json:"components"`
}

// TemplateComponent is one HEADER, BODY, FOOTER or BUTTONS block of a
// template, in Meta's upper-case management-API form.
type TemplateComponent struct {
	Type    string           `json:"type"`             // HEADER, BODY, FOOTER, BUTTONS
	Format  string           `json:"format,omitempty"` // HEADER only: TEXT, IMAGE, VIDEO, DOCUMENT, LOCATION
	Text    string           `json:"text,omitempty"`
	Example *TemplateExample `json:"example,omitempty"`
	Buttons []TemplateButton `json:"buttons,omitempty"`
}

// TemplateExample carries the sample values Meta requires for placeholders.
type TemplateExample struct {
	HeaderText            []string           `json:"header_text,omitempty"`
	HeaderHandle          []string           `json:"header_handle,omitempty"`
	BodyText              [][]string         `json:"body_text,omitempty"`
	HeaderTextNamedParams []NamedParamSample `json:"header_text_named_params,omitempty"`
	BodyTextNamedParams   []NamedParamSample `json:"body_text_named_params,omitempty"`
}

// NamedParamSample is an example value for a named placeholder.
type NamedParamSample struct {
	ParamName string `json:"param_name"`
	Example   string `json:"example"`
}

// TemplateButton is one button of a BUTTONS component. A URL button whose url
// contains {{1}} needs a button parameter when sent.
type TemplateButton struct {
	Type        string   `json:"type"` // QUICK_REPLY, URL, PHONE_NUMBER, …
	Text        string   `json:"text"`
	URL         string   `json:"url,omitempty"`
	PhoneNumber string   `json:"phone_number,omitempty"`
	Example     []string `json:"example,omitempty"`
}

// DefaultSenders returns the two numbers a fresh sandbox has, so a new user
// can try both a sales and a support line.
func DefaultSenders() []Sender {
	return []Sender{
		{
			PhoneNumberID:      "100000000000011",
			DisplayPhoneNumber: "+55 11 4000-0001",
			VerifiedName:       "Zapflow Sandbox Loja",
			QualityRating:      "GREEN",
			Status:             "CONNECTED",
			ThroughputMPS:      defaultThroughputMPS,
			CountryCode:        "55",
			MessagingLimitTier: defaultMessagingLimitTier,
		},
		{
			PhoneNumberID:      "100000000000012",
			DisplayPhoneNumber: "+55 11 4000-0002",
			VerifiedName:       "Zapflow Sandbox Suporte",
			QualityRating:      "GREEN",
			Status:             "CONNECTED",
			ThroughputMPS:      defaultThroughputMPS,
			CountryCode:        "55",
			MessagingLimitTier: defaultMessagingLimitTier,
		},
	}
}

// DefaultTemplates returns the templates of a fresh sandbox: several APPROVED
// ones covering positional and named parameters, a text header, an image
// header, quick replies, a dynamic URL button and a copy-code (coupon)
// button, plus one PAUSED and one REJECTED so those send errors can be seen.
func DefaultTemplates() []Template {
	return []Template{
		{
			ID: "1000000000000101", Name: "appointment_confirmation", Language: "pt_BR",
			Category: "UTILITY", Status: "APPROVED", ParameterFormat: "POSITIONAL",
			Components: []TemplateComponent{
				{Type: "BODY", Text: "Olá {{1}}, seu compromisso com {{2}} está confirmado para {{3}}. Local: {{4}}",
					Example: &TemplateExample{BodyText: [][]string{{"Ana", "Dra. Beatriz", "12/03 às 14h", "Av. Paulista, 1000"}}}},
				{Type: "FOOTER", Text: "Responda esta mensagem para remarcar"},
			},
		},
		{
			ID: "1000000000000102", Name: "order_confirmation", Language: "pt_BR",
			Category: "UTILITY", Status: "APPROVED", ParameterFormat: "POSITIONAL",
			Components: []TemplateComponent{
				{Type: "HEADER", Format: "TEXT", Text: "Pedido confirmado"},
				{Type: "BODY", Text: "Olá {{1}}, recebemos seu pedido {{2}} no valor de {{3}}. Previsão de entrega: {{4}}.",
					Example: &TemplateExample{BodyText: [][]string{{"Ana", "#1234", "R$ 199,90", "15/03"}}}},
				{Type: "FOOTER", Text: "Zapflow Sandbox Loja"},
				{Type: "BUTTONS", Buttons: []TemplateButton{{Type: "QUICK_REPLY", Text: "Falar com atendente"}}},
			},
		},
		{
			ID: "1000000000000103", Name: "call_followup", Language: "pt_BR",
			Category: "UTILITY", Status: "APPROVED", ParameterFormat: "POSITIONAL",
			Components: []TemplateComponent{
				{Type: "BODY", Text: "Olá {{1}}, obrigado pela ligação de hoje com {{2}}. Ficou alguma dúvida? É só responder esta mensagem.",
					Example: &TemplateExample{BodyText: [][]string{{"Ana", "Carlos"}}}},
				{Type: "BUTTONS", Buttons: []TemplateButton{{Type: "QUICK_REPLY", Text: "Tudo certo"}, {Type: "QUICK_REPLY", Text: "Tenho uma dúvida"}}},
			},
		},
		{
			ID: "1000000000000104", Name: "promo_offer", Language: "pt_BR",
			Category: "MARKETING", Status: "APPROVED", ParameterFormat: "POSITIONAL",
			Components: []TemplateComponent{
				{Type: "HEADER", Format: "TEXT", Text: "Oferta especial para {{1}}!",
					Example: &TemplateExample{HeaderText: []string{"Ana"}}},
				{Type: "BODY", Text: "Use o cupom {{1}} e ganhe {{2}} de desconto até {{3}}.",
					Example: &TemplateExample{BodyText: [][]string{{"VERAO20", "20%", "31/03"}}}},
				{Type: "FOOTER", Text: "Para não receber ofertas, toque em Parar promoções"},
				{Type: "BUTTONS", Buttons: []TemplateButton{
					{Type: "URL", Text: "Ver ofertas", URL: "https://loja.zapflow.example/ofertas/{{1}}", Example: []string{"https://loja.zapflow.example/ofertas/verao"}},
					{Type: "QUICK_REPLY", Text: "Parar promoções"},
				}},
			},
		},
		{
			ID: "1000000000000105", Name: "delivery_update", Language: "pt_BR",
			Category: "UTILITY", Status: "APPROVED", ParameterFormat: "NAMED",
			Components: []TemplateComponent{
				{Type: "BODY", Text: "Olá {{customer_name}}, seu pedido {{order_id}} saiu para entrega.",
					Example: &TemplateExample{BodyTextNamedParams: []NamedParamSample{
						{ParamName: "customer_name", Example: "Ana"}, {ParamName: "order_id", Example: "#1234"}}}},
			},
		},
		{
			ID: "1000000000000106", Name: "hello_world", Language: "en_US",
			Category: "UTILITY", Status: "APPROVED", ParameterFormat: "POSITIONAL",
			Components: []TemplateComponent{
				{Type: "HEADER", Format: "TEXT", Text: "Hello from the sandbox"},
				{Type: "BODY", Text: "This is a sample message sent through the Zapflow sandbox. No Meta account needed."},
			},
		},
		{
			ID: "1000000000000109", Name: "order_shipped_photo", Language: "pt_BR",
			Category: "UTILITY", Status: "APPROVED", ParameterFormat: "POSITIONAL",
			Components: []TemplateComponent{
				{Type: "HEADER", Format: "IMAGE",
					Example: &TemplateExample{HeaderHandle: []string{"https://loja.zapflow.example/exemplos/pacote.jpg"}}},
				{Type: "BODY", Text: "Olá {{1}}, seu pedido {{2}} foi enviado! Esta é a foto do pacote.",
					Example: &TemplateExample{BodyText: [][]string{{"Ana", "#1234"}}}},
				{Type: "FOOTER", Text: "Zapflow Sandbox Loja"},
				{Type: "BUTTONS", Buttons: []TemplateButton{{Type: "QUICK_REPLY", Text: "Recebi"}, {Type: "QUICK_REPLY", Text: "Não recebi"}}},
			},
		},
		{
			ID: "1000000000000110", Name: "coupon_code", Language: "pt_BR",
			Category: "MARKETING", Status: "APPROVED", ParameterFormat: "POSITIONAL",
			Components: []TemplateComponent{
				{Type: "HEADER", Format: "TEXT", Text: "Um presente para você"},
				{Type: "BODY", Text: "Use o código {{1}} e ganhe {{2}} de desconto na próxima compra.",
					Example: &TemplateExample{BodyText: [][]string{{"VERAO20", "20%"}}}},
				{Type: "BUTTONS", Buttons: []TemplateButton{
					{Type: "COPY_CODE", Text: "Copiar código da oferta", Example: []string{"VERAO20"}},
					{Type: "QUICK_REPLY", Text: "Parar promoções"},
				}},
			},
		},
		{
			ID: "1000000000000107", Name: "reactivation_offer", Language: "pt_BR",
			Category: "MARKETING", Status: "PAUSED", ParameterFormat: "POSITIONAL",
			Components: []TemplateComponent{
				{Type: "BODY", Text: "Sentimos sua falta, {{1}}! Volte e ganhe frete grátis.",
					Example: &TemplateExample{BodyText: [][]string{{"Ana"}}}},
			},
		},
		{
			ID: "1000000000000108", Name: "mega_blast", Language: "pt_BR",
			Category: "MARKETING", Status: "REJECTED", ParameterFormat: "POSITIONAL",
			Components: []TemplateComponent{
				{Type: "BODY", Text: "GANHE DINHEIRO RÁPIDO!!! Clique agora."},
			},
		},
	}
}
