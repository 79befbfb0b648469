// Package privacy holds Tet-a-Tet's privacy policy, in the languages the
// product speaks. The bot shows it for /privacy and the API serves it at
// /privacy, so both always say the same thing.
package privacy

import (
	"html"
	"strings"
)

// Policy returns the policy as plain text for a Telegram language code:
// Russian for "ru…", English otherwise.
func Policy(lang string) string {
	if strings.HasPrefix(strings.ToLower(lang), "ru") {
		return ru
	}
	return en
}

// HTML returns both languages as a small standalone page.
func HTML() string {
	var b strings.Builder
	b.WriteString(`<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">` +
		`<title>Tet-a-Tet — privacy policy</title><style>body{font:16px/1.5 system-ui,sans-serif;max-width:42rem;margin:2rem auto;padding:0 1rem}` +
		`h1{font-size:1.4rem}</style></head><body>`)
	for _, text := range []string{en, ru} {
		lines := strings.Split(text, "\n")
		b.WriteString("<h1>" + html.EscapeString(lines[0]) + "</h1>")
		for _, p := range strings.Split(strings.Join(lines[1:], "\n"), "\n\n") {
			if p = strings.TrimSpace(p); p != "" {
				b.WriteString("<p>" + strings.ReplaceAll(html.EscapeString(p), "\n", "<br>") + "</p>")
			}
		}
	}
	b.WriteString("</body></html>")
	return b.String()
}

const en = `Tet-a-Tet privacy policy

What we store: your Telegram user id (to recognise you), your language, and the profile you give us: nickname, gender and age. While you search, your filters. For each conversation, its messages and who was in it.

Who sees what: your partner sees only your nickname, gender and age and what you write. Never your Telegram id, username, name or photo.

How long: a conversation and its messages are deleted 24 hours after its last activity, or at once when either of you clears it. A search is forgotten when it ends.

Reports: when you report someone, the last 50 messages of that conversation are kept with the report for our moderators, who may suspend or ban the account. Reports are kept up to 30 days.

Deleting your data: send /delete to the bot. Your profile, search and any open conversation are deleted at once. We keep only the link between your Telegram id and an internal number, with nothing else attached, so that blocks and bans stay in force.

We do not sell or share your data. Questions: write to the bot's operator.`

const ru = `Политика конфиденциальности Tet-a-Tet

Что мы храним: ваш Telegram id (чтобы узнавать вас), язык и профиль, который вы указали: ник, пол и возраст. Во время поиска — ваши фильтры. Для каждой беседы — её сообщения и участников.

Кто что видит: собеседник видит только ваш ник, пол, возраст и то, что вы пишете. Никогда — ваш Telegram id, имя пользователя, имя или фото.

Как долго: беседа и её сообщения удаляются через 24 часа после последней активности или сразу, когда один из вас её очищает. Поиск забывается, когда заканчивается.

Жалобы: когда вы жалуетесь на собеседника, последние 50 сообщений беседы сохраняются вместе с жалобой для модераторов, которые могут временно или навсегда заблокировать аккаунт. Жалобы хранятся до 30 дней.

Удаление данных: отправьте боту /delete. Профиль, поиск и открытая беседа удаляются сразу. Мы оставляем только связь вашего Telegram id с внутренним номером, без каких-либо других данных, чтобы блокировки продолжали действовать.

Мы не продаём и не передаём ваши данные. Вопросы — оператору бота.`
